"""How long the design-token build takes, and how it grows with the token set.

    python benchmarks/design_tokens.py

Times `design/build.py` in process (load + validate + contrast gate + CSS + TypeScript) for the
real tokens and for synthetic sets 10x and 100x larger, then the whole `--check` command as
`make design-check` runs it (a fresh interpreter). Best of N runs.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "template" / "design"
TOKENS_CSS = "src/{{ package_name }}/{% if ui == 'server' %}static{% endif %}/css/tokens.css"


def _load_build():
    spec = importlib.util.spec_from_file_location("bench_design_build", DESIGN / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _scaled(tokens: dict, factor: int) -> dict:
    """The real tokens plus (factor - 1) copies of every non-colour group under new names."""
    tree = json.loads(json.dumps(tokens))
    for copy in range(1, factor):
        for group in ("spacing", "radius", "shadow", "motion", "typography"):
            tree[f"{group}-x{copy}"] = tokens[group]
        for name, token in tokens["color"].items():
            if not name.startswith("$"):
                tree["color"][f"{name}-x{copy}"] = token
                tree["color-dark"].setdefault(f"{name}-x{copy}", token)
    return tree


def best_of(runs: int, action) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    build = _load_build()
    real = json.loads((DESIGN / "tokens.json").read_text())
    with tempfile.TemporaryDirectory() as folder:
        baseline = None
        for factor in (1, 10, 100):
            path = Path(folder) / f"tokens-{factor}.json"
            path.write_text(json.dumps(_scaled(real, factor)))

            def full_build(path: Path = path) -> None:
                tokens = build.load(path)
                assert not build.contrast_failures(tokens)
                build.render_css(tokens)
                build.render_ts(tokens)

            count = len(build.load(path))
            seconds = best_of(20, full_build)
            baseline = baseline or seconds
            print(
                f"in process, {count:5d} tokens: {seconds * 1000:7.2f} ms"
                f"  ({seconds / baseline:5.1f}x the real set)"
            )
        check = [
            sys.executable,
            str(DESIGN / "build.py"),
            "--css",
            f"template/{TOKENS_CSS}",
            "--check",
        ]
        seconds = best_of(5, lambda: subprocess.run(check, cwd=ROOT, check=True))
        startup = best_of(5, lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
        print(
            f"`build.py --check` command: {seconds * 1000:.0f} ms "
            f"(of which interpreter start-up {startup * 1000:.0f} ms)"
        )


if __name__ == "__main__":
    main()
