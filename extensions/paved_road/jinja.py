"""The Jinja extensions copier loads (through ``extensions/copier_entry.py``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from copier.errors import UserMessageError
from copier_template_extensions import ContextHook
from jinja2 import Environment
from jinja2.ext import Extension

from .answers import (
    PROMPT_WIDTH,
    QUESTIONS,
    AnswerError,
    answer_error,
    team_slug,
    validate_answers,
)
from .destination import DestinationError, check_destination
from .filters import FILTERS
from .platform import PLATFORM_CONSTANTS


class PavedRoadFilters(Extension):
    """Registers the filters, and ``check_answer`` for copier.yml validators."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(FILTERS)
        environment.filters["check_answer"] = lambda value, name: answer_error(
            name, value, short=True
        )


@lru_cache(maxsize=256)
def _check(items: tuple[tuple[str, Any], ...]) -> None:
    try:
        validate_answers(dict(items), width=PROMPT_WIDTH)  # copier prints it bare
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


_UNSET = object()


def _normalise_team(context: dict[str, Any]) -> None:
    """``@org/team`` renders, and is recorded in the answers file, as the team's slug."""
    if "owner_team" not in context:
        return
    context["owner_team"] = team_slug(context["owner_team"])
    remembered = context.get("_copier_answers")
    if isinstance(remembered, dict) and "owner_team" in remembered:
        context["_copier_answers"] = {**remembered, "owner_team": context["owner_team"]}


def _being_typed(context: dict[str, Any], name: str) -> bool:
    """An answer the prompt is validating right now: copier renders the question's validator
    with it added to the context of answers given before (``_copier_answers``). Its validator
    says what is wrong, in the short form that fits the prompt; raising here would replace
    that with the long form and cut it at 80 columns. Every other answer (``--data``, a data
    file, an answers file) is in ``_copier_answers`` and checked here."""
    if str(context.get("_copier_phase")) != "prompt":
        return False
    remembered = context.get("_copier_answers")
    return isinstance(remembered, dict) and remembered.get(name, _UNSET) != context[name]


class PavedRoadContext(ContextHook):
    """Sets the platform constants, validates every answer given so far (also ``--data``
    ones), and checks the destination of a new product, before anything renders.

    Copier turns a failing ``--data`` validator into a traceback; a UserMessageError raised
    here is printed as one line, exit code 1, and nothing is written.
    """

    def hook(self, context: dict[str, Any]) -> None:
        context.update(PLATFORM_CONSTANTS)
        _normalise_team(context)
        given = tuple(
            (name, context[name])
            for name in QUESTIONS
            if name in context and not _being_typed(context, name)
        )
        try:
            hash(given)
        except TypeError:  # a list or mapping from a data file: not worth caching
            _check.__wrapped__(given)
        else:
            _check(given)
        if str(context.get("_copier_phase")) == "prompt":
            _check_new_destination(context["_copier_conf"])
