"""The template's migrations and a product's own coexist (issue 19): a product that added a
migration after the template's last one receives a release that adds the template's next one.
The update writes the merge migration (formatted, typed), says so, and the product migrates
again, on SQLite and on PostgreSQL; without the merge, `make migrations-check` names the two
heads in one line."""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from paved_road.filters import env_prefix
from paved_road.update.migration_merge import heads, merge_heads

from tests.cases import CHECK_CASES
from tests.postgres import PostgresCluster, package_of
from tests.support import commit_all, copy_product, init_repo, run
from tests.update_support import GIT_IDENTITY, Versions, later_release, update

VERSIONS = "src/{pkg}/migrations/versions"
TEMPLATE_VERSIONS = "template/src/{{ package_name }}/migrations/versions"
ALEMBIC_MERGE = 'uv run alembic merge heads -m "merge template and product migrations"'

# The template's next migration: data only, so the models still match (alembic check).
TEMPLATE_0004 = '''"""Items without a description get an empty one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE items SET description = '' WHERE description IS NULL")


def downgrade() -> None:
    pass
'''

# The product's own migration, made with `make migration` after the template's 0003.
PRODUCT_OWN = '''"""Seed the shop's first item.

Revision ID: 5e6f7a8b9c0d
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5e6f7a8b9c0d"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM items WHERE name = 'placeholder'")


def downgrade() -> None:
    pass
'''


def test_merge_migration_is_the_same_file_on_every_run(tmp_path: Path) -> None:
    product = tmp_path / "p"
    versions = product / "src/shop/migrations/versions"
    versions.mkdir(parents=True)
    (product / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/src/shop/migrations\n"
    )
    (versions / "0003_x.py").write_text('revision = "0003"\ndown_revision = "0002"\n')
    (versions / "0004_t.py").write_text(TEMPLATE_0004)
    (versions / "20261206_5e6f7a8b9c0d_own.py").write_text(PRODUCT_OWN)

    first = merge_heads(product)
    assert first is not None and first.heads == ("0004", "5e6f7a8b9c0d")
    text = (product / first.path).read_text()
    assert heads(versions) == (first.path.stem.removesuffix("_template_and_product_migrations"),)
    assert merge_heads(product) is None  # merged: one head, nothing written again
    (product / first.path).unlink()
    second = merge_heads(product)
    assert second == first and (product / second.path).read_text() == text


@dataclass(frozen=True)
class Updated:
    product: Path
    package: str
    own: Path  # the product's own migration
    template: Path  # the template the product records, a path
    output: str  # what `make update` printed
    env: dict[str, str]  # points the product at its database

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(["uv", "run", "--locked", *argv], self.product, check=check, **self.env)


def _database(kind: str, request: pytest.FixtureRequest, where: Path, package: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{where / 'shop.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = f"{package}_merge_{os.getpid()}"
    cluster.create_database(name)
    return cluster.url(name)


@pytest.fixture(scope="module")
def updated(
    request: pytest.FixtureRequest, versions: Versions, tmp_path_factory: pytest.TempPathFactory
) -> Updated:
    """A product with its own migration after 0003, updated to a template release that adds
    0004, with its dependencies installed (param: the database answer)."""
    tmp_path = tmp_path_factory.mktemp(f"merge-{request.param}")
    answers = {**CHECK_CASES["default"], "database": request.param, "auth": "none", "ui": "none"}
    template = later_release(
        versions,
        tmp_path,
        "v99.0.0",
        additions={f"{TEMPLATE_VERSIONS}/0004_empty_descriptions.py": TEMPLATE_0004},
    )
    product = copy_product(template, tmp_path / "product", answers, vcs_ref=versions.new)
    package = package_of(answers)
    own = product / VERSIONS.format(pkg=package) / "20261206_5e6f7a8b9c0d_seed.py"
    own.write_text(PRODUCT_OWN)
    init_repo(product)
    commit_all(product, "our own migration")

    if request.param == "sqlite":
        # As people run it: `make update`, from the template the product records (a path).
        result = run(["make", "update", "UPDATE_ARGS=--defaults"], product, False, **GIT_IDENTITY)
    else:  # the same update, quicker: this venv's paved-road, no drift check after it
        result = update(product, "--defaults", "--no-drift")

    assert result.returncode == 0, result.stdout + result.stderr
    url = _database(request.param, request, tmp_path, package)
    env = {f"{env_prefix(package)}DATABASE_URL": url}
    run(["uv", "sync", "--locked", "--quiet"], cwd=product, **env)
    return Updated(product, package, own, template, result.stdout, env)


def _merge_written(updated: Updated) -> Path:
    """The merge migration the update says it wrote."""
    lines = updated.output.splitlines()
    note = next(line for line in lines if line.startswith("Migrations:"))
    assert note.startswith("Migrations: 2 heads (0004, 5e6f7a8b9c0d): ")
    return updated.product / note.split("wrote the merge migration ")[1].split(" ")[0]


@pytest.mark.slow(reason="a real update, then uv sync and alembic in the product")
@pytest.mark.parametrize(
    "updated",
    [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
    indirect=True,
)
def test_the_update_merges_the_template_migration_with_the_products_and_it_migrates(
    updated: Updated,
) -> None:
    assert "Conflicts: none" in updated.output
    merge = _merge_written(updated)
    assert merge.parent == updated.own.parent
    parents = 'down_revision: str | Sequence[str] | None = (\n    "0004",\n    "5e6f7a8b9c0d",\n)'
    assert parents in merge.read_text()

    checked = updated.run("python", "-m", f"{updated.package}.migrations.check", check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr  # make migrations-check
    upgraded = updated.run("alembic", "upgrade", "head")  # make migrate
    revision = merge.stem.removesuffix("_template_and_product_migrations")
    assert f"Running upgrade 0004, 5e6f7a8b9c0d -> {revision}" in upgraded.stderr


@pytest.mark.slow(reason="a real update, then uv sync, ruff and mypy in the product")
@pytest.mark.parametrize("updated", [pytest.param("sqlite", id="sqlite")], indirect=True)
def test_the_merge_passes_the_checks_and_without_it_migrations_check_says_so(
    updated: Updated,
) -> None:
    merge = _merge_written(updated)
    text = merge.read_text()
    merge.unlink()
    try:
        branched = updated.run("python", "-m", f"{updated.package}.migrations.check", check=False)
        assert branched.returncode == 1
        [line] = branched.stderr.strip().splitlines()
        assert line.startswith("migrations-check: 2 heads (0004, 5e6f7a8b9c0d): the migrations ")
        assert line.endswith(f"merge them: {ALEMBIC_MERGE}")

        # The command it names writes a merge that passes the same checks (script.py.mako).
        before = set(merge.parent.glob("*.py"))
        run(shlex.split(ALEMBIC_MERGE), updated.product, **updated.env)
        [by_alembic] = set(merge.parent.glob("*.py")) - before
    finally:
        merge.write_text(text)
    files = [str(path.relative_to(updated.product)) for path in (by_alembic, merge)]
    try:
        for tool in ("ruff", "format", "--check"), ("ruff", "check"), ("mypy",):
            updated.run(*tool, *files)
    finally:
        by_alembic.unlink()


@pytest.mark.slow(reason="a real update, then uv sync and alembic in the product")
@pytest.mark.parametrize("updated", [pytest.param("sqlite", id="sqlite")], indirect=True)
def test_make_update_takes_paved_road_from_the_template_on_this_machine(
    updated: Updated,
) -> None:
    """A product made from a path: `make update` installs paved-road from that template's
    newest release (`git+file://`, as docs/updating.md shows) and trusts it as a template on
    this machine; the drift note names the option that trusted it."""
    lines = updated.output.splitlines()
    assert lines[0] == f"paved-road update, from git+file://{updated.template}@v99.0.0"
    assert any(line.startswith("Template v") and line.endswith(" -> v99.0.0") for line in lines)
    assert (
        f"template source {updated.template} is not the platform's; checked against it because "
        "`paved-road update --local-template` was given. CI accepts only the platform's sources"
    ) in " ".join(line.strip() for line in lines)
