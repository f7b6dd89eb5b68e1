"""The end of ``paved-road new``: the product's first commit, and what to do next.

A product starts as a git repository with one commit of exactly what the template wrote, so
``git diff`` shows the engineer's own changes and ``paved-road update`` (which needs a clean
tree) works from day one. The last lines on the screen say what to type next.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

# Who the first commit is by when git knows no one on this machine (said on screen, with how
# to put one's own name on it).
FALLBACK_NAME = "paved-road"
FALLBACK_EMAIL = "paved-road@localhost"
# make dev's defaults (the product's Makefile: HOST, PORT).
DEV_URL = "http://127.0.0.1:8000"


class CommitFailed(Exception):
    """git refused the first commit: the message is git's last line."""


def _git(destination: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=destination, capture_output=True, text=True, check=False
    )


def _has_identity(destination: Path) -> bool:
    return all(
        _git(destination, "config", "--get", key).stdout.strip()
        for key in ("user.name", "user.email")
    )


def first_commit(destination: Path, product: str) -> str:
    """Make ``destination`` a repository whose first commit holds the product; one line to
    show. A folder that already is a repository (``--overwrite``) is left for its owner to
    commit. Raises CommitFailed with git's reason."""
    if (destination / ".git").exists():
        return "Not committed: the folder was already a git repository (commit it yourself)."
    steps = [("init", "--quiet", "--initial-branch=main"), ("add", "--all")]
    for step in steps:
        result = _git(destination, *step)
        if result.returncode != 0:
            raise CommitFailed(_last_line(result))
    identity: tuple[str, ...] = ()
    fallback = not _has_identity(destination)
    if fallback:
        identity = ("-c", f"user.name={FALLBACK_NAME}", "-c", f"user.email={FALLBACK_EMAIL}")
    # --no-verify: the product's own hooks are installed by `make setup`, after this commit;
    # a hook of the engineer's global configuration has nothing to check in generated files.
    message = f"Create {product} from the paved-road template"
    result = _git(destination, *identity, "commit", "--quiet", "--no-verify", "-m", message)
    if result.returncode != 0:
        raise CommitFailed(_last_line(result))
    commit = _git(destination, "rev-parse", "--short", "HEAD").stdout.strip()
    if fallback:
        return (
            f"Committed {commit} as {FALLBACK_NAME} <{FALLBACK_EMAIL}> (git knows no user.name "
            "and user.email here): set yours, then git commit --amend --reset-author --no-edit"
        )
    return f"Committed {commit}: the product as the template made it."


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (result.stderr or result.stdout).splitlines()]
    return next((line for line in reversed(lines) if line), f"exit {result.returncode}")[:200]


def next_steps(destination: Path, *, set_up: bool) -> list[str]:
    """The last lines on the screen: where the product is and what to type next."""
    lines = ["", "Next:", f"  cd {shlex.quote(str(destination))}"]
    if not set_up:
        lines.append("  make setup    # dependencies, git hooks, database")
    lines += [
        f"  make dev      # serve it on {DEV_URL}",
        "  make check    # everything CI runs (make help lists the rest)",
    ]
    return lines
