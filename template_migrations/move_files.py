"""Copier migration (``after`` stage): carry a product's edits along when the template moves files.

Usage, from copier.yml ``_migrations``::

    command:
      - "{{ _copier_python }}"
      - "{{ _copier_conf.src_path }}/template_migrations/move_files.py"
      - "{{ _copier_conf.answers_file }}"
      - OLD_PATH
      - NEW_PATH  # more OLD NEW pairs may follow

Why a migration: copier's update diffs the old render against the product file by file. When the
template moves OLD to NEW, copier deletes OLD (it is not in the new render) and writes the
template's NEW, so a product's edits to OLD silently disappear. This script runs after copier and
3-way merges them into NEW: ours = the product's committed OLD (``git show HEAD:OLD``; the update
starts from a clean tree), base = OLD as the template rendered it at the product's old version
(a fresh render of that version with the recorded answers; under ``paved-road update``, the copy
it keeps of copier's own render of it, ``PAVED_ROAD_OLD_RENDER``), theirs = NEW as copier just
wrote it.
A clean merge lands in NEW; an overlap leaves copier's own inline markers, so ``paved-road update``
and the product's checks report it like any other conflict.

Idempotent (copier may be re-run): a pair whose OLD is absent from HEAD, unedited, or already
merged into NEW is left alone. Runs with the Python running copier (``_copier_python``), which
always has copier installed; the product's own environment may not exist yet.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml  # the interpreter running copier (``_copier_python``) always has copier and yaml

# The template's own package, from the same checkout as this script (copier's clone of the
# template at the new version): its copier Worker asks git for core.fileMode once per render,
# where plain copier asks once per rendered file (~140 git processes for the default product).
# Imported only to render (copier's import alone costs ~0.4 CPU-s; most runs render nothing).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "extensions"))

MARKER_LABELS = ("before updating", "last update", "after updating")
# Set by `paved-road update` (paved_road.copier_worker.OLD_RENDER_ENV): a folder holding copier's
# render of the old version in this update (in ``files``), the same render ``old_render`` makes,
# ``complete`` when copier left out no file that render has, and ``for`` the sha256 of the
# committed answers file it was rendered for (trusted only for those very answers).
OLD_RENDER_ENV = "PAVED_ROAD_OLD_RENDER"


def _git(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], capture_output=True, check=check)


def committed(path: str) -> bytes | None:
    """The product's version of ``path`` before the update, or None if it had none."""
    shown = _git("show", f"HEAD:./{path}", check=False)  # ./: relative to the product
    return shown.stdout if shown.returncode == 0 else None


def old_render(template: str, version: str, answers_file: str, target: Path) -> Path:
    """Render the template at the product's old version with its recorded answers."""
    from paved_road.copier_worker import run_copy  # noqa: PLC0415 - only when rendering

    recorded = yaml.safe_load(committed(answers_file) or b"{}") or {}
    data = {key: value for key, value in recorded.items() if not key.startswith("_")}
    run_copy(
        template,
        target,
        data=data,
        vcs_ref=version,
        defaults=True,
        unsafe=True,
        quiet=True,
        skip_tasks=True,
    )
    return target


def kept_render(answers_file: str) -> Path | None:
    """The update's kept render of the old version, if it was made for the answers (and so the
    version) this product has committed; else None, and the old version is rendered afresh."""
    folder = os.environ.get(OLD_RENDER_ENV)
    label = Path(folder or ".") / "for"
    if not folder or not label.is_file():  # a plain `copier update`: no git process asked
        return None
    answers = committed(answers_file)
    made_for = label.read_text(encoding="utf-8").strip()
    matches = answers is not None and made_for == hashlib.sha256(answers).hexdigest()
    return Path(folder) if matches else None


class OldVersion:
    """The product's files as the template rendered them at the old version: read from the
    update's kept render when there is one, else from a fresh render, made once, on demand.
    Copier may leave out of its render what the new version's ``_exclude`` names; unless the
    kept render is marked complete, a path it lacks is looked up in a fresh render."""

    def __init__(self, template: str, version: str, answers_file: str, scratch: Path) -> None:
        self._render_args = (template, version, answers_file, scratch / "old")
        self._rendered: Path | None = None
        kept = kept_render(answers_file)
        self._kept = kept / "files" if kept is not None and (kept / "files").is_dir() else None
        self._complete = self._kept is not None and (kept / "complete").is_file()

    def read(self, path: str) -> bytes | None:
        if self._kept is not None and (self._kept / path).is_file():
            return (self._kept / path).read_bytes()
        if self._complete:
            return None
        if self._rendered is None:
            self._rendered = old_render(*self._render_args)
        rendered = self._rendered / path
        return rendered.read_bytes() if rendered.is_file() else None


def _merge(ours: bytes, base: bytes, theirs: bytes) -> tuple[bytes, bool]:
    """3-way merge with copier's labels; returns (result, conflicted)."""
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for name, content in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder, name)
            path.write_bytes(content)
            paths.append(str(path))
        labels = [arg for label in MARKER_LABELS for arg in ("-L", label)]
        merged = _git("merge-file", "--stdout", *labels, *paths, check=False)
        if merged.returncode < 0 or merged.returncode > 127:
            raise SystemExit(f"move_files: git merge-file failed: {merged.stderr.decode()}")
        return merged.stdout, merged.returncode > 0


def mark_unmerged(path: str, base: bytes | None, ours: bytes | None, theirs: bytes | None) -> None:
    """Record a conflict in the index the way copier does for its own: stage 1 (base), 2
    (ours), 3 (theirs), each only if that side has the file. ``git status`` then lists the
    path as unmerged (UU; UD when the template deleted it) instead of untracked or deleted."""
    mode = "100755" if os.access(path, os.X_OK) else "100644"
    lines = [f"0 {'0' * 40}\t{path}"]
    for stage, content in ((1, base), (2, ours), (3, theirs)):
        if content is None:
            continue
        written = subprocess.run(
            ["git", "hash-object", "-w", "--stdin"], input=content, capture_output=True, check=True
        )
        lines.append(f"{mode} {written.stdout.decode().strip()} {stage}\t{path}")
    subprocess.run(
        ["git", "update-index", "--index-info"],
        input="".join(line + "\n" for line in lines).encode(),
        capture_output=True,
        check=True,
    )


def moved_note() -> Path:
    """Where this script lists the OLD paths whose edits it carried to NEW, for
    finish_update.py (which must not report their deletion as a conflict)."""
    return Path(_git("rev-parse", "--git-path", "paved-road-moved").stdout.decode().strip())


def move(pairs: list[tuple[str, str]], template: str, version: str, answers_file: str) -> int:
    with tempfile.TemporaryDirectory(prefix="paved-road-migration-") as scratch:
        return _move(pairs, OldVersion(template, version, answers_file, Path(scratch)))


def _move(pairs: list[tuple[str, str]], rendered: OldVersion) -> int:
    conflicts = 0
    for old, new in pairs:
        ours = committed(old)
        new_path = Path(new)
        if ours is None or not new_path.is_file():
            continue  # the product never had OLD (or deleted it), or the template has no NEW
        theirs = new_path.read_bytes()
        base = rendered.read(old) or b""
        if ours == base:
            print(f"move_files: {old} -> {new}: not edited in the product, nothing to carry")
            continue
        merged, conflicted = _merge(ours, base, theirs)
        if merged != theirs:
            new_path.write_bytes(merged)
        Path(old).unlink(missing_ok=True)
        with moved_note().open("a", encoding="utf-8") as note:
            note.write(old + "\n")
        if conflicted:
            conflicts += 1
            mark_unmerged(new, base, ours, theirs)
            print(f"move_files: {old} -> {new}: your edits overlap the template's: resolve")
        else:
            print(f"move_files: {old} -> {new}: your edits were carried over")
    return conflicts


def main(argv: list[str]) -> int:
    if len(argv) < 3 or len(argv) % 2 == 0:
        print("usage: move_files.py ANSWERS_FILE OLD NEW [OLD NEW ...]", file=sys.stderr)
        return 2
    answers_file, paths = argv[0], argv[1:]
    pairs = list(zip(paths[::2], paths[1::2], strict=True))
    # This script runs from copier's clone of the template at the new version; that clone
    # also holds the old version. Copier sets VERSION_FROM (the product's old `_commit`).
    template = str(Path(__file__).resolve().parents[1])
    move(pairs, template, os.environ["VERSION_FROM"], answers_file)
    # Conflicts are not a failure of the migration: copier must finish the update, and the
    # markers are then reported by `paved-road update` and refused by the product's checks.
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
