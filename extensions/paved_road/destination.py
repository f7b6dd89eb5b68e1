"""Where a new product may be written: checked before anything is, by ``paved-road new`` and by
the context hook (so plain ``copier copy`` refuses too, instead of stopping half-way)."""

from __future__ import annotations

import os
from pathlib import Path


class DestinationError(ValueError):
    """The destination cannot take a new product; the message says why, in one line."""


def check_destination(destination: Path, *, overwrite: bool) -> None:
    """A new folder under an existing writable one, or an empty folder (any folder when
    ``overwrite``); never a file."""
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


def _writable(folder: Path) -> bool:
    # access() also answers for read-only file systems and immutable folders, where even root
    # cannot write.
    return os.access(folder, os.W_OK | os.X_OK)
