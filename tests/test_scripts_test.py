"""`scripts/test` (README's test command) puts the run's temporary files where it says:
RAM when asked (or by default, where /dev/shm is a tmpfs with room), uv's cache beside them so
the products' venvs stay hard links, and the machine's own places when told to keep them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

WHERE = """\
import json, os, tempfile

def test_where(tmp_path):
    with open(os.environ["WHERE_REPORT"], "w") as report:
        json.dump({"tempdir": tempfile.gettempdir(), "tmp_path": str(tmp_path),
                   "mode": os.stat(tempfile.gettempdir()).st_mode & 0o7777,
                   "uv_cache": os.environ.get("UV_CACHE_DIR")}, report)
"""


def where(tmp_path: Path, **env: str) -> dict:
    """Run scripts/test on one test that reports where its temporary files go."""
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "test_where.py").write_text(WHERE)
    report = tmp_path / "where.json"
    variables = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PAVED_ROAD_TEST_TMP", "TMPDIR", "UV_CACHE_DIR")
    }
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "test"), "-n", "0", "-p", "no:randomly",
         "--rootdir", str(demo), str(demo / "test_where.py")],
        env={**variables, "WHERE_REPORT": str(report), **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(report.read_text())


def test_a_named_folder_holds_the_temporary_files_and_uvs_cache(tmp_path: Path) -> None:
    ram = tmp_path / "ram"
    found = where(tmp_path, PAVED_ROAD_TEST_TMP=str(ram))
    assert found["tempdir"] == str(ram / "tmp")
    assert Path(found["tmp_path"]).is_relative_to(ram / "tmp")
    assert found["uv_cache"] == str(ram / "uv-cache")
    # Open to every user and sticky, as /tmp: under root, PostgreSQL's folder is the postgres
    # user's, inside it.
    assert found["mode"] == 0o1777


def test_an_empty_setting_keeps_the_machines_places(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    found = where(tmp_path, PAVED_ROAD_TEST_TMP="", TMPDIR=str(disk))
    assert found["tempdir"] == str(disk)
    assert Path(found["tmp_path"]).is_relative_to(disk)
    assert found["uv_cache"] is None
