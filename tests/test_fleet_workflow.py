"""The template repository's own fleet workflow: valid, hardened, pinned, and consistent with
what `paved-road fleet` and the products' CI produce."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from paved_road.fleet.collect import REPORT_FILE

from tests.deploy_support import load_yaml, tool
from tests.support import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "fleet.yml"
APPROVED = REPO_ROOT / "template" / ".paved-road" / "actions.yml"
USES = re.compile(
    r"^\s*(?:-\s*)?uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)(?:\s+#\s*(?P<version>\S+))?"
)
PRODUCT_ARTIFACT = "paved-road-drift-report"


def test_actionlint_and_zizmor_find_nothing(tmp_path: Path) -> None:
    lint = tool("actionlint", "-no-color", str(WORKFLOW), cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = tool("zizmor", "--offline", "--no-progress", str(WORKFLOW), cwd=tmp_path)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings to report" in audit.stdout + audit.stderr


def test_every_action_is_pinned_to_a_commit_and_approved_ones_to_their_pin() -> None:
    approved = load_yaml(APPROVED)["actions"]
    pinned = [USES.match(line) for line in WORKFLOW.read_text().splitlines()]
    pinned = [match for match in pinned if match]
    assert len(pinned) >= 9
    for match in pinned:
        assert re.fullmatch(r"[0-9a-f]{40}", match["ref"]), match.group(0)
        assert match["version"], f"{match['action']}: name the pinned release in a comment"
        if match["action"] in approved:
            assert match["ref"] == approved[match["action"]]["sha"], match.group(0)
            assert match["version"] == str(approved[match["action"]]["version"])


def test_the_matrix_is_sized_by_the_fleet_and_the_report_reads_what_the_shards_write() -> None:
    workflow = load_yaml(WORKFLOW)
    plan, check = workflow["jobs"]["plan"], workflow["jobs"]["check"]
    assert "fleet shards" in plan["steps"][-1]["run"]
    assert check["needs"] == "plan"
    assert check["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert check["env"]["SHARDS"] == "${{ needs.plan.outputs.shards }}"
    text = WORKFLOW.read_text()
    assert '--shard "$SHARD/$SHARDS"' in text and "--drift-dir reports" in text
    assert "fleet collect out/reports" in text
    # The products' CI uploads its drift JSON as this artifact, holding this file.
    assert f"name={PRODUCT_ARTIFACT}" in text and REPORT_FILE == "drift-report.json"


def test_it_runs_on_a_schedule_and_by_hand_and_a_scheduled_run_checks() -> None:
    workflow = load_yaml(WORKFLOW)
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    # No inputs on a schedule: the check path runs, on the default fleet file.
    assert workflow["jobs"]["plan"]["if"] == "(inputs.mode || 'check') == 'check'"
    assert workflow["env"]["FLEET_FILE"] == "${{ inputs.fleet || 'fleet.yml' }}"


def test_each_shard_keeps_its_cache_keyed_by_the_lock_and_the_shard() -> None:
    steps = load_yaml(WORKFLOW)["jobs"]["check"]["steps"]
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    check = next(step["run"] for step in steps if "fleet check" in step.get("run", ""))
    assert f"--cache-dir {cache['with']['path']}" in check
    key, restore = cache["with"]["key"], cache["with"]["restore-keys"].strip()
    # A new entry each run (entries never change); restored from the newest of the same
    # checker versions (the lock) and shard.
    assert key.startswith(restore) and key.endswith("${{ github.run_id }}")
    for part in ("hashFiles('uv.lock')", "matrix.shard", "needs.plan.outputs.shards"):
        assert part in restore


def _report_step() -> str:
    steps = load_yaml(WORKFLOW)["jobs"]["report"]["steps"]
    return next(step["run"] for step in steps if "fleet collect" in step.get("run", ""))


@pytest.mark.parametrize(
    ("exit_code", "writes", "passes"),
    [(0, True, True), (1, True, True), (1, False, False), (2, False, False), (3, False, False)],
)
def test_the_report_job_fails_unless_a_report_was_written(
    exit_code: int, writes: bool, passes: bool, tmp_path: Path
) -> None:
    """The report step, run by bash as the runner does, with a `uv` that stands for paved-road:
    exit 1 passes only when the report is there (a crash that exits 1 must not go green)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "uv"
    write = 'mkdir -p out && echo "{}" > out/fleet.json\n' if writes else ""
    stub.write_text(f"#!/bin/sh\n{write}exit {exit_code}\n")
    stub.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FLEET_FILE": "fleet.yml",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", _report_step()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode == 0) is passes, done.stdout + done.stderr
    if not passes and exit_code == 1:
        assert "::error::paved-road fleet wrote no report" in done.stdout
