"""The template's questions as one pydantic model: the single source of what an answer may be.

copier.yml validators call :func:`answer_error` (one question at a time, interactive prompts),
and the context hook and ``paved-road new`` call :func:`validate_answers` (every answer at once,
before any file is written), so every path gives the same message.

A message starts with what is allowed (copier's prompt toolbar shows only its first ~70
characters) and never repeats a long answer back.
"""

from __future__ import annotations

import datetime as dt
import difflib
import keyword
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from .reserved import (
    IGNORED_NAMES,
    PRODUCT_NAMES,
    STARTUP_MODULES,
    SYSTEM_NAMESPACES,
    SYSTEM_PREFIXES,
    YAML_WORDS,
    dependency_distributions,
    dependency_modules,
    stdlib_versions,
)

PRODUCT_NAME_MAX = 80
DESCRIPTION_MAX = 200
# Kubernetes names are DNS labels (at most 63); the template and Kubernetes add suffixes such
# as "-staging", "-config-<hash>" and "-<replicaset>-<pod>" to the slug, which need 23.
SLUG_MAX = 40
PACKAGE_MAX = 40
TEAM_MAX = 39  # GitHub's limit for a team slug
SLUG_RE = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")
PACKAGE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
TEAM_RE = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
# Format characters that are part of legitimate text when they sit between visible ones:
# ZWNJ/ZWJ join letters (Persian, Indic scripts) and emoji sequences.
_JOINERS = frozenset({"\u200c", "\u200d"})
_SHOWN_MAX = 30


class AnswerError(ValueError):
    """A bad answer: the message says what is allowed, then what is wrong."""


def _kind(value: object) -> str | None:
    """What YAML made of an unquoted answer, in the words of YAML's reader, not Python's."""
    if isinstance(value, bool):  # before int: a bool is one
        return "a yes/no word"
    for kinds, name in (
        ((dt.date,), "a date"),
        ((int, float), "a number"),
        ((list,), "a list"),
        ((dict,), "a mapping"),
    ):
        if isinstance(value, kinds):
            return name
    return None


def shown(value: object) -> str:
    """An answer as a message may quote it: short ones whole, long ones cut. What YAML made of
    an unquoted word is said as what was typed, not as Python shows it (`True`, `None`)."""
    if value is None:
        return "(empty)"
    if (kind := _kind(value)) is not None:
        return str(value) if kind in {"a date", "a number"} else f"({kind})"
    text = repr(value)
    if len(text) <= _SHOWN_MAX:
        return text
    return f"{text[: _SHOWN_MAX - 5]}...' ({len(value) if isinstance(value, str) else '?'} chars)"


def _is_emoji_tag(ch: str) -> bool:
    """Tag characters spell out subdivision flags after U+1F3F4 (a waving black flag)."""
    return 0xE0020 <= ord(ch) <= 0xE007F


def _visible_or_legitimate(value: str, position: int) -> bool:
    ch = value[position]
    if ch.isprintable() or unicodedata.category(ch) == "Zs":  # Zs: NBSP, thin space, ...
        return True
    before = value[position - 1] if position else ""
    after = value[position + 1] if position + 1 < len(value) else ""
    if ch in _JOINERS:
        return before.isprintable() and after.isprintable() and bool(before and after)
    return _is_emoji_tag(ch) and bool(before) and (before.isprintable() or _is_emoji_tag(before))


def _refuse_invisible(value: str) -> None:
    """Control and invisible characters break files (YAML refuses them) and mislead readers."""
    for position in range(len(value)):
        if not _visible_or_legitimate(value, position):
            raise AnswerError(
                f"printable text only (U+{ord(value[position]):04X} at {position} is not)"
            )


def _no_outer_spaces(value: str) -> None:
    # Kept, they would reach docstrings and the formatter would strip them: the first commit's
    # format check would fail, and the recorded answer would differ from the code.
    if value != value.strip():
        raise AnswerError("no spaces at the start or the end")


def _product_name(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise AnswerError("one line of text (this has a line break)")
    if not value.strip():
        raise AnswerError(f"1-{PRODUCT_NAME_MAX} characters, as people say it (this is empty)")
    _no_outer_spaces(value)
    if len(value) > PRODUCT_NAME_MAX:
        raise AnswerError(f"at most {PRODUCT_NAME_MAX} characters (this has {len(value)})")
    _refuse_invisible(value)
    return value


def _not_a_yaml_word(value: str) -> None:
    if value in YAML_WORDS:
        raise AnswerError(f"not yes/no/on/off/y/n/true/false/null: YAML reads {value!r} as such")


def _slug(value: str) -> str:
    if len(value) > SLUG_MAX:
        raise AnswerError(
            f"at most {SLUG_MAX} characters: Kubernetes suffixes need 23 of 63 (has {len(value)})"
        )
    if not SLUG_RE.match(value):
        raise AnswerError("a-z, 0-9 and '-'; starts with a letter, ends with a letter or digit")
    _not_a_yaml_word(value)
    if value in SYSTEM_NAMESPACES or value.startswith(SYSTEM_PREFIXES):
        raise AnswerError("not default or kube-*: Kubernetes keeps those namespaces")
    if value in dependency_distributions():
        raise AnswerError(f"not a dependency's name: {value!r} is one (uv could not lock)")
    return value


def _package(value: str) -> str:
    if len(value) > PACKAGE_MAX:
        raise AnswerError(f"at most {PACKAGE_MAX} characters (this has {len(value)})")
    if not PACKAGE_RE.match(value):
        raise AnswerError("a-z, 0-9 and '_', not starting with a digit (an import name)")
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise AnswerError(f"not a Python keyword: {value!r} is one")
    _not_a_yaml_word(value)
    if value in PRODUCT_NAMES:
        raise AnswerError(f"not {' or '.join(sorted(PRODUCT_NAMES))}: the product uses them")
    if value in IGNORED_NAMES:
        raise AnswerError(f"not {value}: the product's .gitignore ignores it")
    if value in STARTUP_MODULES or (value.startswith("__") and value.endswith("__")):
        raise AnswerError("not a __dunder__ name or sitecustomize: Python gives them a meaning")
    if versions := stdlib_versions(value):
        raise AnswerError(f"not a stdlib module: {value!r} is one in Python {', '.join(versions)}")
    if value in dependency_modules():
        raise AnswerError(f"not a dependency's module: {value!r} is one")
    return value


def _description(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise AnswerError("one line of text (this has a line break)")
    if len(value) > DESCRIPTION_MAX:
        raise AnswerError(f"at most {DESCRIPTION_MAX} characters (this has {len(value)})")
    _no_outer_spaces(value)
    _refuse_invisible(value)
    return value


def _team(value: str) -> str:
    if not TEAM_RE.match(value) or len(value) > TEAM_MAX:
        raise AnswerError(f"a GitHub team slug: 2-{TEAM_MAX} of a-z, 0-9 and '-' (e.g. payments)")
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
    ci: Literal["github", "gitlab"] = "github"
    auth: Literal["oidc", "none"] = "oidc"
    extra: dict[str, Any] = Field(default_factory=dict, exclude=True)


QUESTIONS = tuple(name for name in Answers.model_fields if name != "extra")


def _message(error: ValidationError) -> str:
    first = error.errors()[0]
    value = first["input"]
    if value is None:
        return "text expected (this is empty: null or blank)"
    if not isinstance(value, str):
        return f"text expected (this is {_kind(value) or 'not text'}; quote it)"
    if first["type"] == "literal_error":
        allowed = str(first["ctx"]["expected"]).replace("'", "").replace(" or ", ", ")
        return f"one of {allowed}"
    return str(first["msg"]).removeprefix("Value error, ")


def answer_error(name: str, value: object) -> str:
    """What is allowed, when ``value`` is not; '' when it is (for copier.yml validators)."""
    try:
        Answers.__pydantic_validator__.validate_assignment(
            Answers.model_construct(), name, value, strict=True
        )
    except ValidationError as error:
        return _message(error)
    return ""


def validate_answers(answers: dict[str, Any]) -> None:
    """Raise AnswerError with one line for the first bad answer among those given."""
    for name in QUESTIONS:
        if name in answers:
            message = answer_error(name, answers[name])
            if message:
                raise AnswerError(f"Invalid answer for {name} {shown(answers[name])}: {message}")


def answers_from_data(data: list[str], answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """``--data QUESTION=ANSWER`` items over ``answers`` (a data file's), checked: AnswerError
    with one line for the first malformed item, unknown question or bad answer."""
    from .platform import PLATFORM_CONSTANTS  # noqa: PLC0415 - copier.yml's validators skip it

    answers = dict(answers or {})
    for item in data:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise AnswerError(f"--data {item[:40]!r} is not QUESTION=ANSWER")
        answers[name.strip()] = value
    for name in answers:
        if name in PLATFORM_CONSTANTS:
            raise AnswerError(f"{name} is set by the platform, not answered: remove it")
        if name not in QUESTIONS:
            close = difflib.get_close_matches(str(name), QUESTIONS, n=1)
            hint = f"did you mean {close[0]}?" if close else "see docs/questions.md"
            raise AnswerError(f"{str(name)[:40]!r} is not a question ({hint})")
    validate_answers(answers)
    return answers
