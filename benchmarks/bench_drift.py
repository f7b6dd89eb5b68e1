"""Benchmark of `paved-road drift` (issues 3 and 14), against copier's own commands.

1. Cold: `paved-road drift` on one default product, no render cache, a fresh process each run,
   against `copier check-update` (lists tags, compares nothing) and `copier update --pretend`
   (renders the old and the new version) on the same product. Goals (issue 14): drift at most
   1.0x check-update and 0.35x update --pretend.
2. Warm: `make drift` as a product runs it (uv, the checker installed from the template's git
   repository, renders cached), against `copier check-update`. Goal: at most 1.5x.
3. Fifty products from the same version and answers, checked in one process: the re-render
   is computed once (in-process cache), so the marginal check is only the comparison.

Runs are paired and interleaved (each round runs every command once, in turn), so a change of
machine load hits all of them; figures are medians, ratios are of medians (and the median of
the per-round ratios beside them).

Run: `python benchmarks/bench_drift.py [--repeat 7] [--products 50]` from the repo root.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paved_road.drift.check import run_check
from paved_road.drift.rendering import reference as render_module

from tests.cases import CHECK_CASES
from tests.support import commit_all, copy_product, init_repo, snapshot_template, tool_env

BIN = Path(sys.executable).parent


def environment(**extra: str) -> dict[str, str]:
    """As on a laptop: Python may cache bytecode (this sandbox sets the opposite), no CI, no
    render cache unless asked for."""
    env = tool_env(CI="", GITHUB_ACTIONS="", **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if "PAVED_ROAD_CACHE_DIR" not in extra:
        env.pop("PAVED_ROAD_CACHE_DIR", None)
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


COLD = "1. one default product, cold (no render cache), fresh process"
CPU: dict[str, list[float]] = {}  # CPU seconds (user + system, children included) per command


def timed(cmd: list[str], cwd: Path, env: dict[str, str], name: str = "") -> float:
    """Wall seconds of one run; its CPU seconds go to CPU[name]: on a shared machine the wall
    time follows the load, the CPU time much less."""
    start, cpu = time.perf_counter(), _children_cpu()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if name:
        CPU.setdefault(name, []).append(_children_cpu() - cpu)
    if result.returncode != 0:
        raise SystemExit(f"{cmd} exited {result.returncode}: {result.stderr[-2000:]}")
    return elapsed


def compare(
    title: str, commands: dict[str, tuple[list[str], dict[str, str]]], cwd: Path, repeat: int
) -> dict[str, list[float]]:
    """Every command once per round, rounds repeated; prints medians and ratios to the first."""
    for cmd, env in commands.values():  # warm-up: bytecode, page cache, uv's cache
        timed(cmd, cwd, env)
    runs: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (cmd, env) in commands.items():
            runs[name].append(timed(cmd, cwd, env, f"{title}:{name}"))
    first, *others = commands
    cpu = {name: CPU[f"{title}:{name}"][-repeat:] for name in commands}
    print(f"{title} (median of {repeat} interleaved rounds; wall time, CPU time):")
    for name in commands:
        print(
            f"  {name:<26} {statistics.median(runs[name]):6.2f} s"
            f" {statistics.median(cpu[name]):6.2f} s CPU"
        )
    for other in others:
        ratio = statistics.median(runs[first]) / statistics.median(runs[other])
        paired = statistics.median(a / b for a, b in zip(runs[first], runs[other], strict=True))
        cpu_paired = statistics.median(
            a / b for a, b in zip(cpu[first], cpu[other], strict=True) if b > 0
        )
        print(
            f"  ratio {first} / {other}: {ratio:5.2f} (paired median {paired:5.2f};"
            f" CPU, paired median {cpu_paired:5.2f})"
        )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument(
        "--compare", default=None, help="also time drift with this checkout's extensions/ (cold)"
    )
    parser.add_argument("--cold-only", action="store_true", help="only the cold comparison")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-drift-"))
    settings = work / "copier-settings.yml"
    settings.write_text("{}\n")
    os.environ["COPIER_SETTINGS_PATH"] = str(settings)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )

    template = snapshot_template(work / "template", tag="v1.0.0")
    product = copy_product(
        template, work / "product", CHECK_CASES["default"], skip_tasks=True, vcs_ref="v1.0.0"
    )
    init_repo(product)
    commit_all(template, "next release")  # so check-update and update have somewhere to go
    subprocess.run(["git", "tag", "v1.1.0"], cwd=template, check=True)

    cold = environment()
    pretend = ["update", "--pretend", "--defaults", "--trust", "--skip-tasks", "--quiet"]
    # The scratch template stands in for the platform's, approved as CI approves it.
    drift = [str(BIN / "paved-road"), "drift", ".", "--approved-source", str(template)]
    commands = {
        "paved-road drift": (drift, cold),
        "copier check-update": ([str(BIN / "copier"), "check-update"], cold),
        "copier update --pretend": ([str(BIN / "copier"), *pretend], cold),
    }
    if args.compare:  # another checkout's code (e.g. main's), in the same rounds
        other = {**cold, "PYTHONPATH": f"{Path(args.compare).resolve()}/extensions"}
        commands["drift (--compare code)"] = (drift, other)
    runs = compare(
        COLD,
        commands,
        product,
        args.repeat,
    )
    if args.compare:
        other_runs, check_update = runs["drift (--compare code)"], runs["copier check-update"]
        paired = [a / b for a, b in zip(other_runs, check_update, strict=True)]
        median = statistics.median(paired)
        other_cpu = CPU[f"{COLD}:drift (--compare code)"][-args.repeat :]
        update_cpu = CPU[f"{COLD}:copier check-update"][-args.repeat :]
        cpu_median = statistics.median(a / b for a, b in zip(other_cpu, update_cpu, strict=True))
        print(
            f"  ratio --compare drift / copier check-update: paired median {median:5.2f}"
            f" (CPU {cpu_median:5.2f})"
        )
    if args.cold_only:
        shutil.rmtree(work, ignore_errors=True)
        return

    warm = environment(PAVED_ROAD_CACHE_DIR=str(work / "render-cache"))
    compare(
        "2. `make drift`, warm (uv cache and render cache filled by the warm-up run)",
        {
            "make drift": (["make", "--silent", "drift"], warm),
            "copier check-update": ([str(BIN / "copier"), "check-update"], warm),
        },
        product,
        args.repeat,
    )

    fleet = work / "fleet"
    for index in range(args.products):
        shutil.copytree(product, fleet / f"p{index:02d}", symlinks=True)
    products = sorted(fleet.iterdir())
    render_module.clear_memory_cache()
    start = time.perf_counter()
    codes = [run_check(path, approved_sources=[str(template)]).exit_code for path in products]
    in_process = time.perf_counter() - start
    assert codes == [0] * len(products), codes
    print(f"3. {len(products)} products, one process (in-memory cache):")
    print(f"  total {in_process:6.2f} s, {in_process / len(products) * 1000:6.0f} ms/product")
    print(f"  re-renders computed: {len(render_module._RENDERS)}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
