"""Where drift is enforced: CI's drift job, run as GitHub runs it, from guarded files only.

Each test tries a bypass from files the product team owns (the shared Makefile, the
environment, the answers file) on a rendered product and runs the drift step of the
product's own ci.yml, as its `run:` script with the workflow's environment.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import jsonschema
import pytest
from paved_road.drift.answers_file import read_answers
from paved_road.drift.schema import SCHEMA_FILE
from paved_road.platform import PLATFORM_CONSTANTS

from tests.cases import CHECK_CASES
from tests.deploy_support import load_yaml
from tests.drift_support import flip_one_byte
from tests.support import (
    REPO_ROOT,
    commit_all,
    copy_product,
    git,
    init_repo,
    run,
    snapshot_template,
)

pytestmark = pytest.mark.slow(
    reason="runs the product's make drift and CI's drift script (uv, a checker install)"
)

EXPRESSION = re.compile(r"\$\{\{\s*runner\.temp\s*\}\}")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_template(tmp_path_factory.mktemp("enforce-template"), tag="v1.0.0")


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """$RUNNER_TEMP, shared by the module's runs so uv downloads the checker's wheels once."""
    return tmp_path_factory.mktemp("runner-temp")


@pytest.fixture
def product(template: Path, tmp_path: Path) -> Path:
    product = copy_product(template, tmp_path / "product", CHECK_CASES["default"], skip_tasks=True)
    init_repo(product)
    return product


def ci_step(
    product: Path,
    job: str,
    name: str,
    runner_temp: Path,
    platform_template: Path | None = None,
    **extra_env: str,
):
    """Run one `run:` step of the product's ci.yml as GitHub does (bash -e, pipefail), with
    the workflow's, the job's and the step's environment; the result whatever the exit code.
    PLATFORM_TEMPLATE (default: the answers' template) plays the platform's repository."""
    platform_template = platform_template or Path(read_answers(product).src_path)
    workflow = load_yaml(product / ".github/workflows/ci.yml")
    step = next(step for step in workflow["jobs"][job]["steps"] if step.get("name") == name)
    env = {
        **workflow.get("env", {}),
        **workflow["jobs"][job].get("env", {}),
        **step.get("env", {}),
    }
    script = step["run"]
    if job in ("drift", "probe"):
        # The scratch template stands in for the platform's canonical repository (GitHub is
        # out of reach here): the step names it as the checker's source, as ci.yml does.
        canonical = f"--template-source {PLATFORM_CONSTANTS['template_source']} "
        assert canonical in script
        script = script.replace(canonical, f"--template-source {platform_template} ")
    for key, value in env.items():
        env[key] = EXPRESSION.sub(str(runner_temp), str(value))
        assert "${{" not in env[key], f"{key}: an expression this test cannot evaluate"
    assert "${{" not in script
    summary = runner_temp / "summary.md"
    summary.write_text("")
    env.update(
        CI="true",
        GITHUB_ACTIONS="true",
        RUNNER_TEMP=str(runner_temp),
        GITHUB_STEP_SUMMARY=str(summary),
        UV_PYTHON_DOWNLOADS="never",  # this machine has the Pythons; GitHub's runner downloads
        **extra_env,
    )
    return run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], product,
               check=False, **env)  # fmt: skip


def drift_report(runner_temp: Path) -> dict:
    report = json.loads((runner_temp / "drift-report.json").read_text())
    jsonschema.validate(report, json.loads(SCHEMA_FILE.read_text()))
    return report


def test_ci_drift_step_passes_on_a_fresh_product_and_keeps_its_report(
    product: Path, runner_temp: Path
) -> None:
    result = ci_step(product, "drift", "paved-road drift", runner_temp)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "paved-road drift: 0 violation(s)" in result.stdout  # --format github
    assert (runner_temp / "summary.md").read_text().startswith("### ✅ paved-road drift")
    report = drift_report(runner_temp)
    assert (report["status"], report["exit_code"]) == ("ok", 0)
    assert report["product"] == str(product)


def test_a_makefile_without_drift_does_not_switch_off_ci_drift(
    product: Path, runner_temp: Path
) -> None:
    makefile = product / "Makefile"
    text = makefile.read_text()
    # The bypasses a product team can write in the shared Makefile: drift out of `check`, a
    # recipe that does nothing, the local escape hatches exported to every recipe.
    text = text.replace(" $(CHECK_DRIFT) ## Everything CI runs", " ## Everything CI runs")
    text = re.sub(r"(?m)^drift:.*\n\t.*\n", "drift:\n\t@echo drift is fine\n", text)
    makefile.write_text(f"export DRIFT_OFFLINE := 1\nexport PAVED_ROAD_FROM := /nowhere\n{text}")
    flip_one_byte(product / "Dockerfile")
    commit_all(product, "drop drift, edit a guarded file")

    local = run(["make", "drift"], product, check=False, CI="true")
    assert (local.returncode, local.stdout) == (0, "drift is fine\n"), "the Makefile is shared"

    result = ci_step(
        product, "drift", "paved-road drift", runner_temp, DRIFT_OFFLINE="1", PAVED_ROAD_FROM="x"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "DRIFT_OFFLINE is ignored in CI" in result.stdout
    assert "PAVED_ROAD_FROM is ignored in CI" in result.stdout
    assert "::error file=Dockerfile,title=paved-road drift%3A modified::" in result.stdout
    report = drift_report(runner_temp)
    assert report["status"] == "violations"
    # The Makefile's checks block is the platform's too (issue 20): CI names the edit.
    assert {
        (finding["path"], finding["kind"])
        for finding in report["findings"]
        if finding["severity"] == "error"
    } == {("Dockerfile", "modified"), ("Makefile", "block-modified")}


def test_ci_drift_step_names_what_it_cannot_check_in_its_report(
    product: Path, runner_temp: Path
) -> None:
    answers = product / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("_commit:", "_commit: deadbee\n_old_commit:"))
    result = ci_step(product, "drift", "paved-road drift", runner_temp)
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "template commit 'deadbee' does not exist in" in line
    assert "DRIFT_OFFLINE" not in line, "CI has no way to skip"
    report = drift_report(runner_temp)
    assert (report["status"], report["exit_code"]) == ("error", 2)
    assert "deadbee" in report["error"]


def point_answers_at(product: Path, fork: Path, commit: str) -> None:
    answers = product / ".copier-answers.yml"
    text = answers.read_text()
    recorded = read_answers(product)
    text = text.replace(f"_src_path: {recorded.src_path}", f"_src_path: {fork}")
    answers.write_text(text.replace(f"_commit: {recorded.commit}", f"_commit: {commit}"))
    assert read_answers(product).src_path == str(fork)
    commit_all(product, "our own template")


def test_answers_pointing_at_a_fork_fail_ci_with_the_platform_checker(
    product: Path, template: Path, tmp_path: Path, runner_temp: Path
) -> None:
    """The fork has the platform's releases (a clone): CI still installs the checker from the
    platform's repository, which does not approve the fork."""
    fork = tmp_path / "fork"
    git(tmp_path, "clone", "--quiet", str(template), str(fork))
    point_answers_at(product, fork, "v1.0.0")
    result = ci_step(product, "drift", "paved-road drift", runner_temp, platform_template=template)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "title=paved-road drift%3A unapproved-source" in result.stdout
    report = drift_report(runner_temp)
    assert [f["kind"] for f in report["findings"] if f["severity"] == "error"] == [
        "unapproved-source"
    ]


def test_a_fork_release_that_approves_itself_cannot_supply_ci_checker(
    product: Path, template: Path, tmp_path: Path, runner_temp: Path
) -> None:
    """A fork whose checker approves every source, released with its own tag: its release is
    not in the platform's repository, so CI cannot install a checker for it and fails."""
    fork = tmp_path / "fork"
    git(tmp_path, "clone", "--quiet", str(template), str(fork))
    source = fork / "extensions/paved_road/template_source.py"
    text = source.read_text()
    source.write_text(text.replace("    mine = source_identity(src_path)\n", "    return True\n"))
    assert source.read_text() != text
    commit_all(fork, "approve ourselves")
    git(fork, "tag", "v1.0.1")
    point_answers_at(product, fork, "v1.0.1")

    local = run(["make", "drift"], product, check=False)
    assert local.returncode == 0, "locally, the fork's own checker approves the fork"

    result = ci_step(product, "drift", "paved-road drift", runner_temp, platform_template=template)
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"template commit 'v1.0.1' does not exist in {template.as_uri()}" in line
    assert drift_report(runner_temp)["status"] == "error"


def load_drift_runner():
    """The product's `.paved-road/drift.py` as a module (it is a script, not a package)."""
    path = REPO_ROOT / "template/.paved-road/drift.py"
    spec = importlib.util.spec_from_file_location("product_drift_runner", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_src_path_line_inside_a_quoted_answer_changes_nothing(
    product: Path, tmp_path: Path, runner_temp: Path
) -> None:
    answers = product / ".copier-answers.yml"
    decoy = tmp_path / "decoy-template"
    # A multi-line quoted value whose second line reads like the key, at the start of a line.
    answers.write_text(answers.read_text() + f"_note: 'harmless\n_src_path: {decoy}'\n")
    assert any(line == f"_src_path: {decoy}'" for line in answers.read_text().splitlines())

    checker = read_answers(product)
    runner = load_drift_runner().recorded(answers)
    assert runner == {"_src_path": checker.src_path, "_commit": checker.commit}
    assert str(decoy) not in checker.src_path

    result = ci_step(product, "drift", "paved-road drift", runner_temp)
    assert result.returncode == 0, result.stdout + result.stderr
    assert drift_report(runner_temp)["template"]["src_path"] == checker.src_path


SKIP_GUARDED_CONFTEST = """

def pytest_collection_modifyitems(items):
    for item in items:
        if "guarded" in item.nodeid:
            item.add_marker(pytest.mark.skip(reason="not today"))
"""


def test_guarded_tests_catch_a_seeded_file_that_unmounts_the_security_middleware(
    template: Path, tmp_path: Path, runner_temp: Path
) -> None:
    answers = CHECK_CASES["ui=none"]  # the middleware does not depend on the UI; no npm
    product = copy_product(template, tmp_path / "product", answers)  # with uv.lock
    init_repo(product)
    installed = ci_step(product, "check", "Install the locked dependencies", runner_temp)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    fresh = ci_step(product, "check", "Guarded tests", runner_temp)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    # Every guarded test ran and passed (their number grows with the platform's guards).
    assert re.search(r"\b\d+ passed\b", fresh.stdout), fresh.stdout
    assert " failed" not in fresh.stdout and " error" not in fresh.stdout, fresh.stdout

    # Seeded files only: the app factory stops mounting the middleware, and the product's
    # pytest settings and conftest.py try to keep the guarded tests from noticing.
    main = product / "src/demo_shop/main.py"
    main.write_text(main.read_text().replace("    install_security(app, settings)\n", ""))
    conftest = product / "tests/conftest.py"
    conftest.write_text("import pytest\n" + conftest.read_text() + SKIP_GUARDED_CONFTEST)
    pyproject = product / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('addopts = ["-ra"', 'addopts = ["-k", "x"'))
    commit_all(product, "unmount the security middleware")

    own = run(["uv", "run", "--locked", "pytest", "tests/guarded"], product, check=False)
    assert own.returncode in (0, 5), "the product's own settings skip or deselect them"
    assert " passed" not in own.stdout

    result = ci_step(product, "check", "Guarded tests", runner_temp)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "create_app() does not mount SecurityMiddleware" in result.stdout
    assert "GET /healthz has no Content-Security-Policy" in result.stdout

    # A guarded test skipped in the guarded folder itself fails the step too.
    test = product / "tests/guarded/test_security_middleware.py"
    main.write_text(
        main.read_text().replace(
            "    return app\n", "    install_security(app, settings)\n    return app\n"
        )
    )
    test.write_text(
        test.read_text().replace(
            "\ndef test_create_app", "\n@pytest.mark.skip\ndef test_create_app"
        )
    )
    skipped = ci_step(product, "check", "Guarded tests", runner_temp)
    assert skipped.returncode == 1, skipped.stdout + skipped.stderr
    assert "test_create_app_mounts_the_security_middleware skipped: it must run and pass" in (
        skipped.stdout
    )
