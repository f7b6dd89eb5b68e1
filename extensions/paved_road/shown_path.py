"""A path as a one-line message names it: relative to the working folder when inside it.

A long absolute path would push a refusal past the terminal's 80 columns; the user typed the
path from where they stand, so that is the form they recognise (issue 26).
"""

from __future__ import annotations

from pathlib import Path


def shown_path(path: Path | str) -> str:
    path = Path(path)
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except (ValueError, OSError):  # outside the working folder, or that folder is gone
        return str(path)
