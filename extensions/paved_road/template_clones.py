"""Copier's clones of a local template repository, made once per process and commit.

Copier clones the template for every Worker and deletes the clone when the Worker ends: one
``paved-road update`` cloned it five times (the new version, the old version for the 3-way
merge, the new version again for the render, ...), each clone and its deletion about a second
here, and the suite's renders paid one per product. ``lease(url, ref)`` hands out one clone
per (repository, commit, tags) per process instead, made by copier's own ``clone`` (so the
checkout is the one copier would make), kept while in use and for the next renders, removed
when the process ends or when more than ``_KEPT`` unused clones pile up.

Why sharing is safe: copier only reads its template clone (configuration, files, and git's
``describe``, ``rev-parse HEAD``, ``ls-files``, dunamai's tag reading); tasks and migrations
run in the destination. What copier reads of a clone is decided by the commit and by the tags
(``describe`` and dunamai name the version from them; ``describe --always`` abbreviates by
the repository's object count): the key holds the resolved commit, every tag with its object,
and ``describe``'s answer. A template whose commit or tags move gets a new clone.

What is never shared, left to copier's own clone as before:
- anything but a local repository folder (remote URLs use copier's mirror cache, bundles);
- ``HEAD`` of a dirty repository (copier commits the uncommitted changes into its clone);
- a ref the repository itself does not resolve, or resolves to another commit than copier's
  clone checks out (copier's own error or choice stands).
The clones live in the temporary folder of the moment (``paved-road update`` points it into
its run folder, so they go with it), and the key holds that folder too.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import shutil
import subprocess
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_KEPT = 6  # unused clones kept per process: an update uses two commits, a test module a few


@dataclass
class _Clone:
    lock: threading.Lock = field(default_factory=threading.Lock)
    path: Path | None = None
    users: int = 0


_CLONES: OrderedDict[tuple[str, ...], _Clone] = OrderedDict()
_LOCK = threading.Lock()
# What git said about the template during one copier run (``one_run``): an update makes five
# Templates of two commits, and each asked git for the newest tag (``ls-remote``: three
# processes) and for its clone's key (three more), answers that stay the same within the run.
_RUN: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("_RUN", default=None)


@contextlib.contextmanager
def one_run() -> Iterator[None]:
    """Within this block (one copier run), ask git each question about a template once. A
    later run asks again, so a commit or tag added between two runs is seen at once."""
    token = _RUN.set({})
    try:
        yield
    finally:
        _RUN.reset(token)


def once_per_run(key: tuple[Any, ...], answer: Callable[[], Any]) -> Any:
    """``answer()``, remembered under ``key`` for the rest of the run (outside one: asked)."""
    answers = _RUN.get()
    if answers is None:
        return answer()
    if key not in answers:
        answers[key] = answer()
    return answers[key]


def _git(repo: Path, *args: str) -> str | None:
    """git's output in ``repo``, or None when it fails."""
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    return done.stdout if done.returncode == 0 else None


def _identity(repo: Path, ref: str) -> tuple[str, ...] | None:
    """What decides copier's clone of ``repo`` at ``ref``: the commit, the tags and describe's
    answer; None where copier's own clone must decide (dirty HEAD, a ref git does not know)."""
    if ref == "HEAD" and _git(repo, "status", "--porcelain") != "":
        return None  # dirty (or unreadable): copier adds the uncommitted changes
    commit = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if not commit:
        return None
    commit = commit.strip()
    tags = _git(repo, "for-each-ref", "--format=%(objectname) %(refname)", "refs/tags")
    described = _git(repo, "describe", "--tags", "--always", commit)
    if tags is None or described is None:
        return None
    return commit, hashlib.sha256(tags.encode()).hexdigest(), described.strip()


def _local_repo(url: str) -> Path | None:
    try:
        path = Path(url).expanduser()
        return path.resolve() if (path / ".git").exists() else None
    except OSError:
        return None


def lease(url: str, ref: str) -> Path | None:
    """A shared clone of the local repository ``url`` checked out at ``ref`` (copier's clone),
    or None where copier must clone for itself. Give it back with ``release``."""
    repo = _local_repo(url)
    identity = None
    if repo is not None:
        identity = once_per_run(("identity", repo, ref), lambda: _identity(repo, ref))
    if repo is None or identity is None:
        return None
    key = (tempfile.gettempdir(), str(repo), *identity)
    with _LOCK:
        entry = _CLONES.setdefault(key, _Clone())
        _CLONES.move_to_end(key)
        entry.users += 1
    try:
        with entry.lock:
            if entry.path is None or not (entry.path / ".git").is_dir():
                entry.path = _clone(url, ref, identity[0])
            path = entry.path
    except BaseException:
        with _LOCK:
            entry.users -= 1
        raise
    if path is None:  # copier checked out another commit than git resolved here
        with _LOCK:
            entry.users -= 1
        return None
    _evict()
    return path


def _clone(url: str, ref: str, commit: str) -> Path | None:
    """Copier's clone of ``url`` at ``ref`` (the commit itself for ``HEAD``: the repository was
    clean, and copier would check out HEAD's commit); None, and no clone left behind, when
    the checkout is not ``commit``."""
    from copier._vcs import CLONE_PREFIX, clone  # noqa: PLC0415 - copier's own clone

    location = Path(tempfile.mkdtemp(prefix=CLONE_PREFIX))
    try:
        clone(url, commit if ref == "HEAD" else ref, location=str(location))
    except BaseException:
        shutil.rmtree(location, ignore_errors=True)
        raise
    # copier checks out a commit ID, so the clone's HEAD is detached: its file holds the ID.
    try:
        head = (location / ".git" / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        head = ""
    if head != commit:
        shutil.rmtree(location, ignore_errors=True)
        return None
    return location


def release(path: Path | None) -> None:
    """Give back a clone from ``lease``; it stays for later renders of the same commit."""
    if path is None:
        return
    with _LOCK:
        for entry in _CLONES.values():
            if entry.path == path and entry.users > 0:
                entry.users -= 1
                break
    _evict()


def _evict() -> None:
    """Remove the least recently leased unused clones beyond ``_KEPT``."""
    with _LOCK:
        unused = [key for key, entry in _CLONES.items() if entry.users == 0]
        doomed = [_CLONES.pop(key) for key in unused[: max(0, len(unused) - _KEPT)]]
    for entry in doomed:
        if entry.path is not None:
            shutil.rmtree(entry.path, ignore_errors=True)


@atexit.register
def forget() -> None:
    """Remove every clone no render holds (at the process's end: every copier Worker has
    given its clone back by then, so all of them)."""
    with _LOCK:
        doomed = [_CLONES.pop(key) for key, e in list(_CLONES.items()) if e.users == 0]
    for entry in doomed:
        if entry.path is not None:
            shutil.rmtree(entry.path, ignore_errors=True)
