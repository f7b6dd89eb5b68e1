"""Answers: derived defaults, validation messages, and escaping for each target format."""

from __future__ import annotations

import ast
import json
import tomllib

import jinja2
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from paved_road.answers import AnswerError, answer_error, validate_answers
from paved_road.filters import pkgify, py_docstring, py_str, slugify, toml_str, yaml_str
from paved_road.jinja import PavedRoadFilters

from tests.support import REPO_ROOT


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Demo Shop", "demo-shop"),
        ("Payments API (v2)", "payments-api-v2"),
        ("Ünïcode Café", "unicode-cafe"),
        ("42 Things", "p-42-things"),
        ("🎉🎉", "product"),
        ("x" * 90, "x" * 40),
    ],
)
def test_slug_default_is_derived_and_valid(name: str, expected: str) -> None:
    assert slugify(name) == expected
    assert answer_error("project_slug", expected) == ""


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("demo-shop", "demo_shop"),
        ("json", "json_app"),
        ("import", "import_app"),
        ("match", "match_app"),
    ],
)
def test_package_default_is_derived_and_valid(slug: str, expected: str) -> None:
    assert pkgify(slug) == expected
    assert answer_error("package_name", expected) == ""


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        (
            "project_slug",
            "Bad Slug",
            "is not DNS-label safe: use lowercase letters, digits and '-'",
        ),
        ("project_slug", "a" * 41, "a DNS label allows at most 40"),
        ("project_slug", "ends-", "not ending with '-'"),
        ("package_name", "class", "is a Python keyword"),
        ("package_name", "p" * 41, "use at most 40"),
        ("package_name", "os", "would shadow the stdlib"),
        ("package_name", "2fast", "not starting with a digit"),
        ("package_name", "Shop", "use lowercase letters"),
        ("owner_team", "Team A", "is not a team handle"),
        ("description", "two\nlines", "must be one line"),
        ("product_name", "   ", "is empty"),
        ("database", "mysql", "choose one of 'sqlite' or 'postgres'"),
        ("python_version", "3.9", "choose one of '3.11', '3.12' or '3.13'"),
        ("python_version", 3.12, "expected text"),
    ],
)
def test_bad_answers_say_what_is_wrong_and_what_is_allowed(
    name: str, value: object, says: str
) -> None:
    message = answer_error(name, value)
    assert message.startswith(f"{name}: ")
    assert says in message
    assert "\n" not in message
    with pytest.raises(AnswerError, match=f"^Invalid answer for {name}: "):
        validate_answers({name: value})


@given(st.text())
def test_slugify_always_gives_a_valid_slug(name: str) -> None:
    assert answer_error("project_slug", slugify(name)) == ""
    assert answer_error("package_name", pkgify(slugify(name))) == ""


@given(st.text())
def test_toml_escaping_round_trips(value: str) -> None:
    assert tomllib.loads(f"key = {toml_str(value)}\n")["key"] == value


@given(st.text())
def test_yaml_escaping_round_trips(value: str) -> None:
    assert yaml.safe_load(f"key: {yaml_str(value)}\n")["key"] == value


@given(st.text())
def test_python_escaping_round_trips(value: str) -> None:
    assert ast.literal_eval(py_str(value)) == value
    module = ast.parse(py_docstring(value) + "\n")
    assert ast.get_docstring(module, clean=False) == value


def test_json_and_toml_escape_the_same_hostile_string() -> None:
    hostile = 'He said "hi": it\'s #1 \\o/ — ünïcode 🎉'
    assert json.loads(toml_str(hostile)) == hostile


def test_copier_yml_validators_give_the_models_messages() -> None:
    """Interactive prompts validate through copier.yml's `validator:`; it must say the same."""
    env = jinja2.Environment(extensions=[PavedRoadFilters], autoescape=False)
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    validated = {name: spec["validator"] for name, spec in config.items() if "validator" in spec}
    assert set(validated) == {
        "product_name", "project_slug", "package_name", "description", "owner_team",
    }  # fmt: skip
    good = {"product_name": "Shop", "project_slug": "shop", "package_name": "shop",
            "description": "Sells.", "owner_team": "shop-team"}  # fmt: skip
    for name, validator in validated.items():
        bad = "Not Valid!\n" if name != "product_name" else ""
        rendered = env.from_string(validator).render({name: bad}).strip()
        assert rendered == answer_error(name, bad) != ""
        assert env.from_string(validator).render({name: good[name]}).strip() == ""
