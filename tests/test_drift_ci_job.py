"""The product's CI drift job, edited away in the same pull request (issue 28).

A pull request runs the ci.yml of its own commit, so editing the drift job switches drift off
for that very change. Drift (and the fleet check of every default branch) names each way the
job stops checking, never waivably; the platform's required workflow
(.github/workflows/paved-road-drift.yml) runs drift whatever ci.yml says.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from paved_road.platform import PLATFORM_CONSTANTS

from tests.cases import CHECK_CASES
from tests.deploy_support import git_copy, load_yaml, tool
from tests.drift_support import drift, sign_waivers
from tests.fleet_support import approving, fleet, publish
from tests.support import REPO_ROOT, copy_product, snapshot_template

CI = ".github/workflows/ci.yml"
REQUIRED = REPO_ROOT / ".github/workflows/paved-road-drift.yml"


@pytest.fixture
def product(rendered, tmp_path: Path) -> Path:
    return git_copy(rendered("kubernetes-sqlite"), tmp_path)


def edit_ci(product: Path, old: str, new: str, count: int = 1) -> None:
    path = product / CI
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


DRIFT_RUN = '--report "$RUNNER_TEMP/drift-report.json"'
EDITS = {
    "job removed": (
        lambda p: edit_ci(
            p,
            "  drift:\n    name: paved-road drift\n",
            "  lint:\n    name: paved-road drift\n",
        ),
        "the drift job is missing: drift no longer runs in CI",
    ),
    "if: false": (
        lambda p: edit_ci(
            p, "    name: paved-road drift\n", "    name: paved-road drift\n    if: false\n"
        ),
        "the drift job is altered (if differs from the template's)",
    ),
    "continue-on-error": (
        lambda p: edit_ci(
            p,
            "    name: paved-road drift\n",
            "    name: paved-road drift\n    continue-on-error: true\n",
        ),
        "the drift job is altered (continue-on-error differs",
    ),
    "|| true": (
        lambda p: edit_ci(p, DRIFT_RUN, DRIFT_RUN + " || true"),
        "the drift job is altered (steps[2].run differs",
    ),
    "check no longer waits": (
        lambda p: edit_ci(p, "    name: make check\n    needs: drift\n", "    name: make check\n"),
        "job check no longer waits for the drift job (needs: drift)",
    ),
    "probe job removed": (
        lambda p: edit_ci(
            p, "  probe:\n    name: paved-road probe\n", "  lint:\n    name: paved-road probe\n"
        ),
        "the probe job is missing: CI no longer probes the app",
    ),
    "probe || true": (
        lambda p: edit_ci(p, "--probe\n", "--probe || true\n"),
        "the probe job is altered (steps[2].run differs from the template's): CI no longer "
        "probes the app as the platform does",
    ),
    "not on pull requests": (
        lambda p: edit_ci(p, "  pull_request:\n", ""),
        "ci.yml no longer runs on pull_request",
    ),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_ci_that_stops_checking_drift_fails_never_waivably(
    product: Path, edit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    change, expected = EDITS[edit]
    change(product)
    expires = dt.date.today() + dt.timedelta(days=10)
    (product / ".paved-road/waivers.yml").write_text(
        f"waivers:\n  - path: {CI}\n    reason: PLAT-9 faster CI\n    expires: {expires}\n"
        f'    approved_by: "@acme/platform"\n    approved_on: {dt.date.today()}\n'
    )
    sign_waivers(product)
    code, out, _ = drift(capsys, product, "--format", "json")
    assert code == 1, out
    errors = [f for f in json.loads(out)["findings"] if f["severity"] == "error"]
    assert [f["kind"] for f in errors] == ["ci-drift-job"], "the waiver covers the file only"
    assert errors[0]["message"].startswith(expected), errors[0]["message"]


def test_the_fleet_check_names_a_default_branch_without_the_drift_job(tmp_path: Path) -> None:
    template = snapshot_template(tmp_path / "template", tag="v1.0.0")
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "forge").mkdir()
    shop = copy_product(template, work / "shop", CHECK_CASES["default"], skip_tasks=True)
    edit_ci(shop, "  drift:\n    name: paved-road drift\n", "  lint:\n    name: paved-road drift\n")
    publish(shop, tmp_path / "forge" / "shop.git")
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text("products:\n  - repo: forge/shop.git\n    team: checkout\n")
    assert approving(fleet_file) == ["--approved-source", str(template)]
    reports = tmp_path / "reports"
    result = fleet("check", str(fleet_file), "--drift-dir", str(reports), "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((reports / "shop" / "drift-report.json").read_text())
    kinds = {f["kind"] for f in report["findings"] if f["severity"] == "error"}
    assert "ci-drift-job" in kinds


# --- the platform's required workflow ----------------------------------------------------


def test_the_required_workflow_is_valid_hardened_and_runs_the_platforms_runner(
    tmp_path: Path,
) -> None:
    lint = tool("actionlint", "-no-color", str(REQUIRED), cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = tool("zizmor", "--offline", "--no-progress", str(REQUIRED), cwd=tmp_path)
    assert "No findings to report" in audit.stdout + audit.stderr, audit.stdout + audit.stderr
    workflow = load_yaml(REQUIRED)
    assert workflow["permissions"] == {}
    assert set(workflow[True]) == {"pull_request", "merge_group", "workflow_call"}
    steps = workflow["jobs"]["drift"]["steps"]
    runner, product = steps[1]["with"], steps[2]["with"]
    # The runner is this repository's, at this workflow's own commit: never the product's.
    assert runner["repository"] == "${{ job.workflow_repository }}"
    assert runner["ref"] == "${{ job.workflow_sha }}"
    assert runner["sparse-checkout"] == "template/.paved-road/drift.py"
    assert product["fetch-depth"] == 0 and product["persist-credentials"] is False
    run = steps[3]["run"]
    assert "--script ../platform/template/.paved-road/drift.py --ci" in run
    assert f"--template-source {PLATFORM_CONSTANTS['template_source']} " in run
    assert re.search(r"\.paved-road/drift\.py", run) and steps[3]["working-directory"] == "product"
    # The probe job of the product's ci.yml runs there too, from the same runner, after drift.
    probe = workflow["jobs"]["probe"]
    assert probe["needs"] == "drift" and probe["permissions"] == {"contents": "read"}
    runner, product = probe["steps"][1]["with"], probe["steps"][2]["with"]
    assert runner["ref"] == "${{ job.workflow_sha }}" and product["persist-credentials"] is False
    run = probe["steps"][3]["run"]
    assert "--script ../platform/template/.paved-road/drift.py --ci" in run
    assert run.endswith(" --probe") and probe["steps"][3]["working-directory"] == "product"
