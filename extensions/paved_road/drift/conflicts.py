"""Unresolved update conflicts anywhere in the product: what ``copier update`` leaves behind
while still exiting 0 (conflict markers, ``*.rej`` files, unmerged index entries)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from .product_file import read_product_file
from .report import Finding, Kind, Severity

MARKER_RE = re.compile(rb"^(?:<{7}|>{7})(?: |\r?$)", re.MULTILINE)
SKIP_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}
MAX_SCAN_BYTES = 2_000_000
_GIT_ENV = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}


def _git(product: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    result = subprocess.run(
        ["git", *args], cwd=product, capture_output=True, env=_GIT_ENV, check=False
    )
    return result if result.returncode == 0 else None


def is_git_worktree(product: Path) -> bool:
    if not _git_can_find_a_repository(product):
        return False  # what git would answer, without starting it (a check of a copy, a test)
    result = _git(product, "rev-parse", "--is-inside-work-tree")
    return result is not None and result.stdout.strip() == b"true"


def _git_can_find_a_repository(product: Path) -> bool:
    """Whether git, run in ``product``, could find a repository: a ``.git`` (folder, file or
    link) there or in a folder above, or the environment naming one. Without either git
    answers that it is in none."""
    if _GIT_ENV.get("GIT_DIR") or _GIT_ENV.get("GIT_WORK_TREE"):
        return True
    product = product.absolute()
    return any(os.path.lexists(folder / ".git") for folder in (product, *product.parents))


def product_files(product: Path, git: bool) -> list[str]:
    """The product's files: tracked and untracked-but-not-ignored, or a walk without git."""
    if git:
        listed = _git(product, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        if listed is not None:
            names = {os.fsdecode(raw) for raw in listed.stdout.split(b"\0") if raw}
            return sorted(name for name in names if (product / name).is_file())
    found = []
    base = str(product)
    for root, dirs, files in os.walk(base):
        dirs[:] = [name for name in dirs if name not in SKIP_DIRS]
        folder = root[len(base) + 1 :]  # strings, not Paths: a fleet walks thousands of files
        found += [f"{folder}/{name}" if folder else name for name in files]
    return sorted(found)


def _marker_line(data: bytes | None) -> int | None:
    if data is None or b"\0" in data[:8192]:
        return None
    if b"<<<<<<<" not in data and b">>>>>>>" not in data:
        return None  # no marker anywhere (far quicker to know than the regex)
    match = MARKER_RE.search(data)
    return None if match is None else data.count(b"\n", 0, match.start()) + 1


def find_conflicts(product: Path, files: list[str], git: bool) -> list[Finding]:
    """Conflict leftovers among ``files`` (``product_files``) and in the git index."""
    findings = []
    checked: dict[str, bool] = {}
    for name in files:
        if name.endswith(".rej"):
            findings.append(
                Finding(
                    kind=Kind.REJECT_FILE,
                    severity=Severity.ERROR,
                    path=name,
                    message="rejected hunks of an update: apply them by hand, then delete it",
                )
            )
        elif (
            line := _marker_line(read_product_file(product, name, checked, MAX_SCAN_BYTES))
        ) is not None:
            findings.append(
                Finding(
                    kind=Kind.CONFLICT_MARKER,
                    severity=Severity.ERROR,
                    path=name,
                    line=line,
                    message=f"unresolved conflict markers from line {line}: resolve them",
                )
            )
    unmerged = _git(product, "ls-files", "-u", "-z") if git else None
    if unmerged is not None:
        paths = sorted(
            {os.fsdecode(raw.split(b"\t", 1)[1]) for raw in unmerged.stdout.split(b"\0") if raw}
        )
        findings += [
            Finding(
                kind=Kind.UNMERGED,
                severity=Severity.ERROR,
                path=name,
                message="unmerged in the git index: resolve, then `git add` it",
            )
            for name in paths
        ]
    return findings
