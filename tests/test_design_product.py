"""The design system in generated products: what each `ui` gets, the guardrails `make check`
runs (stale tokens, hard-coded styles), and a token release reaching the browser."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import copier
import pytest
import yaml
from playwright.sync_api import sync_playwright

from tests.cases import CHECK_CASES
from tests.design_support import (
    CHROMIUM_FLAGS,
    chromium_path,
    hex_to_rgb,
    release_token_change,
)
from tests.shared import Renders
from tests.support import (
    REPO_ROOT,
    commit_all,
    copy_product,
    free_port,
    init_repo,
    run,
    snapshot_template,
)

PACKAGE = "demo_shop"
SERVER_ONLY = [
    "design/tokens.json",
    "design/build.py",
    "package.json",
    "package-lock.json",
    ".stylelintrc.json",
    f"src/{PACKAGE}/static/css/tokens.css",
    f"src/{PACKAGE}/static/css/components.css",
    f"src/{PACKAGE}/templates/components.html",
    f"src/{PACKAGE}/templates/items/form.html",
    "tests/browser/test_ui.py",
    "tests/test_design_tokens.py",
]
NEW_PRIMARY = "#0b6e4f"  # a green that keeps AA contrast with white text and on the surfaces


@pytest.fixture
def rendered(renders: Renders, template_repo: Path) -> dict[str, Path]:
    """One product per ui answer, rendered without tasks (file layout only): the run's shared
    renders, read only."""
    return {
        ui: renders.pristine(template_repo, {**CHECK_CASES["default"], "ui": ui}, vcs_ref="v1.0.0")
        for ui in ("server", "none")
    }


def test_server_ui_product_gets_the_design_system(rendered: dict[str, Path]) -> None:
    product = rendered["server"]
    for path in SERVER_ONLY:
        assert (product / path).is_file(), path
    makefile = (product / "Makefile").read_text()
    assert "check: design-check css-lint " in makefile
    assert '"playwright>=' in (product / "pyproject.toml").read_text()
    # The product's copy of the tokens is the template's, and its CSS is built from it.
    assert (product / "design/tokens.json").read_bytes() == (
        REPO_ROOT / "template/design/tokens.json"
    ).read_bytes()
    check = run(
        ["python3", "design/build.py", "--css", f"src/{PACKAGE}/static/css/tokens.css", "--check"],
        cwd=product,
        check=False,
    )
    assert check.returncode == 0, check.stderr


def test_api_only_product_gets_none_of_it(rendered: dict[str, Path]) -> None:
    product = rendered["none"]
    for path in SERVER_ONLY:
        assert not (product / path).exists(), path
    assert not (product / "design").exists()
    assert not (product / f"src/{PACKAGE}/static").exists()
    makefile = (product / "Makefile").read_text()
    for target in ("design-check", "css-lint", "npm ci"):
        assert target not in makefile
    assert "playwright" not in (product / "pyproject.toml").read_text()


def test_policy_guards_the_design_system(rendered: dict[str, Path]) -> None:
    policy = yaml.safe_load((rendered["server"] / ".paved-road/policy.yml").read_text())
    guarded = set(policy["guarded"])
    for path in (
        "design/tokens.json",
        "design/build.py",
        f"src/{PACKAGE}/static/css/tokens.css",
        f"src/{PACKAGE}/templates/components.html",
        ".stylelintrc.json",
    ):
        assert path in guarded, path
    none_policy = yaml.safe_load((rendered["none"] / ".paved-road/policy.yml").read_text())
    assert not any("design" in path for path in none_policy["guarded"])


@pytest.mark.slow(reason="locks and sets up a product (uv, npm) to run its make targets")
def test_make_check_guardrails_name_the_offending_line(
    template_repo: Path, tmp_path: Path, seed_npm: Callable[[Path], None]
) -> None:
    product = copy_product(template_repo, tmp_path / "product", CHECK_CASES["default"])
    init_repo(product)
    seed_npm(product)

    # A hand edit of the built tokens is stale: make design-check fails and says what to run.
    tokens_css = product / f"src/{PACKAGE}/static/css/tokens.css"
    tokens_css.write_text(
        tokens_css.read_text().replace("--color-primary: #", "--color-primary: #0")
    )
    stale = run(["make", "design-check"], cwd=product, check=False)
    assert stale.returncode != 0
    assert f"stale build output src/{PACKAGE}/static/css/tokens.css: run `make design`" in (
        stale.stderr
    )
    run(["make", "design"], cwd=product)
    run(["make", "design-check"], cwd=product)

    # Hard-coded values in a stylesheet and in a template's inline style fail css-lint, by line.
    app_css = product / f"src/{PACKAGE}/static/css/app.css"
    app_css.write_text(app_css.read_text() + ".promo {\n  color: #ff0000;\n  margin: 13px;\n}\n")
    promo_line = len(app_css.read_text().splitlines()) - 2
    form = product / f"src/{PACKAGE}/templates/items/form.html"
    form.write_text(
        form.read_text().replace(
            '<div class="page-header">', '<div class="page-header" style="font-family: Papyrus">', 1
        )
    )
    lint = run(["make", "css-lint"], cwd=product, check=False)
    assert lint.returncode != 0
    report = lint.stdout + lint.stderr
    assert f"src/{PACKAGE}/static/css/app.css" in report
    assert f"{promo_line}:3" in report and '"#ff0000"' in report and '"13px"' in report
    assert f"src/{PACKAGE}/templates/items/form.html" in report and "Papyrus" in report

    # Token values pass.
    app_css.write_text(".promo {\n  color: var(--color-primary);\n  margin: var(--spacing-4);\n}\n")
    run(["git", "checkout", "--", str(form)], cwd=product)
    run(["make", "css-lint"], cwd=product)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    """Start a product's app (its own venv) on a free port; stopped at the end of the test."""
    servers: list[subprocess.Popen[bytes]] = []

    def start(product: Path) -> str:
        prefix = f"{PACKAGE.upper()}_"
        env = {
            f"{prefix}DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
            f"{prefix}ENVIRONMENT": "test",
        }
        run(["uv", "run", "--locked", "alembic", "upgrade", "head"], cwd=product, **env)
        port = free_port()
        server = subprocess.Popen(
            [
                "uv",
                "run",
                "--locked",
                "uvicorn",
                "--factory",
                f"{PACKAGE}.main:create_app",
                "--port",
                str(port),
            ],
            cwd=product,
            env={**os.environ, **env, "UV_PYTHON_DOWNLOADS": "never"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append(server)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                    return url
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the product's app did not answer on {url}")

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


def _primary_button_colour(url: str) -> str:
    executable = chromium_path()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/items/new")
            return page.locator(".button--primary").first.evaluate(
                "el => getComputedStyle(el).backgroundColor"
            )
        finally:
            browser.close()


@pytest.mark.slow(reason="a product's npm install and headless Chromium, across a token release")
@pytest.mark.browser
def test_a_token_release_reaches_the_product_and_the_browser(tmp_path: Path, serve) -> None:
    if chromium_path() is None:
        pytest.skip("no Chromium: apt-get install chromium, or set CHROMIUM_PATH")
    template = snapshot_template(tmp_path / "template", tag="v1.0.0")
    old_primary = json.loads((template / "template/design/tokens.json").read_text())["color"][
        "primary"
    ]["$value"]
    release_token_change(template, ("color", "primary"), NEW_PRIMARY, tag="v1.1.0")

    # Without sign-in: the pages are looked at by an anonymous browser (the product's own
    # browser tests sign in, and cover the sign-in page's tokens).
    answers = {**CHECK_CASES["default"], "auth": "none"}
    product = copy_product(template, tmp_path / "product", answers, vcs_ref="v1.0.0")
    init_repo(product)
    shots = os.environ.get("PAVED_ROAD_SCREENSHOTS")
    if shots:
        # The docs' screenshots, taken by the product's own browser tests at the current tokens
        # (PAVED_ROAD_SCREENSHOTS=docs/img). `make check` runs those tests in the product tests.
        run(["make", "node_modules/.package-lock.json"], cwd=product)
        run(
            ["uv", "run", "--locked", "pytest", "-q", "tests/browser"],
            cwd=product,
            UI_SCREENSHOT_DIR=str(Path(shots).resolve()),
        )
        assert (Path(shots) / "item-form-error-light.png").read_bytes().startswith(b"\x89PNG")
    assert _primary_button_colour(serve(product)) == hex_to_rgb(old_primary)

    copier.run_update(
        str(product),
        vcs_ref="v1.1.0",
        defaults=True,
        overwrite=True,
        unsafe=True,
        quiet=True,
        skip_tasks=True,
    )
    tokens = json.loads((product / "design/tokens.json").read_text())
    assert tokens["color"]["primary"]["$value"] == NEW_PRIMARY
    assert (
        f"--color-primary: {NEW_PRIMARY};"
        in (product / f"src/{PACKAGE}/static/css/tokens.css").read_text()
    )
    assert run(["git", "ls-files", "-u"], cwd=product).stdout == ""  # no conflicts
    commit_all(product, "Update to the v1.1.0 design system")
    run(["make", "design-check"], cwd=product)

    assert _primary_button_colour(serve(product)) == hex_to_rgb(NEW_PRIMARY)
