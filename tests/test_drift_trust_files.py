"""How a guarded file is compared: git's own CRLF checkout is no change, a person's CRLF- or
whitespace-only change says so, and executable bits and symlinks count."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cases import CHECK_CASES
from tests.drift_support import drift
from tests.fleet_support import PAVED_ROAD
from tests.support import commit_all, copy_product, git, init_repo, snapshot_template, tool_env


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = snapshot_template(tmp_path_factory.mktemp("files-template"), tag="v1.0.0")
    made = copy_product(
        template,
        tmp_path_factory.mktemp("files") / "product",
        CHECK_CASES["default"],  # kubernetes: deploy/release.sh is guarded and executable
        skip_tasks=True,
        vcs_ref="v1.0.0",
    )
    init_repo(made)
    return made


@pytest.fixture
def product(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "product", symlinks=True))


def failing(capsys: pytest.CaptureFixture[str], product: Path) -> dict[str, list[str]]:
    code, out, _ = drift(capsys, product, "--format", "json")
    assert code == 1, out
    found: dict[str, list[str]] = {}
    for finding in json.loads(out)["findings"]:
        if finding["severity"] == "error":
            found.setdefault(finding["path"], []).append(finding["message"])
    return found


def test_a_clone_with_autocrlf_is_in_policy(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "-c", "core.autocrlf=true", str(pristine), str(clone))
    assert b"\r\n" in (clone / ".pre-commit-config.yaml").read_bytes()  # really converted
    assert b"\r\n" in (clone / "pyproject.toml").read_bytes()
    code, out, _ = drift(capsys, clone, "--format", "json")
    assert code == 0, out
    assert json.loads(out)["findings"] == []


def test_a_real_crlf_change_says_so(product: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = product / ".pre-commit-config.yaml"
    config.write_bytes(config.read_bytes().replace(b"\n", b"\r\n"))
    commit_all(product, "CRLF, committed")
    [message] = failing(capsys, product)[".pre-commit-config.yaml"]
    assert message == (
        "guarded file differs from the template only in line endings "
        "(CRLF where the template has LF): restore it"
    )
    _, out, _ = drift(capsys, product)
    assert "-repos:\n" in out
    assert "+repos:␍\n" in out


def test_a_whitespace_only_change_says_so(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ini = product / "alembic.ini"
    lines = ini.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.strip())
    lines[index] = lines[index].rstrip("\n") + "  \t\n"
    ini.write_text("".join(lines))
    [message] = failing(capsys, product)["alembic.ini"]
    assert "differs from the template only in whitespace" in message
    _, out, _ = drift(capsys, product)
    assert f"+{lines[index].rstrip()}··→\n" in out.replace("       ", "")


def test_executable_bits_of_guarded_files_count(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release = product / "deploy" / "release.sh"
    release.chmod(0o644)
    (product / "Dockerfile").chmod(0o755)
    commit_all(product, "modes")
    assert "100644" in git(product, "ls-files", "-s", "deploy/release.sh").stdout
    found = failing(capsys, product)
    assert found == {
        "deploy/release.sh": [
            "guarded file lost its executable bit: `chmod +x deploy/release.sh` (and `git add` it)"
        ],
        "Dockerfile": [
            "guarded file is executable where the template's is not: `chmod -x Dockerfile`"
        ],
    }


def test_a_guarded_file_through_a_symlink_fails(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same bytes, but the product controls what the link points at."""
    (product / "ops").mkdir()
    shutil.move(product / "Dockerfile", product / "ops" / "Dockerfile.real")
    (product / "Dockerfile").symlink_to("ops/Dockerfile.real")
    shutil.move(product / "deploy" / "base", product / "ops" / "base")
    (product / "deploy" / "base").symlink_to("../ops/base")
    found = failing(capsys, product)
    assert "guarded file is a symlink" in found["Dockerfile"][0]
    assert "guarded file is a symlink" in found["deploy/base/deployment.yaml"][0]


def test_a_symlink_out_of_the_product_is_read_as_the_path_it_names(
    product: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A product cannot make the checker read, and report, a file of the machine it runs on:
    a shared file's diff, the CODEOWNERS owners and the conflict scan see the link's target
    path, never the target's content."""
    secret = tmp_path / "credentials"
    secret.write_text("* @token-abc123\n<<<<<<< HEAD\n", encoding="utf-8")
    for name in ("compose.yaml", "Makefile", ".github/CODEOWNERS", "notes.md"):
        (product / name).unlink(missing_ok=True)
        (product / name).symlink_to(secret)
    code, out, _ = drift(capsys, product, "--format", "json")
    assert code == 1, out
    assert "abc123" not in out and "HEAD" not in out
    findings = {(f["path"], f["kind"]): f for f in json.loads(out)["findings"]}
    assert str(secret) in findings[("compose.yaml", "shared-modified")]["diff"]
    assert findings[("Makefile", "block-modified")]["part"] in {"settings", "checks"}
    assert ("notes.md", "conflict-marker") not in findings
    assert "now nobody" in findings[(".github/CODEOWNERS", "codeowners")]["message"]


def test_an_answers_file_that_is_a_device_is_one_line_not_a_hang(
    product: Path, tmp_path: Path
) -> None:
    (product / ".copier-answers.yml").unlink()
    (product / ".copier-answers.yml").symlink_to("/dev/zero")
    done = subprocess.run(
        [PAVED_ROAD, "drift", str(product)],
        capture_output=True,
        text=True,
        timeout=60,
        env=tool_env(),
        check=False,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line == (
        f"paved-road drift: cannot check {product}: .copier-answers.yml: is a device or a pipe: "
        "make it a file"
    )
