"""CI's drift step against a product team that attacks the checker itself (issue 28).

Each test tries one way to get a change past CI's drift job from files the product owns or
from commits it can make reachable, runs the step as GitHub runs it, and sees it fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cases import CHECK_CASES
from tests.support import commit_all, copy_product, git, init_repo, run, snapshot_template
from tests.test_drift_enforcement import ci_step, drift_report
from tests.test_probe import headers_where_tests_look

pytestmark = pytest.mark.slow(
    reason="runs CI's drift step (uv, a checker install) on attacked products"
)

# What a shadowing module does: claim success and leave before the checker runs.
FAKE_OK = """import os, sys
print("paved-road drift: 0 violation(s)")
sys.stdout.flush()
os._exit(0)
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_template(tmp_path_factory.mktemp("hostile-template"), tag="v1.0.0")


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile-runner-temp")


@pytest.fixture
def product(template: Path, tmp_path: Path) -> Path:
    product = copy_product(template, tmp_path / "product", CHECK_CASES["default"], skip_tasks=True)
    init_repo(product)
    return product


@pytest.mark.parametrize("module", ["yaml", "argparse", "pathlib"])
def test_a_module_beside_the_runner_does_not_run_in_it(
    product: Path, runner_temp: Path, module: str
) -> None:
    (product / f".paved-road/{module}.py").write_text(FAKE_OK)
    commit_all(product, "shadow a module of the drift runner")
    result = ci_step(product, "drift", "paved-road drift", runner_temp)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"::error file=.paved-road/{module}.py,title=paved-road drift%3A added::" in (
        result.stdout
    )
    assert drift_report(runner_temp)["status"] == "violations"


def test_a_pull_request_commit_of_the_platforms_repository_installs_nothing(
    product: Path, template: Path, tmp_path: Path, runner_temp: Path
) -> None:
    """refs/pull/N/head makes anyone's commit reachable in the platform's repository; its
    checker would approve anything. CI refuses it before installing (or running) a thing."""
    platform = tmp_path / "platform"
    git(tmp_path, "clone", "--quiet", str(template), str(platform))
    marker = tmp_path / "checker-ran"
    init = platform / "extensions/paved_road/__init__.py"
    init.write_text(
        f"{init.read_text()}\nimport pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
    )
    commit_all(platform, "a pull request's checker")
    attack = git(platform, "rev-parse", "HEAD").stdout.strip()
    git(platform, "update-ref", "refs/pull/7/head", attack)
    git(platform, "reset", "--quiet", "--hard", "v1.0.0")
    answers = product / ".copier-answers.yml"
    text = answers.read_text()
    recorded = next(line for line in text.splitlines() if line.startswith("_commit:"))
    answers.write_text(text.replace(recorded, f"_commit: {attack}"))
    commit_all(product, "our checker")

    result = ci_step(product, "drift", "paved-road drift", runner_temp, platform_template=platform)
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"template commit '{attack}' is not a release of {platform.as_uri()}" in line
    assert not marker.exists(), "the pull request's code never ran"
    assert drift_report(runner_temp)["status"] == "error"


# Product-owned files that each make a pytest run of the guarded tests report success.
ISOLATION_ATTACKS = {
    "conftest.py": (
        "import pytest\n\n\ndef pytest_collection_modifyitems(items):\n"
        "    for item in items:\n        item.add_marker(pytest.mark.skip(reason='friday'))\n"
    ),
    "tests/__init__.py": "import atexit\nimport os\n\natexit.register(os._exit, 0)\n",
    "pytest.py": "raise SystemExit(0)\n",
    "sitecustomize.py": "import atexit\nimport os\n\natexit.register(os._exit, 0)\n",
    "pytest.toml": '[pytest]\naddopts = ["-k", "nothing_matches_this"]\n',
}
OLD_GUARDED_STEP = [
    "uv", "run", "--locked", "python", "-m", "pytest", "-c", "tests/guarded/guarded.ini",
    "--noconftest", "-p", "tests.guarded.enforce", "tests/guarded",
]  # fmt: skip


def test_guarded_tests_run_isolated_from_every_product_file(
    template: Path, tmp_path: Path, runner_temp: Path
) -> None:
    """The app stops sending the security headers, and the product's own files try to make
    the guarded tests pass anyway: the CI step runs them isolated and fails."""
    product = copy_product(template, tmp_path / "product", CHECK_CASES["ui=none"])  # uv.lock
    init_repo(product)
    installed = ci_step(product, "check", "Install the locked dependencies", runner_temp)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    main = product / "src/demo_shop/main.py"
    main.write_text(main.read_text().replace("    install_security(app, settings)\n", ""))
    for path, text in ISOLATION_ATTACKS.items():
        (product / path).write_text(text)
    commit_all(product, "friday")
    # The old, un-isolated step (`python -m pytest` from the product's root) let them through:
    # the product's `tests` package and a root `pytest.py` were imported. (--noconftest and -c
    # already stopped the conftest.py and pytest.toml; Python imports no sitecustomize.py from
    # the working directory.)
    old = run(OLD_GUARDED_STEP, product, check=False, PYTEST_ADDOPTS="")
    assert old.returncode == 0, old.stdout + old.stderr

    result = ci_step(product, "check", "Guarded tests", runner_temp, PYTEST_ADDOPTS="-k nothing")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "create_app() does not mount SecurityMiddleware" in result.stdout
    assert "has no Content-Security-Policy" in result.stdout


def test_the_probe_job_serves_the_locked_app_and_sees_headers_stripped_where_no_test_looks(
    template: Path, tmp_path: Path, runner_temp: Path
) -> None:
    """CI's probe step as GitHub runs it: the checker of the recorded release builds the app
    from uv.lock, serves it and probes it from its own process. The product strips the
    security headers everywhere but on the paths its tests (and the old guarded probe's
    fixed ones) look at; the probe's paths are drawn afresh, so it sees them stripped."""
    product = copy_product(template, tmp_path / "product", CHECK_CASES["ui=none"])  # uv.lock
    headers_where_tests_look(product)
    init_repo(product)
    result = ci_step(product, "probe", "paved-road probe", runner_temp)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL security headers: content-security-policy missing or weakened on" in (
        result.stdout
    )
    assert "::error title=paved-road probe::security headers:" in result.stdout
    assert "anonymous writes: 3 write route(s) of the schema refused" in result.stdout
