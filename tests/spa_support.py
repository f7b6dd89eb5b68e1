"""Helpers of the SPA tests: where the frontend lives in the template, and a token release."""

from __future__ import annotations

import json
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
