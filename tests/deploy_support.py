"""Rendered products for the delivery tests (issue 5), and the checkers they run.

Every (database, deploy_target) pair, with each ui and Python version appearing at least once,
rendered without tasks (no uv.lock needed to check static files), once per session.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.cases import ALL_CASES
from tests.support import copy_product, tool_env

DEPLOY_CASES: dict[str, dict[str, str]] = {
    "kubernetes-sqlite": ALL_CASES["3.12-sqlite-server-kubernetes-github"],
    "kubernetes-postgres": ALL_CASES["3.13-postgres-spa-kubernetes-github"],
    "fly-sqlite": ALL_CASES["3.11-sqlite-none-fly-github"],
    "fly-postgres": ALL_CASES["3.12-postgres-server-fly-github"],
    "none-sqlite": ALL_CASES["3.12-sqlite-spa-none-github"],
    "none-postgres": ALL_CASES["3.11-postgres-none-none-github"],
}
KUBERNETES_CASES = [name for name in DEPLOY_CASES if name.startswith("kubernetes")]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def rendered(template_repo: Path, tmp_path_factory: pytest.TempPathFactory):
    """case name -> its rendered product (rendered on first use)."""
    products: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in products:
            dst = tmp_path_factory.mktemp(name)
            products[name] = copy_product(template_repo, dst, DEPLOY_CASES[name], skip_tasks=True)
        return products[name]

    return get


def tool(*argv: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a checker from this venv; the result is returned whatever the exit code."""
    return subprocess.run(
        [str(BIN / argv[0]), *argv[1:]],
        cwd=cwd,
        env=tool_env(),
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


def load_all_yaml(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]
