"""Re-lock ``uv.lock`` after an update instead of trusting copier's text merge of it.

The lock is made by a copier task when a product is created. Template releases up to 0.1.0
also ran it in updates, *before* copier re-applies the product's own changes; so the
product's ``uv.lock`` ended up as a line-by-line merge of two generated files, which can be
invalid for uv (the same package listed twice), conflicted, or valid while still pinning
versions below a raised lower bound. The lock is derived data: start again from the product's
own lock (its pins) and let uv bring it in line with the merged ``pyproject.toml``. The task no
longer runs in updates, so this is also what locks a product that has none yet (made without
tasks). Runs in the scratch clone, like the rest of the update.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import stages
from .product import git

LOCK, PYPROJECT = "uv.lock", "pyproject.toml"


@dataclass(frozen=True)
class Relocked:
    note: str  # the line for the summary
    done: bool  # False: uv.lock still needs the engineer (listed with the conflicts)


def _committed(product: Path) -> bytes | None:
    shown = subprocess.run(
        ["git", "show", f"HEAD:./{LOCK}"], cwd=product, capture_output=True, check=False
    )
    return shown.stdout if shown.returncode == 0 else None


def relock(product: Path, pyproject_conflicted: bool) -> Relocked | None:
    """Re-lock (or lock, when the product has no lock yet); None when it is no uv project."""
    committed = _committed(product)
    if committed is None and not (product / LOCK).exists() and not (product / PYPROJECT).exists():
        return None
    if pyproject_conflicted:
        if committed is not None:
            # Back to the product's own lock (and out of the unmerged state copier's text
            # merge may have left): uv can parse it, and `uv lock` then starts from its pins.
            git(product, "checkout", "HEAD", "--", LOCK)
        return Relocked(
            "uv.lock: put back to your previous lock, because pyproject.toml has conflicts. "
            "Resolve pyproject.toml and `git add pyproject.toml`, then run `uv lock` and "
            "`git add uv.lock`",
            done=False,
        )
    if committed is not None:
        (product / LOCK).write_bytes(committed)  # the product's own pins
    uv = shutil.which("uv")
    if uv is None:
        return Relocked("uv.lock: uv is not on PATH; run `uv lock` yourself", done=False)
    with subprocess.Popen(
        [uv, "lock", "--quiet"],
        cwd=product,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as locking:
        try:
            stages.reached("lock")
            _, errors = locking.communicate()
        except BaseException:  # interrupted: uv must not outlive the scratch clone
            locking.kill()
            raise
    if locking.returncode != 0:
        why = (errors.strip().splitlines() or ["uv lock failed"])[0]
        return Relocked(
            f"uv.lock: `uv lock` failed ({why}); fix pyproject.toml, then run `uv lock`",
            done=False,
        )
    if errors.strip() and sys.__stderr__ is not None:
        # uv's warnings are the engineer's to read. They go where the template's lock task
        # printed them, the process's own stderr: a caller that captures paved-road's own
        # messages (fleet update) still shows the product's tools' output, named.
        sys.__stderr__.write(errors if errors.endswith("\n") else errors + "\n")
        sys.__stderr__.flush()
    if git(product, "ls-files", "-u", "--", LOCK).strip():
        git(product, "add", "--", LOCK)  # clears the unmerged entries copier left for it
    return Relocked(
        "uv.lock: re-locked from the merged pyproject.toml, your pins kept where they fit",
        done=True,
    )
