"""The Jinja extensions copier loads (through ``extensions/copier_entry.py``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from copier.errors import UserMessageError
from copier_template_extensions import ContextHook
from jinja2 import Environment
from jinja2.ext import Extension

from .answers import QUESTIONS, AnswerError, answer_error, validate_answers
from .destination import DestinationError, check_destination
from .filters import FILTERS
from .platform import PLATFORM_CONSTANTS


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


def _check_new_destination(conf: Any) -> None:
    """Before anything is written (the prompt phase): a copy into a folder that is not empty
    would stop half-way (--defaults) or overwrite on Enter. An existing product (its answers
    file is there: copier update, recopy) is the one non-empty folder copier may render into."""
    destination = Path(conf["dst_path"])
    try:
        if (destination / conf["answers_file"]).is_file():
            return
    except OSError:
        pass  # a name too long for the file system: check_destination says so
    try:
        check_destination(destination, overwrite=bool(conf["overwrite"]))
    except DestinationError as error:
        raise UserMessageError(str(error)) from None


class PavedRoadContext(ContextHook):
    """Sets the platform constants, validates every answer given so far (also ``--data``
    ones), and checks the destination of a new product, before anything renders.

    Copier turns a failing ``--data`` validator into a traceback; a UserMessageError raised
    here is printed as one line, exit code 1, and nothing is written.
    """

    def hook(self, context: dict[str, Any]) -> None:
        context.update(PLATFORM_CONSTANTS)
        given = tuple((name, context[name]) for name in QUESTIONS if name in context)
        try:
            hash(given)
        except TypeError:  # a list or mapping from a data file: not worth caching
            _check.__wrapped__(given)
        else:
            _check(given)
        if str(context.get("_copier_phase")) == "prompt":
            _check_new_destination(context["_copier_conf"])
