"""Named answer combinations: every supported product is one case, and tests refer to them by name.

``ALL_CASES`` is the full product of the choices; ``CHECK_CASES`` is the default plus each
non-default value of each question, the set whose generated ``make check`` runs for real.
"""

from __future__ import annotations

import itertools

import pytest

BASE_ANSWERS: dict[str, str] = {
    "product_name": "Demo Shop",
    "description": "Sells demos to the demo-curious.",
    "owner_team": "shop-team",
}

# question -> its choices, the default first.
CHOICES: dict[str, tuple[str, ...]] = {
    "python_version": ("3.12", "3.11", "3.13"),
    "database": ("sqlite", "postgres"),
    "ui": ("server", "spa", "none"),
    "deploy_target": ("kubernetes", "fly", "none"),
    "ci": ("github", "gitlab"),
    "auth": ("oidc", "none"),
}

DEFAULTS = {question: values[0] for question, values in CHOICES.items()}


def _name(answers: dict[str, str]) -> str:
    return "-".join(answers[question] for question in CHOICES)


def _case(overrides: dict[str, str]) -> dict[str, str]:
    return {**BASE_ANSWERS, **DEFAULTS, **overrides}


ALL_CASES: dict[str, dict[str, str]] = {
    _name(combo): _case(combo)
    for combo in (
        dict(zip(CHOICES, values, strict=True)) for values in itertools.product(*CHOICES.values())
    )
}

CHECK_CASES: dict[str, dict[str, str]] = {"default": _case({})} | {
    f"{question}={value}": _case({question: value})
    for question, values in CHOICES.items()
    for value in values[1:]
}

# The fast tier renders one case per UI choice (the default answers otherwise); every other
# combination runs in the full suite (CONTRIBUTING.md, docs/testing.md).
FAST_CASES: frozenset[str] = frozenset(_name({**DEFAULTS, "ui": ui}) for ui in CHOICES["ui"])


def tiered(cases: dict[str, dict[str, str]], why: str) -> list:
    """``cases`` as pytest parameters named by case: those of FAST_CASES in the fast tier, the
    others marked slow with ``why`` (a render and its checks, times every combination)."""
    return sampled(list(cases), list(FAST_CASES), why)


def sampled(values: list, fast: list, why: str) -> list:
    """``values`` as pytest parameters: those in ``fast`` in the fast tier, the others marked
    slow with ``why`` (the same check again on more inputs). A tuple is one parameter set."""
    return [
        pytest.param(
            *(value if isinstance(value, tuple) else (value,)),
            marks=() if value in fast else pytest.mark.slow(reason=why),
        )
        for value in values
    ]
