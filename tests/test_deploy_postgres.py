"""PostgreSQL for real: the generated app survives a database restart, and its deployment fits
in the server's connections.

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
from tests.deploy_support import built_overlay, dockerfile_cmd, dockerfile_env, runtime_product
from tests.postgres import PostgresCluster, start_cluster
from tests.support import REPO_ROOT, free_port, production_env, run, tool_env

# Without sign-in (production allows it only with ALLOW_ANONYMOUS_ACCESS): these tests need
# requests that reach the database; sign-in itself is tested by the product's own suite.
ANSWERS = {**CHECK_CASES["database=postgres"], "auth": "none"}


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


@pytest.fixture(scope="module")
def product(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return runtime_product(template_repo, tmp_path_factory.mktemp("postgres") / "p", ANSWERS)


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    # Its own server: this test stops and starts it, which others sharing one must not see.
    yield from start_cluster()


@pytest.mark.slow(reason="serves the locked product against a real PostgreSQL and stops the server")
@pytest.mark.postgres
def test_readiness_fails_while_postgres_is_down_and_recovers_without_a_restart(
    product: Path, cluster: PostgresCluster
) -> None:
    cluster.create_database("demo_shop")
    port = free_port()
    env = tool_env(
        **production_env(),
        DEMO_SHOP_DATABASE_URL=cluster.url("demo_shop"),
        DEMO_SHOP_ALLOW_ANONYMOUS_ACCESS="true",
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


def product_python(product: Path, code: str, **env: str) -> str:
    return run([str(product / ".venv/bin/python"), "-c", code], cwd=product, **env).stdout


@pytest.mark.slow(reason="serves the locked product at full scale against a real PostgreSQL")
@pytest.mark.postgres
def test_production_at_full_scale_stays_under_the_servers_connection_limit(
    product: Path, cluster: PostgresCluster
) -> None:
    """Every pod the HPA and a rollout can run, each uvicorn worker's full pool, and the
    migration Job, against what a stock PostgreSQL 15 server admits; docs/deploy.md says it."""
    # The product's own engine with its default settings (nothing connects yet).
    per_process = int(
        product_python(
            product,
            "from demo_shop.core.config import get_settings\n"
            "from demo_shop.core.db import Database\n"
            "print(Database(get_settings()).max_connections)",
        )
    )
    built = built_overlay(product, "production")
    cmd = dockerfile_cmd(product)
    settings = dockerfile_env(product) | built["ConfigMap"]["data"]
    workers = int(
        cmd[cmd.index("--workers") + 1]
        if "--workers" in cmd
        else settings.get("WEB_CONCURRENCY", 1)
    )
    max_replicas = built["HorizontalPodAutoscaler"]["spec"]["maxReplicas"]
    surge = built["Deployment"]["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    migration = built["Job"]["spec"].get("parallelism", 1)  # alembic uses one connection
    total = (max_replicas + surge) * workers * per_process + migration

    limits = product_python(
        product,
        "from sqlalchemy import create_engine, text\n"
        f"with create_engine({cluster.url('postgres')!r}).connect() as db:\n"
        "    print(db.execute(text('SHOW max_connections')).scalar(),"
        " db.execute(text('SHOW superuser_reserved_connections')).scalar())",
    ).split()
    limit = int(limits[0]) - int(limits[1])
    assert total <= limit, f"{total} connections at full scale, the server admits {limit}"
    documented = (REPO_ROOT / "docs/deploy.md").read_text()
    assert f"| **{total}** | {limit} (" in documented, "docs/deploy.md states the budget"
