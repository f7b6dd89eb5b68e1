"""The fleet's git plumbing: shallow clones for updates, shallow bare mirrors for checks.

``fleet update`` works in a clone (it commits and pushes); ``fleet check`` only reads, so a
remote product is kept as a shallow bare mirror in the cache (cloned once, fetched afterwards)
and its files are laid out by ``snapshots``. A git error is one line (``CannotFetch``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .. import bounded

TIMEOUT_SECONDS = 300
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "GIT_LFS_SKIP_SMUDGE": "1"}


class CannotFetch(Exception):
    """The product could not be cloned or fetched: one line saying why."""


def git_bytes(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> bytes:
    """What git prints, or CannotFetch with git's own reason in one line."""
    try:
        result = bounded.run(
            ["git", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            env={**os.environ, **_ENV},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CannotFetch(f"git {args[0]} got no answer in {TIMEOUT_SECONDS} s") from None
    if result.returncode != 0:
        stderr = result.stderr.decode(errors="replace")
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        why = next((line for line in lines if line.startswith("fatal:")), None) or (
            lines[0] if lines else f"git exited {result.returncode}"
        )
        raise CannotFetch(f"git {args[0]} failed: {why.removeprefix('fatal: ')}")
    return result.stdout


def _git(*args: str, cwd: Path | None = None) -> str:
    return git_bytes(*args, cwd=cwd).decode()


@contextlib.contextmanager
def staged(dest: Path) -> Iterator[Path]:
    """Where to build ``dest``: it becomes ``dest`` (replacing what was there) only when the
    block ends normally, so ``dest`` is there whole, or as it was."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=dest.parent))
    try:
        yield staging / "built"
        shutil.rmtree(dest, ignore_errors=True)
        (staging / "built").rename(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def clone(url: str, branch: str | None, dest: Path, *, bare: bool = False) -> None:
    """A shallow clone of ``branch`` (default: the remote's HEAD) at ``dest``, whole or absent;
    ``bare``: no work tree (a mirror to read from)."""
    branch_args = ["--branch", branch] if branch else []
    options = ["--quiet", *(["--bare"] if bare else []), "--depth", "1", "--no-tags"]
    with staged(dest) as building:
        _git("clone", *options, *branch_args, "--", url, str(building))


def mirror(url: str, branch: str | None, dest: Path) -> str:
    """The commit at the head of ``branch`` (default: the remote's HEAD), fetched into a shallow
    bare mirror at ``dest``: made on first use, fetched afterwards, made again when broken."""
    if (dest / "HEAD").is_file():
        try:
            _git("remote", "set-url", "origin", url, cwd=dest)
            fetch = ["fetch", "--quiet", "--depth", "1", "--no-tags", "origin", branch or "HEAD"]
            _git(*fetch, cwd=dest)
            return _git("rev-parse", "FETCH_HEAD", cwd=dest).strip()
        except CannotFetch:
            pass  # a broken cache entry: clone it again
    clone(url, branch, dest, bare=True)
    return _git("rev-parse", "HEAD", cwd=dest).strip()
