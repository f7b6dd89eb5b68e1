"""The template's Alembic migrations and the product's own, joined again after an update.

The template's migrations form one chain with fixed revision IDs (``0001``, ``0002``, ...); a
product's own migrations continue from the newest one it had. When a release adds the next
template migration, both continue from the same parent, and Alembic then sees two heads:
``alembic upgrade head`` (``make migrate``, ``make migrations-check``) refuses to run. The update
writes the merge migration Alembic's ``merge heads`` would write (no schema change, both heads
as parents), so the product migrates again; its revision ID and file name come from the heads,
so running the update again writes the same file.

Migrations are read, never imported: a revision's ``revision`` and ``down_revision`` are
literals (``ast``), so nothing of the product runs in the update's process.
"""

from __future__ import annotations

import ast
import configparser
import hashlib
from dataclasses import dataclass
from pathlib import Path

ALEMBIC_INI = "alembic.ini"
MERGE_SLUG = "template_and_product_migrations"


@dataclass(frozen=True)
class Revision:
    revision: str
    parents: tuple[str, ...]
    path: Path


@dataclass(frozen=True)
class Merged:
    path: Path  # the merge migration written, relative to the product
    heads: tuple[str, ...]


def versions_folder(product: Path) -> Path | None:
    """``<script_location>/versions`` as the product's alembic.ini names it (None: no Alembic)."""
    ini = product / ALEMBIC_INI
    if not ini.is_file():
        return None
    config = configparser.ConfigParser(interpolation=None)
    try:
        config.read(ini, encoding="utf-8")
        location = config.get("alembic", "script_location")
    except (configparser.Error, UnicodeDecodeError):
        return None
    folder = Path(location.replace("%(here)s", str(product))) / "versions"
    folder = folder if folder.is_absolute() else product / folder
    return folder if folder.is_dir() else None


def _literal(node: ast.expr | None) -> object:
    try:
        return ast.literal_eval(node) if node is not None else None
    except ValueError:
        return None


def read_revision(path: Path) -> Revision | None:
    """The revision a migration file declares; None when it declares none or does not parse
    (conflict markers: the update lists the file as a conflict already)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None
    values: dict[str, object] = {}
    for statement in tree.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            values[statement.target.id] = _literal(statement.value)
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    values[target.id] = _literal(statement.value)
    revision, down = values.get("revision"), values.get("down_revision")
    if not isinstance(revision, str):
        return None
    if isinstance(down, str):
        down = (down,)
    parents = tuple(str(parent) for parent in down) if isinstance(down, tuple | list) else ()
    return Revision(revision, parents, path)


def heads(folder: Path) -> tuple[str, ...]:
    """The revisions no other revision continues from, sorted."""
    revisions = [rev for path in sorted(folder.glob("*.py")) if (rev := read_revision(path))]
    parents = {parent for rev in revisions for parent in rev.parents}
    return tuple(sorted(rev.revision for rev in revisions if rev.revision not in parents))


def merge_revision(joined: tuple[str, ...]) -> str:
    """A revision ID that only these heads produce: the same file on every run."""
    digest = hashlib.sha256(" ".join(sorted(joined)).encode()).hexdigest()
    return f"merge_{digest[:8]}"


def merge_source(revision: str, joined: tuple[str, ...]) -> str:
    """The merge migration, as `ruff format` leaves it and typed for mypy --strict."""
    parents = "".join(f'    "{head}",\n' for head in joined)
    return (
        '"""Merge the template\'s migrations and this product\'s own (written by paved-road '
        "update).\n\n"
        f"Revision ID: {revision}\n"
        f"Revises: {', '.join(joined)}\n"
        '"""\n\n'
        "from collections.abc import Sequence\n\n"
        f'revision: str = "{revision}"\n'
        f"down_revision: str | Sequence[str] | None = (\n{parents})\n"
        "branch_labels: str | Sequence[str] | None = None\n"
        "depends_on: str | Sequence[str] | None = None\n\n\n"
        "def upgrade() -> None:\n    pass\n\n\n"
        "def downgrade() -> None:\n    pass\n"
    )


def merge_heads(product: Path) -> Merged | None:
    """Write the merge migration when the product's migrations have more than one head;
    None when there is nothing to merge (one head, or no Alembic)."""
    folder = versions_folder(product)
    if folder is None or len(joined := heads(folder)) < 2:
        return None
    revision = merge_revision(joined)
    path = folder / f"{revision}_{MERGE_SLUG}.py"
    path.write_text(merge_source(revision, joined), encoding="utf-8")
    return Merged(path.relative_to(product), joined)


def merged_note(merged: Merged) -> str:
    return (
        f"Migrations: {len(merged.heads)} heads ({', '.join(merged.heads)}): the template's "
        "migrations and yours continue from the same one; wrote the merge migration "
        f"{merged.path.as_posix()} (no schema change), so `make migrate` applies them all"
    )
