"""What git commits, where the working copy can differ: the index's bytes and modes.

Locally the working copy can lie about a guarded file. ``git update-index --chmod=-x`` changes
the executable bit only in the index (what the next commit records), and a ``.gitattributes``
clean filter rewrites a file on its way into the index: the working copy stays the template's
while the repository gets something else. So, in a git working copy, drift also compares each
guarded file as git stores it (``git ls-files --stage``) with the template's bytes and mode:
at most three git processes for all guarded files, none per file, and none that writes.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Collection
from pathlib import Path

from .product_file import read_product_file
from .report import Finding, Kind, Severity

_GIT_ENV = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
EXECUTABLE = "100755"


def _git(product: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    done = subprocess.run(
        ["git", *args], cwd=product, input=stdin, capture_output=True, env=_GIT_ENV, check=False
    )
    return done.stdout if done.returncode == 0 else None


def _filtered(product: Path, differing: dict[str, str]) -> list[str]:
    """Of files whose working copy is the template's while the index holds other bytes, those
    git would store as the index's bytes again (its filters make them so): a filter hides the
    change. Any other is a change git shows as pending (an update not yet added): what will be
    committed is the working copy, compared already. Read-only: the index is never refreshed."""
    if not differing:
        return []
    paths = sorted(differing)
    ids = _git(
        product, "hash-object", "--stdin-paths", stdin="".join(f"{p}\n" for p in paths).encode()
    )
    if ids is None:
        return []
    return [
        path
        for path, blob in zip(paths, ids.decode().split(), strict=True)
        if blob == differing[path]
    ]


def _executable(path: Path) -> bool:
    return path.stat().st_mode & 0o111 != 0


def _same_bytes(product: Path, path: str, template: Path) -> bool:
    """The working copy is byte for byte the template's (any visible difference, line endings
    included, is compared elsewhere); read only where it lies inside the product."""
    mine = read_product_file(product, path)
    if mine is None or (product / path).is_symlink():
        return False
    return mine == template.read_bytes()


def _finding(path: str, why: str) -> Finding:
    return Finding(
        kind=Kind.MODIFIED,
        severity=Severity.ERROR,
        path=path,
        ownership="guarded",
        message=f"guarded file {why}",
    )


def committed_findings(product: Path, render: Path, guarded: Collection[str]) -> list[Finding]:
    """Guarded files whose index entry (what git commits) is not the template's, though the
    working copy is: a mode changed only in the index, bytes changed by a clean filter."""
    paths = sorted(path for path in guarded if (product / path).is_file())
    if not paths:
        return []
    staged = _git(product, "ls-files", "--stage", "-z", "--", *paths)
    ids = _git(
        product,
        "hash-object",
        "--no-filters",
        "--stdin-paths",
        stdin="".join(f"{render / path}\n" for path in paths).encode(),
    )
    if staged is None or ids is None:
        return []
    template_ids = dict(zip(paths, ids.decode().split(), strict=True))
    findings = []
    differing: dict[str, str] = {}  # path -> its index blob, where that is not the template's
    for entry in staged.split(b"\0"):
        if not entry:
            continue
        info, _, raw = entry.partition(b"\t")
        mode, blob, _stage = info.decode().split()
        path = os.fsdecode(raw)
        if path not in template_ids:
            continue
        wanted = _executable(render / path)
        # Only where the working copy looks right: a visible change is reported already.
        looks_right = not (product / path).is_symlink() and _executable(product / path) == wanted
        if (mode == EXECUTABLE) != wanted and looks_right:
            findings.append(
                _finding(
                    path,
                    f"is committed with mode {mode} (git's index), whatever the working copy "
                    f"says: `git update-index --chmod={'+' if wanted else '-'}x -- {path}`",
                )
            )
        if blob != template_ids[path] and _same_bytes(product, path, render / path):
            differing[path] = blob
    findings += [
        _finding(
            path,
            "is committed with other bytes than the template's (git's index holds what a "
            ".gitattributes filter made of it): remove the filter for guarded files and "
            f"`git add --renormalize -- {path}`",
        )
        for path in _filtered(product, differing)
    ]
    return findings
