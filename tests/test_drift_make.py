"""The generated product runs drift itself: `make drift` (part of `make check`) installs the
checker from the template source and commit its answers file records, with uv, offline here."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.cases import CHECK_CASES
from tests.drift_support import flip_one_byte, recorded_source
from tests.support import (
    commit_all,
    copy_product,
    init_repo,
    run,
    snapshot_template,
    tool_env,
)
from tests.update_support import PAVED_ROAD

pytestmark = pytest.mark.slow(reason="make drift installs the checker with uv into a fresh cache")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_template(tmp_path_factory.mktemp("drift-make-template"), tag="v1.0.0")


@pytest.fixture(scope="module")
def product(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # From HEAD, which is the release v1.0.0: drift accepts products of releases only.
    return copy_product(
        template,
        tmp_path_factory.mktemp("drift-make") / "product",
        CHECK_CASES["default"],
        skip_tasks=True,
    )


def drift_script(product: Path, **env: str):
    # As on a laptop (tool_env drops CI), unless a test says otherwise; renders cached
    # beside the product.
    env = {"PAVED_ROAD_CACHE_DIR": str(product.parent / "render-cache"), **env}
    return run(["uv", "run", "--quiet", "--script", ".paved-road/drift.py"], product, False, **env)


def test_make_drift_passes_on_a_fresh_product_and_fails_on_a_guarded_edit(product: Path) -> None:
    cache = str(product.parent / "render-cache")
    fresh = run(["make", "drift"], product, check=False, PAVED_ROAD_CACHE_DIR=cache)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "result: in policy" in fresh.stdout

    config = product / ".pre-commit-config.yaml"
    original = config.read_bytes()
    flip_one_byte(config)
    try:
        edited = drift_script(product)
        assert edited.returncode == 1, edited.stdout + edited.stderr
        assert "modified        .pre-commit-config.yaml" in edited.stdout
        made = run(["make", "drift"], product, check=False, PAVED_ROAD_CACHE_DIR=cache)
        assert made.returncode == 2  # make's own code for a failed recipe
    finally:
        config.write_bytes(original)


def uvx_that_logs(folder: Path, refuse: str = "") -> tuple[dict[str, str], Path]:
    """A `uvx` first on PATH that logs each call's arguments and runs uv's own; a call with the
    option REFUSE fails as uv's does when its cache cannot serve the checker (`--offline`: a
    first run) or that Python cannot run it (`--python`). The environment to run with it, and
    the log."""
    real = shutil.which("uvx", path=tool_env()["PATH"])
    assert real is not None
    log, script = folder / "uvx.log", folder / "bin" / "uvx"
    script.parent.mkdir()
    refused = f'case " $* " in *" {refuse} "*) echo "error: refused" >&2; exit 2;; esac'
    lines = ["#!/bin/sh", f'printf "%s\\n" "$*" >> "{log}"', refused if refuse else "",
             f'exec "{real}" "$@"']  # fmt: skip
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o755)
    return {"PATH": os.pathsep.join([str(script.parent), tool_env()["PATH"]])}, log


@pytest.mark.parametrize(
    ("refuse", "calls"),
    [
        ("", [{"--offline", "--python"}]),
        ("--offline", [{"--offline", "--python"}, {"--python"}]),
        ("--python", [{"--offline", "--python"}, {"--python"}, set()]),
    ],
    ids=["served-by-uv-cache", "not-in-uv-cache", "not-on-this-python"],
)
def test_make_drift_installs_the_checker_from_uvs_cache_first_then_as_before(
    product: Path, tmp_path: Path, refuse: str, calls: list[set[str]]
) -> None:
    """Locally the checker comes from uv's cache alone first, on the Python the script runs
    on (no index asked over the network, no interpreter looked for): a second run needs
    nothing else. When the cache cannot serve it, uvx resolves it on that Python (filling the
    cache); when that Python cannot run it, uvx resolves it as it always did. The verdict is
    the same."""
    first = drift_script(product)  # the first run on this Python may fill uv's cache
    assert first.returncode == 0, first.stdout + first.stderr
    env, log = uvx_that_logs(tmp_path, refuse)
    result = drift_script(product, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "result: in policy" in result.stdout
    made = [set(call.split()) & {"--offline", "--python"} for call in log.read_text().splitlines()]
    assert made == calls


def test_ci_installs_the_checker_as_before_never_from_the_cache_alone(
    product: Path, template: Path, tmp_path: Path
) -> None:
    """CI's drift job starts from an empty uv cache: one uvx, resolved afresh, on the Python
    uv finds (not the one the product's `.python-version` gave the script)."""
    env, log = uvx_that_logs(tmp_path)
    ci = ["--ci", "--template-source", str(template)]
    script = ["uv", "run", "--quiet", "--script", ".paved-road/drift.py", *ci]
    result = run(script, product, check=False, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    [call] = log.read_text().splitlines()
    assert "--offline" not in call.split() and "--python" not in call.split()


def test_in_github_actions_it_annotates_and_writes_the_job_summary(
    product: Path, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    result = drift_script(product, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "paved-road drift: 0 violation(s)" in result.stdout
    assert summary.read_text().startswith("### ✅ paved-road drift")


def test_unreachable_template_is_exit_2_with_one_line_unless_skipped_locally(
    product: Path, tmp_path: Path
) -> None:
    answers = product / ".copier-answers.yml"
    original = answers.read_text()
    source = next(line for line in original.splitlines() if line.startswith("_src_path:"))
    moved = f"_src_path: {tmp_path / 'gone'}"
    answers.write_text(original.replace(source, moved))
    try:
        result = drift_script(product)
        assert result.returncode == 2
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("paved-road drift: cannot check: template source ")
        assert "is unreachable" in line
        assert "DRIFT_OFFLINE=1" in line

        skipped = drift_script(product, DRIFT_OFFLINE="1")  # CI unset
        assert skipped.returncode == 0
        assert "SKIPPED (DRIFT_OFFLINE is set)" in skipped.stdout

        refused = drift_script(product, DRIFT_OFFLINE="1", CI="true")
        assert refused.returncode == 2
        assert "CI must always check drift" in refused.stderr
    finally:
        answers.write_text(original)


@pytest.mark.parametrize(
    ("commit", "message"),
    [
        ("deadbee", "template commit 'deadbee' does not exist in"),
        # YAML reads this as a date, and an impossible date is a ValueError, not a YAMLError.
        ("2026-02-30", ".copier-answers.yml does not parse as YAML: fix or restore it"),
        ("2026-02-28", ".copier-answers.yml has no _commit: restore it from git history"),
    ],
)
def test_unknown_commit_is_exit_2_with_one_line(product: Path, commit: str, message: str) -> None:
    answers = product / ".copier-answers.yml"
    original = answers.read_text()
    recorded = next(line for line in original.splitlines() if line.startswith("_commit:"))
    answers.write_text(original.replace(recorded, f"_commit: {commit}"))
    try:
        result = drift_script(product)
        assert result.returncode == 2
        [line] = result.stderr.strip().splitlines()
        assert message in line
    finally:
        answers.write_text(original)


def test_the_products_pre_commit_config_runs_drift_before_a_push(
    product: Path, tmp_path: Path
) -> None:
    """docs/drift.md: the guarded pre-commit config ships the hook; nothing to add to it."""
    repo = Path(shutil.copytree(product, tmp_path / "repo", symlinks=True))
    init_repo(repo)
    env = {
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PAVED_ROAD_CACHE_DIR": str(product.parent / "render-cache"),
    }
    installed = run(["pre-commit", "install"], repo, check=False, **env)
    assert "pre-commit installed at .git/hooks/pre-push" in installed.stdout, installed.stdout
    hook = [
        "pre-commit",
        "run",
        "paved-road-drift",
        "--hook-stage",
        "pre-push",
        "--all-files",
        "-v",
    ]
    clean = run(hook, repo, check=False, **env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "paved-road drift" in clean.stdout
    assert "result: in policy" in clean.stdout

    flip_one_byte(repo / "alembic.ini")
    commit_all(repo, "edit a guarded file")
    drifted = run(hook, repo, check=False, **env)
    assert drifted.returncode == 1, drifted.stdout + drifted.stderr
    assert "modified        alembic.ini" in drifted.stdout
    # A commit does not run it (it needs the template repository): only a push does.
    at_commit = run([*hook[:3], "--all-files"], repo, check=False, **env)
    assert "No hook with id `paved-road-drift` in stage `pre-commit`" in at_commit.stdout


def test_make_drift_and_paved_road_drift_agree_on_a_product_made_from_a_path(
    product: Path,
) -> None:
    """The product records a template on this machine (a path). Outside CI both commands check
    against it and say why in the same note; with CI set both refuse it: the checker alone
    decides, and `make drift` gives it no option of its own."""
    cache = str(product.parent / "render-cache")
    source = recorded_source(product)
    note = (
        f"template source {source} is not the platform's; checked against it because it is a "
        "template on this machine and this is a local run (`CI` is not set). CI accepts only "
        "the platform's sources"
    )
    checker = [PAVED_ROAD, "drift", "--format", "json", str(product)]
    for ci in ({}, {"CI": "true"}):
        made = run(["make", "drift", "DRIFT_ARGS=--format json"], product, False, **ci)
        direct = run(checker, product, check=False, PAVED_ROAD_CACHE_DIR=cache, **ci)
        assert made.returncode == (0 if not ci else 2)  # make's code for a failed recipe: 2
        assert direct.returncode == (0 if not ci else 1)
        verdicts = [
            [
                (finding["severity"], finding["message"])
                for finding in json.loads(result.stdout)["findings"]
                if finding["kind"] == "unapproved-source"
            ]
            for result in (made, direct)
        ]
        assert verdicts[0] == verdicts[1]
        if ci:
            [(severity, message)] = verdicts[0]
            assert severity == "error"
            assert message.startswith(f"template source {source} is not an approved paved-road")
        else:
            assert verdicts[0] == [("info", note)]
