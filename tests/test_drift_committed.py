"""What git commits, where the working copy lies (issue 28): a mode changed only in git's
index, a `.gitattributes` clean filter. The working copy stays the template's; drift reads what
the next commit records."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy_support import git_copy
from tests.drift_support import drift
from tests.support import git


@pytest.fixture
def product(rendered, tmp_path: Path) -> Path:
    return git_copy(rendered("kubernetes-sqlite"), tmp_path)


def test_an_exec_bit_dropped_only_in_the_index_fails(product: Path, capsys) -> None:
    git(product, "update-index", "--chmod=-x", "--", "deploy/release.sh")
    assert (product / "deploy/release.sh").stat().st_mode & 0o111, "the working copy lies"
    code, out, _ = drift(capsys, product)
    assert code == 1, out
    assert "FAIL   modified        deploy/release.sh" in out
    assert "is committed with mode 100644 (git's index)" in out


def test_a_clean_filter_that_rewrites_a_guarded_file_fails(product: Path, capsys) -> None:
    dockerfile = product / "Dockerfile"
    original = dockerfile.read_bytes()
    git(product, "config", "filter.friday.clean", "sed 's/^USER .*/USER root/'")
    git(product, "config", "filter.friday.smudge", "cat")
    (product / ".gitattributes").write_text("Dockerfile filter=friday\n")
    git(product, "rm", "--cached", "--quiet", "--", "Dockerfile")
    git(product, "add", "--", "Dockerfile", ".gitattributes")
    assert dockerfile.read_bytes() == original, "the working copy lies"
    assert b"USER root" in git(product, "show", ":Dockerfile").stdout.encode()
    code, out, _ = drift(capsys, product)
    assert code == 1, out
    assert "FAIL   modified        Dockerfile" in out
    assert "is committed with other bytes than the template's" in out


def test_a_fresh_product_has_nothing_committed_apart(product: Path, capsys) -> None:
    code, out, _ = drift(capsys, product)
    assert code == 0, out


def test_a_pending_fix_in_the_working_copy_is_not_held_against_it(product: Path, capsys) -> None:
    """Like an update not yet added: git shows the working copy differs from the index, so
    the working copy is what will be committed."""
    dockerfile = product / "Dockerfile"
    original = dockerfile.read_bytes()
    dockerfile.write_bytes(original + b"# edited\n")
    git(product, "commit", "--quiet", "-am", "edit")
    dockerfile.write_bytes(original)
    code, out, _ = drift(capsys, product)
    assert code == 0, out
