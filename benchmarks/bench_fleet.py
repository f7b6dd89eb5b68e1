"""Benchmark of `paved-road fleet` (issue 13).

Builds N local products (default 200) from a template with 3 releases and 6 answer sets:
every product is a git repository made from one of the 18 (release, answers) renders; every
seventh one changed a guarded file (drifted), and two thirds are on an older release (behind).

1. `fleet check` of the whole fleet, cold (empty cache: clones, renders, results), against
   one product's cold `paved-road drift`, in paired, interleaved rounds. Goal: 200 products in
   at most 10x one product's check on 2 cores.
2. The same fleet checked the way a team does today: `paved-road drift` once per product, in
   sequence, each a fresh process without a render cache (`--sequential K` times only, then
   extrapolated to N when K < N, and said so).
3. `fleet collect` over 10,000 drift report files (copies of the fleet's real reports) with
   every output (JSON, Markdown, HTML, Backstage). Goal: under 5 s.
4. Peak memory: the resident memory of each command's whole process tree (the fleet check's
   worker processes included), sampled every 20 ms.

Run from the repo root: `python benchmarks/bench_fleet.py [--products 200] [--repeat 3]
[--sequential 200] [--reports 10000] [--jobs 2]`. Develop with `--products 12`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cases import CHECK_CASES
from tests.drift_support import flip_one_byte
from tests.fleet_support import release
from tests.support import commit_all, copy_product, git, snapshot_template, tool_env

BIN = Path(sys.executable).parent
RELEASES = ("v1.0.0", "v1.1.0", "v1.2.0")
ANSWER_SETS = (
    "default",
    "python_version=3.11",
    "database=postgres",
    "ui=none",
    "deploy_target=fly",
    "deploy_target=none",
)
GUARDED = ".pre-commit-config.yaml"


def environment() -> dict[str, str]:
    env = tool_env(CI="", GITHUB_ACTIONS="")
    env.pop("PAVED_ROAD_CACHE_DIR", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(
                int(line.split()[1]) * 1024
                for line in status.splitlines()
                if line.startswith("VmRSS:")
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


CPU_SECONDS: list[float] = []  # CPU time (user + system) of each timed command, in order


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0, 1)) -> tuple[float, int]:
    """Wall time and peak resident memory of the command's process tree; its CPU time (which
    the load of a shared machine changes less than the wall time) goes to CPU_SECONDS."""
    cpu = _children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    CPU_SECONDS.append(_children_cpu() - cpu)
    if process.returncode not in ok:
        raise SystemExit(f"{cmd} exited {process.returncode}: {err[-2000:]}")
    return elapsed, peak


def build(root: Path, count: int) -> tuple[Path, list[Path]]:
    """The template with three releases, 18 renders, and `count` products made from them."""
    template = snapshot_template(root / "template", tag=RELEASES[0])
    bases: dict[tuple[str, str], Path] = {}
    (root / "bases").mkdir()  # copier wants a destination's parent folder to exist
    for index, tag in enumerate(RELEASES):
        if index:
            release(template, tag, f"(release {tag})")
        for answers in ANSWER_SETS:
            dst = root / "bases" / f"{tag}-{answers}"
            bases[(tag, answers)] = copy_product(
                template, dst, CHECK_CASES[answers], skip_tasks=True, vcs_ref=tag
            )
    products = []
    keys = list(bases)
    for number in range(count):
        tag, answers = keys[number % len(keys)]
        product = Path(shutil.copytree(bases[(tag, answers)], root / "products" / f"p{number:04d}"))
        if number % 7 == 3:
            flip_one_byte(product / GUARDED)
        git(product, "init", "--quiet", "--initial-branch=main")
        commit_all(product, "product")
        products.append(product)
    fleet = root / "fleet.yml"
    fleet.write_text(
        "products:\n"
        + "".join(
            f"  - repo: {path}\n    team: team-{index % 9}\n    tier: {1 + index % 3}\n"
            for index, path in enumerate(products)
        )
    )
    return fleet, products


def _cpu_ticks() -> list[int] | None:
    """The machine's CPU time so far (/proc/stat, in ticks), or None where there is none."""
    try:
        return [
            int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        ]
    except (OSError, ValueError):
        return None


def stolen_share(before: list[int] | None, after: list[int] | None) -> str:
    """How much of the CPU time the hypervisor gave to other machines (steal), a measure of
    how noisy the run's timings are."""
    if before is None or after is None or len(after) < 8:
        return "unknown"
    spent = [late - early for early, late in zip(before, after, strict=True)]
    return f"{100 * spent[7] / max(1, sum(spent[:8])):.0f}%"


def median(values: list[float]) -> float:
    return statistics.median(values)


def mib(value: float) -> str:
    return f"{value / 2**20:.0f} MiB"


def bench_check(root: Path, fleet: Path, first: Path, count: int, args) -> float:
    """Cold fleet check against one product's cold drift, interleaved; the fleet's median."""
    paved_road = str(BIN / "paved-road")
    one, whole, one_mem, whole_mem, whole_cpu = [], [], [], [], []
    for round_number in range(args.repeat):
        cache = root / f"cache-{round_number}"
        # The scratch template stands in for the platform's: approved as CI approves that one.
        approve = ["--approved-source", str(root / "template")]
        seconds, peak = timed([paved_road, "drift", str(first), *approve], root)
        one.append(seconds)
        one_mem.append(peak)
        fleet_cmd = [paved_road, "fleet", "check", str(fleet), "--jobs", str(args.jobs), *approve]
        fleet_cmd += ["--cache-dir", str(cache), "--drift-dir", str(root / "reports")]
        seconds, peak = timed(fleet_cmd, root)
        whole_cpu.append(CPU_SECONDS[-1])
        whole.append(seconds)
        whole_mem.append(peak)
        shutil.rmtree(cache)
    ratio = median(whole) / median(one)
    paired = median([w / o for w, o in zip(whole, one, strict=True)])
    print(f"1. cold, median of {args.repeat} interleaved rounds (--jobs {args.jobs}):")
    print(f"   one product, paved-road drift: {median(one):7.2f} s  peak {mib(max(one_mem))}")
    print(
        f"   {count} products, fleet check: {median(whole):7.2f} s  "
        f"peak {mib(max(whole_mem))} (all processes), {median(whole_cpu):.0f} s of CPU"
    )
    print(f"   ratio fleet / one product: {ratio:.1f}x (paired median {paired:.1f}x)")
    print("   goal: at most 10x for 200 products on 2 cores")
    return median(whole)


def bench_sequential(root: Path, products: list[Path], runs: int, fleet_seconds: float) -> None:
    started = time.perf_counter()
    for product in products[:runs]:
        approve = ["--approved-source", str(root / "template")]  # as in bench_check
        timed([str(BIN / "paved-road"), "drift", str(product), *approve], root)
    estimate = (time.perf_counter() - started) * len(products) / runs
    label = "" if runs == len(products) else f" (extrapolated from {runs} runs)"
    print(f"2. paved-road drift once per product, in sequence: {estimate:7.1f} s{label}")
    print(f"   ratio sequential / fleet check: {estimate / fleet_seconds:.1f}x\n")


def bench_collect(root: Path, reports: int, repeat: int) -> None:
    """`fleet collect` over `reports` files, copies of the fleet check's real drift reports."""
    sources = sorted((root / "reports").rglob("drift-report.json"))
    many = root / "many"
    for number in range(reports):
        target = many / f"product-{number:05d}" / "drift-report.json"
        target.parent.mkdir(parents=True)
        shutil.copyfile(sources[number % len(sources)], target)
    size = sum(path.stat().st_size for path in many.rglob("*.json"))
    cmd = [str(BIN / "paved-road"), "fleet", "collect", str(many)]
    for kind, name in (("json", "f.json"), ("markdown", "f.md"), ("html", "f.html")):
        cmd += [f"--{kind}", str(root / name)]
    cmd += ["--backstage", str(root / "facts.json")]
    runs = [timed(cmd, root) for _ in range(repeat)]
    cpu = median(CPU_SECONDS[-repeat:])
    assert json.loads((root / "f.json").read_text())["summary"]["products"] == reports
    print(f"3. fleet collect, {reports} reports ({mib(size)}), every output:")
    print(
        f"   {median([r[0] for r in runs]):.2f} s ({cpu:.2f} s of CPU), median of {repeat}; "
        f"peak {mib(max(r[1] for r in runs))}; dashboard {mib((root / 'f.html').stat().st_size)}"
    )
    print("   goal: under 5 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sequential", type=int, default=None, help="drift runs (default: N)")
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} (shared with other work: figures are noisy)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as folder:
        root = Path(folder)
        started = time.perf_counter()
        fleet, products = build(root, args.products)
        print(f"setup: {len(products)} products in {time.perf_counter() - started:.0f} s\n")
        ticks = _cpu_ticks()
        fleet_seconds = bench_check(root, fleet, products[0], len(products), args)
        print(
            f"   CPU time stolen by the hypervisor meanwhile: {stolen_share(ticks, _cpu_ticks())}\n"
        )
        runs = min(args.sequential or len(products), len(products))
        bench_sequential(root, products, runs, fleet_seconds)
        bench_collect(root, args.reports, args.repeat)


if __name__ == "__main__":
    main()
