"""The drift job of a `ci: gitlab` product, run as a GitLab runner runs it: its `script:` lines
in one bash (`set -eo pipefail`), with the job's variables, in a checkout of the product.
(The check job's lines run in test_product_check's `ci=gitlab` case.)"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
from paved_road.drift.answers_file import read_answers
from paved_road.drift.schema import SCHEMA_FILE
from paved_road.platform import PLATFORM_CONSTANTS

from tests.cases import CHECK_CASES
from tests.deploy_support import load_yaml
from tests.support import commit_all, copy_product, init_repo, run, snapshot_template

pytestmark = pytest.mark.slow


def gitlab_job(product: Path, job: str, tmp: Path, **extra_env: str):
    """Run JOB's `script:` of the product's .gitlab-ci.yml as GitLab does; the result whatever
    the exit code. The scratch template plays the platform's repository (GitLab.com and
    GitHub are out of reach here): the script names it as the checker's source."""
    spec = load_yaml(product / ".gitlab-ci.yml")[job]
    script = "\n".join(spec["script"])
    canonical = f"--template-source {PLATFORM_CONSTANTS['template_source']} "
    assert canonical in script
    template = read_answers(product).src_path
    script = script.replace(canonical, f"--template-source {template} ")
    env = {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": str(product),
        "TMPDIR": str(tmp),
        **{key: str(value) for key, value in spec.get("variables", {}).items()},
        "UV_PYTHON_DOWNLOADS": "never",  # this machine has the Pythons; GitLab's image downloads
        **extra_env,
    }
    for key, value in env.items():
        env[key] = re.sub(r"\$(\w+)", lambda m: env.get(m[1], os.environ.get(m[1], "")), value)
    command = ["bash", "--noprofile", "--norc", "-c", f"set -eo pipefail\n{script}"]
    return run(command, product, check=False, **env)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_template(tmp_path_factory.mktemp("gitlab-template"), tag="v1.0.0")


@pytest.fixture
def product(template: Path, tmp_path: Path) -> Path:
    answers = CHECK_CASES["ci=gitlab"]
    product = copy_product(template, tmp_path / "product", answers, skip_tasks=True)
    init_repo(product)
    return product


def test_the_drift_job_passes_a_fresh_product_and_keeps_its_report(
    product: Path, tmp_path: Path
) -> None:
    result = gitlab_job(product, "drift", tmp_path, DRIFT_OFFLINE="1", PAVED_ROAD_FROM="x")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DRIFT_OFFLINE is ignored in CI" in result.stdout
    report = json.loads((product / "drift-report.json").read_text())
    jsonschema.validate(report, json.loads(SCHEMA_FILE.read_text()))
    assert (report["status"], report["exit_code"]) == ("ok", 0)
    # The report joined the checkout after the check: it is not in its own findings.
    assert "drift-report.json" not in json.dumps(report["findings"])


def test_the_drift_job_fails_a_product_job_that_would_run_before_drift(
    product: Path, tmp_path: Path
) -> None:
    (product / ".gitlab/ci/product.yml").write_text(
        "fast-deploy:\n  stage: build\n  needs: []\n  script: [make deploy]\n"
    )
    commit_all(product, "deploy without waiting for drift")
    result = gitlab_job(product, "drift", tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "job fast-deploy has `needs:` without drift" in result.stdout
    report = json.loads((product / "drift-report.json").read_text())
    (finding,) = [f for f in report["findings"] if f["severity"] == "error"]
    assert (finding["kind"], finding["path"], finding["part"]) == (
        "pipeline",
        ".gitlab/ci/product.yml",
        "fast-deploy",
    )
