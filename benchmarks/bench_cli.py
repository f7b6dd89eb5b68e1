"""Benchmark of a `paved-road` process's cold cost, command by command (issue 25).

The suite starts some 250 `paved-road` processes and every `make check` two more
(`.paved-road/drift.py` runs `paved-road --version`, then `paved-road drift`), so what a
process imports before it does anything is paid hundreds of times. Each command below runs in
a fresh process on one default product:

- `--version`, a usage mistake (`drift --format nope`) and `update --help`: what the
  command-line layer costs when nothing is checked;
- `update --data nope`: an update refused before it renders (here a malformed `--data`);
- `drift`, warm: the render cached on disk (`PAVED_ROAD_CACHE_DIR`), as `make drift` runs it;
- `drift`, cold: no render cache, as CI runs it.

With `--compare DIR` every command also runs with DIR's `extensions/` (e.g. a checkout of
main) in the same rounds, so a change of machine load hits both sides. Figures are CPU
seconds (user + system, children included: the measure that follows the work, not the load),
medians of interleaved rounds, and the ratio of this checkout to DIR, per round then median.

Run: `python benchmarks/bench_cli.py [--repeat 9] [--compare ../main]` from the repo root.
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

from tests.cases import CHECK_CASES
from tests.support import copy_product, init_repo, snapshot_template, tool_env

BIN = Path(sys.executable).parent


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of(cmd: list[str], cwd: Path, env: dict[str, str], codes: tuple[int, ...]) -> float:
    """CPU seconds of one run (its children included); an unexpected exit code stops the run."""
    before = _children_cpu()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode not in codes:
        raise SystemExit(f"{cmd} exited {result.returncode}: {result.stderr[-2000:]}")
    return _children_cpu() - before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--compare", default=None, help="also run with this checkout's extensions/")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    settings = work / "copier-settings.yml"
    settings.write_text("{}\n")
    os.environ["COPIER_SETTINGS_PATH"] = str(settings)
    template = snapshot_template(work / "template", tag="v1.0.0")
    product = copy_product(
        template, work / "product", CHECK_CASES["default"], skip_tasks=True, vcs_ref="v1.0.0"
    )
    init_repo(product)

    # As on a laptop: bytecode cached (this sandbox sets the opposite), no CI, no cache.
    base = tool_env(CI="", GITHUB_ACTIONS="")
    base.pop("PAVED_ROAD_CACHE_DIR", None)
    road = str(BIN / "paved-road")
    drift = [road, "drift", ".", "--approved-source", str(template)]
    commands = {  # name -> (command, extra environment, exit codes it may end with)
        "--version": ([road, "--version"], {}, (0,)),
        "drift --format nope": ([road, "drift", "--format", "nope"], {}, (2,)),
        "update --help": ([road, "update", "--help"], {}, (0,)),
        "update, refused": ([road, "update", "--defaults", "--data", "nope"], {}, (2,)),
        "drift, warm": (drift, {"PAVED_ROAD_CACHE_DIR": str(work / "cache")}, (0,)),
        "drift, cold": (drift, {}, (0,)),
    }
    sides = {"this checkout": {}}
    if args.compare:
        sides["--compare"] = {"PYTHONPATH": f"{Path(args.compare).resolve()}/extensions"}

    runs: dict[tuple[str, str], list[float]] = {}
    for round_ in range(args.repeat + 1):  # round 0 warms bytecode, page cache, render cache
        for name, (cmd, extra, codes) in commands.items():
            for side, side_env in sides.items():
                cpu = cpu_of(cmd, product, {**base, **extra, **side_env}, codes)
                if round_:
                    runs.setdefault((name, side), []).append(cpu)

    print(
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, {platform.node()}, {os.cpu_count()} CPUs, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"CPU seconds per process, median of {args.repeat} interleaved rounds:")
    for name in commands:
        line = f"  {name:<22}" + "".join(
            f" {side}: {statistics.median(runs[name, side]):5.3f}" for side in sides
        )
        if args.compare:
            pairs = zip(runs[name, "this checkout"], runs[name, "--compare"], strict=True)
            line += f"  ratio {statistics.median(a / b for a, b in pairs if b > 0):4.2f}"
        print(line)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
