"""Hostile answers are refused with a clear message before anything is written, or they render
a product that parses, is formatted, and (for a fixed hostile set) passes its own make check."""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import pytest
import yaml
from copier.errors import UserMessageError
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.cases import ALL_CASES, CHECK_CASES, DEFAULTS
from tests.support import commit_all, copy_product, git, run
from tests.test_render import check_rendered_product

HOSTILE = {
    "product_name": 'Ünïcode "Quotes": #1 \\ back 🎉 </title><script>',
    "description": "He said \"hi\": it's #1 \\o/ — ünïcode 🎉 <b>bold</b> & 'single' ''' \"\"\"",
    "owner_team": "a-team",
}
_counter = itertools.count()


def _assert_answers_survive(product: Path, answers: dict[str, str]) -> None:
    recorded = yaml.safe_load((product / ".copier-answers.yml").read_text())
    assert recorded["product_name"] == answers["product_name"]
    assert recorded["description"] == answers["description"]
    pyproject = tomllib.loads((product / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == answers["description"]


# Each example is a real render (~0.5 s): no shrinking, so a failure reports at once in CI.
@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    product_name=st.text(min_size=0, max_size=90),
    description=st.text(max_size=220),
)
def test_any_text_is_refused_cleanly_or_renders_a_valid_product(
    template_repo: Path, tmp_path: Path, product_name: str, description: str
) -> None:
    dst = tmp_path / f"product-{next(_counter)}"
    answers = {"product_name": product_name, "description": description, "owner_team": "team-x"}
    try:
        copy_product(template_repo, dst, answers, skip_tasks=True)
    except UserMessageError as error:
        assert str(error).startswith("Invalid answer for ")
        assert "\n" not in str(error)
        assert not dst.exists()
        return
    check_rendered_product(dst)
    _assert_answers_survive(dst, answers)
    run(["ruff", "format", "--check", "--quiet", "."], cwd=dst)
    run(["ruff", "check", "--quiet", "."], cwd=dst)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("product_name", "x" * 81),
        ("description", "y" * 201),
        ("package_name", "class"),
        ("package_name", "sys"),
        ("project_slug", "ümlaut"),
    ],
)
def test_reserved_and_oversized_answers_are_refused(
    template_repo: Path, tmp_path: Path, question: str, value: str
) -> None:
    dst = tmp_path / "product"
    with pytest.raises(UserMessageError, match=f"^Invalid answer for {question}: "):
        copy_product(template_repo, dst, {"product_name": "Ok", question: value}, skip_tasks=True)
    assert not dst.exists()


@pytest.mark.slow
def test_hostile_answers_pass_make_check(template_repo: Path, tmp_path: Path) -> None:
    answers = {**CHECK_CASES["default"], **HOSTILE}
    product = copy_product(template_repo, tmp_path / "product", answers)
    git(product, "init", "--quiet", "--initial-branch=main")
    commit_all(product, "hostile")
    check_rendered_product(product)
    _assert_answers_survive(product, answers)
    run(["make", "check"], cwd=product)


LONGEST_NAMES = {"project_slug": "x" * 40, "package_name": "very_long_package_name_" + "y" * 17}


@pytest.mark.parametrize(
    "answers",
    [case for case in ALL_CASES.values() if case["python_version"] == DEFAULTS["python_version"]],
    ids=[
        name
        for name, case in ALL_CASES.items()
        if case["python_version"] == DEFAULTS["python_version"]
    ],
)
def test_longest_names_render_formatted_code(
    template_repo: Path, tmp_path: Path, answers: dict[str, str]
) -> None:
    """The longest package name allowed still gives lint-clean, already-formatted code."""
    answers = {**answers, **LONGEST_NAMES}
    assert len(answers["package_name"]) == 40
    product = copy_product(template_repo, tmp_path / "product", answers, skip_tasks=True)
    run(["ruff", "check", "--quiet", "."], cwd=product)
    run(["ruff", "format", "--check", "--quiet", "."], cwd=product)
