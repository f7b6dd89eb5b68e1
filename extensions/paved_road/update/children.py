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

How the signal is set, cheapest first. An update starts hundreds of children (mostly git),
from a process that has copier loaded: setting the signal in Python between fork and exec
(``preexec_fn``) makes ``subprocess`` copy that whole process with ``fork()`` for each child,
where it otherwise uses the much cheaper ``vfork()``. So each child is started as
``setpriv --pdeathsig KILL -- sh -c GUARD PID PROGRAM ARGS...`` (util-linux): setpriv sets the
signal and execs ``sh``, which checks that its parent is still ``PID`` (the process that
started it) before it execs the program: a parent that died before the signal was set would
never signal, so the child gives up at once instead. The same process id from fork to the
program's exec, so the program is the direct child it always was. Where setpriv (with
``--pdeathsig``) or ``/bin/sh`` is missing, or a call is one this cannot wrap faithfully (a
shell command line, a program that is not found: subprocess must raise as it always did), the
signal is set with ``preexec_fn`` as before.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

_PR_SET_PDEATHSIG = 1
SH = "/bin/sh"
# $0 is the expected parent; dash and bash set $PPID from getppid() when they start, which is
# after setpriv set the signal: a different parent means it was set too late to ever fire.
GUARD = '[ "$PPID" = "$0" ] || exit 1; exec "$@"'


def _die_with(prctl: Callable[..., int], parent: int) -> Callable[[], None]:
    def preexec() -> None:  # in the child, between fork and exec
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl: nobody to signal us
            os._exit(1)

    return preexec


def guarded(setpriv: str, parent: int, argv: Sequence[Any]) -> list[Any]:
    """The command line that runs ``argv`` with the parent-death signal, for ``parent``."""
    return [setpriv, "--pdeathsig", "KILL", "--", SH, "-c", GUARD, str(parent), *argv]


@functools.cache
def find_setpriv() -> str | None:
    """setpriv, if it is there and has ``--pdeathsig`` (util-linux 2.33+), and the guard runs:
    checked once per process by running the guard itself (a few milliseconds)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None or not os.access(SH, os.X_OK):
        return None
    probe = subprocess.run(
        guarded(setpriv, os.getpid(), [SH, "-c", "exit 0"]),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return setpriv if probe.returncode == 0 else None


def _program(argv: Sequence[Any], kwargs: Mapping[str, Any]) -> str | None:
    """The program ``subprocess`` would run, as a path; None when it would not find it (it
    must then raise as it always does) or when the call is one not to wrap."""
    executable = kwargs.get("executable")
    program = os.fsdecode(executable if executable is not None else argv[0])
    if "/" in program:  # run as given, relative to the child's cwd (Linux only: one sep)
        cwd = kwargs.get("cwd")
        where = Path(os.fsdecode(cwd), program) if cwd is not None else Path(program)
        return program if where.is_file() and os.access(where, os.X_OK) else None
    env = kwargs.get("env")
    path = os.pathsep.join(map(os.fsdecode, os.get_exec_path(env)))
    found = shutil.which(program, path=path)
    return found if found is not None and Path(found).is_absolute() else None


def _wrapped(setpriv: str, args: Any, kwargs: dict[str, Any]) -> Any | None:
    """``args`` started through setpriv and the guard (``kwargs`` adjusted in place), or None
    when this call keeps ``preexec_fn``."""
    if kwargs.get("shell"):
        return None
    argv = [args] if isinstance(args, str | bytes | os.PathLike) else list(args)
    if not argv or (program := _program(argv, kwargs)) is None:
        return None
    # Same program, same arguments; argv[0] becomes the program's path (as plumbum gives it).
    kwargs.pop("executable", None)
    return guarded(setpriv, os.getpid(), [program, *argv[1:]])


@contextlib.contextmanager
def _children_die_with_this_process() -> Iterator[None]:
    if not sys.platform.startswith("linux"):
        yield  # no parent-death signal there; the run's folders are still removed later
        return
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before any fork, not after
    setpriv = find_setpriv()
    original = subprocess.Popen.__init__

    def init(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        if kwargs.get("preexec_fn") is None and not kwargs.get("start_new_session"):
            # The process starting it now (not the one that entered the block: a forked
            # worker is another parent). The signal follows the starting thread, which
            # waits for its child: copier, git and uv calls are synchronous.
            wrapped = _wrapped(setpriv, args, kwargs) if setpriv and not rest else None
            if wrapped is not None:
                args = wrapped
            else:
                kwargs["preexec_fn"] = _die_with(prctl, os.getpid())
        original(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        subprocess.Popen.__init__ = original  # type: ignore[method-assign]


@contextlib.contextmanager
def contained(tmp: Path) -> Iterator[None]:
    """Children die with this process; temporary files go to ``tmp``."""
    # Imported here (copier's process layer, not needed before), and before TMPDIR is set:
    # plumbum copies the environment when first imported, and must not keep this ``tmp``.
    from plumbum import local  # noqa: PLC0415

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
