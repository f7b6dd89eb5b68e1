"""The one error the drift check knows how to report: it could not check at all (exit 2)."""

from __future__ import annotations

from .. import one_line
from ..yaml_file import FileProblem

# What a message may take of an 80-column line after "paved-road drift: cannot check .: "
# (a path counts as one column: only a path's own length may push a line past 80).
ROOM = 46


class CannotCheck(Exception):
    """The check could not run. The message is one line that says why and what to do."""


def fitted(line: str, fix: str, *paths: str) -> str:
    return one_line.fitted(line, fix, ROOM, *paths)


def file_problem(error: FileProblem, fix: str) -> CannotCheck:
    return CannotCheck(one_line.file_problem(error, fix, ROOM))
