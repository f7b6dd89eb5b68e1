"""Bad answers given on the command line fail before anything is written, in one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import tool_env

BAD_DATA = [
    ("project_slug=Bad Slug", "Invalid project_slug 'Bad Slug': a-z, 0-9, '-'"),
    ("project_slug=null", "Invalid project_slug 'null': not a YAML yes/no/null word"),
    ("project_slug=fastapi", "Invalid project_slug 'fastapi': not a dependency's"),
    ("package_name=json", "Invalid package_name 'json': not a standard library"),
    ("package_name=click", "Invalid package_name 'click': not a dependency's"),
    ("package_name=lambda", "Invalid package_name 'lambda': not a Python keyword"),
    ("database=mysql", "Invalid database 'mysql': one of sqlite, postgres"),
    ("python_version=2.7", "Invalid python_version '2.7': one of 3.11, 3.12, 3.13"),
    ("owner_team=The A Team", "Invalid owner_team 'The A Team': a GitHub team slug"),
    ("ui=flash", "Invalid ui 'flash': one of server, spa, none"),
    ("deploy_target=heroku", "Invalid deploy_target 'heroku': one of kubernetes"),
]


def copier_copy(template: Path, dst: Path, data: str) -> subprocess.CompletedProcess[str]:
    """The copier CLI as a user runs it, with one bad --data value."""
    command = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet",
               "-r", "HEAD", "--data", "product_name=Demo", "--data", data,
               str(template), str(dst)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=tool_env(), check=False)


@pytest.mark.parametrize(("data", "message"), BAD_DATA, ids=[d for d, _ in BAD_DATA])
def test_bad_data_fails_cleanly_and_writes_nothing(
    template_repo: Path, tmp_path: Path, data: str, message: str
) -> None:
    dst = tmp_path / "product"
    result = copier_copy(template_repo, dst, data)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        line for line in result.stderr.splitlines() if line.startswith("Invalid ")
    ]
    assert not dst.exists()


def test_bad_data_does_not_touch_an_existing_folder(template_repo: Path, tmp_path: Path) -> None:
    dst = tmp_path / "existing"
    dst.mkdir()
    (dst / "keep.txt").write_text("mine\n")
    result = copier_copy(template_repo, dst, "project_slug=NO")
    assert result.returncode == 1
    assert "Invalid project_slug 'NO'" in result.stderr
    assert sorted(p.name for p in dst.iterdir()) == ["keep.txt"]
    assert (dst / "keep.txt").read_text() == "mine\n"


@pytest.mark.parametrize("kind", ["non-empty", "file", "missing parent"])
def test_plain_copier_refuses_a_destination_it_would_half_write(
    template_repo: Path, tmp_path: Path, kind: str
) -> None:
    """Copier alone would write files until the first that exists, then stop (--defaults), or
    fail with a traceback; the template's context hook refuses first, in one line."""
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "README.md").write_text("mine\n")
    a_file = tmp_path / "a-file"
    a_file.write_text("mine\n")
    dst, says = {
        "non-empty": (existing, f"destination {existing} is not empty (1 entry)"),
        "file": (a_file, f"destination {a_file} is a file"),
        "missing parent": (
            tmp_path / "nope" / "p",
            f"destination's parent folder {tmp_path / 'nope'}",
        ),
    }[kind]
    result = copier_copy(template_repo, dst, "description=Fine.")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(says), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "existing"]
    assert [p.name for p in existing.iterdir()] == ["README.md"]
    assert a_file.read_text() == "mine\n"
