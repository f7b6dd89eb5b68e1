"""Nothing an update starts outlives it, and its temporary files stay in its run folder.

Copier, git, the template's tasks and migrations, and ``uv lock`` all run as children of
``paved-road update`` while it prepares the update. Inside ``contained``:

- every child started with ``subprocess`` (copier and plumbum use it too) gets a parent-death
  signal (Linux ``PR_SET_PDEATHSIG``): if ``paved-road update`` dies, even by SIGKILL, the
  kernel kills its children at once, so no ``uv lock`` keeps running in a scratch clone that
  is about to be removed. Children started in a session of their own (the applier) are left
  alone: the applier must outlive a killed update;
- ``TMPDIR`` and Python's ``tempfile`` point into the run folder, so copier's template clones
  and old renders, and any temporary folder of a task, go with the run folder (removed by
  this run, or by the next one after a SIGKILL) instead of staying in ``/tmp`` for good.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from plumbum import local

_PR_SET_PDEATHSIG = 1


def _die_with(prctl: Callable[..., int], parent: int) -> Callable[[], None]:
    def preexec() -> None:  # in the child, between fork and exec
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl: nobody to signal us
            os._exit(1)

    return preexec


@contextlib.contextmanager
def _children_die_with_this_process() -> Iterator[None]:
    if not sys.platform.startswith("linux"):
        yield  # no parent-death signal there; the run's folders are still removed later
        return
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before any fork, not after
    original = subprocess.Popen.__init__

    def init(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
        if kwargs.get("preexec_fn") is None and not kwargs.get("start_new_session"):
            # The process starting it now (not the one that entered the block: a forked
            # worker is another parent). The signal follows the starting thread, which
            # waits for its child: copier, git and uv calls are synchronous.
            kwargs["preexec_fn"] = _die_with(prctl, os.getpid())
        original(self, *args, **kwargs)

    subprocess.Popen.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        subprocess.Popen.__init__ = original  # type: ignore[method-assign]


@contextlib.contextmanager
def contained(tmp: Path) -> Iterator[None]:
    """Children die with this process; temporary files go to ``tmp``."""
    previous_tempdir, previous_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = os.environ["TMPDIR"] = str(tmp)
    try:
        # plumbum keeps its own copy of the environment, which copier gives its tasks.
        with local.env(TMPDIR=str(tmp)), _children_die_with_this_process():
            yield
    finally:
        tempfile.tempdir = previous_tempdir
        if previous_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = previous_env
