"""The template's questions as one pydantic model: the single source of what an answer may be.

copier.yml validators call :func:`answer_error` (one question at a time, interactive prompts),
and the context hook and ``paved-road new`` call :func:`validate_answers` (every answer at once,
before any file is written), so every path gives the same message.

A message starts with what is allowed and never repeats a long answer back. Each also has a
short form for the interactive prompt: copier shows a validator's message on one line after
"Validation error for question 'project_slug': " (47 columns), so the short form fits the
rest of an 80-column terminal (:data:`PROMPT_WIDTH`; tests check every one).
"""

from __future__ import annotations

import datetime as dt
import difflib
import keyword
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from .platform import PLATFORM_CONSTANTS
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
# The terminal width the prompt's messages fit, copier's prefix included.
PROMPT_WIDTH = 80
# Format characters that are part of legitimate text when they sit between visible ones:
# ZWNJ/ZWJ join letters (Persian, Indic scripts) and emoji sequences.
_JOINERS = frozenset({"\u200c", "\u200d"})
_SHOWN_MAX = 30


class AnswerError(ValueError):
    """A bad answer: the message says what is allowed, then what is wrong; ``short`` says it
    in the few columns the interactive prompt leaves (the message itself when it is short)."""

    def __init__(self, message: str, short: str | None = None) -> None:
        super().__init__(message)
        self.short = short or message


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
            code = f"U+{ord(value[position]):04X}"
            raise AnswerError(
                f"printable text only ({code} at {position} is not)",
                f"printable text only ({code})",
            )


def _no_outer_spaces(value: str) -> None:
    # Kept, they would reach docstrings and the formatter would strip them: the first commit's
    # format check would fail, and the recorded answer would differ from the code.
    if value != value.strip():
        raise AnswerError("no spaces at the start or the end")


def _product_name(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise AnswerError("one line of text (this has a line break)", "one line of text")
    if not value.strip():
        raise AnswerError(
            f"1-{PRODUCT_NAME_MAX} characters, as people say it (this is empty)",
            f"1-{PRODUCT_NAME_MAX} characters (this is empty)",
        )
    _no_outer_spaces(value)
    if len(value) > PRODUCT_NAME_MAX:
        raise _too_long(PRODUCT_NAME_MAX, value)
    _refuse_invisible(value)
    return value


def _too_long(limit: int, value: str) -> AnswerError:
    return AnswerError(
        f"at most {limit} characters (this has {len(value)})",
        f"at most {limit} characters (has {len(value)})",
    )


def _not_a_yaml_word(value: str) -> None:
    if value in YAML_WORDS:
        raise AnswerError(
            f"not yes/no/on/off/y/n/true/false/null: YAML reads {value!r} as such",
            "not yes/no/on/off/true/false/null",
        )


def _slug(value: str) -> str:
    if len(value) > SLUG_MAX:
        raise AnswerError(
            f"at most {SLUG_MAX} characters: Kubernetes suffixes need 23 of 63 (has {len(value)})",
            f"at most {SLUG_MAX} characters (has {len(value)})",
        )
    if not SLUG_RE.match(value):
        raise AnswerError(
            "a-z, 0-9 and '-'; starts with a letter, ends with a letter or digit",
            "a-z, 0-9, '-', like payments-api",
        )
    _not_a_yaml_word(value)
    if value in SYSTEM_NAMESPACES or value.startswith(SYSTEM_PREFIXES):
        raise AnswerError(
            "not default or kube-*: Kubernetes keeps those namespaces",
            "not default or kube-* (reserved)",
        )
    if value in dependency_distributions():
        raise AnswerError(
            f"not a dependency's name: {value!r} is one (uv could not lock)",
            "not a dependency's name",
        )
    return value


def _package(value: str) -> str:
    if len(value) > PACKAGE_MAX:
        raise _too_long(PACKAGE_MAX, value)
    if not PACKAGE_RE.match(value):
        raise AnswerError(
            "a-z, 0-9 and '_', not starting with a digit (an import name)",
            "a-z, 0-9, '_', like payments_api",
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise AnswerError(f"not a Python keyword: {value!r} is one", "not a Python keyword")
    _not_a_yaml_word(value)
    if value in PRODUCT_NAMES:
        names = " or ".join(sorted(PRODUCT_NAMES))
        raise AnswerError(f"not {names}: the product uses them", f"not {names} (the product's)")
    if value in IGNORED_NAMES:
        raise AnswerError(
            f"not {value}: the product's .gitignore ignores it", "not a name .gitignore ignores"
        )
    if value in STARTUP_MODULES or (value.startswith("__") and value.endswith("__")):
        raise AnswerError(
            "not a __dunder__ name or sitecustomize: Python gives them a meaning",
            "not __dunder__ or sitecustomize",
        )
    if versions := stdlib_versions(value):
        raise AnswerError(
            f"not a stdlib module: {value!r} is one in Python {', '.join(versions)}",
            "not a standard library module",
        )
    if value in dependency_modules():
        raise AnswerError(
            f"not a dependency's module: {value!r} is one", "not a dependency's module"
        )
    return value


def _description(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise AnswerError("one line of text (this has a line break)", "one line of text")
    if len(value) > DESCRIPTION_MAX:
        raise _too_long(DESCRIPTION_MAX, value)
    _no_outer_spaces(value)
    _refuse_invisible(value)
    return value


def _platform_org() -> str:
    return PLATFORM_CONSTANTS["github_org"]


def team_slug(value: object) -> object:
    """``@org/team`` (how CODEOWNERS writes a team) as the team's slug, when the org is the
    platform's; any other value as it is (the validator says what is wrong with it)."""
    if isinstance(value, str) and value.startswith(f"@{_platform_org()}/"):
        return value.partition("/")[2]
    return value


def _team(value: str) -> str:
    org = _platform_org()
    if value.startswith("@"):
        if not value.startswith(f"@{org}/"):
            raise AnswerError(
                f"@{org}/TEAM or TEAM only: {shown(value.partition('/')[0])} is not the "
                "platform's organisation",
                f"@{org}/TEAM or TEAM only",
            )
        value = value.partition("/")[2]
    if not TEAM_RE.match(value) or len(value) > TEAM_MAX:
        raise AnswerError(
            f"a GitHub team slug: 2-{TEAM_MAX} of a-z, 0-9 and '-' (or @{org}/slug)",
            "a GitHub team slug, like payments",
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
    ci: Literal["github", "gitlab"] = "github"
    auth: Literal["oidc", "none"] = "oidc"
    extra: dict[str, Any] = Field(default_factory=dict, exclude=True)


QUESTIONS = tuple(name for name in Answers.model_fields if name != "extra")


def _message(error: ValidationError, *, short: bool) -> str:
    first = error.errors()[0]
    cause = first.get("ctx", {}).get("error")
    if short and isinstance(cause, AnswerError):
        return cause.short
    value = first["input"]
    if value is None:
        return "text expected (this is empty: null or blank)"
    if not isinstance(value, str):
        return f"text expected (this is {_kind(value) or 'not text'}; quote it)"
    if first["type"] == "literal_error":
        allowed = str(first["ctx"]["expected"]).replace("'", "").replace(" or ", ", ")
        return f"one of {allowed}"
    return str(first["msg"]).removeprefix("Value error, ")


def answer_error(name: str, value: object, *, short: bool = False) -> str:
    """What is allowed, when ``value`` is not; '' when it is. ``short``: the form that fits
    copier's one-line prompt message (copier.yml validators)."""
    try:
        Answers.__pydantic_validator__.validate_assignment(
            Answers.model_construct(), name, value, strict=True
        )
    except ValidationError as error:
        return _message(error, short=short)
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
    answers = dict(answers or {})
    for item in data:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise AnswerError(f"--data {item[:40]!r} is not QUESTION=ANSWER")
        answers[name.strip()] = value
    if "owner_team" in answers:
        answers["owner_team"] = team_slug(answers["owner_team"])
    for name in answers:
        if name in PLATFORM_CONSTANTS:
            raise AnswerError(f"{name} is set by the platform, not answered: remove it")
        if name not in QUESTIONS:
            close = difflib.get_close_matches(str(name), QUESTIONS, n=1)
            hint = f"did you mean {close[0]}?" if close else "see docs/questions.md"
            raise AnswerError(f"{str(name)[:40]!r} is not a question ({hint})")
    validate_answers(answers)
    return answers
