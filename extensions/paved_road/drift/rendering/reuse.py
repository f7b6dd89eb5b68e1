"""Files a render links instead of writing: byte-identical copies already on disk.

A fleet check lays every product's files out from a store of blobs (``fleet/snapshots``)
and then renders what the product should hold. For a product that kept the template's files,
nearly every rendered file is already in that store, byte for byte: the snapshot was just
laid out from it. Creating a file costs the file system an inode (measured on the development
VM: 100 new files 27-46 ms of system CPU, 100 hard links 1-2 ms; docs/fleet.md), so the
render links those files instead of writing them again.

What a render holds stays exactly what was rendered: a file is linked only when it holds the
same bytes (read back through the new link, so whatever the finder said, the render's file is
checked) and is executable exactly when the rendered file is (the only mode bit drift reads).
Otherwise the file is written as before. The linked files are read-only, as the store's are:
nothing ever writes into a render.

Only a caller that owns such a store sets a finder (``fleet check``, per product); drift
alone and update write every file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path

# (content, executable) -> a read-only file that may hold exactly it, or None.
Finder = Callable[[bytes, bool], "Path | None"]

_FINDER: ContextVar[Finder | None] = ContextVar("paved_road_render_reuse", default=None)


@contextlib.contextmanager
def linking_from(finder: Finder) -> Iterator[None]:
    """Renders made in this block link the files ``finder`` finds (see the module)."""
    token = _FINDER.set(finder)
    try:
        yield
    finally:
        _FINDER.reset(token)


def place(content: bytes, executable: bool, target: Path) -> bool:
    """``target`` as a hard link to an existing file holding exactly ``content`` with the same
    executable bit; False (``target`` absent) when there is none: write it then."""
    finder = _FINDER.get()
    found = finder(content, executable) if finder is not None else None
    if found is None:
        return False
    try:
        os.link(found, target)
    except OSError:  # gone, another file system, too many links: write it instead
        return False
    try:
        kept = os.lstat(target)
        same = (
            stat.S_ISREG(kept.st_mode)
            and bool(kept.st_mode & 0o111) == executable
            and kept.st_size == len(content)
            and target.read_bytes() == content
        )
    except OSError:
        same = False
    if not same:
        target.unlink(missing_ok=True)
    return same
