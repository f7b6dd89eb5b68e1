"""The generated product's own workflow passes out of the box: `make check`, `make dev`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cases import CHECK_CASES, DEFAULTS
from tests.deploy_support import load_yaml
from tests.shared import MypyCaches, Renders
from tests.spa_support import assert_spa_checked, screenshot_dir
from tests.support import commit_all, free_port, git, run, tool_env


def python_available(version: str) -> bool:
    found = run(["uv", "python", "find", "--no-project", version], cwd=Path.cwd(), check=False)
    return found.returncode == 0


def render_git_product(
    template: Path, dst: Path, answers: dict[str, str], renders: Renders
) -> Path:
    """A product as an engineer gets it: rendered with tasks (uv.lock), in a git repo. A copy
    of the run's one render with tasks for these answers (the same files: copier and
    ``uv lock`` are deterministic), so checks of the same answers (the default case,
    ``make dev``, the mypy warm-up, the probe tests, the hooks) pay the render and lock once."""
    renders.product_copy(template, dst, answers, skip_tasks=False)
    git(dst, "init", "--quiet", "--initial-branch=main")
    commit_all(dst, "Initial product from the paved road")
    return dst


@pytest.mark.slow(reason="the product's whole make check (uv, npm, mypy, pytest, browser tests)")
@pytest.mark.parametrize("answers", CHECK_CASES.values(), ids=CHECK_CASES.keys())
def test_make_check_passes_out_of_the_box(
    template_repo: Path,
    tmp_path: Path,
    answers: dict[str, str],
    request: pytest.FixtureRequest,
    *,
    seed_npm: Callable[[Path], None],
    mypy_caches: MypyCaches,
    renders: Renders,
) -> None:
    if not python_available(answers["python_version"]):
        pytest.skip(f"Python {answers['python_version']} is not installed on this machine")
    env: dict[str, str] = {}
    if answers["database"] == "postgres":
        env = request.getfixturevalue("postgres_env_for")(answers)
    product = render_git_product(template_repo, tmp_path / "product", answers, renders)
    seed_npm(product)  # the run's npm ci for this lock (make setup's own runs in the dev test)
    # A copy of the run's warm cache (mypy still checks this product's code), for the default
    # Python version; the one case of another version runs its mypy cold, then offers its cache.
    seeded = mypy_caches.seed(product)
    assert seeded or answers["python_version"] != DEFAULTS["python_version"]
    if answers["ci"] == "gitlab":
        result = gitlab_check_job(product, env)
    else:
        # The SPA's browser tests save their screenshots there (the docs' images with
        # PAVED_ROAD_SCREENSHOTS=docs/img); other UIs ignore it.
        shots = screenshot_dir(tmp_path)
        result = run(["make", "check"], cwd=product, SPA_SCREENSHOT_DIR=str(shots), **env)
        if answers["ui"] == "spa":
            assert_spa_checked(result.stdout, shots)
    assert "migrations-check: downgrade base: ok" in result.stdout
    # `make test-fast` (every test but the browser ones) runs on every UI choice, ui=none
    # included, whose tests have no browser marker: collected only, make check ran them all.
    fast = run(["make", "test-fast"], cwd=product, PYTEST_ADDOPTS="--collect-only -q", **env)
    assert " tests collected" in fast.stdout
    # The rendered code is already formatted: formatting a fresh product changes nothing.
    run(["make", "fmt"], cwd=product, **env)
    assert git(product, "status", "--porcelain").stdout == ""
    mypy_caches.keep(product)


@pytest.mark.slow(reason="two products' uv sync and mypy runs")
def test_a_seeded_mypy_cache_keeps_the_verdict(
    template_repo: Path, tmp_path: Path, mypy_caches: MypyCaches, renders: Renders
) -> None:
    """The run's cache, warmed in set-up on another product, is what a seeded product's mypy
    reads (its third-party modules are not checked cold again); and another product's warm
    cache passes a clean product and still finds a type error in a module whose entry in that
    cache is clean: mypy checks what changed for real."""
    answers = {**CHECK_CASES["default"], "ui": "none"}
    first = render_git_product(template_repo, tmp_path / "first", answers, renders)
    assert mypy_caches.seed(first)  # warmed by the fixture's set-up, on a default product
    warm = run(["uv", "run", "--locked", "mypy", "--verbose"], cwd=first)
    # mypy's log for a module whose cached entry it keeps: "Metadata fresh", or "Updating
    # mtime" when only the path or mtime differ from the entry (another product's venv).
    reused = r"^LOG: +(Metadata fresh.*|Updating mtime) for sqlalchemy\.orm: file "
    assert re.search(reused, warm.stderr, re.MULTILINE), warm.stderr[-2000:]
    caches = MypyCaches(tmp_path / "caches")
    caches.keep(first)
    other = {**answers, "product_name": "Other Place"}
    second = render_git_product(template_repo, tmp_path / "second", other, renders)
    assert caches.seed(second)

    clean = run(["uv", "run", "--locked", "mypy"], cwd=second)
    assert "Success: no issues found" in clean.stdout

    # tests/test_health.py is the same file in both products: its cached entry is clean.
    health = second / "tests" / "test_health.py"
    health.write_text(health.read_text() + '\n\nNOT_A_NUMBER: int = "seven"\n')
    broken = run(["uv", "run", "--locked", "mypy"], cwd=second, check=False)
    assert broken.returncode == 1, broken.stdout
    assert "tests/test_health.py:" in broken.stdout
    assert 'Incompatible types in assignment (expression has type "str"' in broken.stdout


def gitlab_check_job(product: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The `check` job of the product's .gitlab-ci.yml, its `script:` lines in one bash as a
    GitLab runner runs them, with the job's variables. Not its `before_script:` (Node.js and
    chromium installs, which this machine has) nor its cache location (the runner's business)."""
    job = load_yaml(product / ".gitlab-ci.yml")["check"]
    variables = {key: str(value) for key, value in job.get("variables", {}).items()}
    variables.pop("UV_CACHE_DIR")
    variables["UV_PYTHON_DOWNLOADS"] = "never"  # this machine has the Pythons
    script = "set -eo pipefail\n" + "\n".join(job["script"])
    return run(["bash", "--noprofile", "--norc", "-c", script], cwd=product, **{**variables, **env})


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, response.read()


@pytest.mark.slow(reason="make setup then make dev serving the product")
def test_make_dev_serves_healthz(template_repo: Path, tmp_path: Path, renders: Renders) -> None:
    product = render_git_product(
        template_repo, tmp_path / "product", CHECK_CASES["default"], renders
    )
    run(["make", "setup"], cwd=product)
    port = free_port()
    server = subprocess.Popen(
        ["make", "dev", f"PORT={port}"],
        cwd=product,
        env=tool_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert status == 200
        assert body == b'{"status":"ok"}'
        assert _get(f"http://127.0.0.1:{port}/readyz")[0] == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
