"""Time `paved-road update` against plain `copier update`, previous release -> this checkout.

Same template repo, same customised default product (copied fresh for every run), same machine,
one run of this script: `python benchmarks/bench_update.py [--runs N]`. Prints the min and median
wall times with their ratios, and the CPU time (user + system, children included) of each run.
`paved-road update` does more than copier (clean-tree and template checks, conflict scan,
changelog, re-locking `uv.lock`, and the drift check, which re-renders the template); the
variant with `--no-drift` isolates the wrapper's own overhead. The template repo is a local
checkout, so `paved-road update` runs with `--local-template` (else it refuses the source).

`--from this` updates from this checkout's own release to a later one (a file added) instead
of from the previous release: both versions then have this checkout's copier.yml, which drives
copier's render of the old version (its tasks among it), so it shows the cost of an update
between two releases made after a change to copier.yml.

`--profile FILE` instead runs `paved-road update` once under cProfile, writes the stats to FILE
and prints the 30 most expensive calls by cumulative time (its children, such as `uv lock`
and git, count as wall time of the call that waits for them).

`--baseline CHECKOUT` also runs another checkout's `paved-road update` (its own
`.venv/bin/paved-road`, e.g. a `git worktree` of main with `scripts/bootstrap.sh` run in it)
on the same products, interleaved with this one's, and prints this checkout's CPU median as
a ratio of the baseline's, and each round's ratio (the two ran back to back, under the same
load) with their median: the side-by-side figures a change to the update is judged by.
The template's migrations run from the new version's checkout, so with the default `--from
previous` the baseline updates a product of its own: made and customised by its own code, to a
release of its own checkout (a change to template_migrations/ counts where it belongs).
"""

from __future__ import annotations

import argparse
import os
import pstats
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
from tests.update_support import (
    COPIER,
    GIT_IDENTITY,
    PAVED_ROAD,
    Versions,
    build_versions,
    later_release,
    previous_release,
)


def timed(cmd: list[str], product: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the command and everything it started)."""
    before, start = os.times(), time.perf_counter()
    result = subprocess.run(
        cmd, cwd=product, env=tool_env(**GIT_IDENTITY), capture_output=True, text=True, check=False
    )
    elapsed, after = time.perf_counter() - start, os.times()
    if result.returncode != 0:
        raise SystemExit(f"{cmd} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return elapsed, cpu


# Run by a baseline checkout's own Python: its template released, its product customised.
_BASELINE_PRODUCT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tests.cases import CHECK_CASES
from tests.support import copy_product, init_repo
from tests.update_customisations import customise
from tests.update_support import build_versions, previous_release
root = Path(sys.argv[2])
versions = build_versions(root / "template", *previous_release())
base = copy_product(versions.repo, root / "base", CHECK_CASES["default"], vcs_ref=versions.old)
init_repo(base)
customise(base, "demo_shop")
"""


def baseline_product(checkout: Path, where: Path) -> Path:
    """The customised product at the previous release, made by ``checkout``'s own code."""
    python = checkout / ".venv" / "bin"
    env = tool_env(PATH=f"{python}{os.pathsep}{os.environ['PATH']}")
    made = subprocess.run(
        [str(python / "python"), "-c", _BASELINE_PRODUCT, str(checkout), str(where)],
        cwd=checkout, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        raise SystemExit(f"the baseline's product failed:\n{made.stdout}\n{made.stderr}")
    return where / "base"


def profile(product: Path, stats: Path) -> None:
    """One `paved-road update` under cProfile; prints where its wall time goes."""
    cmd = [sys.executable, "-m", "cProfile", "-o", str(stats), PAVED_ROAD, *PAVED_ROAD_UPDATE]
    elapsed, cpu = timed(cmd, product)
    print(f"profiled paved-road update: wall {elapsed:.2f} s, cpu {cpu:.2f} s -> {stats}")
    pstats.Stats(str(stats)).sort_stats("cumulative").print_stats(30)


PAVED_ROAD_UPDATE = ["update", "--defaults", "--local-template"]


def _print_baseline(cpus: dict[str, list[float]]) -> None:
    """This checkout's CPU against the baseline's: the ratio of medians, and each round's."""
    for name in [name for name in cpus if name.startswith("baseline: ")]:
        ours, theirs = statistics.median(cpus[name[10:]]), statistics.median(cpus[name])
        ratio = ours / theirs
        print(f"  cpu {name[10:]}: {ours:.2f} s here, {theirs:.2f} s baseline ({ratio:.2f}x)")
        # Each round ran both one after the other, so a round's ratio shares its load.
        paired = [mine / base for mine, base in zip(cpus[name[10:]], cpus[name], strict=True)]
        print(
            f"    paired per round: {', '.join(f'{r:.2f}' for r in paired)}  "
            f"median {statistics.median(paired):.2f}x  (cpu here: "
            f"{', '.join(f'{v:.2f}' for v in cpus[name[10:]])}; baseline: "
            f"{', '.join(f'{v:.2f}' for v in cpus[name])})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path, metavar="FILE", help="profile one update instead")
    parser.add_argument(
        "--from",
        dest="start",
        choices=["previous", "this"],
        default="previous",
        help="update from the previous release (default) or from this checkout's own release",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="CHECKOUT",
        help="another checkout whose paved-road update runs interleaved, for CPU ratios",
    )
    options = parser.parse_args()
    runs = options.runs
    with tempfile.TemporaryDirectory(prefix="bench-update-") as folder:
        root = Path(folder)
        ref, tag = previous_release()
        versions = build_versions(root / "template", ref, tag)
        if options.start == "this":
            (root / "later").mkdir()
            later = later_release(
                versions,
                root / "later",
                "v99.0.0",
                additions={"template/NOTES.md": "A later release.\n"},
            )
            versions = Versions(later, versions.new, "v99.0.0")
        base = copy_product(
            versions.repo, root / "base", CHECK_CASES["default"], vcs_ref=versions.old
        )
        init_repo(base)
        customise(base, "demo_shop")
        if options.profile:
            product = root / "profiled"
            shutil.copytree(base, product, symlinks=True)
            profile(product, options.profile.resolve())
            return
        commands = {
            "copier update --trust --defaults": [COPIER, "update", "--trust", "--defaults"],
            "paved-road update --defaults": [PAVED_ROAD, *PAVED_ROAD_UPDATE],
            "paved-road update --defaults --no-drift": [
                PAVED_ROAD,
                *PAVED_ROAD_UPDATE,
                "--no-drift",
            ],
        }
        other_base = base  # the baseline's own product, where it can make one
        if options.baseline:
            if options.start == "previous":
                other_base = baseline_product(options.baseline.resolve(), root / "baseline")
            other = str(options.baseline.resolve() / ".venv" / "bin" / "paved-road")
            commands["baseline: paved-road update --defaults"] = [other, *PAVED_ROAD_UPDATE]
            commands["baseline: paved-road update --defaults --no-drift"] = [
                other,
                *PAVED_ROAD_UPDATE,
                "--no-drift",
            ]
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for run in range(runs):
            for name, cmd in commands.items():  # interleaved, so load hits all alike
                product = root / f"p-{run}-{len(times[name])}-{abs(hash(name))}"
                source = other_base if name.startswith("baseline: ") else base
                shutil.copytree(source, product, symlinks=True)
                elapsed, cpu = timed(cmd, product)
                times[name].append(elapsed)
                cpus[name].append(cpu)
                shutil.rmtree(product)
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"update {versions.old} -> {versions.new}, customised default product, {runs} run(s)")
    print(f"load average at the end (1, 5, 15 min): {load}")
    # On a shared machine the minimum is the steadiest estimate of the work itself; the
    # median shows what a run typically costs under the current load.
    copier_times = times["copier update --trust --defaults"]
    copier_min, copier_median = min(copier_times), statistics.median(copier_times)
    for name, values in times.items():
        low, median = min(values), statistics.median(values)
        print(
            f"  {name:42s} min {low:6.2f} s ({low / copier_min:.2f}x)  "
            f"median {median:6.2f} s ({median / copier_median:.2f}x)  "
            f"runs: {', '.join(f'{v:.2f}' for v in values)}  "
            f"cpu median {statistics.median(cpus[name]):6.2f} s"
        )
    _print_baseline(cpus)


if __name__ == "__main__":
    main()
