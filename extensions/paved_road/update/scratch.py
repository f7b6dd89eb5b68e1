"""Where an update is done: a run folder of the product's own, never the product itself.

Everything lives under ``<git dir>/paved-road-update/`` of the product (invisible to
``git status``, same file system as the product): ``run-<pid>/`` holds the scratch clone
(``clone``), a clone of a remote template (``template``) and, once the result is ready, the
plan the applier follows; ``tmp-<pid>/`` is ``TMPDIR`` for copier, the drift check and
everything they start. A run
killed with SIGKILL therefore leaves nothing in the system's temporary folder: its folders
are removed by the next ``paved-road update`` of the product, which holds the product's update
lock while it does, so no live run's folder is ever touched (``recovery.remove_leftovers``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..one_line import shown_path
from .product import Refused, git

AREA = "paved-road-update"
LOCK_FILE = "paved-road-update.lock"
DONE_PREFIX = "done-"  # a run folder being removed: never read as a plan


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
            raise Refused(f"another update is running on {shown_path(root)}: wait for it") from None
        yield fd
    finally:
        os.close(fd)


def discard(folder: Path) -> None:
    """Remove a run folder: renamed first, so no half-removed plan is ever read as one."""
    gone = folder.with_name(DONE_PREFIX + folder.name.removeprefix(DONE_PREFIX))
    if folder != gone:
        if gone.exists():
            shutil.rmtree(gone, ignore_errors=True)
        folder.replace(gone)
    shutil.rmtree(gone, ignore_errors=True)


@contextlib.contextmanager
def temporary_folder(root: Path) -> Iterator[Path]:
    """This run's temporary folder (``TMPDIR`` for copier, the drift check and every child);
    removed afterwards, whatever happens."""
    folder = area(root) / f"tmp-{os.getpid()}"
    if folder.exists():
        discard(folder)
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        if folder.exists():
            discard(folder)


@dataclass
class Run:
    folder: Path  # this run's folder: clones and the plan
    handed_over: bool = False  # the applier took the folder over and removes it itself


@contextlib.contextmanager
def run_folder(root: Path) -> Iterator[Run]:
    """This run's folder; removed afterwards, whatever happens (unless the applier took it
    over and removes it itself)."""
    folder = area(root) / f"run-{os.getpid()}"
    if folder.exists():
        discard(folder)
    folder.mkdir(parents=True)
    run = Run(folder)
    try:
        yield run
    finally:
        if not run.handed_over and folder.exists():
            discard(folder)


@dataclass
class Scratch:
    root: Path  # the clone's work tree (the product's repository root)
    product: Path  # the product inside the clone (a subfolder in a monorepo)


def scratch_clone(run: Run, root: Path, product: Path, commit: str) -> Scratch:
    """A clone of the product's repository at ``commit`` (its clean HEAD), sharing its
    objects, in the run folder."""
    scratch = Scratch(run.folder / "clone", run.folder / "clone" / product.relative_to(root))
    git(root, "clone", "--quiet", "--shared", "--no-checkout", "--", str(root), str(scratch.root))
    git(scratch.root, "checkout", "--quiet", "--detach", commit)  # a full SHA from rev-parse
    return scratch
