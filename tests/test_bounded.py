"""Time bounds that count a child's own work, not the machine's load (issue 23, item 6)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from paved_road import bounded

from tests.test_fleet_load import cpu_contention


def test_output_input_and_exit_code_are_those_of_subprocess_run() -> None:
    done = bounded.run(
        [
            sys.executable,
            "-c",
            "import sys; data = sys.stdin.read(); print(len(data)); sys.exit(3)",
        ],
        timeout=30,
        input="x" * 1_000_000,
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout) == (3, "1000000\n")


def test_a_child_that_makes_no_progress_is_stopped() -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        bounded.run(["sleep", "60"], timeout=1, capture_output=True)


def test_a_child_that_runs_away_is_stopped_by_its_cpu_seconds() -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        bounded.run([sys.executable, "-c", "while True: pass"], timeout=1, capture_output=True)


@pytest.mark.slow(reason="keeps every core busy while a child works")
def test_a_loaded_machine_does_not_stop_a_child_that_works() -> None:
    # About 1.5 s of CPU in short bursts, each well under the bound, with pauses: on a machine
    # whose cores are all busy this takes several times the bound in wall-clock time.
    work = (
        "import time\nfor _ in range(6):\n    sum(range(3_000_000)); time.sleep(0.2)\nprint('done')"
    )
    with cpu_contention():
        done = bounded.run([sys.executable, "-c", work], timeout=3, capture_output=True, text=True)
    assert done.stdout == "done\n"
