"""No silent way back (issue 28): drift reads the answers file's git history.

A product team rolls its product back to an older release, or edits an answer so that the
template renders fewer guarded files, and commits a product that matches its (new) answers
exactly. Drift holds it to the newest release and the guarded files it recorded before.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cases import CHECK_CASES
from tests.drift_support import drift
from tests.fleet_support import release
from tests.support import commit_all, copy_product, git, init_repo, snapshot_template


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The platform's template with two releases, v1.0.0 and v1.1.0."""
    template = snapshot_template(tmp_path_factory.mktemp("history-template"), tag="v1.0.0")
    release(template, "v1.1.0", "(1.1)")
    return template


def replace_files(product: Path, made: Path) -> None:
    """The product's files become MADE's (its git history stays), committed."""
    for path in product.iterdir():
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.copytree(made, product, dirs_exist_ok=True)
    commit_all(product, "back to how it was")


def findings(out: str) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for finding in json.loads(out)["findings"]:
        found.setdefault(finding["kind"], []).append(finding)
    return found


def test_a_rollback_to_an_older_release_fails(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = CHECK_CASES["deploy_target=none"]
    product = copy_product(template, tmp_path / "product", answers, skip_tasks=True)
    init_repo(product)
    newest = git(product, "rev-parse", "HEAD").stdout.strip()
    code, out, _ = drift(capsys, product, "--format", "json", approve=template)
    assert code == 0, out

    older = copy_product(template, tmp_path / "older", answers, skip_tasks=True, vcs_ref="v1.0.0")
    replace_files(product, older)
    code, out, _ = drift(capsys, product, "--format", "json", approve=template)
    assert code == 1, out
    [rollback] = findings(out)["rollback"]
    assert rollback["severity"] == "error"
    assert rollback["message"].startswith(
        f"_commit v1.0.0 is older than v1.1.0, which this product recorded in commit {newest[:12]}"
    )
    errors = [f["kind"] for f in json.loads(out)["findings"] if f["severity"] == "error"]
    assert errors == ["rollback"], "the files match v1.0.0: only the rollback fails"


def test_an_answer_edited_to_drop_guarded_files_fails(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = {**CHECK_CASES["deploy_target=none"], "ui": "server"}
    product = copy_product(template, tmp_path / "product", server, skip_tasks=True)
    init_repo(product)
    first = git(product, "rev-parse", "HEAD").stdout.strip()
    bare = copy_product(template, tmp_path / "bare", {**server, "ui": "none"}, skip_tasks=True)
    replace_files(product, bare)
    edit = git(product, "rev-parse", "HEAD").stdout.strip()

    code, out, _ = drift(capsys, product, "--format", "json", approve=template)
    assert code == 1, out
    found = findings(out)
    notes = [f for f in found["answer-changed"] if f["severity"] == "info"]
    assert [note["message"] for note in notes] == [
        f"answer 'ui' changed from 'server' to 'none' in commit {edit[:12]} outside a "
        "template update"
    ]
    [lost] = [f for f in found["answer-changed"] if f["severity"] == "error"]
    assert lost["part"] == "ui"
    assert (
        f"the answers of commit {first[:12]} (ui='server') had guarded files" in (lost["message"])
    )
    assert "design/tokens.json" in lost["message"]


def test_an_answer_edited_without_losing_guarded_files_is_a_note(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = CHECK_CASES["deploy_target=none"]
    product = copy_product(template, tmp_path / "product", answers, skip_tasks=True)
    init_repo(product)
    other = copy_product(
        template, tmp_path / "other", {**answers, "python_version": "3.13"}, skip_tasks=True
    )
    replace_files(product, other)
    code, out, _ = drift(capsys, product, "--format", "json", approve=template)
    assert code == 0, out
    [note] = findings(out)["answer-changed"]
    assert note["severity"] == "info"
    assert "answer 'python_version' changed from '3.12' to '3.13'" in note["message"]
