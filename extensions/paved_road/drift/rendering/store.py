"""The on-disk render cache: entries the product cannot poison.

A render is what the product is judged against, so a cached one must be exactly what was
rendered. Each entry is a folder named by the key (template source, commit SHA, answers,
copier version) holding the render in ``files/`` and a ``manifest.json`` with the full key and
the SHA-256 of every file. An entry is used only when its manifest matches the key and every
file (no more, no fewer, no symlinks) matches its hash; otherwise it is thrown away and the
template rendered again. The folder must lie outside the product (refused otherwise), and CI
runs use no cache unless told to (``--cache-dir``): the product's own steps could write it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import CannotCheck

MANIFEST = "manifest.json"
FILES = "files"


def entries_under(root: Path) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every entry under ``root`` but its real folders (files, and symlinks of any kind), with
    its relative POSIX path; real folders are entered, symlinked ones are not. Walked with
    ``os.scandir`` and strings: a fleet hashes every render it stores and lists it for every
    product, and a ``Path`` per file was most of that."""
    folders = [("", str(root))]
    while folders:
        prefix, folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((f"{prefix}{entry.name}/", entry.path))
                else:
                    yield f"{prefix}{entry.name}", entry


def _digests(root: Path) -> dict[str, str] | None:
    """SHA-256 of every file under root by relative POSIX path; None if any is a symlink."""
    found = {}
    for relpath, entry in entries_under(root):
        if entry.is_symlink():
            return None
        if entry.is_file(follow_symlinks=False):
            with open(entry.path, "rb") as handle:  # noqa: PTH123 - no Path per file
                found[relpath] = hashlib.sha256(handle.read()).hexdigest()
    return dict(sorted(found.items()))


def entry_problem(entry: Path, key: str) -> str | None:
    """Why a cache entry cannot be trusted, or None when it holds exactly what was stored."""
    try:
        manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no readable manifest"
    if not isinstance(manifest, dict) or manifest.get("key") != key:
        return "its manifest is for other inputs"
    files = entry / FILES
    if files.is_symlink() or not files.is_dir():
        return "no rendered files"
    recorded = manifest.get("files")
    actual = _digests(files)
    if actual is None:
        return "it holds a symlink"
    if not isinstance(recorded, dict) or actual != recorded:
        changed = sorted(
            path
            for path in set(actual) | set(recorded if isinstance(recorded, dict) else {})
            if actual.get(path) != (recorded or {}).get(path)
        )
        return f"{changed[0] if changed else 'its file list'} does not match the manifest"
    return None


def _discard(entry: Path) -> None:
    stale = entry.with_name(f".stale-{entry.name}-{secrets.token_hex(4)}")
    with contextlib.suppress(OSError):
        entry.rename(stale)
        shutil.rmtree(stale, ignore_errors=True)


def cached(cache_dir: Path, key: str, render_into: Callable[[Path], dict[str, str] | None]) -> Path:
    """The render of ``key`` from the cache, verified; rendered (and stored) when absent or
    untrustworthy. ``render_into`` may return the digests of what it wrote (the manifest
    then records them without reading the files again), else None."""
    entry = cache_dir / key[:32]
    try:
        if entry.exists() or entry.is_symlink():
            problem = entry_problem(entry, key)
            if problem is None:
                return entry / FILES
            print(
                f"paved-road drift: render cache entry {entry} cannot be trusted ({problem}): "
                "rendering again",
                file=sys.stderr,
            )
            _discard(entry)
        cache_dir.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=".render-", dir=cache_dir))
    except OSError as error:
        raise CannotCheck(f"render cache {cache_dir}: {error.strerror}") from None
    written = render_into(fresh / FILES)
    digests = written if written is not None else _digests(fresh / FILES)
    (fresh / MANIFEST).write_text(json.dumps({"key": key, "files": digests}, indent=1))
    try:
        fresh.rename(entry)
    except OSError:  # another process stored it meanwhile: theirs if sound, else ours
        if entry_problem(entry, key) is None:
            shutil.rmtree(fresh, ignore_errors=True)
            return entry / FILES
        return fresh / FILES
    return entry / FILES


def inside(path: Path, product: Path) -> bool:
    resolved, root = path.resolve(), product.resolve()
    return resolved == root or resolved.is_relative_to(root)
