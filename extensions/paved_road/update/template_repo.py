"""The template side: where its git repository is, whether it is reachable, reading a file at a ref.

A local template repository is read in place; anything else is cloned once, blobs on demand,
into the update's run folder (``scratch``), which lives as long as the update. Every source
and ref reaches git after ``--`` or ``--end-of-options``: a ``_src_path`` or ``_commit``
starting with ``-`` is a name, never an option.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..one_line import cut
from ..template_source import git_url
from .product import Refused

TIMEOUT_SECONDS = 120
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


def _git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            env={**os.environ, **_GIT_ENV},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise Refused(f"git {args[0]} got no answer in {TIMEOUT_SECONDS} s") from None


def _why(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    return lines[0].removeprefix("fatal: ") if lines else f"git exited {result.returncode}"


@contextmanager
def open_template(src: str, where: Path) -> Iterator[Path]:
    """A local git directory holding the template's history: the repository itself if local,
    else a clone made at ``where``."""
    local = Path(src)
    if "://" not in src and ":" not in src.split("/", maxsplit=1)[0] and local.exists():
        if not local.is_dir():
            raise Refused(f"template source {src} is a file, not a folder: fix _src_path")
        top = _git("rev-parse", "--show-toplevel", cwd=local)
        if top.returncode != 0:
            raise Refused(f"template source {src} is not a git repository: fix _src_path")
        yield local
        return
    clone = _git(
        "clone", "--quiet", "--no-checkout", "--filter=blob:none", "--", git_url(src), str(where)
    )
    if clone.returncode != 0:
        raise Refused(f"template source {src} is unreachable: {cut(_why(clone), 40)}")
    yield where


def has_commit(repo: Path, ref: str) -> bool:
    verify = ("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    return _git(*verify, cwd=repo).returncode == 0


def read_at(repo: Path, ref: str, path: str) -> str | None:
    """The text of ``path`` at ``ref``, or None when the template has no such file there."""
    shown = _git("show", "--end-of-options", f"{ref}:{path}", cwd=repo)
    return shown.stdout if shown.returncode == 0 else None


def tags(repo: Path) -> dict[str, str]:
    """Every tag (name -> the commit it names), as ``git ls-remote`` gives them to drift."""
    # %(*objectname) is the commit an annotated tag points at (empty for a lightweight tag,
    # whose own %(objectname) is the commit): the first 40 characters are the commit.
    listed = _git(
        "for-each-ref", "--format=%(refname:lstrip=2) %(*objectname)%(objectname)", "refs/tags",
        cwd=repo,
    )  # fmt: skip
    return {
        name: sha[:40]
        for name, _, sha in (line.partition(" ") for line in listed.stdout.splitlines())
    }
