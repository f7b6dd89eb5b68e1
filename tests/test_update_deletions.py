"""A release deletes a file the product changed: a conflict, never a silent loss.

The template release deletes renovate.json (which the product changed) and compose.yaml
(which it did not). Both `paved-road update` and plain `copier update --trust --defaults`
(through the template's finish_update migration) must keep the product's renovate.json at its
path, mark it unmerged "deleted by them", name it, and exit 1; compose.yaml just goes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import commit_all, git
from tests.update_support import DefaultProducts, Versions, copier_update, later_release, update

CHANGED, UNCHANGED = "renovate.json", "compose.yaml"
OUR_LINE = '  "timezone": "Europe/Madrid",\n'


@pytest.fixture
def product(
    versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> Path:
    template = later_release(
        versions,
        tmp_path,
        "v99.0.0",
        deletions=(f"template/{CHANGED}.jinja", f"template/{UNCHANGED}.jinja"),
    )
    product = default_products.copy(versions, template, versions.new, tmp_path / "product")
    renovate = product / CHANGED
    renovate.write_text(renovate.read_text().replace("{\n", "{\n" + OUR_LINE, 1))
    commit_all(product, "renovate: our timezone")
    return product


def _kept_as_conflict(product: Path) -> bytes:
    ours = git(product, "show", f"HEAD:{CHANGED}").stdout.encode()
    assert (product / CHANGED).read_bytes() == ours  # the product's version, where it was
    assert f"UD {CHANGED}" in git(product, "status", "--porcelain").stdout.splitlines()
    assert not (product / UNCHANGED).exists()  # an unchanged file just goes
    return ours


@pytest.mark.slow(reason="a real paved-road update across a release that deletes a file")
def test_paved_road_update_keeps_a_deleted_changed_file_as_a_conflict(product: Path) -> None:
    result = update(product, "--defaults", "--no-drift")

    assert result.returncode == 1, result.stdout + result.stderr
    conflicts = result.stdout.split("CONFLICTS (1)")[1]
    assert f"  {CHANGED}  (the template deleted it; your changed version is kept" in conflicts
    assert UNCHANGED in result.stdout.split("Removed")[1].split("Merged")[0]
    _kept_as_conflict(product)

    # The advice, followed: keep it as the product's own.
    git(product, "add", CHANGED)
    assert not git(product, "ls-files", "-u").stdout
    commit_all(product, "template update, keeping our renovate.json")
    assert OUR_LINE in (product / CHANGED).read_text()


@pytest.mark.slow(reason="a real copier update across a release that deletes a file")
def test_plain_copier_update_keeps_a_deleted_changed_file_and_fails(product: Path) -> None:
    result = copier_update(product)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"finish_update: {CHANGED}: the template deleted it, but you had changed it" in output
    assert f"conflict(s) to resolve, then `git add` (or `git rm`) each: {CHANGED}" in output
    _kept_as_conflict(product)

    # The other choice: accept the deletion.
    git(product, "rm", "--quiet", CHANGED)
    assert not git(product, "ls-files", "-u").stdout
    assert not (product / CHANGED).exists()
