"""Updates and managed blocks (issue 20): a template release that rewrites a block merges with a
product that wrote around it, and an update that leaves conflicts leaves a brief listing
exactly them, with both sides, the release notes crossed and the commands that prove a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import commit_all, git, run
from tests.update_support import GIT_IDENTITY, DefaultProducts, Versions, later_release, update

pytestmark = pytest.mark.slow(
    reason="real updates (copier, uv lock) and drift; one installs paved-road"
)

AGENTS = "template/AGENTS.md.jinja"
MAKEFILE = "template/Makefile.jinja"
README = "template/README.md.jinja"
BRIEF = ".paved-road/update-brief.md"
OLD_RULE = "platform's checks (`make check`, `make drift`) enforce them"
NEW_RULE = "platform's checks (`make check`, `make drift`, CI) enforce them"
TEAM_NOTE = "\nWe deploy on Tuesdays; ask #shop-oncall first.\n"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_a_block_the_template_changed_merges_with_product_edits_around_it(
    versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    template = later_release(
        versions,
        tmp_path,
        "v99.0.0",
        edits=(
            (AGENTS, OLD_RULE, NEW_RULE),
            (MAKEFILE, '$(UV_RUN) pytest -m "not browser"', '$(UV_RUN) pytest -m "not browser" -x'),
        ),
    )
    product = default_products.copy(versions, template, versions.new, tmp_path / "product")
    agents, makefile = product / "AGENTS.md", product / "Makefile"
    agents.write_text("Read me first.\n" + agents.read_text() + TEAM_NOTE)
    _edit(
        makefile,
        ".PHONY: fmt\n",
        ".PHONY: seed\nseed: ## Load demo data\n\techo seed\n\n.PHONY: fmt\n",
    )
    commit_all(product, "team notes and a target of our own around the blocks")

    result = update(product, "--defaults")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Conflicts: none" in result.stdout
    text = agents.read_text()
    assert NEW_RULE in text and OLD_RULE not in text
    assert text.startswith("Read me first.\n") and text.endswith(TEAM_NOTE)
    assert '$(UV_RUN) pytest -m "not browser" -x' in makefile.read_text()
    assert "seed: ## Load demo data" in makefile.read_text()
    assert not (product / BRIEF).exists()  # and exit 0: the update's drift check passed


def test_conflicts_leave_a_brief_listing_exactly_them(
    versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    template = later_release(
        versions,
        tmp_path,
        "v99.0.0",
        edits=(
            (MAKEFILE, "PORT ?= 8000", "PORT ?= 8001"),
            (README, "# {{ product_name }}\n", "# {{ product_name }} (paved road)\n"),
            (AGENTS, OLD_RULE, NEW_RULE),
        ),
    )
    product = default_products.copy(versions, template, versions.new, tmp_path / "product")
    _edit(product / "Makefile", "PORT ?= 8000", "PORT ?= 8080")
    _edit(product / "README.md", "# Demo Shop\n", "# Demo Shop (our edition)\n")
    (product / "AGENTS.md").write_text((product / "AGENTS.md").read_text() + TEAM_NOTE)
    commit_all(product, "our port, title and notes")

    # As people run it: `make update`, paved-road installed from the platform's repository at
    # its newest release; here the scratch template stands in for that repository.
    result = run(
        ["make", "update", f"PAVED_ROAD_SOURCE=file://{template}", "UPDATE_ARGS=--defaults"],
        product,
        check=False,
        **GIT_IDENTITY,
    )

    assert result.returncode == 2, result.stdout + result.stderr  # make's code: update exit 1
    assert "CONFLICTS (2)" in result.stdout
    assert f"Brief for resolving them: {BRIEF} (untracked)" in result.stdout
    brief = (product / BRIEF).read_text()
    listed = brief.split("## Conflicted files (2)\n\n")[1].split("\n\n")[0]
    assert listed.splitlines() == ["- `Makefile`", "- `README.md`"]
    assert "### `AGENTS.md`" not in brief, "a clean merge is not a conflict"
    makefile = brief.split("### `Makefile`")[1].split("### `README.md`")[0]
    assert "-PORT ?= 8000\n+PORT ?= 8001" in makefile.split("Your side")[0]  # the template's
    assert "-PORT ?= 8000\n+PORT ?= 8080" in makefile.split("Your side")[1]  # the product's
    assert "<<<<<<< before updating" in makefile
    assert "## Release notes crossed" in brief
    assert "`make check`" in brief and "`make drift`" in brief
    # Untracked and ignored: it never lands in the update's commit or trips drift.
    assert BRIEF not in git(product, "status", "--porcelain").stdout
