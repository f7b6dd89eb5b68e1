"""Overlapping edits and the 0.1.0 file move: conflicts are shown, never hidden or lost."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.version import Version

from tests.cases import CHECK_CASES
from tests.support import commit_all, copy_product, git, init_repo, run
from tests.update_support import (
    MIGRATION_SCRIPT,
    MOVED_FROM,
    MOVED_TO,
    DefaultProducts,
    Versions,
    copier_update,
    drift,
    later_release,
    tree_state,
    update,
)

MAKEFILE = "template/Makefile.jinja"


def _later_release(base: Versions, tmp_path: Path, edit: tuple[str, str, str], tag: str) -> Path:
    return later_release(base, tmp_path, tag, edits=(edit,))


def _floor(package: str, pyproject: Path) -> Version:
    """The lower bound the template's pyproject.toml sets for ``package`` today."""
    found = re.search(rf'"{package}>=([0-9.]+)",', pyproject.read_text())
    assert found, f"no {package} floor in {pyproject}"
    return Version(found[1])


@pytest.mark.slow(reason="a real update with conflicts, then drift until resolved")
def test_overlapping_edit_leaves_markers_fails_and_drift_fails_until_resolved(
    versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    template = _later_release(
        versions, tmp_path, (MAKEFILE, "PORT ?= 8000", "PORT ?= 8001"), "v99.0.0"
    )
    product = default_products.copy(versions, template, versions.new, tmp_path / "product")
    makefile = product / "Makefile"
    makefile.write_text(makefile.read_text().replace("PORT ?= 8000", "PORT ?= 8080"))
    commit_all(product, "serve on 8080")

    result = update(product, "--defaults")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "CONFLICTS (1)" in result.stdout
    assert "  Makefile\n" in result.stdout.split("CONFLICTS")[1]
    text = makefile.read_text()
    assert "<<<<<<< before updating" in text and ">>>>>>> after updating" in text
    assert "PORT ?= 8080" in text and "PORT ?= 8001" in text
    assert "Makefile" in git(product, "ls-files", "-u").stdout
    unresolved = drift(product)
    assert unresolved.returncode == 1, unresolved.stdout
    assert "Makefile" in unresolved.stdout

    # Resolve: keep the product's port, drop the markers, mark it resolved.
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("<<<<<<<"))
    end = next(i for i, line in enumerate(lines) if line.startswith(">>>>>>>"))
    makefile.write_text("".join([*lines[:start], "PORT ?= 8080\n", *lines[end + 1 :]]))
    git(product, "add", "Makefile")
    resolved = drift(product)
    assert resolved.returncode == 0, resolved.stdout + resolved.stderr


@pytest.mark.slow(reason="a real copier update of the paved-road template, conflicting")
def test_plain_copier_update_fails_while_conflict_markers_remain(
    versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    """Copier itself exits 0 on inline conflicts; the template's last migration
    (finish_update.py) makes `copier update` fail, so automation trusting the exit code
    (Renovate, scripts) never commits the markers as a finished update."""
    template = _later_release(
        versions, tmp_path, (MAKEFILE, "PORT ?= 8000", "PORT ?= 8001"), "v99.0.0"
    )
    product = default_products.copy(versions, template, versions.new, tmp_path / "product")
    makefile = product / "Makefile"
    makefile.write_text(makefile.read_text().replace("PORT ?= 8000", "PORT ?= 8080"))
    commit_all(product, "serve on 8080")

    result = copier_update(product)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    said = "finish_update: 1 conflict(s) to resolve, then `git add` (or `git rm`) each: Makefile"
    assert said in output
    assert "<<<<<<< before updating" in makefile.read_text()
    assert "Makefile" in git(product, "ls-files", "-u").stdout


@pytest.mark.slow(reason="a real update across a release that moves a file")
def test_moved_file_keeps_the_products_edits(
    migration_versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    product = default_products.copy(
        migration_versions, migration_versions.repo, migration_versions.old, tmp_path / "product"
    )
    moved = product / MOVED_FROM
    moved.write_text(moved.read_text().replace('"First"', '"Primero"') + "\n# ours\n")
    commit_all(product, "our items tests")
    scratch = tmp_path / "tmp"
    scratch.mkdir()

    result = update(product, "--defaults", TMPDIR=str(scratch))

    assert result.returncode == 0, result.stdout + result.stderr
    # The migration's old render is cleaned up (other tools' temp files are not this test's).
    assert list(scratch.glob("paved-road-migration-*")) == []
    assert "your edits were carried over" in result.stdout + result.stderr
    assert not moved.exists()
    carried = (product / MOVED_TO).read_text()
    assert '"Primero"' in carried and carried.endswith("\n# ours\n")  # our edits, moved
    assert "<<<<<<<" not in carried and '"First"' not in carried
    assert "  tests/test_items.py" in result.stdout.split("Removed")[1].split("Merged")[0]

    # Idempotent: running the migration again (copier may re-run) changes nothing.
    before = (product / MOVED_TO).read_bytes()
    again = subprocess.run(
        [
            sys.executable,
            str(migration_versions.repo / MIGRATION_SCRIPT),
            ".copier-answers.yml",
            MOVED_FROM,
            MOVED_TO,
        ],
        cwd=product,
        env={**os.environ, "VERSION_FROM": migration_versions.old},
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert (product / MOVED_TO).read_bytes() == before


@pytest.mark.slow(reason="a real update across a release that moves a file")
def test_unedited_moved_file_just_moves(
    migration_versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    product = default_products.copy(
        migration_versions, migration_versions.repo, migration_versions.old, tmp_path / "product"
    )
    fresh = copy_product(
        migration_versions.repo,
        tmp_path / "fresh",
        CHECK_CASES["default"],
        vcs_ref=migration_versions.new,
        skip_tasks=True,
    )
    result = update(product, "--defaults", "--no-drift")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (product / MOVED_FROM).exists()
    assert (product / MOVED_TO).read_bytes() == (fresh / MOVED_TO).read_bytes()


@pytest.mark.slow(reason="a real update across a release that moves a file")
def test_moved_file_edit_overlapping_the_template_gives_markers(
    migration_versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    """The template moved the file and changed a line the product also changed."""
    template = _later_release(
        migration_versions,
        tmp_path,
        (f"template/{MOVED_TO}", '"First"', '"Initial"'),
        "v99.0.0",
    )
    product = default_products.copy(
        migration_versions, template, migration_versions.old, tmp_path / "product"
    )
    moved = product / MOVED_FROM
    moved.write_text(moved.read_text().replace('"First"', '"Primero"'))
    commit_all(product, "our items tests")

    result = update(product, "--defaults", "--no-drift")

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"  {MOVED_TO}\n" in result.stdout.split("CONFLICTS")[1]
    text = (product / MOVED_TO).read_text()
    assert "<<<<<<< before updating" in text
    assert '"Primero"' in text and '"Initial"' in text
    assert not moved.exists()
    # Marked like every other conflict: unmerged (base, ours, theirs), not an untracked file.
    stages = {
        line.split()[2]
        for line in git(product, "ls-files", "-u", "--", MOVED_TO).stdout.splitlines()
    }
    assert stages == {"1", "2", "3"}
    assert f"UU {MOVED_TO}" in git(product, "status", "--porcelain").stdout.splitlines()
    # The merged result is staged: committing it as it is, git itself refuses while a file
    # is unmerged ("Committing is not possible because you have unmerged files").
    refused = git(
        product, "-c", "user.name=T", "-c", "user.email=t@e.x", "commit", "-qm", "x", check=False
    )
    assert refused.returncode != 0
    assert "unmerged files" in refused.stderr


@pytest.mark.slow(reason="a real update made to fail half way")
def test_failure_half_way_leaves_the_product_unchanged(
    versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    """A migration that changes a file and then fails: copier stops half-way; the product
    is put back exactly as it was (HEAD, index, working tree)."""
    broken = (
        '  - version: "99.0.0"\n'
        "    when: \"{{ _stage == 'before' }}\"\n"
        "    command:\n"
        '      - "{{ _copier_python }}"\n'
        "      - -c\n"
        "      - \"import pathlib; pathlib.Path('README.md').write_text('half'); "
        "pathlib.Path('stray.txt').write_text('x'); raise SystemExit(3)\"\n"
    )
    template = _later_release(
        versions, tmp_path, ("copier.yml", "_migrations:\n", f"_migrations:\n{broken}"), "v99.0.0"
    )
    product = default_products.copy(versions, template, versions.new, tmp_path / "product")
    before = tree_state(product)

    result = update(product, "--defaults")

    assert result.returncode == 2, result.stdout + result.stderr
    assert "copier update failed, product left unchanged" in result.stderr
    assert tree_state(product) == before


# A dependency whose floor in the template is below its newest release, so both sides can raise
# it to versions that exist (fastapi's floor is its newest release since issue 18).
DEPENDENCY = "alembic"


@pytest.mark.slow(reason="a real update whose pyproject.toml conflicts (uv lock)")
def test_conflicted_pyproject_holds_back_the_lock(
    versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    """Both sides raise the same dependency floor differently: pyproject.toml conflicts, and
    uv.lock is put back to the product's own lock and listed too, since it can only be
    re-locked once pyproject.toml is resolved. The printed advice then works as written."""
    floor = _floor(DEPENDENCY, versions.repo / "template/pyproject.toml.jinja")
    raised = f"{floor.major}.{floor.minor + 1}"  # the template's new floor
    ours = f"{floor.major}.{floor.minor}.{floor.micro + 1}"  # the product's own
    template = _later_release(
        versions,
        tmp_path,
        (
            "template/pyproject.toml.jinja",
            f'"{DEPENDENCY}>={floor}",',
            f'"{DEPENDENCY}>={raised}",',
        ),
        "v99.0.0",
    )
    product = default_products.copy(versions, template, versions.new, tmp_path / "product")
    pyproject = product / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(f'"{DEPENDENCY}>={floor}",', f'"{DEPENDENCY}>={ours}",')
    )
    commit_all(product, f"{DEPENDENCY} floor")

    result = update(product, "--defaults", "--no-drift")

    assert result.returncode == 1, result.stdout + result.stderr
    conflicts = result.stdout.split("CONFLICTS")[1]
    assert "  pyproject.toml\n" in conflicts and "  uv.lock\n" in conflicts
    assert "uv.lock: put back to your previous lock, because pyproject.toml has conflicts" in (
        result.stdout
    )
    # uv.lock is the product's own again: no markers, not unmerged, parseable by uv.
    assert git(product, "diff", "HEAD", "--", "uv.lock").stdout == ""
    assert "uv.lock" not in git(product, "ls-files", "-u").stdout

    # Follow the printed advice, word for word.
    text = pyproject.read_text()
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("<<<<<<<"))
    end = next(i for i, line in enumerate(lines) if line.startswith(">>>>>>>"))
    resolved = [*lines[:start], f'    "{DEPENDENCY}>={raised}",\n', *lines[end + 1 :]]
    pyproject.write_text("".join(resolved))
    git(product, "add", "pyproject.toml")
    run(["uv", "lock"], cwd=product)
    git(product, "add", "uv.lock")
    run(["uv", "lock", "--locked"], cwd=product)
    locked = tomllib.loads((product / "uv.lock").read_text())
    package = next(p for p in locked["package"] if p["name"] == DEPENDENCY)
    assert Version(package["version"]) >= Version(raised), package["version"]
    assert not git(product, "ls-files", "-u").stdout
    assert drift(product).returncode == 0


def _tree(product: Path) -> dict[str, tuple[int, bytes]]:
    """Every file but git's own: its mode and bytes."""
    return {
        str(path.relative_to(product)): (path.stat().st_mode, path.read_bytes())
        for path in sorted(product.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(product).parts
    }


def test_a_shared_default_product_is_the_render_it_stands_for(
    versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    """The tests above take a copy of one render (``DefaultProducts``) for their own
    template's: it must be what copier renders from that template, file for file, and
    committed the same (the tree an update starts from)."""
    template = _later_release(
        versions, tmp_path, (MAKEFILE, "PORT ?= 8000", "PORT ?= 8001"), "v99.0.0"
    )
    rendered = copy_product(
        template, tmp_path / "rendered", CHECK_CASES["default"], vcs_ref=versions.new
    )
    init_repo(rendered)

    copied = default_products.copy(versions, template, versions.new, tmp_path / "copied")

    assert f"_src_path: {template}\n" in (copied / ".copier-answers.yml").read_text()
    assert _tree(copied) == _tree(rendered)
    tree = "HEAD^{tree}"
    assert git(copied, "rev-parse", tree).stdout == git(rendered, "rev-parse", tree).stdout
