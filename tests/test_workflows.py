"""The generated GitHub Actions workflows: valid, hardened, and pinned to approved commits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.deploy_support import DEPLOY_CASES, load_yaml, tool

REPO_ACTIONS = Path(__file__).resolve().parents[1] / "template/.paved-road/actions.yml"
USES = re.compile(r"^\s*(?:-\s*)?uses:\s*(?P<ref>\S+)(?:\s+#\s*(?P<comment>\S+))?\s*$")
SHA = re.compile(r"^[0-9a-f]{40}$")


def workflows(product: Path) -> list[Path]:
    return sorted((product / ".github/workflows").glob("*.yml"))


def approved() -> dict[str, dict[str, str]]:
    return load_yaml(REPO_ACTIONS)["actions"]


def test_every_approved_pin_is_a_full_commit_sha_with_its_release() -> None:
    actions = approved()
    assert {"actions/checkout", "astral-sh/setup-uv"} <= actions.keys()
    for name, pin in actions.items():
        assert SHA.match(pin["sha"]), f"{name}: {pin['sha']!r} is not a full commit SHA"
        assert re.match(r"^v?\d+(\.\d+)*$", str(pin["version"])), f"{name}: bad version"


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_workflows_use_only_approved_pins(rendered, case: str) -> None:
    product = rendered(case)
    pins = load_yaml(product / ".paved-road/actions.yml")["actions"]
    assert pins == approved(), "the product gets the template's approved pins"
    seen = 0
    for workflow in workflows(product):
        for number, line in enumerate(workflow.read_text().splitlines(), 1):
            match = USES.match(line)
            if not match:
                continue
            where = f"{workflow.name}:{number}"
            if match["ref"].startswith("$/.github/workflows/"):  # this repository's own workflow
                assert (product / match["ref"][2:]).is_file(), f"{where}: no such workflow"
                continue
            seen += 1
            action, _, ref = match["ref"].partition("@")
            assert action in pins, f"{where}: {action} is not in .paved-road/actions.yml"
            assert ref == pins[action]["sha"], (
                f"{where}: {action} is not pinned to its approved SHA"
            )
            assert match["comment"] == str(pins[action]["version"]), (
                f"{where}: the comment must name the pinned release {pins[action]['version']}"
            )
    assert seen >= 2


# The checkers run once over every case's files: one process each keeps the suite fast.


@pytest.fixture(scope="module")
def every_workflow(rendered) -> list[str]:
    return [str(path) for case in DEPLOY_CASES for path in workflows(rendered(case))]


def test_actionlint_finds_nothing(every_workflow: list[str], tmp_path: Path) -> None:
    result = tool("actionlint", "-no-color", *every_workflow, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing(every_workflow: list[str], tmp_path: Path) -> None:
    result = tool("zizmor", "--offline", "--no-progress", *every_workflow, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"]
)
def test_workflows_match_their_schemas(
    every_workflow: list[str], schema: str, tmp_path: Path
) -> None:
    result = tool("check-jsonschema", "--builtin-schema", schema, *every_workflow, cwd=tmp_path)
    assert result.returncode == 0, f"{schema}: {result.stdout}{result.stderr}"


def test_renovate_config_matches_its_schema(rendered, tmp_path: Path) -> None:
    configs = [str(rendered(case) / "renovate.json") for case in DEPLOY_CASES]
    result = tool("check-jsonschema", "--builtin-schema", "vendor.renovate", *configs, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_workflows_are_hardened(rendered, case: str) -> None:
    for path in workflows(rendered(case)):
        text = path.read_text()
        workflow = load_yaml(path)
        triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
        assert "pull_request_target" not in triggers, path.name
        assert workflow["permissions"] == {}, f"{path.name}: top-level permissions must be {{}}"
        assert "concurrency" in workflow, path.name
        for name, job in workflow["jobs"].items():
            assert "permissions" in job, f"{path.name}: job {name} needs its own permissions"
            if "uses" in job:  # a call of a reusable workflow: its own jobs set the timeouts
                assert job["uses"].startswith("$/.github/workflows/"), "local workflows only"
                continue
            assert job.get("timeout-minutes"), f"{path.name}: job {name} needs timeout-minutes"
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, f"{path.name}: {name}"
                run = step.get("run", "")
                assert "${{ github.event" not in run, f"{path.name}: event data in a script"
        assert "${{ github.event." not in text


def jobs(product: Path, name: str) -> dict:
    return load_yaml(product / ".github/workflows" / name)["jobs"]


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_ci_runs_make_check_and_builds_the_container(rendered, case: str) -> None:
    product = rendered(case)
    ci = jobs(product, "ci.yml")
    check_runs = [step.get("run") for step in ci["check"]["steps"]]
    assert "make check CHECK_DRIFT=" in check_runs, "the drift job checks drift, not the Makefile"
    assert any("docker build" in str(step.get("run")) for step in ci["container"]["steps"])
    uses_node = any("setup-node" in str(step.get("uses")) for step in ci["check"]["steps"])
    assert uses_node == (DEPLOY_CASES[case]["ui"] != "none"), "the UI's checks need Node.js"
    services = ci["check"].get("services", {})
    if DEPLOY_CASES[case]["database"] == "postgres":
        assert services["postgres"]["image"].startswith("postgres:15.")
        assert "DEMO_SHOP_DATABASE_URL" in ci["check"]["env"]
    else:
        assert services == {}


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_deploy_goes_to_staging_from_main_and_production_from_tags(rendered, case: str) -> None:
    product = rendered(case)
    path = product / ".github/workflows/deploy.yml"
    target = DEPLOY_CASES[case]["deploy_target"]
    if target == "none":
        assert not path.exists()
        triggers = load_yaml(product / ".github/workflows/ci.yml")[True]
        assert triggers["push"]["branches"] == ["main"], "without deploys, CI runs on main itself"
        return
    deploy = jobs(product, "deploy.yml")
    assert deploy["ci"]["uses"] == "$/.github/workflows/ci.yml", "CI gates every deploy"
    first = "image" if target == "kubernetes" else "staging"
    assert deploy[first]["needs"] == "ci"
    assert "workflow_call" in load_yaml(product / ".github/workflows/ci.yml")[True]
    assert deploy["staging"]["environment"]["name"] == "staging"
    assert deploy["staging"]["if"] == "github.ref == 'refs/heads/main'"
    assert deploy["production"]["environment"]["name"] == "production"
    assert deploy["production"]["if"] == "startswith(github.ref, 'refs/tags/v')".replace(
        "startswith", "startsWith"
    )
    runs = " ".join(str(step.get("run", "")) for step in deploy["production"]["steps"])
    if target == "kubernetes":
        assert "bash deploy/release.sh production" in runs
        assert deploy["image"]["permissions"]["packages"] == "write"
    else:
        assert "flyctl deploy" in runs


# What may run in the drift job: uv, the checkout, the guarded drift runner, the upload.
DRIFT_JOB_ACTIONS = ["astral-sh/setup-uv", "actions/checkout", None, "actions/upload-artifact"]


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_ci_checks_drift_first_from_guarded_files_only(rendered, case: str) -> None:
    ci = jobs(rendered(case), "ci.yml")
    drift = ci["drift"]
    steps = drift["steps"]
    assert [str(step.get("uses", "")).partition("@")[0] or None for step in steps] == (
        DRIFT_JOB_ACTIONS
    ), "uv is installed before the checkout; nothing of the product runs in this job"
    assert steps[0]["with"] == {"enable-cache": False}, "no cache a product run could write"
    run = steps[2]["run"]
    assert run.startswith(
        "uv run --quiet --no-config --python 3.12 --script .paved-road/drift.py --ci"
        " --template-source https://github.com/acme/paved-road.git "
    ), "the checker comes from the platform's repository, not the answers' _src_path"
    assert "make" not in run.split() and "sync" not in run.split()
    assert steps[2]["env"]["UV_CACHE_DIR"] == "${{ runner.temp }}/drift-uv-cache"
    assert "DRIFT_OFFLINE" not in str(ci) and "PAVED_ROAD_FROM" not in str(ci)
    upload = steps[3]
    assert upload["if"] == "${{ !cancelled() }}", "a failing check still uploads its report"
    assert upload["with"]["name"] == "paved-road-drift-report"  # docs/ci-guardrails.md
    assert upload["with"]["path"] == "${{ runner.temp }}/drift-report.json"
    # Nothing of the product runs before the drift check passes.
    assert ci["check"]["needs"] == "drift"
    assert ci["container"]["needs"] == "drift"


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_ci_probes_the_served_app_with_the_platforms_checker_after_drift(
    rendered, case: str
) -> None:
    ci = jobs(rendered(case), "ci.yml")
    probe = ci["probe"]
    assert probe["needs"] == "drift", "the app is served only once drift passed"
    assert probe["permissions"] == {"contents": "read"}
    steps = probe["steps"]
    assert [str(step.get("uses", "")).partition("@")[0] or None for step in steps] == (
        DRIFT_JOB_ACTIONS[:3]
    ), "uv before the checkout, no cache, as the drift job"
    assert steps[0]["with"] == {"enable-cache": False}
    # The same runner and checker as the drift job (the release the product records); the
    # checker builds the app from uv.lock itself: no `uv sync` or make of the product's here.
    assert steps[2]["run"] == (
        "uv run --quiet --no-config --python 3.12 --script .paved-road/drift.py --ci"
        " --template-source https://github.com/acme/paved-road.git --probe"
    )
    assert steps[2]["env"] == {
        "UV_CACHE_DIR": "${{ runner.temp }}/probe-uv-cache",
        "PYTHONSAFEPATH": "1",
    }


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_ci_runs_the_guarded_tests_with_the_platform_settings(rendered, case: str) -> None:
    product = rendered(case)
    steps = {step.get("name"): step for step in jobs(product, "ci.yml")["check"]["steps"]}
    guarded = steps["Guarded tests"]
    assert guarded["env"] == {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_ADDOPTS": ""}
    # Isolated: python -I (no product root, PYTHONPATH or user site on the path); run.py
    # gives pytest the platform's settings, plugin and a fresh copy of the folder.
    assert guarded["run"] == "uv run --locked python -I tests/guarded/run.py"
    runner = (product / "tests/guarded/run.py").read_text()
    assert '"--noconftest"' in runner and '"guarded.enforce"' in runner
    assert (product / "tests/guarded/guarded.ini").is_file()
    names = list(steps)
    assert names.index("Install the locked dependencies") < names.index("Guarded tests")
