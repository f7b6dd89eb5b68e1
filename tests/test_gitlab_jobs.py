"""Jobs of a `ci: gitlab` product, run as a GitLab runner runs them: their `script:` lines in
one bash (`set -eo pipefail`), with the job's variables and GitLab's, in a checkout of the
product: the drift job, and the scheduled template update against a local GitLab API.
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
from tests.fleet_support import release
from tests.gitlab_api import TOKEN, FakeGitLab, fake_gitlab
from tests.support import commit_all, copy_product, git, init_repo, run, snapshot_template

pytestmark = pytest.mark.slow(
    reason="installs the checker and paved-road with uv, renders with copier"
)
UPDATE_BRANCH = "paved-road/template-update"


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


# --- the scheduled template update -----------------------------------------------------------


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template at v1.0.0 (products start there) and v1.1.0 (README's first line changes)."""
    root = tmp_path_factory.mktemp("gitlab-update")
    template = snapshot_template(root / "template", tag="v1.0.0")
    product = copy_product(template, root / "v1.0.0", CHECK_CASES["ci=gitlab"], skip_tasks=True)
    init_repo(product)
    release(template, "v1.1.0", "(gitlab edition)")
    return root


def template_update(released: Path, tmp_path: Path, gitlab: FakeGitLab, edit: str | None):
    """The product at v1.0.0 on a 'GitLab' (its bare repository, the fake API), checked out
    as the runner does, then the template-update job's script. The push URL the script builds
    from GitLab's variables reaches the bare repository through git's `insteadOf`."""
    bare = publish_clone(released / "v1.0.0", tmp_path / "forge/acme/shop.git", edit)
    checkout = tmp_path / "checkout"
    git(tmp_path, "clone", "--quiet", str(bare), str(checkout))
    port = gitlab.url.rpartition(":")[2]
    spec = load_yaml(checkout / ".gitlab/ci/template-update.yml")["template-update"]
    env = {
        **{key: str(value) for key, value in spec["variables"].items()},
        "UV_PYTHON_DOWNLOADS": "never",
        "CI": "true",
        "CI_SERVER_PROTOCOL": "http",
        "CI_SERVER_HOST": "127.0.0.1",
        "CI_SERVER_PORT": port,
        "CI_PROJECT_PATH": "acme/shop",
        "CI_PROJECT_ID": "acme/shop",
        "CI_API_V4_URL": gitlab.api,
        "CI_DEFAULT_BRANCH": "main",
        "TEMPLATE_UPDATE_TOKEN": TOKEN,
        "TMPDIR": str(tmp_path),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{bare.as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": f"http://oauth2:{TOKEN}@127.0.0.1:{port}/acme/shop.git",
    }
    script = "set -eo pipefail\n" + "\n".join(spec["script"])
    # The scratch template plays the platform's repository, as its file:// URL.
    platform = f'platform="{PLATFORM_CONSTANTS["template_source"]}"'
    assert platform in script and "_src_path" not in script and "PAVED_ROAD_FROM" not in script
    script = script.replace(platform, f'platform="{(released / "template").as_uri()}"')
    result = run(["bash", "--noprofile", "--norc", "-c", script], checkout, check=False, **env)
    return bare, result


def publish_clone(product: Path, bare: Path, edit: str | None) -> Path:
    work = bare.parent / "work"
    git(product.parent, "clone", "--quiet", str(product), str(work))
    if edit is not None:
        readme = work / "README.md"
        readme.write_text(readme.read_text().replace("# Demo Shop", f"# Demo Shop {edit}", 1))
        commit_all(work, "README: our title")
    git(work.parent, "clone", "--quiet", "--bare", str(work), str(bare))
    return bare


def test_the_template_update_pushes_its_branch_and_opens_the_merge_request(
    released: Path, tmp_path: Path
) -> None:
    with fake_gitlab("acme/shop") as gitlab:
        bare, result = template_update(released, tmp_path, gitlab, edit=None)
    assert result.returncode == 0, result.stdout + result.stderr
    readme = git(bare, "show", f"{UPDATE_BRANCH}:README.md").stdout
    assert "(gitlab edition)" in readme
    (mr,) = gitlab.merge_requests["acme/shop"]
    assert (mr["source_branch"], mr["target_branch"]) == (UPDATE_BRANCH, "main")
    assert mr["title"] == "Update from the paved-road template" and mr["draft"] is False
    assert mr["labels"] == ["template-update"]
    # The GitHub pull request's body: what `paved-road update` printed, in a code block.
    assert mr["description"].startswith("```\n") and mr["description"].endswith("\n```\n")
    assert "v1.1.0" in mr["description"]
    assert mr["description"][4:-5] in result.stdout
    assert gitlab.statuses == []


def test_a_conflicted_template_update_is_a_draft_with_a_failed_status_and_job(
    released: Path, tmp_path: Path
) -> None:
    with fake_gitlab("acme/shop") as gitlab:
        bare, result = template_update(released, tmp_path, gitlab, edit="(our edition)")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "paved-road update exited 1: the merge request needs a person" in result.stderr
    conflicted = git(bare, "show", f"{UPDATE_BRANCH}:README.md").stdout
    assert "<<<<<<< before updating" in conflicted
    (mr,) = gitlab.merge_requests["acme/shop"]
    assert mr["title"] == "Draft: [conflicts] Update from the paved-road template"
    assert mr["draft"] is True
    (status,) = gitlab.statuses
    head = git(bare, "rev-parse", UPDATE_BRANCH).stdout.strip()
    assert (status["sha"], status["status"], status["name"]) == (
        head,
        "failed",
        "paved-road/template-update",
    )
