"""Progress on a terminal only: a tqdm bar on stderr when it is a TTY, nothing in CI logs."""

from __future__ import annotations

import sys
from typing import Any


def bar(total: int, description: str, initial: int = 0) -> Any:
    """A tqdm bar (disabled, so silent, unless stderr is a terminal)."""
    from tqdm import tqdm  # noqa: PLC0415 - only the fleet commands pay its import

    tqdm.monitor_interval = 0  # no monitor thread: the checks run in forked processes
    return tqdm(
        total=total,
        initial=initial,
        desc=description,
        unit="product",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        leave=True,
    )
