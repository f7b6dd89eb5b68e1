"""Benchmark of `paved-road drift` (issue 3).

1. One drift check of a default product against `copier update --pretend` on the same product
   in the same run: both are fresh processes and both re-render the recorded version.
2. Fifty products from the same version and answers, checked in one process: the re-render
   is computed once (in-process cache), so the marginal check is only the comparison.
3. The same fifty with an on-disk cache, as a second process would see it.

Run: `python benchmarks/bench_drift.py [--repeat 3] [--products 50]` from the repo root.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paved_road.drift import render as render_module
from paved_road.drift.check import run_check

from tests.cases import CHECK_CASES
from tests.support import commit_all, copy_product, init_repo, snapshot_template

BIN = Path(sys.executable).parent


# As on a laptop or CI runner: Python may cache bytecode (this sandbox sets the opposite).
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system, children included) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{cmd} exited {result.returncode}: {result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--products", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("COPIER_SETTINGS_PATH", str(Path(tempfile.mkdtemp()) / "s.yml"))
    Path(os.environ["COPIER_SETTINGS_PATH"]).write_text("{}\n")

    work = Path(tempfile.mkdtemp(prefix="bench-drift-"))
    template = snapshot_template(work / "template", tag="v1.0.0")
    product = copy_product(
        template, work / "product", CHECK_CASES["default"], skip_tasks=True, vcs_ref="v1.0.0"
    )
    init_repo(product)
    commit_all(template, "next release")  # so the update has somewhere to go
    subprocess.run(["git", "tag", "v1.1.0"], cwd=template, check=True)

    drift_cmd = [str(BIN / "paved-road"), "drift", "."]
    update_cmd = [
        str(BIN / "copier"),
        "update",
        "--pretend",
        "--defaults",
        "--trust",
        "--skip-tasks",
        "--quiet",
    ]
    timed(drift_cmd, product)  # warm-up: bytecode, page cache
    timed(update_cmd, product)
    drift_runs, update_runs = [], []
    for _ in range(args.repeat):  # interleaved, so a change of machine load hits both
        drift_runs.append(timed(drift_cmd, product))
        update_runs.append(timed(update_cmd, product))
    print(f"one product, fresh process, median of {args.repeat} (wall / CPU):")
    for name, runs in (("paved-road drift", drift_runs), ("copier update --pretend", update_runs)):
        wall, cpu = (statistics.median(run[index] for run in runs) for index in (0, 1))
        print(f"  {name:<25} {wall:6.2f} s / {cpu:6.2f} s")
    for index, label in ((0, "wall"), (1, "CPU")):
        ratio = statistics.median(d[index] for d in drift_runs) / statistics.median(
            u[index] for u in update_runs
        )
        print(f"  ratio drift / update ({label}) {ratio:5.2f}")

    fleet = work / "fleet"
    for index in range(args.products):
        shutil.copytree(product, fleet / f"p{index:02d}", symlinks=True)
    products = sorted(fleet.iterdir())

    render_module.clear_memory_cache()
    start = time.perf_counter()
    codes = [run_check(path).exit_code for path in products]
    in_process = time.perf_counter() - start
    assert codes == [0] * len(products), codes
    renders = len(render_module._RENDERS)
    print(f"{len(products)} products, one process (in-memory cache):")
    print(f"  total {in_process:6.2f} s, {in_process / len(products) * 1000:6.0f} ms/product")
    print(f"  re-renders computed: {renders}")

    cache = work / "cache"
    render_module.clear_memory_cache()
    run_check(products[0], cache_dir=cache)  # fills the disk cache
    render_module.clear_memory_cache()
    start = time.perf_counter()
    run_check(products[1], cache_dir=cache)
    warm = time.perf_counter() - start
    print(f"  one check with a warm on-disk cache (no render): {warm:6.2f} s")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
