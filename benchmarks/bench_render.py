"""Time N distinct product renders in one process, as the suite and `paved-road` do them.

Each variant runs in a process of its own (a fresh process: its first render pays the imports
and compiles everything, the later ones reuse what they can), rendering the same N distinct
products (every answer combination in turn, each with its own names) with tasks skipped:
- ``copy_product``: tests/support.py's render, which the suite uses (in this checkout: the
  Worker of extensions/paved_road/copier_worker.py; in an older checkout: plain copier);
- ``copier.run_copy``: plain copier, for the ratio.
Prints CPU and wall seconds per variant, per render (first and median of the rest) and the git
processes started. Run it in two checkouts to compare them; the template is a committed
snapshot of the checkout the script runs in.

    .venv/bin/python benchmarks/bench_render.py [--renders 12]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.cases import ALL_CASES
from tests.support import snapshot_template, tool_env

VARIANTS = ("copy_product", "copier.run_copy")


def _products(count: int) -> list[dict[str, str]]:
    cases = list(ALL_CASES.values())
    step = max(1, len(cases) // count)
    return [
        {**cases[(n * step) % len(cases)], "product_name": f"Bench Shop {n}", "owner_team": "bench"}
        for n in range(count)
    ]


def _count_git(counter: list[int]) -> None:
    """Count the git processes started (copier starts them through plumbum's Popen)."""
    original = subprocess.Popen.__init__

    def counted(self: subprocess.Popen[bytes], args: object, *rest: object, **kw: object) -> None:
        first = args[0] if isinstance(args, list | tuple) else str(args).split()[0]
        if Path(str(first)).name == "git":
            counter[0] += 1
        original(self, args, *rest, **kw)  # type: ignore[arg-type]

    subprocess.Popen.__init__ = counted  # type: ignore[method-assign]


def _child(variant: str, template: Path, out: Path, count: int) -> None:
    """Render ``count`` products with ``variant``; print one JSON line of figures."""
    import copier  # noqa: PLC0415 - timed in the first render, as a user's process pays it

    from tests.support import copy_product  # noqa: PLC0415

    warnings.simplefilter("ignore")
    out.mkdir(parents=True, exist_ok=True)
    gits = [0]
    _count_git(gits)
    renders = []
    for number, answers in enumerate(_products(count)):
        dst = out / f"p{number}"
        cpu, wall = time.process_time(), time.perf_counter()
        if variant == "copy_product":
            copy_product(template, dst, answers, skip_tasks=True, vcs_ref="HEAD")
        else:
            copier.run_copy(
                str(template), dst, data=answers, vcs_ref="HEAD", defaults=True, unsafe=True,
                quiet=True, skip_tasks=True,
            )  # fmt: skip
        renders.append((time.process_time() - cpu, time.perf_counter() - wall))
    print(json.dumps({"renders": renders, "git": gits[0]}))


def _run(variant: str, template: Path, out: Path, count: int) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--child", variant, str(template), str(out), str(count)]
    before = os.times()
    wall = time.perf_counter()
    result = subprocess.run(cmd, env=tool_env(), capture_output=True, text=True, check=True)
    after = os.times()
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["process_cpu"] = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    figures["process_wall"] = time.perf_counter() - wall
    return figures


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-render-") as folder:
        root = Path(folder)
        template = snapshot_template(root / "template")
        results: dict[str, list[dict[str, object]]] = {v: [] for v in VARIANTS}
        for round_ in range(options.rounds):
            for variant in VARIANTS:  # interleaved, so load hits both alike
                out = root / f"{round_}-{variant}"
                results[variant].append(_run(variant, template, out, options.renders))
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"{options.renders} distinct renders per process, {options.rounds} round(s); load {load}")
    base = statistics.median(float(r["process_cpu"]) for r in results["copier.run_copy"])  # type: ignore[arg-type]
    for variant, runs in results.items():
        cpu = statistics.median(float(r["process_cpu"]) for r in runs)  # type: ignore[arg-type]
        wall = statistics.median(float(r["process_wall"]) for r in runs)  # type: ignore[arg-type]
        per = [render for r in runs for render in r["renders"][1:]]  # type: ignore[index]
        first = statistics.median(r["renders"][0][0] for r in runs)  # type: ignore[index]
        rest = statistics.median(cpu_s for cpu_s, _ in per)
        gits = statistics.median(int(r["git"]) for r in runs)  # type: ignore[arg-type]
        print(
            f"  {variant:16s} process cpu {cpu:6.2f} s ({cpu / base:.2f}x)  wall {wall:6.2f} s  "
            f"render cpu: first {first:.2f} s, later median {rest:.2f} s  git processes {gits}"
        )


if __name__ == "__main__":
    main()
