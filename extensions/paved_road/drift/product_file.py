"""Reading a product's file the way drift may: never through a link that leads out of it.

A product controls its symlinks. One pointing at a secret of the machine that checks it
(``pyproject.toml -> ~/.git-credentials``) would put that secret in the report's diff, and one
pointing at ``/dev/zero`` would never finish reading. So a file is read only when it resolves
to a regular file inside the product; a symlink that leads anywhere else is read as git
stores it, as the path it names.
"""

from __future__ import annotations

import contextlib
import stat
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

# One check's whole reads, by (root, path): the comparison reads every file the template
# renders and the conflict scan every file of the product, so most are asked for twice.
_KEPT: ContextVar[dict[tuple[Path, str], bytes | None] | None] = ContextVar(
    "paved_road_product_reads", default=None
)


@contextlib.contextmanager
def reads_kept() -> Iterator[None]:
    """Within: a file read whole is read once; a product does not change during its check."""
    token = _KEPT.set({})
    try:
        yield
    finally:
        _KEPT.reset(token)


def symlinked(root: Path, path: str, checked: dict[str, bool]) -> bool:
    """Whether ``path`` is a symlink or lies inside a symlinked directory of ``root``; the
    directories' answers are kept in ``checked`` (one product has many files per folder)."""
    parts = path.split("/")
    for end in range(1, len(parts) + 1):
        prefix = "/".join(parts[:end])
        if prefix not in checked:
            checked[prefix] = (root / prefix).is_symlink()
        if checked[prefix]:
            return True
    return False


def read_product_file(
    root: Path, path: str, checked: dict[str, bool] | None = None, limit: int | None = None
) -> bytes | None:
    """The bytes of ``path`` in the product at ``root`` (resolved), or None when it is not
    there as a file (or is larger than ``limit``). ``checked``: what ``symlinked`` found so
    far, for many calls."""
    kept = _KEPT.get()
    if kept is None:
        return _read(root, path, checked, limit)[0]
    if (root, path) in kept:
        data = kept[root, path]
        if data is None or limit is None or len(data) <= limit:
            return data
    data, whole = _read(root, path, checked, limit)
    if limit is None or whole:
        kept[root, path] = data
    return data


def _read(
    root: Path, path: str, checked: dict[str, bool] | None, limit: int | None
) -> tuple[bytes | None, bool]:
    """``read_product_file``'s answer, and whether it is the same with no ``limit`` (False
    when the limit left the file unread)."""
    file = root / path
    target = file
    if symlinked(root, path, {} if checked is None else checked):
        try:
            target = file.resolve(strict=True)
        except (OSError, RuntimeError):  # dangling, or a loop
            target = None
        if target is None or not target.is_relative_to(root.resolve()):
            return (str(file.readlink()).encode() if file.is_symlink() else None), True
    try:
        found = target.stat()
        if not stat.S_ISREG(found.st_mode):
            return None, True  # a folder, a device, a pipe: nothing git would store as a file
        if limit is not None and found.st_size > limit:
            return None, False
        return target.read_bytes(), True
    except OSError:
        return None, True
