"""Time `copier copy` of the default product, with tasks skipped and with tasks (uv lock).

Each variant runs as a real CLI process, several rounds, interleaved with a baseline (a
one-file template without extensions) so machine noise hits all of them alike. Prints the
median of each and its ratio to the baseline.

    .venv/bin/python benchmarks/bench_copy.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support import init_repo, snapshot_template, tool_env

ANSWERS = ["--data", "product_name=Bench Shop"]


def _baseline_template(root: Path) -> Path:
    root.mkdir()
    (root / "copier.yml").write_text("name:\n  type: str\n  default: bench\n")
    (root / "README.md.jinja").write_text("# {{ name }}\n")
    init_repo(root)
    return root


def _copy(template: Path, dst: Path, *extra: str) -> float:
    cmd = [
        sys.executable,
        "-m",
        "copier",
        "copy",
        "--trust",
        "--defaults",
        "--quiet",
        "-r",
        "HEAD",
        *extra,
        str(template),
        str(dst),
    ]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=tool_env(), capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        settings = tmp_path / "settings.yml"
        settings.write_text("{}\n")
        os.environ["COPIER_SETTINGS_PATH"] = str(settings)
        template = snapshot_template(tmp_path / "template")
        baseline = _baseline_template(tmp_path / "baseline")
        timings: dict[str, list[float]] = {"baseline": [], "skip-tasks": [], "with-tasks": []}
        for n in range(args.rounds):
            timings["baseline"].append(_copy(baseline, tmp_path / f"b{n}"))
            timings["skip-tasks"].append(
                _copy(template, tmp_path / f"s{n}", "--skip-tasks", *ANSWERS)
            )
            timings["with-tasks"].append(_copy(template, tmp_path / f"t{n}", *ANSWERS))
    base = statistics.median(timings["baseline"])
    print(f"copier copy, median of {args.rounds} rounds (CLI process, cold imports each time)")
    for name, values in timings.items():
        median = statistics.median(values)
        print(
            f"  {name:<11} {median:6.2f} s   x{median / base:4.2f} of baseline   "
            f"(min {min(values):.2f}, max {max(values):.2f})"
        )


if __name__ == "__main__":
    main()
