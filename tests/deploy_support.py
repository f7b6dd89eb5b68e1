"""Rendered products for the delivery tests (issue 5), and the checkers they run.

Every (database, deploy_target) pair, with each ui and Python version appearing at least once,
rendered without tasks (no uv.lock needed to check static files), once per session.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.cases import ALL_CASES
from tests.shared import Renders
from tests.support import copy_product, free_port, init_repo, run, tool_env

DEPLOY_CASES: dict[str, dict[str, str]] = {
    "kubernetes-sqlite": ALL_CASES["3.12-sqlite-server-kubernetes-github-oidc"],
    "kubernetes-postgres": ALL_CASES["3.13-postgres-spa-kubernetes-github-oidc"],
    "fly-sqlite": ALL_CASES["3.11-sqlite-none-fly-github-none"],
    "fly-postgres": ALL_CASES["3.12-postgres-server-fly-github-oidc"],
    "none-sqlite": ALL_CASES["3.12-sqlite-spa-none-github-oidc"],
    "none-postgres": ALL_CASES["3.11-postgres-none-none-github-none"],
}
KUBERNETES_CASES = [name for name in DEPLOY_CASES if name.startswith("kubernetes")]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def rendered(template_repo: Path, renders: Renders):
    """case name -> its rendered product: the run's shared pristine render. Read it only."""

    def get(name: str) -> Path:
        return renders.pristine(template_repo, DEPLOY_CASES[name], vcs_ref="v1.0.0")

    return get


def git_copy(render: Path, where: Path) -> Path:
    """A git repo of a shared render's files in ``where / "product"``, for a test that changes
    them: the shared render stays untouched."""
    product = Path(shutil.copytree(render, where / "product"))
    init_repo(product)
    return product


def runtime_product(template_repo: Path, dst: Path, answers: dict[str, str]) -> Path:
    """A product with its locked runtime dependencies (no dev group) in .venv, as the image has.
    The lock task runs here rather than in copier, with this venv's uv whatever PATH says."""
    product = copy_product(template_repo, dst, answers, skip_tasks=True)
    run(["uv", "lock", "--quiet"], cwd=product)
    run(["uv", "sync", "--locked", "--no-dev", "--quiet"], cwd=product)
    return product


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


def dockerfile_cmd(product: Path) -> list[str]:
    """The image's CMD (exec form, the Dockerfile's last line)."""
    last = (product / "Dockerfile").read_text().splitlines()[-1]
    assert last.startswith("CMD "), last
    return json.loads(last.removeprefix("CMD "))


def dockerfile_env(product: Path) -> dict[str, str]:
    """The runtime stage's ENV, as `docker run` sees it (values here hold no spaces)."""
    runtime = (product / "Dockerfile").read_text().split(" AS runtime")[1]
    block = re.search(r"^ENV ((?:.*\\\n)*.*)$", runtime, re.MULTILINE)
    assert block, "the runtime stage sets its environment"
    pairs = block.group(1).replace("\\\n", " ").split()
    return dict(pair.split("=", 1) for pair in pairs)


def built_overlay(product: Path, overlay: str) -> dict[str, dict]:
    """kind -> object of deploy/overlays/<overlay> as `kubectl kustomize` builds it."""
    result = tool("kubectl", "kustomize", str(product / "deploy/overlays" / overlay), cwd=product)
    assert result.returncode == 0, result.stderr
    return {doc["kind"]: doc for doc in load_all_yaml(result.stdout)}


def serve_as_the_image(
    product: Path, env: dict[str, str], log: Path | None = None
) -> tuple[subprocess.Popen, int]:
    """The Dockerfile's CMD, on a free loopback port instead of 0.0.0.0:8000; its output in
    `log` when given (a pipe nobody reads would fill up under many requests)."""
    port = free_port()
    argv = dockerfile_cmd(product)
    argv[argv.index("--host") + 1] = "127.0.0.1"
    argv[argv.index("--port") + 1] = str(port)
    argv[0] = str(product / ".venv/bin" / argv[0])
    output = log.open("w") if log else subprocess.PIPE
    server = subprocess.Popen(
        argv, cwd=product, env=tool_env(**env), stdout=output, stderr=subprocess.STDOUT
    )
    if log:
        output.close()  # the server has its own copy
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    printed = server.communicate(timeout=10)[0] or log.read_text()  # type: ignore[union-attr]
    raise AssertionError(f"the app did not start: {printed!r}")


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()
