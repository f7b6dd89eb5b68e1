"""A refusal as one line of at most 80 columns, the program's prefix included (issue 26).

Only a path's own length may push a line past 80: a path is named relative to the working
folder when inside it (the user typed it from where they stand, and a long absolute path would
push the line past the terminal's width), and counts as one column when a line is fitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: importing yaml_file loads PyYAML, which most lines never need
    from .yaml_file import FileProblem


def shown_path(path: Path | str) -> str:
    path = Path(path)
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except (ValueError, OSError):  # outside the working folder, or that folder is gone
        return str(path)


def columns(text: str, *paths: str) -> int:
    """The width of ``text`` with each of ``paths`` counted as one column."""
    for path in sorted(paths, key=len, reverse=True):
        text = text.replace(path, "P") if path else text
    return len(text)


def fitted(line: str, fix: str, room: int, *paths: str) -> str:
    """``line: fix`` when that fits in ``room`` columns, else ``line`` alone: what is wrong
    comes first; the docs' refusal tables say what to do either way."""
    whole = f"{line}: {fix}"
    return whole if columns(whole, *paths) <= room else line


def file_problem(error: FileProblem, fix: str, room: int) -> str:
    """A broken file in one line: where, what is wrong, and ``fix`` if it fits. The parser's
    reason stays (it says what to change), in fewer words."""
    line = str(error).replace(": does not parse as YAML: ", ": invalid YAML: ")
    return fitted(line, fix, room, error.name)


def cut(text: str, room: int) -> str:
    """Another program's words in ``room`` columns: the start of them, then ``...``."""
    text = " ".join(text.split())
    return text if len(text) <= room else text[: max(room - 3, 0)] + "..."
