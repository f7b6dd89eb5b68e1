"""How long the template's own test suite takes, measured the way CI runs it.

Each run clones the checkout at a commit into a fresh folder (no .venv, no caches of this
checkout) and runs `.ci/run` there, as CI does on a fresh machine: the Debian packages (when
root and missing), the first `uv sync`, then README's test command. It reports the wall time,
the CPU time of everything the suite started, the test count, set-up versus call time and the
costliest fixture set-ups, and where wall time went idle: the CPU the tests used (their worker
and the children it waited for) beside their wall time, and the tests and files with the most
wall minus CPU (all from tests/suite_timing.py; the JSON report is kept with --report).

    .venv/bin/python benchmarks/bench_suite.py                      # HEAD, the whole suite
    .venv/bin/python benchmarks/bench_suite.py -m "not slow"        # the fast tier
    .venv/bin/python benchmarks/bench_suite.py --baseline 4167f21   # a baseline commit first
    .venv/bin/python benchmarks/bench_suite.py --record             # add a row to docs/testing.md
    .venv/bin/python benchmarks/bench_suite.py --record-durations   # tests/suite_durations.json
    .venv/bin/python benchmarks/bench_suite.py --durations-from REPORT.json  # same, no run

Where scripts/test keeps a run's temporary files in RAM (docs/testing.md), each run gets a
fresh folder there, so its uv cache is as empty as on CI's fresh machine;
`PAVED_ROAD_TEST_TMP= .venv/bin/python benchmarks/bench_suite.py` measures on the disk instead.

With --baseline, the baseline and the subject run one after the other on the same machine
(a suite takes minutes: two at once on two cores would measure contention), and the ratio is
printed. The figures depend on how loaded the machine is: the load average before and after
each run is printed beside them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DOC = REPO_ROOT / "docs" / "testing.md"
DURATIONS = REPO_ROOT / "tests" / "suite_durations.json"
TABLE_MARKER = "<!-- bench_suite rows: newest last -->"


@dataclass
class SuiteRun:
    commit: str
    marker: str | None
    wall_s: float
    cpu_s: float
    exit_code: int
    tests: int
    phases: dict[str, float]
    fixtures: list[dict]
    files: list[dict]
    test_cpu: dict[str, float]
    test_times: list[dict]
    tail_s: float | None
    tail_idle_worker_s: float | None
    load_before: float
    load_after: float

    def summary(self) -> str:
        tier = f' -m "{self.marker}"' if self.marker else ""
        setup, call = self.phases.get("setup", 0.0), self.phases.get("call", 0.0)
        lines = [
            f"{self.commit}{tier}: exit {self.exit_code}, {self.tests} tests, "
            f"wall {self.wall_s / 60:.1f} min, CPU {self.cpu_s / 60:.1f} min "
            f"(load {self.load_before:.1f} before, {self.load_after:.1f} after)",
            f"  test time summed over workers: set-up {setup:.0f} s, calls {call:.0f} s",
        ]
        if self.test_cpu:
            wall, cpu = sum(self.phases.values()), sum(self.test_cpu.values())
            lines.append(
                f"  CPU of the tests and the children they waited for {cpu:.0f} s, "
                f"idle wall (wall minus CPU) {max(wall - cpu, 0.0):.0f} s"
            )
        if self.tail_s is not None:
            lines.append(
                f"  the tail: {self.tail_s:.0f} s from the first worker to finish to the last, "
                f"{self.tail_idle_worker_s:.0f} worker-seconds idle at the end"
            )
        lines.append("  costliest test files:")
        lines += [
            f"    {row['file']:<46} {row['tests']:>5} tests {row['seconds']:7.0f} s"
            for row in self.files[:8]
        ]
        if self.test_cpu:
            lines.append("  most idle wall (wall s, CPU s, idle s):")
            lines += [
                f"    {row['file']:<46} {row['seconds']:7.0f} {row['cpu']:7.0f} {row['idle']:7.0f}"
                for row in sorted(self.files, key=lambda row: -row.get("idle", 0.0))[:8]
            ]
            lines += [
                f"    {row['test']:<70} {row['seconds']:6.1f} {row['cpu']:6.1f} {row['idle']:6.1f}"
                for row in sorted(self.test_times, key=lambda row: -row["idle"])[:8]
            ]
        lines.append("  costliest set-ups:")
        lines += [
            f"    {row['name']:<30} {row['scope']:<8} {row['count']:>4}x {row['seconds']:7.1f} s"
            for row in self.fixtures[:8]
        ]
        return "\n".join(lines)


def git(*args: str, cwd: Path = REPO_ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fresh_ram_folder() -> Path | None:
    """A new folder for one run's temporary files and uv cache beside scripts/test's default
    one in RAM (scripts/test_tmp.sh decides; None where it keeps them on the disk): the
    default folder lives between runs, and a run measured with the last run's uv cache would
    not be CI's fresh machine. None too when the caller set PAVED_ROAD_TEST_TMP (empty: the
    disk, to compare)."""
    if "PAVED_ROAD_TEST_TMP" in os.environ:
        return None
    asked = subprocess.run(
        ["bash", "-c", 'source "$0"; ram_test_tmp', str(REPO_ROOT / "scripts" / "test_tmp.sh")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    default = asked.stdout.strip()
    if not default:
        return None
    folder = Path(tempfile.mkdtemp(prefix="bench-suite-", dir=Path(default).parent))
    folder.chmod(0o755)  # as scripts/test's own: other users (postgres) pass through it
    return folder


def run_suite(
    commit: str, marker: str | None, pytest_args: list[str], keep: bool, report_copy: Path | None
) -> SuiteRun:
    """Clone ``commit`` into a fresh folder and run `.ci/run` there, as CI does."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-suite-"))
    ram = fresh_ram_folder()
    clone = scratch / "paved-road"
    try:
        subprocess.run(
            ["git", "clone", "--quiet", "--no-hardlinks", "--", str(REPO_ROOT), str(clone)],
            check=True,
        )
        git("checkout", "--quiet", "--detach", commit, cwd=clone)
        report = scratch / "suite-report.json"
        env = {**os.environ, "PAVED_ROAD_SUITE_REPORT": str(report)}
        if ram is not None:
            env["PAVED_ROAD_TEST_TMP"] = str(ram)
        for inherited in ("VIRTUAL_ENV", "PYENV_VERSION", "COPIER_SETTINGS_PATH"):
            env.pop(inherited, None)
        args = [*(["-m", marker] if marker else []), *pytest_args]
        load_before = os.getloadavg()[0]
        cpu_before, start = children_cpu(), time.monotonic()
        log = (scratch / "suite.log").open("w")
        done = subprocess.run([str(clone / ".ci/run"), *args], cwd=clone, env=env,
                              stdout=log, stderr=subprocess.STDOUT, check=False)  # fmt: skip
        wall, cpu = time.monotonic() - start, children_cpu() - cpu_before
        log.close()
        figures = json.loads(report.read_text()) if report.is_file() else {}
        if report_copy and report.is_file():
            shutil.copyfile(report, report_copy)
        if done.returncode != 0:
            tail = (scratch / "suite.log").read_text().splitlines()[-30:]
            print("\n".join(tail), file=sys.stderr)
        return SuiteRun(
            # The commit the clone ran, not what ``commit`` names in this checkout by now (HEAD
            # moves on while a suite runs for half an hour).
            commit=git("rev-parse", "--short", "HEAD", cwd=clone),
            marker=marker,
            wall_s=wall,
            cpu_s=cpu,
            exit_code=done.returncode,
            tests=figures.get("tests", 0),
            phases=figures.get("phases", {}),
            fixtures=figures.get("fixtures", []),
            files=figures.get("files", []),
            test_cpu=figures.get("cpu", {}),
            test_times=figures.get("test_times", []),
            tail_s=figures.get("tail_s"),
            tail_idle_worker_s=figures.get("tail_idle_worker_s"),
            load_before=load_before,
            load_after=os.getloadavg()[0],
        )
    finally:
        if keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
        if ram is not None:  # RAM: never kept
            shutil.rmtree(ram, ignore_errors=True)


def record(result: SuiteRun, note: str) -> None:
    """Append the run to the results table of docs/testing.md."""
    text = RESULTS_DOC.read_text()
    if TABLE_MARKER not in text:
        raise SystemExit(f"{RESULTS_DOC} has no results table marker {TABLE_MARKER!r}")
    tier = f'`-m "{result.marker}"`' if result.marker else "whole suite"
    row = (
        f"| {dt.date.today().isoformat()} | {result.commit} | {tier} | {result.tests} "
        f"| {result.wall_s / 60:.1f} | {result.cpu_s / 60:.1f} "
        f"| {result.load_before:.1f} | {note} |"
    )
    head, tail = text.split(TABLE_MARKER, 1)
    lines = tail.split("\n")
    # The table starts on the marker's next line; the row goes after its last line.
    last = next((i for i in range(1, len(lines)) if not lines[i].startswith("|")), len(lines))
    lines.insert(last, row)
    RESULTS_DOC.write_text(head + TABLE_MARKER + "\n".join(lines))
    print(f"recorded in {RESULTS_DOC.relative_to(REPO_ROOT)}")


def record_durations(figures: dict, source: str) -> None:
    """Keep each test's wall seconds for tests/suite_order.py (longest first).

    The figures of ``source`` (a suite_timing JSON report) replace those of the same tests and
    files; the others are kept while their test file exists, so the runs of a few files, or a
    report from before per-test times (per-file averages only), refresh just what they ran."""
    test_times, files = figures.get("test_times", []), figures.get("files", [])
    if not test_times and not files:
        raise SystemExit(f"{source} has no test times: give a suite_timing JSON report")
    old = json.loads(DURATIONS.read_text()) if DURATIONS.is_file() else {}
    tests = old.get("tests", {}) | {row["test"]: round(row["seconds"], 1) for row in test_times}
    averages = dict(old.get("files", {}))
    if test_times:  # a file measured test by test needs no average of its own any more
        for row in files:
            averages.pop(row["file"], None)
    else:  # a report with per-file figures only: their average per test
        averages |= {
            row["file"]: round(row["seconds"] / row["tests"], 1) for row in files if row["tests"]
        }

    def known(name: str) -> bool:  # a test file deleted since: its figures go
        return (REPO_ROOT / name.split("::", maxsplit=1)[0]).is_file()

    document = {
        "about": "wall seconds per test (and per test of a file, where only that was "
        "measured), written by benchmarks/bench_suite.py --record-durations or "
        "--durations-from; read by tests/suite_order.py",
        "sources": [*old.get("sources", []), source][-5:],
        "tests": {name: tests[name] for name in sorted(tests) if known(name)},
        "files": {name: averages[name] for name in sorted(averages) if known(name)},
    }
    DURATIONS.write_text(json.dumps(document, indent=1) + "\n")
    print(f"recorded {len(test_times)} tests' and {len(files)} files' durations in {DURATIONS}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default="HEAD", help="what to measure (default HEAD)")
    parser.add_argument("--baseline", help="a commit to measure first, for a ratio")
    parser.add_argument("-m", dest="marker", help='a marker expression, e.g. "not slow"')
    parser.add_argument("--record", action="store_true", help="add the run to docs/testing.md")
    parser.add_argument("--note", default="", help="the note column of the recorded row")
    parser.add_argument(
        "--record-durations",
        action="store_true",
        help="write each test's seconds to tests/suite_durations.json (longest tests first)",
    )
    parser.add_argument("--report", type=Path, help="keep the run's JSON report (suite_timing)")
    parser.add_argument(
        "--durations-from",
        type=Path,
        metavar="REPORT",
        help="write tests/suite_durations.json from a whole run's JSON report, run nothing",
    )
    parser.add_argument("--keep", action="store_true", help="keep the clones and logs")
    args, pytest_args = parser.parse_known_args()
    if args.durations_from:
        figures = json.loads(args.durations_from.read_text())
        record_durations(figures, args.durations_from.name)
        return 0

    results = []
    for commit in filter(None, (args.baseline, args.commit)):
        result = run_suite(commit, args.marker, pytest_args, args.keep, args.report)
        print(result.summary(), flush=True)
        results.append(result)
    if args.baseline:
        base, subject = results
        print(
            f"ratio {subject.commit} / {base.commit}: wall {subject.wall_s / base.wall_s:.2f}x, "
            f"CPU {subject.cpu_s / base.cpu_s:.2f}x"
        )
    if args.record:
        record(results[-1], args.note)
    if args.record_durations:
        subject = results[-1]
        if subject.exit_code != 0 or subject.marker:
            raise SystemExit("--record-durations needs a whole run that passed")
        record_durations(
            {"test_times": subject.test_times, "files": subject.files},
            f"whole run of {subject.commit}",
        )
    return max(result.exit_code for result in results)


if __name__ == "__main__":
    sys.exit(main())
