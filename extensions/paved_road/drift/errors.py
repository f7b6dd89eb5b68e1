"""The one error the drift check knows how to report: it could not check at all (exit 2)."""

from __future__ import annotations

from ..yaml_file import FileProblem

# What a message may take of an 80-column line after "paved-road drift: cannot check .: ":
# a path counts as one column (only a path's own length may push a line past 80).
ROOM = 46


class CannotCheck(Exception):
    """The check could not run. The message is one line that says why and what to do."""


def columns(text: str, *paths: str) -> int:
    for path in sorted(paths, key=len, reverse=True):
        text = text.replace(path, "P") if path else text
    return len(text)


def fitted(line: str, fix: str, *paths: str) -> str:
    """``line: fix`` when that fits the ROOM, else ``line`` alone: what is wrong comes first;
    the fix is in docs/drift.md's table either way."""
    whole = f"{line}: {fix}"
    return whole if columns(whole, *paths) <= ROOM else line


def file_problem(error: FileProblem, fix: str) -> CannotCheck:
    """A broken file of the product in one line: where, what is wrong, and ``fix`` if it fits.
    The parser's reason stays (it says what to change), in fewer words."""
    line = str(error).replace(": does not parse as YAML: ", ": invalid YAML: ")
    return CannotCheck(fitted(line, fix, error.name))
