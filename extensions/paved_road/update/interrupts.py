"""Signals during an update: before the product is changed they stop the update cleanly; while
it is being changed they wait.

SIGINT (Ctrl-C), SIGTERM and SIGHUP become ``Interrupted`` wherever the update is, so the
scratch work is dropped and one line says the product was not touched. Around the final step
they are blocked (``deferred``): that step runs in a child process that inherits the block,
so a signal can neither stop it half-way nor, once it has started, stop it at all; the parent
sees the pending signal only when the product holds the complete result.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """A signal stopped the update. BaseException, like KeyboardInterrupt, so library code
    that catches Exception lets it through."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.name = signal.Signals(signum).name


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    previous = {signum: signal.signal(signum, _raise) for signum in HANDLED}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends (children started inside inherit
    the block)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED)
