"""A product's time bound that machine load cannot trip (issue 23, item 6).

A bound on wall-clock seconds turns a busy machine into a verdict: at load 13 on 2 cores a
check gets a sixth of a core, takes six times as long, and a wall-clock limit then reports a
product the check never finished as "cannot check". So the bound counts what the check itself
does, which the rest of the machine does not change:

- CPU seconds used by the check's process and its children (git, kubectl, ssh-keygen): a
  runaway computation is stopped after ``limit`` of them;
- seconds in which it made no progress at all (no CPU used by it or any child): a read that
  never returns, a child that hangs. A loaded machine still gives every process some CPU
  each second, so a slow check is never "stalled"; a stuck one is.

The watchdog runs as a thread of the worker and stops the check with SIGALRM, whose handler
(installed by the caller) raises in the worker's main thread.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

_TICK = 0.25  # seconds between samples


def _own_children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
    except (OSError, ValueError):
        pass
    return found


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process (its threads), from /proc; 0 when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu() -> float:
    """CPU seconds of this process, its finished children and its living descendants."""
    times = os.times()
    total = times.user + times.system + times.children_user + times.children_system
    if not Path("/proc/self/stat").is_file():  # no /proc: finished children only
        return total
    stack = _own_children(os.getpid())
    while stack:
        pid = stack.pop()
        total += _cpu_of(pid)
        stack += _own_children(pid)
    return total


class Watchdog:
    """Within ``with Watchdog(limit) as dog:`` the main thread gets SIGALRM when the bound is
    reached; ``dog.why`` then says which bound."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.why: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        # This thread's own CPU (reading /proc) is not the check's progress.
        start = last = tree_cpu() - time.thread_time()
        still_since = time.monotonic()
        while not self._done.wait(_TICK):
            used = tree_cpu() - time.thread_time()
            now = time.monotonic()
            if used > last:
                last, still_since = used, now
            if used - start >= self.limit:
                self.why = f"the check used {self.limit:g} s of CPU and was stopped"
            elif now - still_since >= self.limit:
                self.why = f"the check made no progress for {self.limit:g} s and was stopped"
            else:
                continue
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGALRM)
            return
