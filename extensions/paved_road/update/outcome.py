"""What an update did to the product's working tree, read from git and the files themselves.

Copier exits 0 even when it leaves conflicts, so they are found three ways: unmerged index
entries (``git ls-files -u``), ``*.rej`` files, and conflict markers in any changed file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .product import ANSWERS_FILE, git

_MARKERS = (b"<<<<<<< ", b">>>>>>> ")


@dataclass
class Outcome:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    # Conflicts where the template deleted a file the product changed (unmerged, no stage 3).
    deleted_by_template: list[str] = field(default_factory=list)


def _status(product: Path) -> list[tuple[str, str]]:
    """(XY, path) for every change against HEAD, ignored ``.rej`` files included."""
    raw = git(product, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored")
    entries = []
    for item in filter(None, raw.split("\0")):
        code, path = item[:2], item[3:]
        if code == "!!" and not path.endswith(".rej"):
            continue
        entries.append((code, path))
    return entries


def _has_markers(path: Path) -> bool:
    try:
        with path.open("rb") as lines:
            return any(line.startswith(_MARKERS) for line in lines)
    except (FileNotFoundError, IsADirectoryError):
        return False


def read_outcome(product: Path) -> Outcome:
    outcome = Outcome()
    stages: dict[str, set[str]] = {}
    for line in git(product, "ls-files", "-u").splitlines():
        meta, path = line.split("\t", 1)
        stages.setdefault(path, set()).add(meta.split()[2])
    unmerged = set(stages)
    for code, path in sorted(_status(product), key=lambda entry: entry[1]):
        if path.endswith(".rej") or path in unmerged or _has_markers(product / path):
            outcome.conflicts.append(path)
        elif path == ANSWERS_FILE:
            continue  # the version change, reported separately
        elif code in ("??", "A ") or code[0] == "A":
            outcome.added.append(path)
        elif "D" in code:
            outcome.removed.append(path)
        else:
            outcome.merged.append(path)
    # Unmerged entries whose file is unchanged on disk still need resolving (git add).
    outcome.conflicts = sorted(set(outcome.conflicts) | unmerged)
    outcome.deleted_by_template = sorted(path for path in unmerged if "3" not in stages[path])
    return outcome
