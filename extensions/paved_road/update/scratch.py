"""Where an update is done: a scratch clone of the product, never the product itself.

Everything lives under ``<git dir>/paved-road-update/`` of the product (invisible to
``git status``, same file system as the product): one folder per run holding the clone and,
once the result is ready, the plan the applier follows. A lock file beside it keeps a second
update of the same product from starting while one runs or while its applier finishes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .product import Refused, git

AREA = "paved-road-update"
LOCK_FILE = "paved-road-update.lock"


def git_dir(root: Path) -> Path:
    return Path(git(root, "rev-parse", "--absolute-git-dir").strip())


def area(root: Path) -> Path:
    return git_dir(root) / AREA


@contextlib.contextmanager
def update_lock(root: Path) -> Iterator[int]:
    """Hold the product's update lock; yields its file descriptor (the applier inherits it,
    so the lock stays held until the product holds the complete result)."""
    fd = os.open(git_dir(root) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Refused(
                f"another paved-road update is running on {root}: wait for it to finish"
            ) from None
        yield fd
    finally:
        os.close(fd)


@dataclass
class Scratch:
    folder: Path  # this run's folder: the clone and the plan
    root: Path  # the clone's work tree (the product's repository root)
    product: Path  # the product inside the clone (a subfolder in a monorepo)
    handed_over: bool = False  # the applier took the folder over and removes it itself


@contextlib.contextmanager
def scratch_clone(root: Path, product: Path, commit: str) -> Iterator[Scratch]:
    """A clone of the product's repository at ``commit`` (its clean HEAD), sharing its objects;
    removed afterwards, whatever happens (unless the applier took it over and removed it)."""
    folder = area(root) / f"run-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    scratch = Scratch(folder, folder / "clone", folder / "clone" / product.relative_to(root))
    try:
        git(root, "clone", "--quiet", "--shared", "--no-checkout", str(root), str(scratch.root))
        git(scratch.root, "checkout", "--quiet", "--detach", commit)
        yield scratch
    finally:
        if not scratch.handed_over:
            shutil.rmtree(folder, ignore_errors=True)


def leftovers(root: Path) -> list[Path]:
    """Run folders left by updates that were killed: plans whose applier had started come
    first (they must be finished), the rest are scratch work to delete."""
    base = area(root)
    if not base.is_dir():
        return []
    return sorted(base.iterdir(), key=lambda folder: not (folder / "applying").exists())
