"""A loaded machine makes a fleet check slower, never different (issue 23, item 6).

The fleet is checked while busy-loop processes keep every core busy (three per core), with a
product time bound far below what a check takes in wall-clock time on such a machine: the bound
counts the check's own CPU and its stalls, not the time the machine gave to the busy loops, so
every product gets the verdict it gets on an idle machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fleet_support import approving, build_fleet, by_name, fleet, read_json

BUSY_LOOP = "while True: pass"


@contextmanager
def cpu_contention(per_core: int = 3) -> Iterator[None]:
    """Busy-loop processes, ``per_core`` for each core, for the length of the block."""
    loops = [
        subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
        for _ in range(per_core * (os.cpu_count() or 1))
    ]
    try:
        yield
    finally:
        for loop in loops:  # only the processes started here, by their own handle
            loop.kill()
            loop.wait()


@pytest.mark.slow(reason="builds a fleet of four rendered products and checks it under load")
def test_a_loaded_machine_changes_no_verdict(tmp_path: Path) -> None:
    setup = build_fleet(tmp_path / "fleet")
    report = tmp_path / "fleet.json"
    with cpu_contention():
        result = fleet(
            "check", str(setup.fleet_file), "--jobs=2", "--product-timeout=8",
            f"--cache-dir={tmp_path / 'cache'}", f"--json={report}",
            *approving(setup.fleet_file),
        )  # fmt: skip
    assert result.returncode == 1, result.stderr
    rows = by_name(read_json(report))
    # What an idle machine reports for this fleet (tests/test_fleet.py).
    assert {name: row["status"] for name, row in rows.items()} == {
        "billing": "ok",
        "ghost": "error",
        "ledger": "ok",
        "search": "violations",
        "shop": "ok",
    }, {name: row.get("error") for name, row in rows.items()}
    assert rows["search"]["violations"] == {"modified": 1}
    assert "cannot fetch forge/ghost.git" in rows["ghost"]["error"]
