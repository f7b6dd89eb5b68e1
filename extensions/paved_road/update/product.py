"""The product side of an update: its git state, its answers file, putting it back on failure."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ANSWERS_FILE = ".copier-answers.yml"


class Refused(Exception):
    """The update cannot start or did not finish: one line saying what to fix. Exit 2."""


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """Run git in ``cwd`` and return its stdout; raise Refused with git's own words if asked."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        why = lines[0].removeprefix("fatal: ") if lines else f"exit {result.returncode}"
        raise Refused(f"git {args[0]} failed in {cwd}: {why}")
    return result.stdout


@dataclass(frozen=True)
class Answers:
    """What ``.copier-answers.yml`` records: the template source, its commit, the answers."""

    src_path: str
    commit: str
    values: dict[str, Any]


def read_answers(product: Path) -> Answers:
    path = product / ANSWERS_FILE
    if not path.is_file():
        raise Refused(
            f"{path} not found: run paved-road update in a product made from the template "
            "(its .copier-answers.yml records the template and version)"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        raise Refused(f"{path} does not parse as YAML: restore it from git history") from None
    if not isinstance(data, dict):
        raise Refused(f"{path} is not a mapping of answers: restore it from git history")
    src, commit = data.get("_src_path"), data.get("_commit")
    if not isinstance(src, str) or not src:
        raise Refused(f"{path} has no _src_path: the template source is unknown")
    if not isinstance(commit, str) or not commit:
        raise Refused(
            f"{path} has no _commit: the product was made from an untracked template; "
            "re-create it from a tagged release"
        )
    return Answers(src_path=src, commit=commit, values=data)


def worktree_root(product: Path) -> Path:
    if not product.is_dir():
        raise Refused(f"{product} is not a directory")
    inside = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=product,
        capture_output=True,
        text=True,
        check=False,
    )
    if inside.returncode != 0:
        raise Refused(
            f"{product} is not in a git repository: commit the product to git first "
            "(the update merges against that history)"
        )
    return Path(inside.stdout.strip())


def dirty_paths(product: Path) -> list[str]:
    """Uncommitted changes, untracked files included (copier refuses those too)."""
    status = git(product, "status", "--porcelain", "--untracked-files=all")
    return [line[3:] for line in status.splitlines() if line.strip()]


def head(product: Path) -> str:
    return git(product, "rev-parse", "--verify", "--quiet", "HEAD").strip()


def restore(product: Path) -> None:
    """Undo a failed update. Safe: the update only starts on a clean tree, so every change
    in the working tree is the update's own (ignored files such as .venv are not touched)."""
    git(product, "reset", "--hard", "--quiet", "HEAD", check=False)
    git(product, "clean", "-d", "--force", "--quiet", check=False)
