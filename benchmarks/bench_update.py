"""Time `paved-road update` against plain `copier update`, previous release -> this checkout.

Same template repo, same customised default product (copied fresh for every run), same machine,
one run of this script: `python benchmarks/bench_update.py [--runs N]`. Prints the median wall
times and the ratio. `paved-road update` does more than copier (clean-tree and template checks,
conflict scan, changelog, and the drift check, which re-renders the template); the variant with
`--no-drift` isolates the wrapper's own overhead.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cases import CHECK_CASES
from tests.support import copy_product, init_repo, tool_env
from tests.update_customisations import customise
from tests.update_support import COPIER, GIT_IDENTITY, PAVED_ROAD, build_versions, previous_release


def timed(cmd: list[str], product: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        cmd, cwd=product, env=tool_env(**GIT_IDENTITY), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{cmd} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="bench-update-") as folder:
        root = Path(folder)
        ref, tag = previous_release()
        versions = build_versions(root / "template", ref, tag)
        base = copy_product(
            versions.repo, root / "base", CHECK_CASES["default"], vcs_ref=versions.old
        )
        init_repo(base)
        customise(base, "demo_shop")
        commands = {
            "copier update --trust --defaults": [COPIER, "update", "--trust", "--defaults"],
            "paved-road update --defaults": [PAVED_ROAD, "update", "--defaults"],
            "paved-road update --defaults --no-drift": [
                PAVED_ROAD,
                "update",
                "--defaults",
                "--no-drift",
            ],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for run in range(runs):
            for name, cmd in commands.items():  # interleaved, so load hits all alike
                product = root / f"p-{run}-{len(times[name])}-{abs(hash(name))}"
                shutil.copytree(base, product, symlinks=True)
                times[name].append(timed(cmd, product))
                shutil.rmtree(product)
    print(f"update {versions.old} -> {versions.new}, customised default product, {runs} run(s)")
    # On a shared machine the minimum is the steadiest estimate of the work itself; the
    # median shows what a run typically costs under the current load.
    copier_times = times["copier update --trust --defaults"]
    copier_min, copier_median = min(copier_times), statistics.median(copier_times)
    for name, values in times.items():
        low, median = min(values), statistics.median(values)
        print(
            f"  {name:42s} min {low:6.2f} s ({low / copier_min:.2f}x)  "
            f"median {median:6.2f} s ({median / copier_median:.2f}x)  "
            f"runs: {', '.join(f'{v:.2f}' for v in values)}"
        )


if __name__ == "__main__":
    main()
