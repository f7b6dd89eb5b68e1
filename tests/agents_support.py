"""What every product's agent files must say, whatever its answers (issue 20): run on each
combination test_render.py renders, so no second render of every combination is needed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from paved_road.drift.blocks import find_blocks
from paved_road.drift.references import makefile_targets, references, stale

from tests.drift_support import product_policy

# The commands AGENTS.md must name (issue 20).
COMMANDS = ("dev", "check", "test-fast", "migration", "drift", "update")


def block(product: Path, path: str, name: str) -> str:
    blocks, problems = find_blocks((product / path).read_text())
    assert problems == [], problems
    return blocks[name].text


def check_agent_files(product: Path) -> None:
    """`AGENTS.md` and the README's platform block agree with the Makefile and the policy, and
    the files beside them are there."""
    makefile = (product / "Makefile").read_text()
    targets = makefile_targets(makefile)
    agents = block(product, "AGENTS.md", "agents")
    readme = block(product, "README.md", "platform")
    for text in (agents, readme):
        assert stale(text, targets, lambda path: (product / path).exists()) == []
    named_targets = set(references(agents)[0])
    assert set(COMMANDS) <= named_targets
    spans = set(re.findall(r"`([^`\n]+)`", agents))
    policy = product_policy(product)
    assert {entry.path for entry in policy.guarded} <= spans, "a guarded path is not listed"
    managed = [entry for entry in [*policy.shared, *policy.seeded] if entry.blocks]
    assert {entry.path for entry in managed} <= spans
    for entry in managed:
        for name in entry.blocks:
            block(product, entry.path, name)
    # Everything `make help` documents is listed in both (they are generated from the Makefile).
    documented = {
        line.split(":")[0]
        for line in makefile.splitlines()
        if "## " in line and not line.startswith(("#", "\t"))
    }
    assert documented <= named_targets
    assert documented <= set(references(readme)[0])

    assert (product / "CLAUDE.md").read_text() == "@AGENTS.md\n"
    copilot = product / ".github/copilot-instructions.md"  # GitHub products only (ci: github)
    if (product / ".gitlab-ci.yml").is_file():
        assert not copilot.exists()
    else:
        assert "`AGENTS.md`" in copilot.read_text()
    assert "[Makefile]\nindent_style = tab" in (product / ".editorconfig").read_text()
    recommended = json.loads((product / ".vscode/extensions.json").read_text())
    assert {"charliermarsh.ruff", "ms-python.mypy-type-checker"} <= set(
        recommended["recommendations"]
    )
    settings = json.loads((product / ".vscode/settings.json").read_text())
    assert settings["python.defaultInterpreterPath"] == "${workspaceFolder}/.venv/bin/python"
