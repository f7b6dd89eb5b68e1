"""Reading a product's ``.copier-answers.yml``: where its template lives, at which commit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..template_source import resolve_src
from .errors import CannotCheck

ANSWERS_FILE = ".copier-answers.yml"


@dataclass(frozen=True)
class Recorded:
    """What the answers file records: the template source, its commit, and the answers."""

    src_path: str
    commit: str
    answers: dict[str, Any]


def read_answers(product: Path) -> Recorded:
    path = product / ANSWERS_FILE
    if not path.is_file():
        raise CannotCheck(
            f"no {ANSWERS_FILE} in {product}: run drift in a product made from the template"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise CannotCheck(
            f"{ANSWERS_FILE}{line} does not parse as YAML: fix or restore it"
        ) from None
    if not isinstance(data, dict):
        raise CannotCheck(f"{ANSWERS_FILE} is not a mapping of answers: restore it from git")
    for key in ("_src_path", "_commit"):
        value = data.get(key)
        if not isinstance(value, str | int) or not str(value).strip():
            raise CannotCheck(
                f"{ANSWERS_FILE} has no {key}: the product must be made with copier from a "
                "git template (restore the key from git history)"
            )
    answers = {key: value for key, value in data.items() if not str(key).startswith("_")}
    return Recorded(
        src_path=resolve_src(str(data["_src_path"]), product),
        commit=str(data["_commit"]),
        answers=answers,
    )
