"""Helpers shared by the template's tests: render products with the real copier, run their tools."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paved_road.copier_worker import run_copy

REPO_ROOT = Path(__file__).resolve().parents[1]
PYTHONS_ON_THIS_MACHINE = "3.11.7:3.12.1:3.13.0"
# A secret key production settings accept (long, many different characters).
PRODUCTION_SECRET_KEY = "tests-only-key-0123456789-abcdefghijklmnop"


def production_env(prefix: str = "DEMO_SHOP_") -> dict[str, str]:
    """What a product's production settings need to start, served on 127.0.0.1."""
    return {
        f"{prefix}ENVIRONMENT": "production",
        f"{prefix}SECRET_KEY": PRODUCTION_SECRET_KEY,
        f"{prefix}ALLOWED_HOSTS": '["127.0.0.1"]',
    }


def tool_env(**extra: str) -> dict[str, str]:
    """The environment for running uv, make and generated products: no interpreter downloads,
    every pyenv Python visible, this venv's tools (uv, copier) on PATH."""
    env = dict(os.environ)
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    env.setdefault("PYENV_VERSION", PYTHONS_ON_THIS_MACHINE)
    path = [str(Path(sys.executable).parent), *_pyenv_bins(env), env.get("PATH", "")]
    env["PATH"] = os.pathsep.join(path)
    # Bytecode written once per venv, as on an engineer's machine, even where this machine sets
    # PYTHONDONTWRITEBYTECODE: else every process compiles what it imports again (scripts/test).
    for leak in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"):
        env.pop(leak, None)
    # Products run as on an engineer's machine, even when this suite runs in CI: CI changes
    # what drift approves and refuses, so a test about CI behaviour sets these itself.
    for ci_marker in ("CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        env.pop(ci_marker, None)
    env.update(extra)
    return env


def _pyenv_bins(env: dict[str, str]) -> list[str]:
    """The folders of pyenv's interpreters named in PYENV_VERSION, in its order: what its shims
    would pick, found without them. uv looks for interpreters on PATH and runs each shim it
    meets (a bash script that runs pyenv): ~190 processes to make a venv, ~230 per uvx."""
    root = Path(env.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    folders = (root / version / "bin" for version in env.get("PYENV_VERSION", "").split(":"))
    return [str(folder) for folder in folders if folder.is_dir()]


def run(cmd: list[str], cwd: Path, check: bool = True, **extra_env: str):
    """Run a command, capturing output; on failure the assertion shows what it printed."""
    result = subprocess.run(
        cmd, cwd=cwd, env=tool_env(**extra_env), capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {result.returncode} in {cwd}\n"
            f"--- stdout ---\n{result.stdout[-8000:]}\n--- stderr ---\n{result.stderr[-8000:]}"
        )
    return result


def processes_with(token: str) -> list[int]:
    """Processes whose command line holds ``token``, wherever they are in the tree (zombies
    have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and token.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile
    return found


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(["git", *args], cwd=cwd, check=check)


def snapshot_template(dst: Path, tag: str | None = None) -> Path:
    """A committed git copy of this checkout as it is now (uncommitted edits included), so
    products record a ``_commit`` that exists and can be re-rendered and updated."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in filter(None, files):
        source = REPO_ROOT / os.fsdecode(raw)
        if source.is_file():
            target = dst / os.fsdecode(raw)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    init_repo(dst)
    if tag:
        git(dst, "tag", tag)
    return dst


def init_repo(path: Path, message: str = "initial") -> None:
    git(path, "init", "--quiet", "--initial-branch=main")
    commit_all(path, message)


def commit_all(path: Path, message: str) -> None:
    git(path, "add", "--all")
    git(
        path,
        "-c",
        "user.name=Test",
        "-c",
        "user.email=test@example.com",
        "commit",
        "--quiet",
        "--no-verify",
        "--allow-empty",
        "-m",
        message,
    )


def copy_product(
    template: Path,
    dst: Path,
    answers: dict[str, str],
    *,
    skip_tasks: bool = False,
    vcs_ref: str | None = "HEAD",
    run: Callable[..., Any] = run_copy,
) -> Path:
    """Render a product with the real copier's Worker, non-interactively (``copier_worker``:
    compiled Jinja shared across the session's renders, output identical to copier's); ``run``:
    another ``run_copy`` (plain ``copier.run_copy``, to compare with)."""
    run(
        str(template),
        dst,
        data=answers,
        vcs_ref=vcs_ref,
        defaults=True,
        unsafe=True,
        quiet=True,
        skip_tasks=skip_tasks,
    )
    return dst
