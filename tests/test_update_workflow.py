"""The product's template-update workflow: least privilege, and its update step run for real.

actionlint, zizmor, the schemas and the approved pins are checked for every workflow by
tests/test_workflows.py. Here the step that runs `paved-road update` is executed with bash as
GitHub would (its own script, the runner's variables pointed at temp files), on a product whose
update conflicts: the step must succeed so the PR opens, and hand the PR a `[conflicts]` title
and a non-zero exit that makes the last step fail the run and the PR's commit status.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from paved_road.template_source import APPROVED_SOURCES

from tests.cases import CHECK_CASES
from tests.support import commit_all, copy_product, git, init_repo, run
from tests.update_support import GIT_IDENTITY, Versions

WORKFLOW = ".github/workflows/template-update.yml"
UNREACHABLE = "http://127.0.0.1:9/paved-road.git"  # loopback port 9: refused at once


def _workflow(product: Path) -> dict:
    return yaml.safe_load((product / WORKFLOW).read_text())


def _steps(product: Path) -> dict[str, dict]:
    steps = _workflow(product)["jobs"]["update"]["steps"]
    return {step.get("id", step.get("name", "")): step for step in steps}


@pytest.fixture(scope="module")
def fresh_product(
    versions: Versions,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    product = tmp_path_factory.mktemp("workflow") / "product"
    return copy_product(
        versions.repo, product, CHECK_CASES["default"], vcs_ref=versions.new, skip_tasks=True
    )


def test_least_privilege_and_schedule(fresh_product: Path) -> None:
    workflow = _workflow(fresh_product)
    assert workflow["permissions"] == {}
    assert workflow[True]["schedule"] and "workflow_dispatch" in workflow[True]  # `on:`
    job = workflow["jobs"]["update"]
    assert job["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "statuses": "write",
    }
    steps = job["steps"]
    assert steps[0]["with"]["persist-credentials"] is False
    update = _steps(fresh_product)["update"]
    assert "paved-road update --defaults" in update["run"]
    # paved-road comes from the platform's repository, the constant CI's drift check uses;
    # nothing of the answers file (which a fork could point at itself) decides it.
    assert f'platform="{APPROVED_SOURCES[0]}"' in update["run"]
    assert "_src_path" not in update["run"] and ".copier-answers" not in update["run"]
    assert "env" not in update  # no repository variable overrides it either
    assert _steps(fresh_product)["pr"]["uses"].startswith("peter-evans/create-pull-request@")


def _run_update_step(
    product: Path, runner: Path, platform: Path
) -> tuple[int, dict[str, str], str]:
    """The step's own script, with the platform's repository URL pointed at ``platform`` (a
    local template repository: no GitHub at test time)."""
    script = runner / "update-step.sh"
    step = _steps(product)["update"]["run"]
    assert APPROVED_SOURCES[0] in step
    script.write_text(step.replace(APPROVED_SOURCES[0], f"file://{platform}"))
    outputs = runner / "output"
    outputs.write_text("")
    result = run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=product,
        check=False,
        GITHUB_OUTPUT=str(outputs),
        GITHUB_STEP_SUMMARY=str(runner / "summary"),
        RUNNER_TEMP=str(runner),
        **GIT_IDENTITY,
    )
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    body = (runner / "body.md").read_text() if (runner / "body.md").exists() else ""
    return result.returncode, values, body + result.stdout + result.stderr


@pytest.mark.slow(reason="runs the update workflow's steps on a real update with conflicts")
def test_update_step_opens_a_conflicts_pr_that_fails(
    versions: Versions,
    tmp_path: Path,
) -> None:
    template = tmp_path / "template"
    git(tmp_path, "clone", "--quiet", str(versions.repo), str(template))
    makefile = template / "template/Makefile.jinja"
    makefile.write_text(makefile.read_text().replace("PORT ?= 8000", "PORT ?= 8001"))
    commit_all(template, "template: port 8001")
    git(template, "tag", "v99.0.0")
    product = copy_product(
        template, tmp_path / "product", CHECK_CASES["default"], vcs_ref=versions.new
    )
    init_repo(product)
    (product / "Makefile").write_text(
        (product / "Makefile").read_text().replace("PORT ?= 8000", "PORT ?= 8080")
    )
    commit_all(product, "port 8080")
    runner = tmp_path / "runner"
    runner.mkdir()

    code, outputs, log = _run_update_step(product, runner, template)

    assert code == 0, log  # the step succeeds so the PR is opened ...
    assert outputs["exit"] == "1", log  # ... and the last step fails the run and the PR
    assert outputs["title"].startswith("[conflicts] "), outputs
    assert "CONFLICTS (1)" in log and "Makefile" in log
    # The PR's description carries the update's brief (issue 20).
    assert "## Conflicted files (1)\n\n- `Makefile`\n" in log
    assert "<<<<<<< before updating" in (product / "Makefile").read_text()


@pytest.mark.slow(reason="runs the update workflow's steps on a refused update")
def test_update_step_fails_when_the_update_is_refused(
    fresh_product: Path,
    versions: Versions,
    tmp_path: Path,
) -> None:
    """The answers name another template (here one that does not even answer): the tool is
    still installed from the platform's repository, and it refuses that source."""
    product = Path(tmp_path / "product")
    run(["cp", "-a", str(fresh_product), str(product)], cwd=tmp_path)
    answers = product / ".copier-answers.yml"
    answers.write_text(
        "\n".join(
            "_src_path: http://127.0.0.1:9/paved-road.git"
            if line.startswith("_src_path:")
            else line
            for line in answers.read_text().splitlines()
        )
        + "\n"
    )
    init_repo(product)
    runner = tmp_path / "runner"
    runner.mkdir()

    code, outputs, log = _run_update_step(product, runner, versions.repo)

    assert code == 2, log
    assert outputs["exit"] == "2"
    assert "title" not in outputs  # no pull request for a refused update
    assert (
        "paved-road update: template http://127.0.0.1:9/paved-road.git is unapproved: "
        "fix _src_path or --approved-source" in log
    )


def test_renovate_copier_manager_is_the_switched_off_alternative(fresh_product: Path) -> None:
    config = json.loads((fresh_product / "renovate.json").read_text())
    rules = [rule for rule in config["packageRules"] if rule.get("matchManagers") == ["copier"]]
    assert len(rules) == 1, rules
    rule = rules[0]
    # Off while the workflow runs (two bots would race); scripts allowed once switched on,
    # since the template needs --trust for its extensions and migrations.
    assert rule["enabled"] is False
    assert rule["ignoreScripts"] is False
    assert "template-update" in rule["description"]
