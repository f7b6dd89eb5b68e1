"""The template's questions as one pydantic model: the single source of what an answer may be.

copier.yml validators call :func:`answer_error` (one question at a time, interactive prompts),
and the context hook calls :func:`validate_answers` (every answer at once, before any file is
written), so both paths give the same one-line message.
"""

from __future__ import annotations

import keyword
import re
import sys
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

SLUG_MAX = 40
SLUG_RE = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")
PACKAGE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
TEAM_RE = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
# Names a product package must not shadow: the stdlib, and the packages every product imports.
RESERVED_PACKAGES = frozenset(sys.stdlib_module_names) | {
    "alembic",
    "app",
    "fastapi",
    "jinja2",
    "pydantic",
    "pydantic_settings",
    "pytest",
    "sqlalchemy",
    "starlette",
    "tests",
    "uvicorn",
}


class AnswerError(ValueError):
    """A bad answer: the message says what is wrong and what is allowed."""


def _refuse_invisible(value: str) -> None:
    """Control and invisible characters break files (YAML refuses them) and mislead readers."""
    for position, ch in enumerate(value):
        if not ch.isprintable():
            raise AnswerError(
                f"contains an invisible or control character (U+{ord(ch):04X} at position "
                f"{position}): use printable text on one line"
            )


def _product_name(value: str) -> str:
    if not value.strip():
        raise AnswerError("is empty: give the product's human-readable name")
    if len(value) > 80:
        raise AnswerError(f"is {len(value)} characters long; use at most 80")
    _refuse_invisible(value)
    return value


def _slug(value: str) -> str:
    if len(value) > SLUG_MAX:
        raise AnswerError(f"is {len(value)} characters long; a DNS label allows at most {SLUG_MAX}")
    if not SLUG_RE.match(value):
        raise AnswerError(
            f"{value!r} is not DNS-label safe: use lowercase letters, digits and '-', "
            "starting with a letter and not ending with '-'"
        )
    return value


def _package(value: str) -> str:
    if len(value) > SLUG_MAX:
        raise AnswerError(f"is {len(value)} characters long; use at most {SLUG_MAX}")
    if not PACKAGE_RE.match(value):
        raise AnswerError(
            f"{value!r} is not a valid package name: use lowercase letters, digits and '_', "
            "not starting with a digit"
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise AnswerError(f"{value!r} is a Python keyword: choose another package name")
    if value in RESERVED_PACKAGES:
        raise AnswerError(
            f"{value!r} would shadow the stdlib or a dependency module: choose another name"
        )
    return value


def _description(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise AnswerError("must be one line: remove the line breaks")
    if len(value) > 200:
        raise AnswerError(f"is {len(value)} characters long; use at most 200")
    _refuse_invisible(value)
    return value


def _team(value: str) -> str:
    if not TEAM_RE.match(value) or len(value) > 39:
        raise AnswerError(
            f"{value!r} is not a team handle: use 2-39 lowercase letters, digits and '-' "
            "(the GitHub team slug, e.g. 'payments')"
        )
    return value


class Answers(BaseModel):
    """Every question of copier.yml, with what it accepts."""

    model_config = ConfigDict(extra="ignore", strict=True)

    product_name: Annotated[str, AfterValidator(_product_name)]
    project_slug: Annotated[str, AfterValidator(_slug)]
    package_name: Annotated[str, AfterValidator(_package)]
    description: Annotated[str, AfterValidator(_description)] = ""
    owner_team: Annotated[str, AfterValidator(_team)]
    python_version: Literal["3.11", "3.12", "3.13"]
    database: Literal["sqlite", "postgres"]
    ui: Literal["server", "spa", "none"] = "server"
    deploy_target: Literal["kubernetes", "fly", "none"] = "kubernetes"
    ci: Literal["github"] = "github"
    extra: dict[str, Any] = Field(default_factory=dict, exclude=True)


QUESTIONS = tuple(name for name in Answers.model_fields if name != "extra")


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else "answers"
    value = first["input"]
    if not isinstance(value, str):
        return f"{name}: expected text (quote it in YAML), got {type(value).__name__} {value!r}"
    if first["type"] == "literal_error":
        return f"{name}: {value!r} is not allowed; choose one of {first['ctx']['expected']}"
    message = str(first["msg"]).removeprefix("Value error, ")
    if message.startswith(("is ", "must ")):
        message = f"{first['input']!r} {message}"
    return f"{name}: {message}"


def answer_error(name: str, value: object) -> str:
    """The message for one bad answer, or '' when it is fine (for copier.yml validators)."""
    try:
        Answers.__pydantic_validator__.validate_assignment(
            Answers.model_construct(), name, value, strict=True
        )
    except ValidationError as error:
        return _one_line(error)
    return ""


def validate_answers(answers: dict[str, Any]) -> None:
    """Raise AnswerError with one line for the first bad answer among those given."""
    for name in QUESTIONS:
        if name in answers:
            message = answer_error(name, answers[name])
            if message:
                raise AnswerError(f"Invalid answer for {message}")
