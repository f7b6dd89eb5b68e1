"""Where the suite's time goes: set-up versus calls, the test files and the fixtures that cost
the most, and the wall time tests spend waiting rather than computing.

``scripts/test`` prints pytest's 25 slowest phases (``--durations=25``); this plugin adds the
totals per phase, per test file and the most expensive fixture set-ups, so a slow run says
which files to work on, and whether tests are slow or the things they share are built too
often. With ``PAVED_ROAD_SUITE_REPORT=FILE`` it
also writes the figures as JSON (``benchmarks/bench_suite.py`` reads them).

Each phase (set-up, call, teardown) of each test also records the CPU it used: its worker
process's own CPU plus that of the children the worker waited for during the phase
(``getrusage`` of RUSAGE_SELF and RUSAGE_CHILDREN, before and after). Wall minus CPU is the
test's *idle wall*: time spent sleeping, polling, waiting on a timeout, a server or a lock
held by another worker. The tests and files with the most of it are the ones to look at
when the cores are not kept busy. Two blind spots: a child's CPU is counted only once the
worker has waited for it (``subprocess.run`` does; a server a test leaves running does not
until it is stopped and reaped), and processes started by session fixtures that outlive the
test (a PostgreSQL cluster forked away by ``pg_ctl``, a daemon reparented to init) are never
counted, so their CPU looks like idle wall of the test that waited for them.

Under pytest-xdist each worker times its own fixtures and sends them to the controller with
``workeroutput``; phase durations come from the test reports, which the controller sees anyway,
and each report carries its phase's CPU seconds (``paved_road_cpu``, serialised with it).
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections import defaultdict
from pathlib import Path

import pytest

TOP = 12
# A phase's CPU rides on its report; xdist serialises a report's extra attributes with it.
CPU_ATTR = "paved_road_cpu"


def process_cpu() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def plain_nodeid(nodeid: str) -> str:
    """The test's node id without the ``@group`` suffix ``--dist loadgroup`` gives it."""
    base, sep, group = nodeid.rpartition("@")
    return base if sep and "::" in base and "]" not in group else nodeid


_PHASE_CPU = pytest.StashKey[tuple[str, float]]()


class SuiteTiming:
    def __init__(self) -> None:
        self.phases: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.tests = 0
        # test file -> [tests, seconds of set-up, call and teardown, CPU seconds of them]
        self.files: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        # test id -> [wall seconds, CPU seconds] of its set-up, call and teardown
        self.by_test: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        # (fixture name, scope) -> [count, seconds]
        self.fixtures: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])

    def add_fixture(self, name: str, scope: str, seconds: float, count: int = 1) -> None:
        entry = self.fixtures[(name, scope)]
        entry[0] += count
        entry[1] += seconds

    def add_report(self, report: pytest.TestReport) -> None:
        cpu = getattr(report, CPU_ATTR, None)
        # A report without the figure (made by another plugin) counts as busy, never as idle.
        cpu = report.duration if cpu is None else cpu
        self.phases[report.when] += report.duration
        self.cpu[report.when] += cpu
        entry = self.files[report.nodeid.split("::")[0]]
        entry[1] += report.duration
        entry[2] += cpu
        test = self.by_test[plain_nodeid(report.nodeid)]
        test[0] += report.duration
        test[1] += cpu
        if report.when == "call" or (report.when == "setup" and report.skipped):
            self.tests += 1
            entry[0] += 1

    def as_json(self) -> dict:
        def idle(wall: float, cpu: float) -> float:
            return round(max(wall - cpu, 0.0), 3)

        return {
            "tests": self.tests,
            "phases": dict(self.phases),
            "cpu": dict(self.cpu),
            "files": sorted(
                (
                    {
                        "file": name,
                        "tests": int(tests),
                        "seconds": round(secs, 3),
                        "cpu": round(cpu, 3),
                        "idle": idle(secs, cpu),
                    }
                    for name, (tests, secs, cpu) in self.files.items()
                ),
                key=lambda row: -row["seconds"],
            ),
            # Every test, slowest first: bench_suite.py --record-durations keeps these.
            "test_times": sorted(
                (
                    {
                        "test": name,
                        "seconds": round(wall, 3),
                        "cpu": round(cpu, 3),
                        "idle": idle(wall, cpu),
                    }
                    for name, (wall, cpu) in self.by_test.items()
                ),
                key=lambda row: -row["seconds"],
            ),
            "fixtures": sorted(
                (
                    {"name": name, "scope": scope, "count": int(count), "seconds": round(secs, 3)}
                    for (name, scope), (count, secs) in self.fixtures.items()
                ),
                key=lambda row: -row["seconds"],
            ),
        }


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SuiteTimingPlugin(config), "paved-road-suite-timing")


class SuiteTimingPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.timing = SuiteTiming()
        self.worker = hasattr(config, "workerinput")
        self.started = time.monotonic()
        # xdist worker -> seconds since the start when its last test's teardown ended.
        self.worker_done: dict[str, float] = {}

    # Each phase's CPU, measured around the phase's hook (fixtures included) and put on the
    # report made right after it. tryfirst: outermost, so other plugins' wrappers count too.
    def _timed_phase(self, item: pytest.Item, when: str):
        start = process_cpu()
        try:
            return (yield)
        finally:
            item.stash[_PHASE_CPU] = (when, process_cpu() - start)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item):
        return (yield from self._timed_phase(item, "setup"))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item):
        return (yield from self._timed_phase(item, "call"))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None):
        return (yield from self._timed_phase(item, "teardown"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        when, cpu = item.stash.get(_PHASE_CPU, (None, 0.0))
        if when == call.when:
            setattr(report, CPU_ATTR, round(cpu, 4))
        return report

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):
        start = time.perf_counter()
        yield
        self.timing.add_fixture(fixturedef.argname, fixturedef.scope, time.perf_counter() - start)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.worker:
            return
        self.timing.add_report(report)
        node = getattr(report, "node", None)  # the xdist worker that ran it
        if node is not None and report.when == "teardown":
            self.worker_done[node.gateway.id] = time.monotonic() - self.started

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.worker:
            self.config.workeroutput["paved_road_fixtures"] = json.dumps(
                self.timing.as_json()["fixtures"]
            )

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:  # pytest-xdist's controller hook
        rows = json.loads(getattr(node, "workeroutput", {}).get("paved_road_fixtures", "[]"))
        for row in rows:
            self.timing.add_fixture(row["name"], row["scope"], row["seconds"], row["count"])

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.worker:
            return
        phases = self.timing.phases
        if not phases:  # nothing ran (--collect-only, or every test deselected)
            return
        total = sum(phases.values()) or 1.0
        write = terminalreporter.write_line
        terminalreporter.section("where the time went")
        write(
            "test time (summed over workers): "
            + ", ".join(
                f"{phase} {phases.get(phase, 0.0):.0f} s ({phases.get(phase, 0.0) / total:.0%})"
                for phase in ("setup", "call", "teardown")
            )
        )
        figures = self.timing.as_json()
        figures["workers_done_s"] = dict(sorted(self.worker_done.items()))
        if len(self.worker_done) > 1:
            # The tail: once the first worker has nothing left, the others finish alone.
            end = max(self.worker_done.values())
            idle_end = sum(end - done for done in self.worker_done.values())
            figures["tail_s"] = round(end - min(self.worker_done.values()), 1)
            figures["tail_idle_worker_s"] = round(idle_end, 1)
            ends = ", ".join(f"{name} {done:.0f} s" for name, done in self.worker_done.items())
            write(
                f"the tail: each worker's last test ended at {ends}"
                f"; {figures['tail_s']:.0f} s from the first to finish to the last,"
                f" {idle_end:.0f} worker-seconds idle at the end"
            )
        cpu = sum(self.timing.cpu.values())
        write(
            f"CPU of the tests and the children they waited for: {cpu:.0f} s; "
            f"idle wall (wall minus CPU): {max(total - cpu, 0.0):.0f} s ({1 - cpu / total:.0%})"
        )
        files = figures["files"]
        write(f"costliest test files (tests, seconds summed over workers, share of {total:.0f} s):")
        for row in files[:TOP]:
            share = row["seconds"] / total
            write(f"  {row['file']:<48} {row['tests']:>5} {row['seconds']:8.0f} {share:6.1%}")
        write("most idle wall, files (tests, wall s, CPU s, idle s):")
        for row in sorted(files, key=lambda row: -row["idle"])[:TOP]:
            write(
                f"  {row['file']:<48} {row['tests']:>5} {row['seconds']:8.0f} {row['cpu']:8.0f}"
                f" {row['idle']:8.0f}"
            )
        write("most idle wall, tests (wall s, CPU s, idle s):")
        for row in sorted(figures["test_times"], key=lambda row: -row["idle"])[:TOP]:
            write(f"  {row['test']:<72} {row['seconds']:7.1f} {row['cpu']:7.1f} {row['idle']:7.1f}")
        costly = [row for row in figures["fixtures"] if row["seconds"] >= 0.1]
        if costly:
            write("costliest fixture set-ups (name, scope: times built, seconds in all):")
            for row in costly[:TOP]:
                built = f"{row['count']:>4}x {row['seconds']:8.1f}"
                write(f"  {row['name']:<32} {row['scope']:<8} {built}")
        target = os.environ.get("PAVED_ROAD_SUITE_REPORT")
        if target:
            Path(target).write_text(json.dumps(figures, indent=2) + "\n")
