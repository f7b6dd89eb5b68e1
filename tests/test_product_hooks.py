"""The product's git hooks: local, offline, and they refuse what an unfinished update leaves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cases import CHECK_CASES
from tests.shared import Renders
from tests.support import git, run
from tests.test_product_check import render_git_product

MARKERS = "<<<<<<< before updating\nmine\n=======\ntheirs\n>>>>>>> after updating\n"


@pytest.fixture(scope="module")
def product(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory, renders: Renders
) -> Path:
    # ui=none: the hooks do not depend on the UI, and this skips npm.
    answers = CHECK_CASES["ui=none"]
    product = render_git_product(
        template_repo, tmp_path_factory.mktemp("hooks") / "p", answers, renders
    )
    run(["uv", "sync", "--locked", "--quiet"], cwd=product)
    return product


def _pre_commit(product: Path, *files: str):
    return run(["uv", "run", "--locked", "pre-commit", "run", "--files", *files], product,
               check=False)  # fmt: skip


@pytest.mark.slow(reason="locks a product to run its pre-commit hooks")
def test_every_hook_is_local(product: Path) -> None:
    config = (product / ".pre-commit-config.yaml").read_text()
    assert "repo: local" in config
    assert "rev:" not in config  # nothing is fetched at hook time


@pytest.mark.slow(reason="runs every pre-commit hook of a locked product")
def test_hooks_pass_on_a_fresh_product(product: Path) -> None:
    result = run(
        ["uv", "run", "--locked", "pre-commit", "run", "--all-files"], product, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# What an unfinished update or a careless commit leaves: file, content, what the hook says.
REFUSED = {
    "conflict markers outside a merge": ("NOTES.md", MARKERS, "Merge conflict string"),
    "rejected hunks": (
        "Makefile.rej",
        "@@ -1 +1 @@\n-a\n+b\n",
        "Rejected hunks from an update remain",
    ),
    "private key": (
        "deploy.pem",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
        "Private key found",
    ),
}


@pytest.mark.slow(reason="runs the product's pre-commit hooks on a refused change")
@pytest.mark.parametrize("what", REFUSED)
def test_hooks_refuse(product: Path, what: str) -> None:
    name, content, message = REFUSED[what]
    (product / name).write_text(content)
    git(product, "add", name)
    try:
        result = _pre_commit(product, name)
        assert result.returncode == 1
        assert message in result.stdout
        assert name in result.stdout
    finally:
        git(product, "rm", "--cached", "--quiet", name)
        (product / name).unlink()


# A hard-coded colour, where the design system only allows tokens: the file it goes in, the
# line to append, and what the hook's message names.
UI_GUARDRAILS = {
    "server": ("src/demo_shop/static/css/app.css", ".x { color: #ff0000; }\n", "color-no-hex"),
    "spa": (
        "frontend/src/screens/Hardcoded.tsx",
        'export const accent = "#ff0000";\n',
        "Hard-coded colour",
    ),
}


@pytest.mark.slow(reason="runs the design guardrail hooks (npm, stylelint or biome)")
@pytest.mark.parametrize("ui", UI_GUARDRAILS)
def test_design_guardrail_runs_as_a_hook(
    template_repo: Path,
    tmp_path: Path,
    ui: str,
    seed_npm: Callable[[Path], None],
    renders: Renders,
) -> None:
    answers = {**CHECK_CASES["default"], "ui": ui}
    product = render_git_product(template_repo, tmp_path / "p", answers, renders)
    run(["uv", "sync", "--locked", "--quiet"], cwd=product)
    seed_npm(product)  # stylelint (server UI) or biome (SPA), from the run's npm ci
    clean = run(["uv", "run", "--locked", "pre-commit", "run", "--all-files"], product, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    path, line, message = UI_GUARDRAILS[ui]
    with (product / path).open("a") as handle:
        handle.write(line)
    git(product, "add", path)
    result = _pre_commit(product, path)
    assert result.returncode == 1
    assert message in result.stdout
    assert Path(path).name in result.stdout
