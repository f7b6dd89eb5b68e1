"""`fleet check --jobs` defaults to the CPUs the process may use, not the host's count."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest
from paved_road.fleet import arguments, machine


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """A host of 8 CPUs with no cgroup quota; a test gives this process some of them."""

    def given(cpus: set[int], v2: str | None = None, v1: tuple[int, int] | None = None) -> None:
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: cpus, raising=False)
        monkeypatch.setattr(os, "cpu_count", lambda: 8)
        monkeypatch.setattr(machine, "CGROUP_V2_MAX", tmp_path / "cpu.max")
        monkeypatch.setattr(machine, "CGROUP_V1", tmp_path / "cpu")
        if v2 is not None:
            (tmp_path / "cpu.max").write_text(f"{v2}\n")
        if v1 is not None:
            (tmp_path / "cpu").mkdir()
            (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text(f"{v1[0]}\n")
            (tmp_path / "cpu" / "cpu.cfs_period_us").write_text(f"{v1[1]}\n")

    return given


def default_jobs() -> int:
    parser = argparse.ArgumentParser()
    arguments.add_fleet_options(parser)
    return parser.parse_args(["fleet.yml"]).jobs


def test_the_default_is_the_cpus_this_process_may_run_on(host) -> None:
    host({0, 1, 2})  # pinned to 3 of the host's 8 (taskset, a runner's cpuset)
    assert machine.usable_cpus() == 3
    assert default_jobs() == 3


def test_a_containers_cpu_quota_bounds_the_default(host) -> None:
    host(set(range(8)), v2="150000 100000")  # docker --cpus 1.5
    assert default_jobs() == 2


def test_an_unlimited_cgroup_leaves_every_cpu(host) -> None:
    host(set(range(8)), v2="max 100000")
    assert default_jobs() == 8


def test_a_cgroup_v1_quota_counts_too_and_the_default_is_never_0(host) -> None:
    host(set(range(8)), v1=(50000, 100000))  # half a CPU
    assert default_jobs() == 1
