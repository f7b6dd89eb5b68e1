"""The template's questions as one pydantic model: the single source of what an answer may be.

copier.yml validators call :func:`answer_error` (one question at a time, interactive prompts),
and the context hook and ``paved-road new`` call :func:`validate_answers` (every answer at once,
before any file is written), so every path gives the same message.

A message says what is allowed and never repeats a long answer back. Each also has a
short form for the interactive prompt: copier shows a validator's message on one line after
"Validation error for question 'project_slug': " (47 columns), so the short form fits the
rest of an 80-column terminal (:data:`PROMPT_WIDTH`; tests check every one).

A refusal of a given answer (``--data``, a data file) is one line, ``Invalid QUESTION ANSWER:
FIX``, that fits the columns its caller's program prefix leaves (``width``): the long form of
the fix when it fits, else the short one, and the answer cut with an ellipsis to what is left.
The answer is shown as it was typed (``typed``: a data file's own text for a value YAML read as
a non-string), never as Python shows it (``True`` for ``yes``, ``datetime.date(...)``).
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
# The columns a refusal line may use after the longest program prefix ("paved-road update: ").
LINE_WIDTH = PROMPT_WIDTH - len("paved-road update: ")
_SHOWN_MIN = 8  # an answer cut shorter than this says nothing: 'abc...'


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


def shown(value: object, width: int = _SHOWN_MAX, typed: str | None = None) -> str:
    """An answer as a message may quote it: short ones whole, long ones cut to ``width`` columns
    with an ellipsis. ``typed``: the text the user typed, when YAML made something else of it;
    else what YAML made of an unquoted word is said in YAML's words, not Python's (`True`)."""
    if typed is not None:
        text = typed
    elif value is None:
        text = "(empty)"
    elif (kind := _kind(value)) is not None:
        # A date reads back as typed; a number may not (3.10 is 3.1, 0x1F is 31): say what it is.
        text = str(value) if kind == "a date" else f"({kind})"
    else:
        text = repr(value) if isinstance(value, str) else f"({type(value).__name__})"
    if len(text) <= width:
        return text
    quote = text[-1] if isinstance(value, str) and typed is None else ""
    return f"{text[: max(width - 3 - len(quote), 1)]}...{quote}"


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
        raise AnswerError("no spaces at the start or the end", "no spaces at start or end")


def _product_name(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise AnswerError("one line of text (this has a line break)", "one line of text")
    if not value.strip():
        raise AnswerError(
            f"1-{PRODUCT_NAME_MAX} characters, as people say it (this is empty)",
            f"1-{PRODUCT_NAME_MAX} characters, not empty",
        )
    _no_outer_spaces(value)
    if len(value) > PRODUCT_NAME_MAX:
        raise _too_long(PRODUCT_NAME_MAX, value)
    _refuse_invisible(value)
    return value


def _too_long(limit: int, value: str) -> AnswerError:
    return AnswerError(
        f"at most {limit} characters (this has {len(value)})",
        f"at most {limit} chars (has {len(value)})",
    )


def _not_a_yaml_word(value: str) -> None:
    if value in YAML_WORDS:
        raise AnswerError(
            "not yes/no/on/off/y/n/true/false/null: YAML misreads them",
            "not a YAML yes/no/null word",
        )


def _slug(value: str) -> str:
    if len(value) > SLUG_MAX:
        raise AnswerError(
            f"at most {SLUG_MAX} characters: Kubernetes suffixes need 23 of 63 (has {len(value)})",
            f"at most {SLUG_MAX} chars (has {len(value)})",
        )
    if not SLUG_RE.match(value):
        raise AnswerError(
            "a-z, 0-9, '-'; a letter first, no '-' last",
            "a-z, 0-9, '-', like shop-api",
        )
    _not_a_yaml_word(value)
    if value in SYSTEM_NAMESPACES or value.startswith(SYSTEM_PREFIXES):
        raise AnswerError(
            "not default or kube-*: Kubernetes keeps those namespaces",
            "not default or kube-*",
        )
    if value in dependency_distributions():
        raise AnswerError(
            "not a dependency's name (uv could not lock)",
            "not a dependency's name",
        )
    return value


def _package(value: str) -> str:
    if len(value) > PACKAGE_MAX:
        raise _too_long(PACKAGE_MAX, value)
    if not PACKAGE_RE.match(value):
        raise AnswerError(
            "a-z, 0-9 and '_', not starting with a digit (an import name)",
            "a-z, 0-9, '_', like shop_api",
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise AnswerError("not a Python keyword")
    _not_a_yaml_word(value)
    if value in PRODUCT_NAMES:
        names = " or ".join(sorted(PRODUCT_NAMES))
        raise AnswerError(f"not {names}: the product uses them", f"not {names} (taken)")
    if value in IGNORED_NAMES:
        raise AnswerError(
            "not a name the product's .gitignore ignores", "not a name .gitignore ignores"
        )
    if value in STARTUP_MODULES or (value.startswith("__") and value.endswith("__")):
        raise AnswerError(
            "not a __dunder__ name or sitecustomize: Python gives them a meaning",
            "not __dunder__/sitecustomize",
        )
    if versions := stdlib_versions(value):
        raise AnswerError(
            f"not a standard library module (one in Python {', '.join(versions)})",
            "not a standard library module",
        )
    if value in dependency_modules():
        raise AnswerError("not a dependency's module")
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
                f"@{org}/TEAM or TEAM only: the organisation is {org}",
                f"@{org}/TEAM or TEAM only",
            )
        value = value.partition("/")[2]
    if not TEAM_RE.match(value) or len(value) > TEAM_MAX:
        raise AnswerError(
            f"a GitHub team slug: 2-{TEAM_MAX} of a-z, 0-9, '-'",
            "a team slug, like payments",
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


def _forms(error: ValidationError) -> tuple[str, str]:
    """The long and the short form of what is wrong with the first bad value."""
    first = error.errors()[0]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, AnswerError):
        return str(cause), cause.short
    value = first["input"]
    if value is None:
        return "text expected (this is empty: null or blank)", "text expected, not empty"
    if not isinstance(value, str):
        kind = _kind(value) or "not text"
        return f"text expected, not {kind}: quote it", "text expected: quote it"
    if first["type"] == "literal_error":
        allowed = str(first["ctx"]["expected"]).replace("'", "").replace(" or ", ", ")
        return f"one of {allowed}", f"one of {allowed}"
    message = str(first["msg"]).removeprefix("Value error, ")
    return message, message


def _check(name: str, value: object) -> tuple[str, str] | None:
    try:
        Answers.__pydantic_validator__.validate_assignment(
            Answers.model_construct(), name, value, strict=True
        )
    except ValidationError as error:
        return _forms(error)
    return None


def answer_error(name: str, value: object, *, short: bool = False) -> str:
    """What is allowed, when ``value`` is not; '' when it is. ``short``: the form that fits
    copier's one-line prompt message (copier.yml validators)."""
    forms = _check(name, value)
    return "" if forms is None else forms[short]


def refusal(name: str, value: object, forms: tuple[str, str], width: int, typed: str | None) -> str:
    """``Invalid NAME ANSWER: FIX`` in at most ``width`` columns: the long fix when it leaves
    room to show the answer, else the short one; the answer cut to the room left."""
    lead = f"Invalid {name} "
    whole = len(shown(value, 10**6, typed))
    rooms = [(width - len(lead) - 2 - len(fix), fix) for fix in forms]
    room, fix = next(
        ((room, fix) for room, fix in rooms if room >= whole),  # the answer whole
        next(((room, fix) for room, fix in rooms if room >= _SHOWN_MIN), rooms[-1]),
    )
    return f"{lead}{shown(value, max(room, _SHOWN_MIN), typed)}: {fix}"


def validate_answers(
    answers: dict[str, Any], *, width: int = LINE_WIDTH, typed: dict[str, str] | None = None
) -> None:
    """Raise AnswerError with one line (at most ``width`` columns) for the first bad answer
    among those given. ``typed``: a data file's own text of values YAML read as non-strings."""
    for name in QUESTIONS:
        if name in answers and (forms := _check(name, answers[name])) is not None:
            said = (typed or {}).get(name)
            raise AnswerError(refusal(name, answers[name], forms, width, said))


def _unknown(name: object) -> AnswerError:
    """An answer to no question: the closest questions by name, not every one."""
    close = difflib.get_close_matches(str(name), QUESTIONS, n=2, cutoff=0.6)
    hint = f"did you mean {' or '.join(close)}?" if close else "see docs/questions.md"
    return AnswerError(f"{shown(str(name), 18)} is not a question ({hint})")


def answers_from_data(
    data: list[str],
    answers: dict[str, Any] | None = None,
    *,
    width: int = LINE_WIDTH,
    typed: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``--data QUESTION=ANSWER`` items over ``answers`` (a data file's), checked: AnswerError
    with one line (at most ``width`` columns) for the first malformed item, unknown question
    or bad answer. ``typed``: see :func:`validate_answers`."""
    answers = dict(answers or {})
    typed = dict(typed or {})
    for item in data:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise AnswerError(f"--data {shown(item, 24)} is not QUESTION=ANSWER")
        answers[name.strip()] = value
        typed.pop(name.strip(), None)  # typed on the command line: a string, shown as one
    if "owner_team" in answers:
        answers["owner_team"] = team_slug(answers["owner_team"])
    for name in answers:
        if name in PLATFORM_CONSTANTS:
            raise AnswerError(f"{name} is set by the platform, not answered: remove it")
        if name not in QUESTIONS:
            raise _unknown(name)
    validate_answers(answers, width=width, typed=typed)
    return answers
