"""Helpers of the SPA tests: where the frontend lives in the template, and a token release."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tests.design_support import TOKENS_CSS, build_cli
from tests.support import commit_all, git

FRONTEND = "template/{% if ui == 'spa' %}frontend{% endif %}"
TYPED_THEME = f"{FRONTEND}/src/theme/tokens.ts"
SPA_ANSWERS = {
    "product_name": "Demo Shop",
    "description": "Sells demos to the demo-curious.",
    "owner_team": "shop-team",
    "ui": "spa",
}


def release_tokens(template: Path, token: tuple[str, str], value: str, tag: str) -> None:
    """A design-system release as the platform makes it: change a token, rebuild every output
    of design/build.py (the server UI's CSS and the SPA's typed theme), commit, tag."""
    tokens_file = template / "template" / "design" / "tokens.json"
    tokens = json.loads(tokens_file.read_text())
    group, name = token
    tokens[group][name]["$value"] = value
    tokens_file.write_text(json.dumps(tokens, indent=2) + "\n")
    build_cli(template, "--css", f"template/{TOKENS_CSS}", "--ts", TYPED_THEME, check=True)
    commit_all(template, f"Design system: {group}.{name} is {value}")
    git(template, "tag", tag)


def screenshot_dir(tmp_path: Path) -> Path:
    """Where the SPA's browser tests save their screenshots: PAVED_ROAD_SCREENSHOTS (the docs'
    images) or the test's own folder."""
    shots = Path(os.environ.get("PAVED_ROAD_SCREENSHOTS", tmp_path / "shots")).resolve()
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def assert_spa_checked(stdout: str, shots: Path) -> None:
    """An SPA product's whole `make check` ran its own checks: the five browser tests, vitest's
    three files, and the browser tests' screenshots (SPA_SCREENSHOT_DIR=shots)."""
    assert "test_spa_browser.py ....." in stdout
    assert "Test Files  3 passed" in re.sub(r"\x1b\[[0-9;]*m", "", stdout)
    assert (shots / "spa-list-dark.png").read_bytes().startswith(b"\x89PNG")
    assert (shots / "spa-create-error.png").is_file()
