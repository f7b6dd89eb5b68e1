"""Places the platform owns whole, and files that would override guarded configuration: what a
product adds beside the rendered files, tried for real on rendered products."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cases import CHECK_CASES
from tests.drift_support import drift
from tests.support import commit_all, copy_product, init_repo, snapshot_template

ANSWERS = CHECK_CASES["default"]  # kubernetes: deploy/base/ is rendered


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = snapshot_template(tmp_path_factory.mktemp("places-template"), tag="v1.0.0")
    made = copy_product(
        template,
        tmp_path_factory.mktemp("places") / "product",
        ANSWERS,
        skip_tasks=True,
        vcs_ref="v1.0.0",
    )
    init_repo(made)
    return made


@pytest.fixture
def product(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "product", symlinks=True))


def errors(capsys: pytest.CaptureFixture[str], product: Path) -> dict[str, str]:
    """The failing findings of a check that must fail: path -> kind."""
    code, out, _ = drift(capsys, product, "--format", "json")
    assert code == 1, out
    report = json.loads(out)
    return {f["path"]: f["kind"] for f in report["findings"] if f["severity"] == "error"}


def write(product: Path, path: str, text: str) -> None:
    target = product / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


PULL_REQUEST_TARGET = """\
name: triage
on: pull_request_target
permissions: write-all
jobs:
  run:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with: {ref: "${{ github.event.pull_request.head.sha }}"}
      - run: make check
"""


def test_an_unlisted_workflow_fails_committed_or_not(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(product, ".github/workflows/triage.yml", PULL_REQUEST_TARGET)
    commit_all(product, "a workflow of our own")
    write(product, ".github/workflows/nested/later.yaml", PULL_REQUEST_TARGET)  # untracked
    found = errors(capsys, product)
    assert found == {
        ".github/workflows/triage.yml": "added",
        ".github/workflows/nested/later.yaml": "added",
    }
    _code, out, _ = drift(capsys, product)
    assert "FAIL   added           .github/workflows/triage.yml" in out
    assert "the platform owns .github/workflows/** whole" in out


def test_extra_base_manifests_and_platform_files_fail_but_waivers_may_be_added(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(product, "deploy/base/privileged-patch.yaml", "kind: Deployment\n")
    write(product, ".paved-road/extra-policy.yml", "version: 1\n")
    write(product, ".paved-road/waivers.yml", "waivers: []\n")
    # src/ is on every Python's path in the locked environment: only the package lives there.
    write(product, "src/fastapi/testclient.py", "TestClient = None\n")
    write(product, "src/demo_shop/api/orders.py", "ORDERS = []\n")
    assert errors(capsys, product) == {
        "deploy/base/privileged-patch.yaml": "added",
        ".paved-road/extra-policy.yml": "added",
        "src/fastapi/testclient.py": "added",
    }


def test_git_ignored_files_are_not_the_products(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What .gitignore keeps out of the repository never reaches CI: a local tool's cache in a
    closed place is no finding (node_modules, .venv are ignored the same way)."""
    write(product, "node_modules/some-package/Dockerfile", "FROM scratch\n")
    write(product, ".venv/lib/site/ruff.toml", "line-length = 1\n")
    code, out, _ = drift(capsys, product)
    assert code == 0, out


OVERRIDES = {
    "ruff.toml": '[lint]\nignore = ["S"]\n',
    "src/.ruff.toml": "line-length = 400\n",
    "src/demo_shop/pyproject.toml": '[tool.ruff.lint]\nignore = ["S"]\n',
    "mypy.ini": "[mypy]\nstrict = False\n",
    ".mypy.ini": "[mypy]\nignore_errors = True\n",
    "tests/pytest.ini": "[pytest]\naddopts = --deselect tests/test_security.py\n",
    ".pytest.ini": "[pytest]\naddopts = -k 'not security'\n",
    "setup.cfg": "[metadata]\nname = x\n\n[tool:pytest]\naddopts = -p no:warnings\n",
    "tox.ini": "[tox]\nenv_list = py\n\n[pytest]\naddopts = -x\n",
    "sub/setup.cfg": "[mypy-demo_shop.*]\nignore_errors = True\n",
    "docker/Dockerfile.dev": "FROM python:3.12\nUSER root\n",
    "api.Dockerfile": "FROM python:3.12\n",
    "Containerfile": "FROM python:3.12\n",
    ".pre-commit-config.yml": "repos: []\n",
    "CODEOWNERS": "* @acme/shop-team\n",
    "docs/CODEOWNERS": "* @acme/shop-team\n",
    # pytest 9's own config files, start-up hooks and modules that shadow pytest (issue 28).
    "pytest.toml": '[pytest]\naddopts = ["-k", "not security"]\n',
    "tests/.pytest.toml": '[pytest]\naddopts = ["-p", "no:warnings"]\n',
    "sitecustomize.py": "import os\nos._exit(0)\n",
    "tests/usercustomize.py": "import os\nos._exit(0)\n",
    "pytest.py": "raise SystemExit(0)\n",
    "_pytest/__init__.py": "",
    "GNUmakefile": "check:\n\t@true\n",
}


def test_files_that_override_guarded_configuration_fail(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path, text in OVERRIDES.items():
        write(product, path, text)
    found = errors(capsys, product)
    assert found == dict.fromkeys(OVERRIDES, "forbidden")
    _code, out, _ = drift(capsys, product)
    assert "its [tool:pytest] would override the template's pytest" in out
    assert "remove that section" in out
    assert "ruff.toml\n       would override the template's ruff settings" in out


def test_the_same_files_without_the_guarded_sections_are_the_products(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(product, "setup.cfg", "[metadata]\nname = x\n\n[flake8]\nmax-line-length = 100\n")
    write(product, "tox.ini", "[tox]\nenv_list = py\n")
    write(product, "tools/pyproject.toml", '[project]\nname = "tools"\n')
    write(product, "docs/notes.md", "Dockerfile and ruff.toml are words here.\n")
    code, out, _ = drift(capsys, product)
    assert code == 0, out


def test_pytest_settings_in_pyproject_that_decide_which_tests_run_are_guarded(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = product / "pyproject.toml"
    text = pyproject.read_text()
    assert 'addopts = ["-ra", "--strict-markers"]' in text
    pyproject.write_text(
        text.replace(
            'addopts = ["-ra", "--strict-markers"]',
            'addopts = ["-ra", "--strict-markers", "--deselect", "tests/test_security.py"]',
        )
    )
    code, out, _ = drift(capsys, product)
    assert code == 1, out
    assert "part-modified   pyproject.toml [tool.pytest.ini_options.addopts]" in out

    pyproject.write_text(
        text.replace(
            "[tool.pytest.ini_options]\n",
            '[tool.pytest.ini_options]\npython_files = ["nothing_*.py"]\n',
        )
    )
    code, out, _ = drift(capsys, product)
    assert code == 1, out
    assert "pyproject.toml [tool.pytest.ini_options.python_files]" in out

    ours = 'xfail_strict = true\nfilterwarnings = ["error"]\n'
    pyproject.write_text(
        text.replace("[tool.pytest.ini_options]\n", "[tool.pytest.ini_options]\n" + ours)
    )
    code, out, _ = drift(capsys, product)
    assert code == 0, out


# Names that look like the platform's files without being them (issue 28): each stays beside
# an untouched guarded file, so only its name can give it away.
LOOK_ALIKES = {
    "D\u043eckerfile": "Dockerfile",  # Cyrillic o
    "DOCKERFILE": "Dockerfile",
    "\uff24ockerfile": "Dockerfile",  # fullwidth D
    "Docker\u200bfile": "Dockerfile",  # a zero-width space
    ".GitHub/workflows/ci.yml": ".github/workflows/ci.yml",
    ".github/Workflows/release.yml": ".github/workflows/**",
    "deploy/Base/extra.yaml": "deploy/base/**",
    "src/demo_shop/core/Security.py": "src/demo_shop/core/security.py",
    "tests/Guarded/test_x.py": "tests/guarded/**",
    "Mak\u0435file": "makefile",  # not a forbidden name, but a look-alike of one
    "docs/Ruff.toml": "**/ruff.toml",
    "\u0440ytest.ini": "**/pytest.ini",  # Cyrillic p
}


def test_look_alike_names_of_platform_files_fail(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in LOOK_ALIKES:
        write(product, path, "x = 1\n")
    code, out, _ = drift(capsys, product, "--format", "json")
    assert code == 1, out
    found = {
        f["path"]: f["message"]
        for f in json.loads(out)["findings"]
        if f["severity"] == "error" and f["kind"] == "forbidden"
    }
    for path, place in LOOK_ALIKES.items():
        assert path in found, path
        assert f"its name looks like the platform's {place} (a case variant" in found[path]
