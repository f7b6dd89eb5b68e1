"""Reading a product's ``.copier-answers.yml``: its template source, commit and answers.

Shared by ``drift`` and ``update``, so both accept and refuse the same files. A file they
cannot use raises ``FileProblem`` (one line: the file, the line, what is wrong); each command
adds its own words on what to do (``NoAnswersFile`` when there is no file at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .yaml_file import FileProblem, load

ANSWERS_FILE = ".copier-answers.yml"


class NoAnswersFile(FileProblem):
    """The product has no answers file at all (it was not made with copier, or lost it)."""


@dataclass(frozen=True)
class RecordedAnswers:
    """What the answers file records, as written (``src_path`` is not resolved)."""

    src_path: str
    commit: str
    answers: dict[str, Any]  # the questions' answers (keys not starting with "_")
    data: dict[str, Any]  # everything in the file


def _line(path: Path, key: str) -> int | None:
    """The line of a top-level key (copier writes one ``key: value`` per line)."""
    text = path.read_bytes().decode("utf-8")
    match = re.search(rf"^{re.escape(key)}\s*:", text, flags=re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _recorded(path: Path, data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if key not in data or value is None or (isinstance(value, str) and not value.strip()):
        raise FileProblem(ANSWERS_FILE, f"has no {key}", _line(path, key))
    if not isinstance(value, str | int) or isinstance(value, bool):
        kind = type(value).__name__
        what = "a tag" if key == "_commit" else "a URL or path"  # short: one 80-column line
        raise FileProblem(ANSWERS_FILE, f"{key} is a {kind}, not {what}", _line(path, key))
    if str(value).startswith("-"):  # git and copier would read it as an option
        raise FileProblem(
            ANSWERS_FILE, f"{key} {str(value)!r} starts with '-': refused", _line(path, key)
        )
    return str(value)


def read_answers(product: Path) -> RecordedAnswers:
    path = product / ANSWERS_FILE
    if not path.exists():
        raise NoAnswersFile(ANSWERS_FILE, f"not found in {product}")
    data = load(path, ANSWERS_FILE)
    if not isinstance(data, dict):
        raise FileProblem(ANSWERS_FILE, "is not a mapping of answers")
    return RecordedAnswers(
        src_path=_recorded(path, data, "_src_path"),
        commit=_recorded(path, data, "_commit"),
        answers={key: value for key, value in data.items() if not str(key).startswith("_")},
        data=data,
    )
