"""PostgreSQL for real: the generated app survives a database restart.

A throwaway PostgreSQL 15 server, the postgres product served by uvicorn as in production;
the server stops (readiness 503, liveness still 200) and starts again (readiness 200), and the
app process is the same one throughout. (The product's `make check` against a real server is
tests/test_product_check.py, with the same `postgres_env_for` fixture.)
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cases import CHECK_CASES
from tests.postgres import PostgresCluster, start_cluster
from tests.support import copy_product, free_port, run, tool_env

ANSWERS = CHECK_CASES["database=postgres"]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for(url: str, status: int, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            code, body = get(url)
            if code == status:
                return body
            last = (code, body)
        except OSError as error:
            last = error
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} within {timeout}s; last: {last}")


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    # Its own server: this test stops and starts it, which others sharing one must not see.
    yield from start_cluster()


@pytest.mark.slow
@pytest.mark.postgres
def test_readiness_fails_while_postgres_is_down_and_recovers_without_a_restart(
    template_repo: Path, tmp_path: Path, cluster: PostgresCluster
) -> None:
    # The lock task runs here rather than in copier, with this venv's uv whatever PATH says.
    product = copy_product(template_repo, tmp_path / "product", ANSWERS, skip_tasks=True)
    run(["uv", "lock", "--quiet"], cwd=product)
    run(["uv", "sync", "--locked", "--no-dev"], cwd=product)
    cluster.create_database("demo_shop")
    port = free_port()
    env = tool_env(
        DEMO_SHOP_ENVIRONMENT="production",
        DEMO_SHOP_SECRET_KEY="k" * 48,
        DEMO_SHOP_DATABASE_URL=cluster.url("demo_shop"),
    )
    run(["uv", "run", "--locked", "--no-dev", "alembic", "upgrade", "head"], cwd=product, **env)
    server = subprocess.Popen(
        [str(product / ".venv/bin/uvicorn"), "--factory", "demo_shop.main:create_app",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=product, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(f"{base}/readyz", 200) == {"status": "ok", "database": "ok"}
        cluster.stop()
        assert wait_for(f"{base}/readyz", 503) == {
            "status": "unavailable",
            "database": "unreachable",
        }
        assert get(f"{base}/healthz") == (200, {"status": "ok"}), "liveness ignores the database"
        cluster.start()
        assert wait_for(f"{base}/readyz", 200) == {"status": "ok", "database": "ok"}
        status, _ = get(f"{base}/api/items")
        assert status == 200, "requests use the database again"
        assert server.poll() is None, "the app was never restarted"
    finally:
        server.terminate()
        server.communicate(timeout=10)
