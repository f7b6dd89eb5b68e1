"""Every supported combination of answers renders a product whose files parse."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from tests.agents_support import check_agent_files
from tests.cases import ALL_CASES, tiered
from tests.shared import Renders
from tests.support import REPO_ROOT

# A template expression or statement that mentions an answer or copier's own variables.
_VARIABLES = "|".join([*yaml.safe_load((REPO_ROOT / "copier.yml").read_text()), "_copier_\\w+"])
UNRENDERED = re.compile(
    rf"\{{\{{-?\s*({_VARIABLES})\b|\{{%-?\s*(if|for|set|elif)\s+[^%]*\b({_VARIABLES})\b"
)
# Files whose own syntax is Jinja (the product's HTML templates) or Mako (Alembic's template).
OWN_TEMPLATES = ("*.html", "*.mako")


def _text_files(root: Path):
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            yield path


def check_rendered_product(root: Path, answers: Mapping[str, str] | None = None) -> None:
    """The assertions every rendered product must pass, whatever its answers. An answer's own
    text is data, rendered as given: a product named ``{{ product_name }}`` carries that name
    in its files, which is not a template left unrendered (pass the ANSWERS given)."""
    files = list(_text_files(root))
    assert files, "nothing was rendered"
    given = sorted((value for value in (answers or {}).values() if value), key=len, reverse=True)
    for path in files:
        rel = path.relative_to(root)
        assert not path.name.endswith(".jinja"), f"template suffix left on {rel}"
        text = path.read_text(encoding="utf-8")
        if not any(path.match(pattern) for pattern in OWN_TEMPLATES):
            template_text = text
            for value in given:
                template_text = template_text.replace(value, "")
            assert not UNRENDERED.search(template_text), f"unrendered Jinja in {rel}"
        if path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in {".yml", ".yaml"}:
            list(yaml.safe_load_all(text))
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".py":
            compile(text, str(rel), "exec")


@pytest.mark.parametrize("case", tiered(ALL_CASES, "renders every answer combination"))
def test_every_combination_renders(template_repo: Path, renders: Renders, case: str) -> None:
    answers = ALL_CASES[case]
    product = renders.pristine(template_repo, answers, vcs_ref="v1.0.0")
    check_rendered_product(product)
    check_agent_files(product)  # AGENTS.md names only targets and paths it has (issue 20)
    recorded = yaml.safe_load((product / ".copier-answers.yml").read_text())
    for question, value in answers.items():
        assert recorded[question] == value
    package = recorded["package_name"]
    assert (product / "src" / package / "main.py").is_file()
    assert (product / ".python-version").read_text().strip() == answers["python_version"]
    pyproject = tomllib.loads((product / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={answers['python_version']}"
    assert ("psycopg[binary,pool]>=3.2" in pyproject["project"]["dependencies"]) == (
        answers["database"] == "postgres"
    )


def test_default_product_with_pytest_copie(copie) -> None:
    """The plain pytest-copie path: template from this checkout, tasks run (uv.lock is made)."""
    result = copie.copy(extra_answers={"product_name": "Copie Shop"})
    assert result.exit_code == 0, result.exception
    assert (result.project_dir / "uv.lock").is_file()
    assert 'name = "copie-shop"' in (result.project_dir / "pyproject.toml").read_text()
    check_rendered_product(result.project_dir)
