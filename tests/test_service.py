"""The generated service served as the image serves it (uvicorn, one process, production
settings), under many concurrent clients and through a PostgreSQL outage.

No timing assertions (the machine is shared): what is asserted is what clients and operators
see. Every answer is 2xx or 503 with Retry-After, every acknowledged write reads back, the
probes keep answering, and the app answers normally afterwards without a restart. The figures
(throughput, latency, the 500-client run) are benchmarks/bench_load.py's job.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

import pytest

from benchmarks.bench_load import load as mixed_load
from benchmarks.bench_load import verify_writes
from benchmarks.issuer import Issuer, running_issuer
from tests.cases import CHECK_CASES
from tests.deploy_support import runtime_product
from tests.postgres import PostgresCluster, start_cluster
from tests.support import free_port, production_env, run, tool_env

pytestmark = pytest.mark.slow(
    reason="installs the product's locked runtime and serves it under load"
)
SECRET = production_env()


@contextmanager
def served(product: Path, database_url: str) -> Iterator[tuple[int, subprocess.Popen[str], Issuer]]:
    """The product under uvicorn as the Dockerfile runs it, its log lines in server.log, signing
    requests in against an HTTPS issuer on 127.0.0.1 (200 clients' tokens)."""
    with (
        running_issuer(product / ".venv/bin/python", product, 200) as issuer,
        _served(product, database_url, issuer) as (port, server),
    ):
        yield port, server, issuer


@contextmanager
def _served(
    product: Path, database_url: str, issuer: Issuer
) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    env = tool_env(**SECRET, **issuer.settings("DEMO_SHOP_"), DEMO_SHOP_DATABASE_URL=database_url)
    # The first deploy's migration, allowed to create the (SQLite) database file.
    migrate = {**env, "DEMO_SHOP_CREATE_DATABASE": "true"}
    run([str(product / ".venv/bin/alembic"), "upgrade", "head"], cwd=product, **migrate)
    port = free_port()
    # Logs go to a file: a pipe nobody reads while the load runs fills up and stops the app.
    log = (product / "server.log").open("w")
    server = subprocess.Popen(
        [str(product / ".venv/bin/uvicorn"), "--factory", "demo_shop.main:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
        cwd=product, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_for(port, "/readyz", 200)
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def request(
    port: int, method: str, path: str, body: object = None, token: str | None = None
) -> tuple[int, Message, bytes]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for(port: int, path: str, status: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = request(port, "GET", path)[0]
            if last == status:
                return
        except OSError as error:
            last = error
        time.sleep(0.2)
    raise AssertionError(f"{path} did not answer {status} within {timeout} s; last: {last}")


def test_many_concurrent_clients_get_answers_and_keep_their_writes(
    template_repo: Path, tmp_path: Path
) -> None:
    """The first release deadlocked at about 50 requests in flight. 200 clients here, each a
    keep-alive connection sending lists, creates and updates of its own items."""
    product = runtime_product(template_repo, tmp_path / "p", CHECK_CASES["ui=none"])
    with served(product, f"sqlite:///{tmp_path / 'load.db'}") as (port, _, issuer):
        outcome, recovery = asyncio.run(
            mixed_load(port, clients=200, seconds=5, tokens=issuer.tokens)
        )
        good, checked = asyncio.run(verify_writes(port, outcome, issuer.tokens[0]))
        # Each client signs in with its own token; the keys are fetched once and cached.
        assert issuer.jwks_fetches() <= 2
    allowed = {"200", "201", "503+Retry-After"}
    assert set(outcome.statuses) <= allowed, outcome.statuses
    assert outcome.ok > 0
    assert outcome.health_misses == 0, "/healthz answered 200 throughout"
    assert recovery != float("inf"), "lists answered normally after the load"
    assert (good, checked) == (checked, len(outcome.items))
    assert checked > 0


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    # Its own server: this test stops and starts it, which others sharing one must not see.
    yield from start_cluster()


@pytest.mark.postgres
def test_a_postgres_outage_is_503_logged_once_and_over_by_itself(
    template_repo: Path, tmp_path: Path, cluster: PostgresCluster
) -> None:
    product = runtime_product(template_repo, tmp_path / "p", CHECK_CASES["database=postgres"])
    cluster.create_database("demo_shop")
    with served(product, cluster.url("demo_shop")) as (port, server, issuer):
        token = issuer.tokens[0]
        assert request(port, "POST", "/api/items", {"name": "Before"}, token)[0] == 201
        cluster.stop()
        for method, path, body in (
            ("GET", "/api/items", None),
            ("POST", "/api/items", {"name": "During"}),
            ("GET", "/api/items/1", None),
            ("PATCH", "/api/items/1", {"name": "During"}),
        ):
            status, headers, _ = request(port, method, path, body, token)
            assert (status, headers.get("Retry-After")) == (503, "5"), (method, path)
        wait_for(port, "/readyz", 503)
        assert request(port, "GET", "/healthz")[0] == 200
        cluster.start()
        wait_for(port, "/readyz", 200)
        status, _, content = request(port, "GET", "/api/items", token=token)
        assert (status, [item["name"] for item in json.loads(content)]) == (200, ["Before"])
        assert server.poll() is None, "never restarted"
    output = (product / "server.log").read_text()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    outage = [line["message"] for line in lines if line["logger"] == "demo_shop.core.db"]
    assert len(outage) == 2, outage
    assert outage[0].startswith("database unavailable: OperationalError: ")
    assert outage[1].startswith("database available again after ")
    assert "Traceback" not in output
    assert not [line for line in lines if "exception" in line]
