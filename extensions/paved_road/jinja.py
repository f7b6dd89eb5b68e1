"""The Jinja extensions copier loads (through ``extensions/copier_entry.py``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from copier.errors import UserMessageError
from copier_template_extensions import ContextHook
from jinja2 import Environment
from jinja2.ext import Extension

from .answers import QUESTIONS, AnswerError, answer_error, validate_answers
from .filters import FILTERS


class PavedRoadFilters(Extension):
    """Registers the filters, and ``check_answer`` for copier.yml validators."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(FILTERS)
        environment.filters["check_answer"] = lambda value, name: answer_error(name, value)


@lru_cache(maxsize=256)
def _check(items: tuple[tuple[str, Any], ...]) -> None:
    try:
        validate_answers(dict(items))
    except AnswerError as error:
        raise UserMessageError(str(error)) from None


class PavedRoadContext(ContextHook):
    """Validates every answer given so far (also ``--data`` ones) before anything renders.

    Copier turns a failing ``--data`` validator into a traceback; a UserMessageError raised
    here is printed as one line, exit code 1, and nothing is written.
    """

    def hook(self, context: dict[str, Any]) -> None:
        given = tuple(
            (name, context[name])
            for name in QUESTIONS
            if name in context and isinstance(context[name], str | int | float | bool)
        )
        _check(given)
