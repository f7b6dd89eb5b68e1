"""Where a new product may be written: checked before anything is, by ``paved-road new`` and by
the context hook (so plain ``copier copy`` refuses too, instead of stopping half-way)."""

from __future__ import annotations

import os
from pathlib import Path


class DestinationError(ValueError):
    """The destination cannot take a new product; the message says why, in one line."""


# Characters the product's own files cannot hold in their path: alembic.ini interpolates `%`
# (%(here)s), lint globs read parentheses as patterns, and a line break ends a config line.
_UNSAFE = {
    "%": "'%' (alembic.ini reads it as a variable)",
    "(": "'(' (lint globs read it as a pattern)",
    ")": "')' (lint globs read it as a pattern)",
    "\n": "a line break",
    "\r": "a line break",
}
_NAME_MAX = 255  # bytes of one path component on Linux and macOS file systems
_PATH_MAX = 4000  # of the whole path (PATH_MAX is 4096; the product adds its own paths)


def check_destination(destination: Path, *, overwrite: bool) -> None:
    """A new folder under an existing writable one, or an empty folder (any folder when
    ``overwrite``); never a file; a path the product's files can name."""
    _check_path(destination.absolute())
    if destination.is_symlink() and not destination.exists():
        raise DestinationError(f"destination {destination} is a broken symbolic link")
    if destination.exists():
        if not destination.is_dir():
            raise DestinationError(
                f"destination {destination} is a file: give a new or empty folder"
            )
        if not _writable(destination):
            raise DestinationError(f"destination {destination} is read-only")
        entries = sum(1 for _ in destination.iterdir())
        if entries and not overwrite:
            counted = f"{entries} entr{'y' if entries == 1 else 'ies'}"
            raise DestinationError(
                f"destination {destination} is not empty ({counted}): give a new or empty "
                "folder, or overwrite on purpose (paved-road new --overwrite, copier --overwrite)"
            )
        return
    parent = destination.absolute().parent
    if not parent.exists():
        raise DestinationError(f"destination's parent folder {parent} does not exist")
    if not parent.is_dir():
        raise DestinationError(f"destination's parent {parent} is a file, not a folder")
    if not _writable(parent):
        raise DestinationError(f"cannot create {destination}: {parent} is read-only")


def _check_path(path: Path) -> None:
    text = str(path)
    for character, what in _UNSAFE.items():
        if character in text:
            raise DestinationError(f"destination path may not contain {what}: rename it")
    longest = max(len(os.fsencode(part)) for part in path.parts)
    if longest > _NAME_MAX:
        raise DestinationError(
            f"destination has a name of {longest} bytes; file systems allow {_NAME_MAX}"
        )
    if len(os.fsencode(text)) > _PATH_MAX:
        raise DestinationError(f"destination path is longer than {_PATH_MAX} bytes")


def _writable(folder: Path) -> bool:
    # access() also answers for read-only file systems and immutable folders, where even root
    # cannot write.
    return os.access(folder, os.W_OK | os.X_OK)
