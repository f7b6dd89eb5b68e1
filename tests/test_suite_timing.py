"""The suite's own measuring and ordering (tests/suite_timing.py, tests/suite_order.py): each
test's CPU beside its wall time, the idle wall it names, and longest work first under xdist."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import bench_suite
from tests.support import REPO_ROOT

# A test that waits, one that computes, one whose child computes, and a group of two short
# tests that must stay together (the scheduler hands out whole groups).
DEMO = """
import subprocess, sys, time
import pytest

def spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass

def test_waits():
    time.sleep(0.6)

def test_computes():
    spin(0.4)

def test_child_computes():
    subprocess.run([sys.executable, "-c", "import time\\nend = time.process_time() + 0.4\\n"
                    "while time.process_time() < end: pass"], check=True)

@pytest.mark.xdist_group("pair")
def test_pair_one():
    pass

@pytest.mark.xdist_group("pair")
def test_pair_two():
    pass
"""


def run_demo(tmp_path: Path, *args: str, durations: dict | None = None) -> dict:
    (tmp_path / "test_demo.py").write_text(DEMO)
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["tests.suite_timing", "tests.suite_order"]\n'
    )
    report = tmp_path / "report.json"
    env = {"PYTHONPATH": str(REPO_ROOT), "PAVED_ROAD_SUITE_REPORT": str(report)}
    env |= {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    if durations is not None:
        (tmp_path / "durations.json").write_text(json.dumps({"tests": durations}))
        env["PAVED_ROAD_SUITE_DURATIONS"] = str(tmp_path / "durations.json")
    # Its own --basetemp: with pytest's default one, each demo run cleaned up the machine's
    # older /tmp/pytest-of-USER/pytest-N folders (whole earlier runs' products: 106 s once).
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-v", "--rootdir", str(tmp_path), "--basetemp", str(tmp_path / "demo-tmp"), *args,
         "test_demo.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(report.read_text())
    figures["stdout"] = result.stdout
    return figures


def test_under_xdist_each_test_has_its_cpu_and_the_longest_work_starts_first(
    tmp_path: Path,
) -> None:
    durations = {
        "test_demo.py::test_computes": 6.0,
        "test_demo.py::test_pair_two": 9.0,
        "test_demo.py::test_waits": 1.0,
    }
    figures = run_demo(
        tmp_path, "-n", "1", "--dist", "loadgroup", "--no-loadscope-reorder", durations=durations
    )
    # The CPU figure travels from the worker with the test's report.
    times = {row["test"].split("::")[1]: row for row in figures["test_times"]}
    assert sorted(times) == [
        "test_child_computes", "test_computes", "test_pair_one", "test_pair_two", "test_waits"
    ]  # fmt: skip
    assert times["test_waits"]["cpu"] < 0.3
    assert times["test_waits"]["idle"] >= 0.5
    assert times["test_computes"]["cpu"] >= 0.35
    # A child's CPU counts once the worker waited for it (subprocess.run does).
    assert times["test_child_computes"]["cpu"] >= 0.35
    for row in times.values():
        assert abs(row["idle"] - max(row["seconds"] - row["cpu"], 0.0)) <= 0.002
    assert sum(figures["cpu"].values()) >= 0.7
    demo = next(row for row in figures["files"] if row["file"] == "test_demo.py")
    assert demo["cpu"] >= 0.7 and demo["idle"] >= 0.5
    assert "most idle wall, tests (wall s, CPU s, idle s):" in figures["stdout"]
    assert list(figures["workers_done_s"]) == ["gw0"]

    ran = [line.split("::")[1].split()[0].split("@")[0] for line in figures["stdout"].splitlines()
           if "PASSED test_demo.py::" in line]  # fmt: skip
    # Longest scope first, a group whole: the pair (9 s + 5.33 s), then 6 s, 5.33 s, 1 s.
    # test_child_computes and test_pair_one are not in the durations file: each is estimated
    # at the average of its file's known tests, 5.33 s.
    assert ran == [
        "test_pair_one", "test_pair_two", "test_computes", "test_child_computes", "test_waits"
    ]  # fmt: skip


def test_in_one_process_the_cpu_is_measured_too_and_file_order_is_kept(tmp_path: Path) -> None:
    figures = run_demo(tmp_path, durations={"test_demo.py::test_pair_two": 100.0})
    times = {row["test"].split("::")[1]: row for row in figures["test_times"]}
    assert times["test_computes"]["cpu"] >= 0.35
    assert times["test_waits"]["idle"] >= 0.5
    ran = [line.split("::")[1].split()[0] for line in figures["stdout"].splitlines()
           if line.startswith("test_demo.py::")]  # fmt: skip
    assert ran == [
        "test_waits", "test_computes", "test_child_computes", "test_pair_one", "test_pair_two"
    ]  # fmt: skip


def test_durations_from_a_report_merge_into_the_durations_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run of a few files refreshes their tests and keeps the rest; a report with per-file
    figures only gives those files an average per test."""
    durations = tmp_path / "suite_durations.json"
    monkeypatch.setattr(bench_suite, "DURATIONS", durations)
    bench_suite.record_durations(
        {"files": [{"file": "tests/test_drift.py", "tests": 4, "seconds": 10.0},
                   {"file": "tests/test_gone.py", "tests": 1, "seconds": 5.0}]},
        "old-report.json",
    )  # fmt: skip
    bench_suite.record_durations(
        {
            "test_times": [{"test": "tests/test_update.py::test_a", "seconds": 12.34}],
            "files": [{"file": "tests/test_update.py", "tests": 1, "seconds": 12.34}],
        },
        "new-report.json",
    )
    document = json.loads(durations.read_text())
    # A test file that no longer exists loses its figures.
    assert document["files"] == {"tests/test_drift.py": 2.5}
    assert document["tests"] == {"tests/test_update.py::test_a": 12.3}
    assert document["sources"] == ["old-report.json", "new-report.json"]
    bench_suite.record_durations(
        {
            "test_times": [{"test": "tests/test_drift.py::test_b", "seconds": 1.0}],
            "files": [{"file": "tests/test_drift.py", "tests": 1, "seconds": 1.0}],
        },
        "third.json",
    )
    document = json.loads(durations.read_text())
    assert document["files"] == {}
    assert document["tests"] == {
        "tests/test_drift.py::test_b": 1.0, "tests/test_update.py::test_a": 12.3
    }  # fmt: skip


# Six tests sharing one module-scoped fixture, kept on one worker by their group.
GROUPED = """
import os, pytest

@pytest.fixture(scope="module")
def built():
    with open("builds.log", "a") as log:
        log.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")

@pytest.mark.xdist_group("shared-fixture")
@pytest.mark.parametrize("n", range(6))
def test_grouped(built, n):
    pass
"""


def test_a_group_runs_on_one_worker_and_builds_its_module_fixture_once(tmp_path: Path) -> None:
    """``--dist loadgroup`` with two workers: the group's tests all run on one worker, so the
    module-scoped fixture they share is built once (tests/xdist_groups.py; without it, pytest
    9.2 with pytest-xdist 3.8 handed the six tests to both workers, and both built it)."""
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.xdist_groups"]\n')
    env = {"PYTHONPATH": str(REPO_ROOT)}
    env |= {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-v", "--rootdir", str(tmp_path), "--basetemp", str(tmp_path / "demo-tmp"),
         "-n", "2", "--dist", "loadgroup", "test_grouped.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    workers = {line.split("]")[0] for line in result.stdout.splitlines() if "PASSED" in line}
    assert len(workers) == 1, result.stdout
    assert len((tmp_path / "builds.log").read_text().split()) == 1
    assert "test_grouped.py::test_grouped[0]@shared-fixture" in result.stdout
