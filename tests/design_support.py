"""Helpers of the design-system tests: the token build script, paths, and a token release."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

from tests.support import REPO_ROOT, commit_all, git, run

DESIGN_DIR = REPO_ROOT / "template" / "design"
TOKENS_CSS = "src/{{ package_name }}/{% if ui == 'server' %}static{% endif %}/css/tokens.css"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def load_build() -> ModuleType:
    """template/design/build.py as a module (it is a script in the product, not a package)."""
    spec = importlib.util.spec_from_file_location(
        "paved_road_design_build", DESIGN_DIR / "build.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module while being built
    spec.loader.exec_module(module)
    return module


def build_cli(template: Path, *args: str, check: bool = False):
    """Run a template checkout's design/build.py the way the release steps do."""
    return run([sys.executable, "template/design/build.py", *args], cwd=template, check=check)


def release_token_change(template: Path, token: tuple[str, str], value: str, tag: str) -> None:
    """A design-system release in a template repo: change one token, rebuild the CSS, tag."""
    tokens_file = template / "template" / "design" / "tokens.json"
    tokens = json.loads(tokens_file.read_text())
    group, name = token
    tokens[group][name]["$value"] = value
    tokens_file.write_text(json.dumps(tokens, indent=2) + "\n")
    build_cli(template, "--css", f"template/{TOKENS_CSS}", check=True)
    commit_all(template, f"Design system: {group}.{name} is {value}")
    git(template, "tag", tag)


def hex_to_rgb(value: str) -> str:
    """'#1f5fbf' -> 'rgb(31, 95, 191)', as getComputedStyle reports a colour."""
    digits = value.lstrip("#")
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def chromium_path() -> str | None:
    """Debian's headless shell first (.ci/run installs it): the suite's pages render the same
    for about half the CPU of the full browser, as in a product's tests/browser/conftest.py."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).is_file() else None
    return (
        shutil.which("/usr/lib/chromium/chromium-headless-shell")
        or shutil.which("chromium")
        or shutil.which("/usr/bin/chromium")
    )
