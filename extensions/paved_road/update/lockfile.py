"""Re-lock ``uv.lock`` after an update instead of trusting copier's text merge of it.

The lock is made by a copier task, and copier runs tasks *before* it re-applies the product's
own changes; so the product's ``uv.lock`` ends up as a line-by-line merge of two generated
files, which can be invalid TOML-wise for uv (the same package listed twice) or conflicted.
The lock is derived data: start again from the product's own lock (its pins) and let uv bring
it in line with the merged ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .product import git

LOCK, PYPROJECT = "uv.lock", "pyproject.toml"


def relock(product: Path, pyproject_conflicted: bool) -> tuple[str, bool] | None:
    """Re-lock. Returns (a line for the summary, whether uv.lock is done), or None when the
    product has no uv.lock."""
    if not (product / LOCK).exists():
        return None
    if pyproject_conflicted:
        return "uv.lock: resolve pyproject.toml first, then run `uv lock`", False
    committed = subprocess.run(
        ["git", "show", f"HEAD:{LOCK}"], cwd=product, capture_output=True, check=False
    )
    if committed.returncode == 0:
        (product / LOCK).write_bytes(committed.stdout)  # the product's own pins
    uv = shutil.which("uv")
    if uv is None:
        return "uv.lock: uv is not on PATH; run `uv lock` yourself", False
    locked = subprocess.run(
        [uv, "lock", "--quiet"], cwd=product, capture_output=True, text=True, check=False
    )
    if locked.returncode != 0:
        why = (locked.stderr.strip().splitlines() or ["uv lock failed"])[0]
        return f"uv.lock: `uv lock` failed ({why}); fix pyproject.toml, run it again", False
    if git(product, "ls-files", "-u", "--", LOCK).strip():
        git(product, "add", "--", LOCK)  # clears the unmerged entries copier left for it
    return "uv.lock: re-locked from the merged pyproject.toml, your pins kept where they fit", True
