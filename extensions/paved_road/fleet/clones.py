"""Shallow checkouts of the fleet's products in a cache: cloned once, fetched afterwards.

Each checkout is reset to the fetched commit and cleaned, so the check sees exactly what the
product's branch holds (never a leftover of an earlier run).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .fleet_file import Product

TIMEOUT_SECONDS = 300
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "GIT_LFS_SKIP_SMUDGE": "1"}


class CannotFetch(Exception):
    """The product could not be cloned or fetched: one line saying why."""


@dataclass(frozen=True)
class Checkout:
    path: Path
    commit: str


def _git(*args: str, cwd: Path | None = None) -> str:
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            env={**os.environ, **_ENV},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CannotFetch(f"git {args[0]} got no answer in {TIMEOUT_SECONDS} s") from None
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        why = next((line for line in lines if line.startswith("fatal:")), None) or (
            lines[0] if lines else f"git exited {result.returncode}"
        )
        raise CannotFetch(f"git {args[0]} failed: {why.removeprefix('fatal: ')}")
    return result.stdout


def checkout_dir(products: Path, product: Product) -> Path:
    """One folder per product and URL, so renaming a product or moving its repo starts afresh."""
    digest = hashlib.sha256(product.url.encode()).hexdigest()[:10]
    return products / f"{product.name}-{digest}"


def clone(url: str, branch: str | None, dest: Path) -> None:
    """A shallow clone of ``branch`` (default: the remote's HEAD) at ``dest``, whole or absent."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".clone-", dir=dest.parent))
    try:
        branch_args = ["--branch", branch] if branch else []
        _git("clone", "--quiet", "--depth", "1", "--no-tags", *branch_args, url, str(staging / "p"))
        (staging / "p").rename(dest)  # a checkout is there whole, or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _refresh(dest: Path, url: str, branch: str | None) -> None:
    _git("remote", "set-url", "origin", url, cwd=dest)
    _git("fetch", "--quiet", "--depth", "1", "--no-tags", "origin", branch or "HEAD", cwd=dest)
    _git("reset", "--quiet", "--hard", "FETCH_HEAD", cwd=dest)
    _git("clean", "-ffdxq", cwd=dest)


def fetch(product: Product, products: Path) -> Checkout:
    """The product's branch head, checked out under ``products``; CannotFetch if unreachable."""
    dest = checkout_dir(products, product)
    if (dest / ".git").is_dir():
        try:
            _refresh(dest, product.url, product.branch)
        except CannotFetch:
            shutil.rmtree(dest, ignore_errors=True)  # a broken cache entry: clone again
            clone(product.url, product.branch, dest)
    else:
        shutil.rmtree(dest, ignore_errors=True)
        clone(product.url, product.branch, dest)
    return Checkout(dest, _git("rev-parse", "HEAD", cwd=dest).strip())
