"""One product cannot stall the fleet's run (issue 26): a check that outlives
`--product-timeout` is stopped and becomes that product's error row; the others are checked."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fleet_support import approving, build_fleet, by_name, fleet, read_json
from tests.support import tool_env

# `paved-road fleet check`, except that billing's check (one release behind) never ends, as
# a check stuck in a read or a render would. The workers are forked from this process, so
# they run the patched check.
HANGING_FLEET_CHECK = """
import sys, time
from pathlib import Path
from paved_road.cli import main
from paved_road.fleet import checking

real_check = checking.run_check

def hangs_for_billing(path, **options):
    if "_commit: v1.0.0" in (Path(path) / ".copier-answers.yml").read_text():
        time.sleep(3600)
    return real_check(path, **options)

checking.run_check = hangs_for_billing
sys.exit(main(["fleet", "check", *sys.argv[1:]]))
"""


# The bound counts CPU and stalls, not wall time (fleet/watchdog.py), so a short one is safe on
# a loaded machine: 8 CPU-s is what test_fleet_load.py gives every product under contention.
# The hanging check is stopped after this many idle seconds; 30 s made the test wait 22 more.
STALL_LIMIT = 8


@pytest.mark.slow(reason="builds a fleet of four rendered products and checks it")
def test_a_product_whose_check_hangs_is_its_own_error_row(tmp_path: Path) -> None:
    setup = build_fleet(tmp_path / "fleet")
    # Two of its products, checked side by side: one hangs, one does not.
    setup.fleet_file.write_text("products:\n  - forge/billing.git\n  - forge/shop.git\n")
    report = tmp_path / "fleet.json"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", HANGING_FLEET_CHECK, str(setup.fleet_file), "--jobs=2",
         f"--product-timeout={STALL_LIMIT}", f"--cache-dir={tmp_path / 'cache'}",
         f"--json={report}", *approving(setup.fleet_file)],
        env=tool_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert time.monotonic() - started < 300
    assert result.returncode == 1, result.stderr
    rows = by_name(read_json(report))
    assert rows["billing"]["status"] == "error"
    assert rows["billing"]["error"] == (
        f"the check made no progress for {STALL_LIMIT} s and was stopped"
    )
    assert rows["shop"]["status"] != "error", rows["shop"]["error"]


@pytest.mark.parametrize("value", ["0", "-1", "0.5"])
def test_a_product_timeout_under_a_second_is_refused(tmp_path: Path, value: str) -> None:
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text("products:\n  - forge/shop.git\n")
    result = fleet("check", str(fleet_file), f"--product-timeout={value}", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "paved-road fleet: --product-timeout must be 1 s or more"
    assert [path.name for path in tmp_path.iterdir()] == ["fleet.yml"]
