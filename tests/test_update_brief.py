"""The update brief on its own (issue 20): both sides of each conflict from git's index, the
`.rej` and deleted-by-template shapes, the release notes crossed, and no stale brief left once
an update ends without conflicts. A real update writing it: tests/test_update_blocks.py."""

from __future__ import annotations

from pathlib import Path

from paved_road.update.brief import BRIEF_FILE, refresh, render_brief
from paved_road.update.outcome import Outcome, read_outcome

from tests.support import commit_all, git, init_repo

CHANGELOG = """# Changelog

## Unreleased

## 1.2.0 (2026-12-01)

- Port 8001.

**Upgrade notes**: keep your port below the block.

## 1.1.0 (2026-11-01)

- Older.
"""


def _conflicted(repo: Path) -> None:
    """A real unmerged file (stages 1, 2, 3), the way copier leaves one."""
    (repo / "Makefile").write_text("HOST ?= 127.0.0.1\nPORT ?= 8000\n")
    (repo / "gone.txt").write_text("the template's\n")
    init_repo(repo)
    git(repo, "checkout", "--quiet", "-b", "template")
    (repo / "Makefile").write_text("HOST ?= 127.0.0.1\nPORT ?= 8001\n")
    (repo / "gone.txt").unlink()
    commit_all(repo, "template side")
    git(repo, "checkout", "--quiet", "main")
    (repo / "Makefile").write_text("HOST ?= 127.0.0.1\nPORT ?= 8080\n")
    (repo / "gone.txt").write_text("the product's edit\n")
    commit_all(repo, "product side")
    git(repo, "merge", "--quiet", "template", check=False)
    (repo / "pyproject.toml.rej").write_text("@@ -1 +1 @@\n-a = 1\n+a = 2\n")


def test_the_brief_shows_both_sides_of_exactly_the_conflicts(tmp_path: Path) -> None:
    repo = tmp_path / "product"
    repo.mkdir()
    _conflicted(repo)
    outcome = read_outcome(repo)
    assert outcome.conflicts == ["Makefile", "gone.txt", "pyproject.toml.rej"]

    brief = render_brief(repo, "v1.1.0", "v1.2.0", outcome, CHANGELOG)

    listed = brief.split("## Conflicted files (3)\n\n")[1].split("\n\n")[0]
    assert listed.splitlines() == ["- `Makefile`", "- `gone.txt`", "- `pyproject.toml.rej`"]
    makefile = brief.split("### `Makefile`")[1].split("### `gone.txt`")[0]
    template_side, product_side = makefile.split("Your side")
    assert "-PORT ?= 8000\n+PORT ?= 8001\n" in template_side
    assert "-PORT ?= 8000\n+PORT ?= 8080\n" in product_side
    assert "line 2:\n<<<<<<< HEAD\nPORT ?= 8080\n=======\nPORT ?= 8001\n>>>>>>> template" in (
        makefile
    )
    gone = brief.split("### `gone.txt`")[1].split("### `pyproject.toml.rej`")[0]
    assert "The template deleted this file" in gone and "(deleted by the template)" in gone
    assert "+a = 2" in brief.split("### `pyproject.toml.rej`")[1]
    notes = brief.split("## Release notes crossed")[1].split("## Prove the resolution")[0]
    assert "Port 8001" in notes and "keep your port below the block" in notes
    assert "Older" not in notes, "1.1.0 is where the product was: not crossed"
    proof = brief.split("## Prove the resolution")[1]
    assert "`make check`" in proof and "`make drift`" in proof


def test_refresh_writes_the_brief_and_removes_it_once_nothing_conflicts(tmp_path: Path) -> None:
    repo = tmp_path / "product"
    repo.mkdir()
    _conflicted(repo)
    line = refresh(repo, "v1.0.0", "v1.2.0", read_outcome(repo), CHANGELOG)
    assert line == f"Brief for resolving them: {BRIEF_FILE} (untracked)"
    assert (repo / BRIEF_FILE).read_text().startswith("# Template update v1.0.0 -> v1.2.0: 3 ")

    assert refresh(repo, "v1.2.0", "v1.2.0", Outcome(), "") is None
    assert not (repo / BRIEF_FILE).exists()
