"""Copier migration, the last one of every update: what a 3-way merge of files cannot do.

Usage, from copier.yml ``_migrations`` (no ``version``: it runs on every update; keep it last)::

    command:
      - "{{ _copier_python }}"
      - "{{ _copier_conf.src_path }}/template_migrations/finish_update.py"
      - "{{ _copier_conf.answers_file }}"

1. Files the template deleted that the product had changed: copier deletes them silently.
   This puts the product's version back at its path and marks it unmerged, "deleted by them"
   (stage 1: the template's old version, stage 2: the product's; ``git status``: ``UD``), so
   nothing is lost and git refuses to commit until the engineer decides: ``git rm PATH``
   accepts the deletion, ``git add PATH`` keeps the file as the product's own.
2. ``uv.lock``: copier merges it as text, which can keep pins below a raised lower bound.
   It is re-locked from the product's own lock (``paved_road.update.lockfile``, the code
   ``paved-road update`` uses), or, when ``pyproject.toml`` has conflicts, put back to the
   product's lock with the command to run once they are resolved.
3. It lists every conflict left (inline markers, unmerged files, ``*.rej``, a kept deletion)
   and exits 1 when there is any, so a plain ``copier update`` (and Renovate, and any script
   trusting its exit code) fails instead of exiting 0 with conflict markers in the tree.
   Copier runs this migration after it has merged every file, so the count is complete.

Under ``paved-road update`` (``PAVED_ROAD_UPDATE=1``) only step 1 runs and it exits 0:
paved-road re-locks and reports conflicts itself, after copier has finished.
Idempotent: a second run finds the kept files present, and the lock already current.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The template's own package, from the same checkout as this script (copier's clone of the
# template at the new version): its lock step, shared with `paved-road update`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "extensions"))

from move_files import OldVersion, committed, mark_unmerged, moved_note
from paved_road.update.lockfile import PYPROJECT, relock
from paved_road.update.outcome import read_outcome

UNDER_PAVED_ROAD = "PAVED_ROAD_UPDATE"


def _deleted_by_update() -> list[str]:
    """Paths in HEAD that the update removed from the working tree, minus moved files whose
    edits move_files.py already carried to their new place."""
    listed = subprocess.run(
        ["git", "ls-files", "--deleted", "-z", "--", "."],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    note = moved_note()
    moved = set(note.read_text(encoding="utf-8").split()) if note.is_file() else set()
    note.unlink(missing_ok=True)
    return [path for path in filter(None, listed.split("\0")) if path not in moved]


def keep_deleted_changes(template: str, version: str, answers_file: str) -> list[str]:
    """Put back every deleted file the product had changed; returns their paths."""
    deleted = _deleted_by_update()
    if not deleted:
        return []
    kept = []
    with tempfile.TemporaryDirectory(prefix="paved-road-migration-") as scratch:
        base_render = OldVersion(template, version, answers_file, Path(scratch))
        for path in deleted:
            ours, base = committed(path), base_render.read(path)
            if ours is None or base is None or ours == base:
                continue  # unchanged by the product (or never the template's): a plain deletion
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(ours)
            mark_unmerged(path, base, ours, None)
            kept.append(path)
            print(
                f"finish_update: {path}: the template deleted it, but you had changed it: your "
                f"version is kept there. `git rm {path}` accepts the deletion, `git add {path}` "
                "keeps it as your own"
            )
    return kept


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: finish_update.py ANSWERS_FILE", file=sys.stderr)
        return 2
    template = str(Path(__file__).resolve().parents[1])
    kept = keep_deleted_changes(template, os.environ["VERSION_FROM"], argv[0])
    if os.environ.get(UNDER_PAVED_ROAD) == "1":
        return 0
    product = Path.cwd()
    lock = relock(product, PYPROJECT in read_outcome(product).conflicts)
    if lock is not None:
        print(f"finish_update: {lock.note}")
    conflicts = read_outcome(product).conflicts
    if conflicts:
        print(
            f"finish_update: {len(conflicts)} conflict(s) to resolve, then `git add` (or "
            "`git rm`) each: " + ", ".join(conflicts)
        )
    return 1 if kept or conflicts else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
