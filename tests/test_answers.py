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
from paved_road.answers import LINE_WIDTH, AnswerError, answer_error, validate_answers
from paved_road.filters import pkgify, py_docstring, py_str, slugify, toml_str, yaml_str
from paved_road.jinja import PavedRoadFilters
from paved_road.reserved import YAML_WORDS

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
        ("Null", "null-app"),
        ("Yes", "yes-app"),
        ("FastAPI", "fastapi-app"),
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
        ("test", "test_app"),
        ("click", "click_app"),
        ("pipes", "pipes_app"),
    ],
)
def test_package_default_is_derived_and_valid(slug: str, expected: str) -> None:
    assert pkgify(slug) == expected
    assert answer_error("package_name", expected) == ""


BAD_ANSWERS = [
    ("project_slug", "Bad Slug", "a-z, 0-9, '-'; a letter first"),
    ("project_slug", "a" * 41, "at most 40 characters: Kubernetes suffixes need 23 of 63"),
    ("project_slug", "ends-", "no '-' last"),
    ("package_name", "class", "not a Python keyword"),
    ("package_name", "p" * 41, "at most 40 characters"),
    ("package_name", "os", "not a standard library module (one in Python 3.11, 3.12, 3.13)"),
    ("package_name", "2fast", "not starting with a digit"),
    ("package_name", "Shop", "a-z, 0-9 and '_'"),
    ("owner_team", "Team A", "a GitHub team slug: 2-39 of a-z, 0-9, '-'"),
    ("description", "two\nlines", "one line of text"),
    ("product_name", "   ", "1-80 characters"),
    ("product_name", "x" * 300, "at most 80 characters (this has 300)"),
    ("database", "mysql", "one of sqlite, postgres"),
    ("python_version", "3.9", "one of 3.11, 3.12, 3.13"),
    ("python_version", 3.12, "text expected"),
    ("description", None, "text expected (this is empty: null or blank)"),
    ("description", ["a", "b"], "text expected, not a list: quote it"),
]


@pytest.mark.parametrize(("name", "value", "says"), BAD_ANSWERS)
def test_bad_answers_say_what_is_allowed_in_one_short_line(
    name: str, value: object, says: str
) -> None:
    message = answer_error(name, value)
    assert message.startswith(says) or says in message
    assert len(message) < 70, "one short line (the prompt's own form: test_new_prompt.py)"
    assert "\n" not in message
    with pytest.raises(AnswerError, match=f"^Invalid {name} ") as refused:
        validate_answers({name: value})
    assert "\n" not in str(refused.value)
    assert len(str(refused.value)) <= LINE_WIDTH, "fits 80 columns after `paved-road update: `"


@pytest.mark.parametrize(
    ("name", "value"),
    [(name, value) for name in ("project_slug", "package_name") for value in sorted(YAML_WORDS)],
)
def test_words_yaml_reads_as_booleans_or_null_are_refused(name: str, value: str) -> None:
    assert answer_error(name, value) == (
        "not yes/no/on/off/y/n/true/false/null: YAML misreads them"
    )


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("package_name", "test", "not a standard library module (one in Python 3.11, 3.12, 3.13)"),
        ("package_name", "pipes", "not a standard library module (one in Python 3.11, 3.12)"),
        ("package_name", "distutils", "not a standard library module (one in Python 3.11)"),
        ("package_name", "click", "not a dependency's module"),
        ("package_name", "yaml", "not a dependency's module"),
        ("package_name", "tests", "not app or tests: the product uses them"),
        ("project_slug", "fastapi", "not a dependency's name (uv could not lock)"),
        ("project_slug", "pytest", "not a dependency's name"),
        ("project_slug", "click", "not a dependency's name"),
        ("project_slug", "pydantic-settings", "not a dependency's name"),
    ],
)
def test_names_that_shadow_imports_or_dependencies_are_refused(
    name: str, value: str, says: str
) -> None:
    assert answer_error(name, value) == says or answer_error(name, value).startswith(says)


@pytest.mark.parametrize(
    "text",
    [
        "Caf\u00e9\u00a0Bar",  # a non-breaking space
        "Dev team \U0001f469\u200d\U0001f4bb",  # woman technologist: a ZWJ sequence
        "Family \U0001f468\u200d\U0001f469\u200d\U0001f467",
        "Scotland \U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0645",  # Persian with a ZWNJ
        "Thin\u2009space and ideographic\u3000space",
    ],
)
def test_legitimate_text_is_accepted(text: str) -> None:
    assert answer_error("product_name", text) == ""
    assert answer_error("description", text) == ""


@pytest.mark.parametrize(
    "text",
    ["bell\x07", "zero\u200bwidth", "\u200dleading joiner", "rtl\u202eoverride", "bom\ufeff"],
)
def test_invisible_characters_are_refused(text: str) -> None:
    assert answer_error("product_name", text).startswith("printable text only (U+")


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
    """Interactive prompts validate through copier.yml's `validator:`; it must say the same,
    in the short form that fits the prompt's line."""
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
        assert rendered == answer_error(name, bad, short=True) != ""
        assert env.from_string(validator).render({name: good[name]}).strip() == ""
