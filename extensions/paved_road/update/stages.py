"""Named points of an update, and a test-only hook that pauses there.

TEST HOOK, not a feature: with ``PAVED_ROAD_TEST_PAUSE=<stage>:<flag file>`` in the
environment, the update writes its process ID to the flag file when it reaches ``<stage>`` and
waits until the file is removed (at most ``MAX_PAUSE_SECONDS``), then carries on exactly as
without the variable. The interruption tests use it to deliver real signals at a known point.
Nothing else reads the variable and it changes no file of the product.

Stages, in order: ``scratch`` (the scratch clone exists, copier has not run), ``copier``
(copier finished in the scratch clone), ``lock`` (``uv lock`` is running in the scratch
clone), ``ready`` (the result is prepared, the product is still untouched), ``apply`` (the
applier has written part of the result into the product).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_ENV = "PAVED_ROAD_TEST_PAUSE"
MAX_PAUSE_SECONDS = 120
STAGES = ("scratch", "copier", "lock", "ready", "apply")


def reached(stage: str) -> None:
    """Pause here if the test hook names this stage; otherwise do nothing."""
    spec = os.environ.get(PAUSE_ENV, "")
    name, _, flag = spec.partition(":")
    if name != stage or not flag:
        return
    Path(flag).write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + MAX_PAUSE_SECONDS
    while Path(flag).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
