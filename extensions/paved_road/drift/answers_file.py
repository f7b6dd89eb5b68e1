"""The product's ``.copier-answers.yml`` as drift reads it: where its template lives, at which
commit, with which answers. The file is read by ``paved_road.answers_file`` (shared with
``update``); this adds where a relative source points and drift's words on what to do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..answers_file import ANSWERS_FILE, NoAnswersFile
from ..answers_file import read_answers as read_answers_file
from ..template_source import resolve_src
from ..yaml_file import FileProblem
from .errors import CannotCheck, file_problem

__all__ = ["ANSWERS_FILE", "Recorded", "read_answers"]


@dataclass(frozen=True)
class Recorded:
    """What the answers file records: the template source, its commit, and the answers."""

    src_path: str
    commit: str
    answers: dict[str, Any]
    product: Path | None = None  # where it was read (a render cache must lie outside it)


def read_answers(product: Path) -> Recorded:
    try:
        recorded = read_answers_file(product)
    except NoAnswersFile:
        raise CannotCheck(f"no {ANSWERS_FILE}: run it in a product's root") from None
    except FileProblem as error:
        raise file_problem(error, "restore it from git") from None
    return Recorded(
        src_path=resolve_src(recorded.src_path, product),
        commit=recorded.commit,
        answers=recorded.answers,
        product=product,
    )
