"""The upgrade path: a product made at the previous release, customised, updated to this one.

Every CHECK_CASES answer set is created, customised, committed and updated; each must keep all
customisations, receive every template change (files it did not touch equal a fresh render of
the new version), have no conflict, and pass the drift check. The default case also runs the
updated product's own `make setup` and `make check`; the others skip it to keep CI within
budget (their fresh `make check` runs in the render tests, and an update that leaves their
files equal to a fresh render plus the customisations cannot break it differently).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.cases import CHECK_CASES
from tests.shared import MypyCaches
from tests.support import commit_all, copy_product, git, init_repo, run
from tests.update_customisations import (
    CUSTOMISED,
    check_customised,
    customise,
    customised_src,
    follow_upgrade_notes,
)
from tests.update_support import MOVED_FROM, MOVED_TO, Versions, update


def _files(root: Path) -> list[str]:
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    )


MERGE_MIGRATION = re.compile(
    r"src/\w+/migrations/versions/merge_\w+_template_and_product_migrations\.py"
)


def _offered(template: Path, ref: str) -> Callable[[str, str], bool]:
    """Whether copier.yml at ``ref`` asks a question and accepts an answer to it."""
    spec = yaml.safe_load(git(template, "show", f"{ref}:copier.yml").stdout)

    def offered(name: str, value: str) -> bool:
        question = spec.get(name)
        if name.startswith("_") or not isinstance(question, dict):
            return False
        choices = question.get("choices")
        accepted = choices.values() if isinstance(choices, dict) else choices
        return accepted is None or value in accepted

    return offered


def _package(product: Path) -> str:
    return yaml.safe_load((product / ".copier-answers.yml").read_text())["package_name"]


@pytest.mark.slow(reason="updates a locked, customised product across two template releases")
@pytest.mark.parametrize("case", list(CHECK_CASES))
def test_customised_product_updates_cleanly(
    case: str,
    versions: Versions,
    tmp_path: Path,
    mypy_caches: MypyCaches,
    seed_npm: Callable[[Path], None],
) -> None:
    answers = CHECK_CASES[case]
    # A question the old release did not ask (auth, ci=gitlab) is answered at the update, as
    # its engineer would: `--data`, every other answer kept as recorded.
    # So is an answer it did not offer (ci=gitlab): the product moves at the update.
    offered = _offered(versions.repo, versions.old)
    known = {name: value for name, value in answers.items() if offered(name, value)}
    new = [f"{name}={value}" for name, value in answers.items() if name not in known]
    product = copy_product(versions.repo, tmp_path / "product", known, vcs_ref=versions.old)
    init_repo(product)
    package = _package(product)
    customise(product, package)

    result = update(product, "--defaults", *(f"--data={item}" for item in new))

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"Template {versions.old} -> {versions.new}" in result.stdout
    assert "Conflicts: none" in result.stdout
    assert "in policy" in result.stdout
    assert not git(product, "ls-files", "-u").stdout
    check_customised(product, package)
    # uv.lock is re-locked, not a text merge of two generated files: uv accepts it as current.
    run(["uv", "lock", "--locked"], cwd=product)
    added = result.stdout.split("Added")[1].split("Removed")[0]
    removed = result.stdout.split("Removed")[1].split("Merged")[0]
    if versions.old == "v0.0.1":
        assert MOVED_TO in added and MOVED_FROM in removed
        assert "## 0.1.0" in result.stdout  # the changelog crossed
    # The template's changes arrived, and nothing the product did not touch differs from a
    # fresh render of the new version: no conflict, no leftover, no lost template change.
    fresh = copy_product(
        versions.repo, tmp_path / "fresh", answers, vcs_ref=versions.new, skip_tasks=True
    )
    untouched = set(_files(fresh)) - CUSTOMISED - customised_src(package)
    for path in sorted(untouched):
        assert (product / path).read_bytes() == (fresh / path).read_bytes(), path
    leftovers = set(_files(product)) - set(_files(fresh)) - CUSTOMISED - customised_src(package)
    # The template's new migrations and the product's own meet in a merge migration the update
    # writes itself (one head again; issue 19), and says so.
    merges = {path for path in leftovers if MERGE_MIGRATION.fullmatch(path)}
    assert ("Migrations: 2 heads" in result.stdout) == bool(merges), result.stdout
    assert leftovers - merges == set(), leftovers

    if case == "default":
        follow_upgrade_notes(product, package)
        commit_all(product, "template update")
        # The run's npm ci for this lock: make setup's own install is tested with `make dev`
        # and `paved-road new`; here the updated product's code and checks are the point.
        seed_npm(product)
        run(["make", "setup"], cwd=product)
        mypy_caches.seed(product)  # a copy of a warm cache: mypy still checks this product's code
        run(["make", "check"], cwd=product)
        mypy_caches.keep(product)
