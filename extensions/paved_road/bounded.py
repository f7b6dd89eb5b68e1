"""``subprocess.run`` with a time bound that machine load cannot trip (issue 23, item 6).

A wall-clock ``timeout`` turns a busy machine into an answer: kubectl, git or ssh-keygen that
would take 2 s take 60 on a machine at load 30, and a check then reports "does not build" or
"unreachable" for a product nothing is wrong with. ``run`` takes the same arguments and raises
the same ``subprocess.TimeoutExpired``, but the bound counts what the child does:

- it is stopped after ``timeout`` seconds in which neither it nor any of its own children used
  any CPU (a hang, or a network that does not answer);
- or after it used ``timeout`` CPU seconds in all (a runaway).

A loaded machine gives every process some CPU each second, so a slow child is never taken for
a stuck one. Where there is no ``/proc`` the bound is plain wall-clock time, as before.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

TICK = 0.25  # seconds between looks at the child
HAS_PROC = Path("/proc/self/stat").is_file()


def children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
    except (OSError, ValueError):
        pass
    return found


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its finished children; 0 when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = sum(int(field) for field in fields[11:15])
    except (OSError, IndexError, ValueError):
        return 0.0
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its finished children and its living descendants."""
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += process_cpu(current)
        stack += children(current)
    return total


def run(args: list[str], *, timeout: float, input: Any = None, **options: Any):
    """``subprocess.run(args, timeout=timeout, input=input, **options)`` (never ``check``),
    the timeout counted as the module says."""
    if options.pop("check", False):
        raise ValueError("bounded.run does not check: read returncode")
    if not HAS_PROC:
        return subprocess.run(args, timeout=timeout, input=input, check=False, **options)
    if input is not None:
        options["stdin"] = subprocess.PIPE
    if options.pop("capture_output", False):
        options["stdout"] = options["stderr"] = subprocess.PIPE
    with subprocess.Popen(args, **options) as process:
        last, still_since = 0.0, time.monotonic()
        pending = input
        try:
            while True:
                try:
                    out, err = process.communicate(pending, timeout=TICK)
                    break
                except subprocess.TimeoutExpired:
                    pending = None  # already handed over; communicate keeps the rest going
                used, now = tree_cpu(process.pid), time.monotonic()
                if used > last:
                    last, still_since = used, now
                if used >= timeout or now - still_since >= timeout:
                    raise subprocess.TimeoutExpired(args, timeout) from None
        except BaseException:  # the bound, or the caller stopped (a fleet product's bound)
            process.kill()  # as subprocess.run does: never wait for a child that hangs
            process.communicate()
            raise
    return subprocess.CompletedProcess(args, process.returncode, out, err)
