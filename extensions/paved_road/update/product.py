"""The product side of an update: its git state, its answers file, putting it back on failure."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..answers_file import ANSWERS_FILE, NoAnswersFile
from ..answers_file import read_answers as read_answers_file
from ..one_line import file_problem, shown_path
from ..yaml_file import FileProblem

# What a message may take of an 80-column line after "paved-road update: ".
ROOM = 61


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
    """The answers file, read as drift reads it (``paved_road.answers_file``)."""
    try:
        recorded = read_answers_file(product)
    except NoAnswersFile:
        raise Refused(
            f"no {ANSWERS_FILE} in {shown_path(product)}: run it in a product's root"
        ) from None
    except FileProblem as error:
        raise Refused(file_problem(error, "restore it from git", ROOM)) from None
    return Answers(src_path=recorded.src_path, commit=recorded.commit, values=recorded.data)


def worktree_root(product: Path) -> Path:
    if not product.is_dir():
        raise Refused(f"{shown_path(product)} is not a folder: name the product's folder")
    inside = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=product,
        capture_output=True,
        text=True,
        check=False,
    )
    if inside.returncode != 0:
        raise Refused(f"{shown_path(product)} is not in a git repository: commit it first")
    return Path(inside.stdout.strip())


def dirty_paths(product: Path) -> list[str]:
    """Uncommitted changes, untracked files included (copier refuses those too)."""
    status = git(product, "status", "--porcelain", "--untracked-files=all")
    return [line[3:] for line in status.splitlines() if line.strip()]


def head(product: Path) -> str:
    return git(product, "rev-parse", "--verify", "--quiet", "HEAD").strip()
