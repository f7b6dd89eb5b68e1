"""How many products this machine checks at once by default: the CPUs this process may use.

``fleet check`` keeps every core busy with one worker process per CPU (and its parent's fetch
threads, which mostly wait for git and the file system). More workers than CPUs only add what
each worker pays once (its first render of each release, about half a second of CPU), fewer
leave a core idle (docs/fleet.md, "How fast").

``os.cpu_count()`` counts the machine's CPUs, not the ones this process may run on: a process
pinned to some cores (``taskset``, a CI runner's cpuset) or a container given a share of the
machine (``docker --cpus 2``, a Kubernetes CPU limit: a cgroup quota) would start a worker per
CPU of the whole host, and they would all queue for the few it has.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

# The cgroup v2 quota of this process's cgroup, as a container sees its own; cgroup v1's pair.
CGROUP_V2_MAX = Path("/sys/fs/cgroup/cpu.max")
CGROUP_V1 = Path("/sys/fs/cgroup/cpu")


def usable_cpus() -> int:
    """The CPUs this process may run on, at most its cgroup's CPU quota (rounded up), at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # no affinity on this system (macOS, Windows)
        cpus = os.cpu_count() or 1
    quota = cgroup_quota()
    return max(1, min(cpus, math.ceil(quota)) if quota is not None else cpus)


def cgroup_quota() -> float | None:
    """CPUs' worth of time the cgroup may use per period; None when unlimited or unknown."""
    try:
        fields = CGROUP_V2_MAX.read_text().split()
        if len(fields) == 2 and fields[0] != "max":
            return int(fields[0]) / int(fields[1])
        if fields:
            return None
    except (OSError, ValueError):
        pass
    try:
        quota = int((CGROUP_V1 / "cpu.cfs_quota_us").read_text())
        period = int((CGROUP_V1 / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None
