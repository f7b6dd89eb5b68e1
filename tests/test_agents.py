"""Every product tells coding assistants the truth (issue 20): `AGENTS.md` and the README's
platform section name only make targets the Makefile defines and paths the product has, list
every guarded path of the policy, and sit beside CLAUDE.md, Copilot's instructions and the
editor settings. Rendered for every answer combination (tasks skipped: no toolchain runs), so a
template change that renames a target or moves a folder fails here first."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from paved_road.drift.blocks import find_blocks
from paved_road.drift.references import makefile_targets, references, stale

from tests.cases import ALL_CASES
from tests.drift_support import product_policy
from tests.support import copy_product

COMMANDS = ("dev", "check", "test-fast", "migration", "drift", "update")


@pytest.fixture(scope="module")
def products(template_repo: Path, tmp_path_factory: pytest.TempPathFactory):
    made: dict[str, Path] = {}

    def get(case: str) -> Path:
        if case not in made:
            dst = tmp_path_factory.mktemp("agents") / "product"
            made[case] = copy_product(template_repo, dst, ALL_CASES[case], skip_tasks=True)
        return made[case]

    return get


def _block(product: Path, path: str, name: str) -> str:
    blocks, problems = find_blocks((product / path).read_text())
    assert problems == [], problems
    return blocks[name].text


@pytest.mark.parametrize("case", sorted(ALL_CASES))
def test_agent_instructions_agree_with_the_makefile_and_the_policy(case: str, products) -> None:
    product = products(case)
    targets = makefile_targets((product / "Makefile").read_text())
    agents = _block(product, "AGENTS.md", "agents")
    readme = _block(product, "README.md", "platform")

    for text in (agents, readme):
        assert stale(text, targets, lambda path: (product / path).exists()) == []
    named_targets, _paths = references(agents)
    assert set(COMMANDS) <= set(named_targets)
    spans = set(re.findall(r"`([^`\n]+)`", agents))
    policy = product_policy(product)
    assert {entry.path for entry in policy.guarded} <= spans, "a guarded path unlisted"
    managed = [entry for entry in [*policy.shared, *policy.seeded] if entry.blocks]
    assert {entry.path for entry in managed} <= spans
    # Everything `make help` documents is in both lists (generated from the Makefile).
    documented = {
        line.split(":")[0]
        for line in (product / "Makefile").read_text().splitlines()
        if "## " in line and not line.startswith(("#", "\t"))
    }
    assert documented <= set(named_targets)
    assert documented <= set(references(readme)[0])

    assert (product / "CLAUDE.md").read_text() == "@AGENTS.md\n"
    copilot = (product / ".github/copilot-instructions.md").read_text()
    assert "`AGENTS.md`" in copilot
    assert "[Makefile]\nindent_style = tab" in (product / ".editorconfig").read_text()
    recommended = json.loads((product / ".vscode/extensions.json").read_text())
    assert {"charliermarsh.ruff", "ms-python.mypy-type-checker"} <= set(
        recommended["recommendations"]
    )
    settings = json.loads((product / ".vscode/settings.json").read_text())
    assert settings["python.defaultInterpreterPath"] == "${workspaceFolder}/.venv/bin/python"


def test_the_blocks_the_policy_names_are_in_the_files(products) -> None:
    product = products("3.12-sqlite-server-kubernetes-github")
    policy = product_policy(product)
    for entry in [*policy.shared, *policy.seeded]:
        for name in entry.blocks:
            _block(product, entry.path, name)
    [makefile] = [entry for entry in policy.shared if entry.path == "Makefile"]
    assert makefile.blocks == ["settings", "checks"]
    checks = _block(product, "Makefile", "checks")
    for target in ("check", "drift", "update", "test-fast", "lint", "types", "test"):
        assert f"\n{target}:" in checks
    assert "\ntest-fast: ## " in checks and 'pytest -m "not browser"' in checks
    assert "https://github.com/acme/paved-road.git" in checks, "update installs from the platform"
