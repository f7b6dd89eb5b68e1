"""The `ui: spa` option: what a product gets, the locked npm dependencies, the typed theme kept
in step with the tokens, and a token release reaching the SPA in the browser."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import copier
import pytest
import yaml

from tests.cases import CHECK_CASES
from tests.design_support import build_cli, chromium_path
from tests.shared import Renders
from tests.spa_support import FRONTEND, SPA_ANSWERS, TYPED_THEME, release_tokens
from tests.support import REPO_ROOT, commit_all, copy_product, init_repo, run, snapshot_template

PACKAGE = "demo_shop"
SPA_ONLY = [
    "frontend/package.json",
    "frontend/package-lock.json",
    "frontend/index.html",
    "frontend/biome.json",
    "frontend/tsconfig.json",
    "frontend/vite.config.ts",
    "frontend/src/theme/tokens.ts",
    "frontend/src/theme/theme.ts",
    "frontend/src/screens/ItemForm.tsx",
    f"src/{PACKAGE}/spa.py",
    "tests/test_spa_serving.py",
    "tests/test_spa_browser.py",
]
HOSTILE_NAME = 'Tom\'s "<Shop>" & Co {{ x }}'
NEW_PRIMARY = "#0b6e4f"  # keeps AA contrast with white text, as design/build.py demands


@pytest.fixture
def rendered(renders: Renders, template_repo: Path) -> dict[str, Path]:
    """One product per ui answer, rendered without tasks (file layout only): the run's shared
    renders, read only."""
    answers = {ui: {**CHECK_CASES["default"], "ui": ui} for ui in ("spa", "server", "none")}
    answers["hostile"] = {**CHECK_CASES["default"], "ui": "spa", "product_name": HOSTILE_NAME}
    return {
        name: renders.pristine(template_repo, these, vcs_ref="v1.0.0")
        for name, these in answers.items()
    }


def test_spa_product_gets_the_frontend_wired_into_make(rendered: dict[str, Path]) -> None:
    product = rendered["spa"]
    for path in SPA_ONLY:
        assert (product / path).is_file(), path
    makefile = (product / "Makefile").read_text()
    assert "check: design-check frontend-check" in makefile
    assert "test: frontend-build" in makefile
    assert "design/build.py --ts frontend/src/theme/tokens.ts" in makefile
    # The product's copy of the typed theme is the one design/build.py makes from its tokens.
    check = run(
        ["python3", "design/build.py", "--ts", "frontend/src/theme/tokens.ts", "--check"],
        cwd=product,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    assert "frontend_dist: Path" in (product / f"src/{PACKAGE}/core/config.py").read_text()
    assert (
        "mount_spa(app, settings.frontend_dist)" in (product / f"src/{PACKAGE}/main.py").read_text()
    )


@pytest.mark.parametrize("ui", ["server", "none"])
def test_other_products_get_no_spa(rendered: dict[str, Path], ui: str) -> None:
    product = rendered[ui]
    for path in SPA_ONLY:
        assert not (product / path).exists(), path
    assert not (product / "frontend").exists()
    makefile = (product / "Makefile").read_text()
    assert "frontend" not in makefile
    assert "frontend" not in (product / f"src/{PACKAGE}/core/config.py").read_text()
    main = (product / f"src/{PACKAGE}/main.py").read_text()
    assert not re.search(r"\bspa\b", main, re.IGNORECASE), "the word, not `lifespan`"


def test_product_name_reaches_the_page_escaped(rendered: dict[str, Path]) -> None:
    html = (rendered["hostile"] / "frontend/index.html").read_text()
    title = re.search(r"<title>(.*)</title>", html)
    assert title is not None
    assert title.group(1) == "Tom&#39;s &#34;&lt;Shop&gt;&#34; &amp; Co {{ x }}"


def test_policy_guards_the_theme_and_seeds_the_screens(rendered: dict[str, Path]) -> None:
    policy = yaml.safe_load((rendered["spa"] / ".paved-road/policy.yml").read_text())
    for path in (
        "design/tokens.json",
        "design/build.py",
        "frontend/src/theme/tokens.ts",
        "frontend/src/theme/theme.ts",
        "frontend/biome.json",
        f"src/{PACKAGE}/spa.py",
    ):
        assert path in policy["guarded"], path
    assert {"frontend/package.json", "frontend/package-lock.json"} <= {
        entry["path"] for entry in policy["shared"]
    }
    assert "frontend/src/**" in {entry["path"] for entry in policy["seeded"]}
    server_policy = yaml.safe_load((rendered["server"] / ".paved-road/policy.yml").read_text())
    assert not any(path.startswith("frontend/") for path in server_policy["guarded"])


def test_committed_typed_theme_is_fresh() -> None:
    """The template ships the SPA's theme built from its own tokens; a release rebuilds both."""
    check = build_cli(REPO_ROOT, "--ts", TYPED_THEME, "--check")
    assert check.returncode == 0, (
        f"{check.stderr}\nrebuild it: python template/design/build.py --ts '{TYPED_THEME}'"
    )


def test_lock_matches_package_json_and_pins_every_package() -> None:
    """npm ci installs exactly the lock: every package by version and sha512, from the npm
    registry (the lock names no other source; npm here omits the registry's own URLs)."""
    frontend = REPO_ROOT / FRONTEND
    package = json.loads((frontend / "package.json").read_text())
    lock = json.loads((frontend / "package-lock.json").read_text())
    root = lock["packages"][""]
    assert root.get("dependencies") == package["dependencies"]
    assert root.get("devDependencies") == package["devDependencies"]
    installed = {path: entry for path, entry in lock["packages"].items() if path}
    assert len(installed) > 50, "the lock names too few packages to be the SPA's"
    for path, entry in installed.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+\S*", entry["version"]), path
        assert entry["integrity"].startswith("sha512-"), path
        assert entry.get("resolved", "https://registry.npmjs.org/").startswith(
            "https://registry.npmjs.org/"
        ), path


@pytest.mark.slow(
    reason="the SPA product's npm, vite, pytest and Chromium across a token release, then biome"
)
@pytest.mark.browser
def test_a_token_release_reaches_the_spa_product_and_its_browser_test(
    tmp_path: Path, seed_npm: Callable[[Path], None]
) -> None:
    """A design-system release reaches an SPA product made at the release before: the typed
    theme, the build, the product's own browser test, and the frontend guardrail. (The same
    product's whole `make check` out of the box, its browser tests' screenshots included, is
    test_product_check.py's `ui=spa` case.)"""
    if chromium_path() is None:
        pytest.skip("no Chromium: apt-get install chromium, or set CHROMIUM_PATH")
    template = snapshot_template(tmp_path / "template", tag="v1.0.0")
    release_tokens(template, ("color", "primary"), NEW_PRIMARY, tag="v1.1.0")
    product = copy_product(template, tmp_path / "product", SPA_ANSWERS, vcs_ref="v1.0.0")
    init_repo(product)
    seed_npm(product)
    theme = product / "frontend/src/theme/tokens.ts"
    assert f'"colorPrimary": "{NEW_PRIMARY}"' not in theme.read_text()  # the release's, not yet

    copier.run_update(
        str(product), vcs_ref="v1.1.0", defaults=True, overwrite=True, unsafe=True, quiet=True
    )
    assert run(["git", "ls-files", "-u"], cwd=product).stdout == ""  # no conflicts
    assert f'"colorPrimary": "{NEW_PRIMARY}"' in theme.read_text()
    commit_all(product, "Update to the v1.1.0 design system")
    run(["make", "design-check", "frontend-build"], cwd=product)
    assert any(NEW_PRIMARY in js.read_text() for js in (product / "frontend/dist").rglob("*.js"))
    # Nothing changed since that build: `make test` and `make check` reuse it.
    assert "Nothing to be done" in run(["make", "frontend-build"], cwd=product).stdout
    # The product's browser test compares the button with its own (now updated) tokens.json.
    seen = run(
        ["uv", "run", "--locked", "pytest", "-q", "tests/test_spa_browser.py", "-k", "primary"],
        cwd=product,
    )
    assert "1 passed" in seen.stdout
    assert (
        json.loads((product / "design/tokens.json").read_text())["color"]["primary"]["$value"]
        == NEW_PRIMARY
    )

    # The guardrail: a screen that hard-codes a colour, spacing or font family fails
    # frontend-check (biome with the platform's GritQL rule), which names file, line and column.
    screen = product / "frontend/src/screens/Promo.tsx"
    screen.write_text(
        'import { Box } from "@mui/material";\n\n'
        "export function Promo() {\n"
        '  return <Box sx={{ color: "#ff0000", margin: "13px", fontFamily: "Papyrus", p: 2 }} />;\n'
        "}\n"
    )
    lint = run(["make", "frontend-check"], cwd=product, check=False)
    report = lint.stdout + lint.stderr
    assert lint.returncode != 0
    for column, kind in ((28, "colour"), (47, "spacing"), (67, "font family")):
        assert f"src/screens/Promo.tsx:4:{column}" in report, kind
        assert f"Hard-coded {kind}" in report, kind
