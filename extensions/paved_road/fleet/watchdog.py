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

from ..bounded import HAS_PROC, TICK, children
from ..bounded import tree_cpu as descendants_cpu


def tree_cpu() -> float:
    """CPU seconds of this process, its finished children and its living descendants."""
    times = os.times()
    total = times.user + times.system + times.children_user + times.children_system
    if not HAS_PROC:  # no /proc: finished children only
        return total
    return total + sum(descendants_cpu(child) for child in children(os.getpid()))


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
        while not self._done.wait(TICK):
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
