"""A product moves from GitHub Actions to GitLab CI with `copier update --data ci=gitlab`: the
GitLab pipeline arrives, the workflows go as template deletions, and a workflow the product
changed stays as a conflict ("deleted by them") instead of vanishing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.cases import CHECK_CASES
from tests.support import commit_all, copy_product, git, init_repo, tool_env
from tests.update_support import COPIER, GIT_IDENTITY, drift

WORKFLOWS = ".github/workflows"


@pytest.mark.slow(reason="copier update renders two versions of the template")
def test_switching_ci_to_gitlab_removes_the_workflows_as_template_deletions(
    template_repo: Path, tmp_path: Path
) -> None:
    product = copy_product(
        template_repo, tmp_path / "product", CHECK_CASES["default"], skip_tasks=True
    )
    init_repo(product)
    ci = product / WORKFLOWS / "ci.yml"
    ci.write_text(ci.read_text() + "# our own note\n")
    commit_all(product, "ci: our note")

    result = subprocess.run(
        [COPIER, "update", "--trust", "--defaults", "--skip-tasks", "--data", "ci=gitlab"],
        cwd=product,
        env=tool_env(**GIT_IDENTITY),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )

    # finish_update.py: a deleted file the product changed is a conflict, and the run fails.
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{WORKFLOWS}/ci.yml" in result.stdout + result.stderr
    answers = yaml.safe_load((product / ".copier-answers.yml").read_text())
    assert answers["ci"] == "gitlab"
    for path in (".gitlab-ci.yml", ".gitlab/CODEOWNERS", ".gitlab/ci/product.yml"):
        assert (product / path).is_file(), path
    # Unchanged template files of the old forge just go.
    for path in (f"{WORKFLOWS}/deploy.yml", f"{WORKFLOWS}/template-update.yml"):
        assert not (product / path).exists(), path
    assert not (product / ".github/CODEOWNERS").exists()
    # The changed one stays, the product's version, unmerged until someone decides.
    assert ci.read_text().endswith("# our own note\n")
    status = git(product, "status", "--porcelain").stdout.splitlines()
    assert f"UD {WORKFLOWS}/ci.yml" in status
    policy = (product / ".paved-road/policy.yml").read_text()
    assert "  - .gitlab-ci.yml\n" in policy and ".github/workflows/ci.yml" not in policy

    # Accepting the deletion leaves a GitLab product in policy: changing `ci` alone trades
    # one forge's guarded files for the other's (drift's answer history allows that).
    git(product, "rm", "--quiet", f"{WORKFLOWS}/ci.yml")
    commit_all(product, "CI moves to GitLab")
    checked = drift(product)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "answer 'ci' changed from 'github' to 'gitlab'" in checked.stdout
