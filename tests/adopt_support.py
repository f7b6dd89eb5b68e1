"""A corpus of realistic repositories that predate the paved road, written by test code as
real git repositories, and helpers to adopt them and resolve conflicts the way the report says.

- ``flat_fastapi``: FastAPI in ``app/``, ``requirements.txt``, its own tests, CODEOWNERS.
- ``poetry_src``: FastAPI on Poetry, src layout, its own Dockerfile, a GitHub workflow,
  Alembic migrations, black and flake8 settings.
- ``flask_no_tests``: a Flask app with server templates and Kubernetes manifests, no tests.
- ``near_copy``: a product copied by hand from a paved-road product (no answers file), then
  changed a little.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.cases import CHECK_CASES
from tests.support import copy_product, git, init_repo
from tests.update_support import PAVED_ROAD, _env

FASTAPI_TEST = """from fastapi.testclient import TestClient

from {module} import app

client = TestClient(app)


def test_lists_{name}() -> None:
    response = client.get("/{name}")
    assert response.status_code == 200
    assert response.json() == []


def test_health() -> None:
    assert client.get("/healthz").json() == {{"ok": True}}
"""

FASTAPI_APP = """from fastapi import FastAPI

app = FastAPI(title="{title}")


@app.get("/healthz")
def healthz() -> dict[str, bool]:
    return {{"ok": True}}


@app.get("/{name}")
def list_{name}() -> list[dict[str, str]]:
    return []
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)
    init_repo(root, "the product before the paved road")
    return root


def flat_fastapi(root: Path) -> Path:
    return _write(
        root,
        {
            "app/__init__.py": "",
            "app/main.py": FASTAPI_APP.format(title="Inventory", name="items"),
            "tests/test_main.py": FASTAPI_TEST.format(module="app.main", name="items"),
            "requirements.txt": "fastapi>=0.110\nuvicorn>=0.29\nhttpx>=0.27\npytest>=8\n",
            ".python-version": "3.12\n",
            ".gitignore": "__pycache__/\n.venv/\n*.pyc\n",
            "README.md": "# Inventory\n\nKeeps count of what is in stock.\n",
            ".github/CODEOWNERS": "* @acme/stock-keepers\n",
        },
    )


POETRY_PYPROJECT = """[tool.poetry]
name = "orders-service"
version = "1.4.0"
description = "Takes and tracks customer orders."
packages = [{include = "orders", from = "src"}]

[tool.poetry.dependencies]
python = "^3.11"
fastapi = "^0.110"
sqlalchemy = "^2.0"
alembic = "^1.13"
psycopg = {extras = ["binary"], version = "^3.1"}

[tool.poetry.group.dev.dependencies]
pytest = "^8"
httpx = "^0.27"

[tool.black]
line-length = 88

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""

ALEMBIC_ENV = """from alembic import context

config = context.config
"""


def poetry_src(root: Path) -> Path:
    return _write(
        root,
        {
            "pyproject.toml": POETRY_PYPROJECT,
            "src/orders/__init__.py": '"""Orders."""\n',
            "src/orders/main.py": FASTAPI_APP.format(title="Orders", name="orders"),
            "tests/test_orders.py": FASTAPI_TEST.format(module="orders.main", name="orders"),
            "Dockerfile": "FROM python:3.11-slim\nWORKDIR /srv\nCOPY . .\n"
            'RUN pip install .\nCMD ["uvicorn", "orders.main:app", "--host", "0.0.0.0"]\n',
            ".github/workflows/tests.yml": "name: tests\non: [push]\njobs:\n  test:\n"
            "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            "      - run: pip install poetry && poetry install && poetry run pytest\n",
            "alembic.ini": "[alembic]\nscript_location = migrations\n"
            "sqlalchemy.url = postgresql+psycopg://orders@localhost/orders\n",
            "migrations/env.py": ALEMBIC_ENV,
            "migrations/script.py.mako": '"""${message}"""\n',
            "migrations/versions/0001_create_orders.py": '"""create orders"""\n'
            'revision = "0001"\ndown_revision = None\n',
            ".flake8": "[flake8]\nmax-line-length = 88\n",
            ".gitignore": "__pycache__/\ndist/\n",
            "README.md": "# Orders service\n\nRun `poetry run uvicorn orders.main:app`.\n",
            "CODEOWNERS": "* @acme/order-desk\n",
        },
    )


FLASK_APP = """from flask import Flask, render_template

app = Flask(__name__)


@app.get("/")
def home() -> str:
    return render_template("home.html")
"""


def flask_no_tests(root: Path) -> Path:
    return _write(
        root,
        {
            "catalogue/__init__.py": "",
            "catalogue/web.py": FLASK_APP,
            "catalogue/templates/home.html": "<h1>Catalogue</h1>\n",
            "requirements.txt": "flask>=3.0\ngunicorn>=22\n",
            "setup.cfg": "[metadata]\nname = catalogue\n\n[flake8]\nmax-line-length = 100\n",
            "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
            "  name: catalogue\n",
            "k8s/kustomization.yaml": "resources:\n  - deployment.yaml\n",
            "README.md": "# Catalogue\n",
        },
    )


def near_copy(template: Path, root: Path, vcs_ref: str) -> Path:
    """A product rendered from the template and copied by hand: no answers file, no history,
    its README rewritten and one dependency added."""
    made = copy_product(template, root.parent / f"{root.name}-original", CHECK_CASES["default"],
                        skip_tasks=True, vcs_ref=vcs_ref)  # fmt: skip
    shutil.copytree(made, root, ignore=shutil.ignore_patterns(".copier-answers.yml", ".git"))
    (root / "README.md").write_text("# Demo Shop\n\nCopied from the shop team's service.\n")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "dependencies = [\n", 'dependencies = [\n    "rich>=13",\n', 1
        )
    )
    init_repo(root, "copied from the shop service by hand")
    return root


def adopt(product: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``paved-road adopt`` as a script runs it: no terminal."""
    return subprocess.run(
        [PAVED_ROAD, "adopt", str(product), *args],
        cwd=product,
        env=_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def advised(report: str) -> dict[str, str]:
    """path -> 'road' or 'yours', from the Markdown report's conflict table."""
    rows = re.findall(r"^\| `([^`]+)` \| \w+ \| (take the road's|keep yours)", report, re.MULTILINE)
    return {path: "road" if side == "take the road's" else "yours" for path, side in rows}


def resolve(product: Path, advice: dict[str, str]) -> None:
    """Resolve each conflict the way the report says, as a person would: one side with git."""
    for path, side in advice.items():
        git(product, "checkout", "--theirs" if side == "road" else "--ours", "--", path)
        git(product, "add", "--", path)
