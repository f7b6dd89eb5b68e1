"""Mixed API load against the generated app and a plain reference app, per database.

    python benchmarks/bench_load.py [--databases sqlite,postgres] [--seconds 30]
        [--throughput-seconds 10] [--rounds 3] [--clients 50,500]

Renders the product (ui=none) once per database, installs its locked runtime dependencies,
and serves two apps from that one environment with the same uvicorn command (one process, as
the Dockerfile runs it; no access log on either), each on its own freshly migrated database:

- the generated app (`create_app`, production settings);
- a reference app with the same routes written as plainly as possible: FastAPI, sync routes,
  a sync SQLAlchemy session from a `yield` dependency (the FastAPI tutorial's way).

Each client is a keep-alive HTTP/1.1 connection on 127.0.0.1 sending, one after the other,
a list (50%), a create (25%) or an update of one of its own items (25%). Reported per run:
throughput (2xx per second, and per server CPU second), p50/p99/max latency, responses by
status, /healthz's worst latency (probed every 100 ms on its own connection), writes verified
(every acknowledged create and update read back after the load), and how long the app took to
answer a list normally once the load stopped. Allowed outcomes are 2xx and 503 with
Retry-After; anything else (another status, a 503 without Retry-After, a timeout, a dropped
connection) counts as an error.

Targets (issue 10): at 50 clients the generated app's throughput is at least 0.8x the
reference's (medians of interleaved rounds); at 500 clients it has no error at all.

Identity (issue 18): the generated app runs with sign-in (auth=oidc), every client sending
its own bearer token from an HTTPS issuer on 127.0.0.1 (benchmarks/issuer.py); "no-auth" is the
same product made with auth=none. Targets: throughput at least 0.85x no-auth's, no error but
503 at 500 clients, and the JWKS fetched at most twice per run (the issuer counts).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_healthz import cpu_seconds, env, free_port  # noqa: E402
from benchmarks.issuer import Issuer, running_issuer  # noqa: E402
from tests.postgres import start_cluster  # noqa: E402

PACKAGE = "bench_shop"
PREFIX = "BENCH_SHOP_"
REQUEST_TIMEOUT = 15.0
REFERENCE_APP = '''
"""The same routes, as plainly as FastAPI's tutorial writes them."""
import os
from datetime import datetime

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, String, Text, create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

url = os.environ["BENCH_SHOP_DATABASE_URL"]
args = {"check_same_thread": False} if url.startswith("sqlite") else {}
engine = create_engine(url, connect_args=args)
SessionLocal = sessionmaker(engine)


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ItemCreate(BaseModel):
    name: str
    description: str = ""


class ItemUpdate(BaseModel):
    name: str | None = None
    description: str | None = None


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    description: str
    created_at: datetime


def get_db():
    with SessionLocal() as db:
        yield db


app = FastAPI()


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/api/items", response_model=list[ItemRead])
def list_items(offset: int = 0, limit: int = 100, db: Session = Depends(get_db)):
    return db.scalars(select(Item).order_by(Item.id).offset(offset).limit(limit)).all()


@app.post("/api/items", response_model=ItemRead, status_code=201)
def create_item(data: ItemCreate, db: Session = Depends(get_db)):
    item = Item(**data.model_dump())
    db.add(item)
    db.commit()
    db.refresh(item)
    return item


@app.get("/api/items/{item_id}", response_model=ItemRead)
def read_item(item_id: int, db: Session = Depends(get_db)):
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(404, "Item not found")
    return item


@app.patch("/api/items/{item_id}", response_model=ItemRead)
def update_item(item_id: int, data: ItemUpdate, db: Session = Depends(get_db)):
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(404, "Item not found")
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(item, key, value)
    db.commit()
    db.refresh(item)
    return item
'''
# app -> (the product's `auth` answer, the uvicorn target). "generated" signs requests in
# (bearer tokens from benchmarks/issuer.py); "no-auth" is the same product made with auth=none.
APPS = {
    "generated": ("oidc", ["--factory", f"{PACKAGE}.main:create_app"]),
    "no-auth": ("none", ["--factory", f"{PACKAGE}.main:create_app"]),
    "reference": ("none", ["reference_app:app"]),
}


# --- the product and its databases -------------------------------------------------------


def render_product(root: Path, database: str, auth: str) -> Path:
    product = root / f"product-{database}-{auth}"
    settings = root / "copier-settings.yml"
    settings.write_text("{}\n")
    subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet",
         "-r", "HEAD", "--data", "product_name=Bench Shop", "--data", "ui=none",
         "--data", f"database={database}", "--data", f"auth={auth}", str(REPO), str(product)],
        check=True, env={**env(), "COPIER_SETTINGS_PATH": str(settings)},
    )  # fmt: skip
    subprocess.run(
        ["uv", "sync", "--locked", "--no-dev", "--quiet"], cwd=product, check=True, env=env()
    )
    (product / "reference_app.py").write_text(REFERENCE_APP)
    return product


@contextmanager
def postgres_cluster() -> Iterator[object]:
    clusters = start_cluster()
    try:
        yield next(clusters)
    finally:
        clusters.close()


class Databases:
    """A fresh, migrated database for each run."""

    def __init__(self, product: Path, database: str, cluster: object | None, name: str) -> None:
        self.product = product
        self.database = database
        self.name = name  # products share a PostgreSQL cluster: their databases differ
        self.cluster = cluster
        self.count = 0

    def fresh(self) -> str:
        self.count += 1
        if self.cluster is None:
            url = f"sqlite:///{self.product / f'bench-{self.count}.db'}"
        else:
            name = f"bench_{self.name}_{self.count}"
            self.cluster.create_database(name)  # type: ignore[attr-defined]
            url = self.cluster.url(name)  # type: ignore[attr-defined]
        subprocess.run(
            [str(self.product / ".venv/bin/alembic"), "upgrade", "head"],
            cwd=self.product, check=True, capture_output=True,
            env={**env(), f"{PREFIX}DATABASE_URL": url},
        )  # fmt: skip
        return url


@contextmanager
def serve(
    product: Path, target: list[str], database_url: str, settings: dict[str, str]
) -> Iterator[tuple[int, int]]:
    """(port, pid) of the app under uvicorn, one process, as the Dockerfile runs it;
    `settings`: its identity settings (the issuer's, or ALLOW_ANONYMOUS_ACCESS)."""
    port = free_port()
    server = subprocess.Popen(
        [str(product / ".venv/bin/uvicorn"), *target, "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning", "--no-server-header"],
        cwd=product,
        env={
            **env(),
            f"{PREFIX}ENVIRONMENT": "production",
            f"{PREFIX}SECRET_KEY": "bench-only-key-0123456789-abcdefghijklmnop",
            f"{PREFIX}ALLOWED_HOSTS": '["127.0.0.1"]',
            f"{PREFIX}DATABASE_URL": database_url,
            **settings,
        },
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts slowly
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"{target} did not serve /healthz") from None
                time.sleep(0.1)
        yield port, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- the load ----------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection, reopened after a failure."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        # The client's bearer token, sent with every API request (never with /healthz).
        self.authorization = "" if token is None else f"Authorization: Bearer {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: object = None
    ) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        payload = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if path.startswith("/api/"):
            head += self.authorization
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {
            name.strip().lower(): value.strip()
            for name, value in (line.split(":", 1) for line in lines[1:] if ":" in line)
        }
        content = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    ok: int = 0
    errors: int = 0
    # item id -> (last acknowledged description, descriptions attempted since without an answer)
    items: dict[int, tuple[str, set[str]]] = field(default_factory=dict)
    health_worst: float = 0.0
    health_misses: int = 0

    def record(self, status: str, started: float, allowed: bool) -> None:
        self.latencies.append(time.monotonic() - started)
        self.statuses[status] += 1
        if status.startswith("2"):
            self.ok += 1
        elif not allowed:
            self.errors += 1


async def one_client(
    port: int, stop_at: float, outcome: Outcome, seed: int, token: str | None = None
) -> None:
    rng = random.Random(seed)
    connection = Connection(port, token)
    mine: list[int] = []
    counter = 0
    try:
        while time.monotonic() < stop_at:
            counter += 1
            roll = rng.random()
            started = time.monotonic()
            pending: tuple[int, str] | None = None
            try:
                if roll < 0.5 or (roll >= 0.75 and not mine):
                    status, headers, _ = await asyncio.wait_for(
                        connection.request("GET", "/api/items?limit=20"), REQUEST_TIMEOUT
                    )
                elif roll < 0.75:
                    text = f"client {seed} item {counter}"
                    status, headers, content = await asyncio.wait_for(
                        connection.request(
                            "POST", "/api/items", {"name": "n", "description": text}
                        ),
                        REQUEST_TIMEOUT,
                    )
                    if status == 201:
                        item_id = json.loads(content)["id"]
                        mine.append(item_id)
                        outcome.items[item_id] = (text, set())
                else:
                    item_id = rng.choice(mine)
                    text = f"client {seed} update {counter}"
                    pending = (item_id, text)
                    status, headers, _ = await asyncio.wait_for(
                        connection.request("PATCH", f"/api/items/{item_id}", {"description": text}),
                        REQUEST_TIMEOUT,
                    )
                    if status == 200:
                        outcome.items[item_id] = (text, set())
                        pending = None
            except (
                OSError,
                asyncio.IncompleteReadError,
                ValueError,
            ) as error:  # timeouts are OSError
                connection.close()
                if pending is not None:
                    outcome.items[pending[0]][1].add(pending[1])
                outcome.record(type(error).__name__, started, allowed=False)
                continue
            if pending is not None:
                outcome.items[pending[0]][1].add(pending[1])
            shed = status == 503 and "retry-after" in headers
            label = "503+Retry-After" if shed else str(status)
            outcome.record(label, started, allowed=shed)
    finally:
        connection.close()


async def watch_health(port: int, stop_at: float, outcome: Outcome) -> None:
    connection = Connection(port)
    while time.monotonic() < stop_at:
        started = time.monotonic()
        try:
            status, _, _ = await asyncio.wait_for(connection.request("GET", "/healthz"), 5)
            if status != 200:
                outcome.health_misses += 1
        except (OSError, asyncio.IncompleteReadError):
            connection.close()
            outcome.health_misses += 1
        elapsed = time.monotonic() - started
        outcome.health_worst = max(outcome.health_worst, elapsed)
        await asyncio.sleep(max(0.0, 0.1 - elapsed))
    connection.close()


async def recovery_seconds(port: int, token: str | None = None, limit: float = 30.0) -> float:
    """Seconds from the end of the load until a list is answered 200 within 0.5 s."""
    started = time.monotonic()
    connection = Connection(port, token)
    try:
        while time.monotonic() - started < limit:
            asked = time.monotonic()
            try:
                status, _, _ = await asyncio.wait_for(
                    connection.request("GET", "/api/items?limit=20"), 5
                )
                if status == 200 and time.monotonic() - asked < 0.5:
                    return time.monotonic() - started
            except (OSError, asyncio.IncompleteReadError):
                connection.close()
            await asyncio.sleep(0.05)
        return float("inf")
    finally:
        connection.close()


async def verify_writes(port: int, outcome: Outcome, token: str | None = None) -> tuple[int, int]:
    """(writes read back as acknowledged, writes checked)."""
    connection = Connection(port, token)
    good = 0
    try:
        for item_id, (acknowledged, attempted) in outcome.items.items():
            status, _, content = await connection.request("GET", f"/api/items/{item_id}")
            if status == 200 and json.loads(content)["description"] in {acknowledged, *attempted}:
                good += 1
    finally:
        connection.close()
    return good, len(outcome.items)


@dataclass
class Run:
    app: str
    clients: int
    seconds: float
    outcome: Outcome
    cpu: float
    recovery: float
    verified: tuple[int, int]
    jwks: int | None = None  # JWKS fetches the app made during the run (with sign-in)

    @property
    def ok_rate(self) -> float:
        return self.outcome.ok / self.seconds

    @property
    def ok_per_cpu(self) -> float:
        return self.outcome.ok / self.cpu if self.cpu else float("nan")

    def line(self) -> str:
        latencies = sorted(self.outcome.latencies) or [0.0]
        p50 = latencies[len(latencies) // 2]
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.outcome.statuses.items()))
        good, checked = self.verified
        return (
            f"{self.app:>9} {self.clients:>3} clients: {self.ok_rate:6.0f} 2xx/s "
            f"({self.ok_per_cpu:5.0f} per server CPU s), p50 {p50 * 1000:6.1f} ms, "
            f"p99 {p99 * 1000:7.1f} ms, max {latencies[-1] * 1000:7.1f} ms, "
            f"errors {self.outcome.errors}; {statuses}; writes verified {good}/{checked}; "
            f"/healthz worst {self.outcome.health_worst * 1000:.0f} ms "
            f"({self.outcome.health_misses} missed); normal again after {self.recovery:.2f} s"
            + ("" if self.jwks is None else f"; JWKS fetched {self.jwks}x")
        )


async def load(
    port: int, clients: int, seconds: float, tokens: list[str] | None = None
) -> tuple[Outcome, float]:
    """`tokens`: one bearer token per client (the app with sign-in), or None (without)."""
    outcome = Outcome()
    stop_at = time.monotonic() + seconds

    def token(seed: int) -> str | None:
        return None if not tokens else tokens[seed % len(tokens)]

    await asyncio.gather(
        watch_health(port, stop_at, outcome),
        *(one_client(port, stop_at, outcome, seed, token(seed)) for seed in range(clients)),
    )
    return outcome, await recovery_seconds(port, token(0))


@dataclass
class Setup:
    """One database's products (by `auth`), their databases, and the issuer."""

    products: dict[str, Path]
    databases: dict[str, Databases]
    issuer: Issuer

    def settings(self, app: str) -> dict[str, str]:
        if APPS[app][0] == "oidc":
            return self.issuer.settings(PREFIX)
        return {f"{PREFIX}ALLOW_ANONYMOUS_ACCESS": "true"}


def measure(setup: Setup, app: str, clients: int, seconds: float) -> Run:
    auth, target = APPS[app]
    tokens = setup.issuer.tokens if auth == "oidc" else None
    product, databases = setup.products[auth], setup.databases[auth]
    fetched = setup.issuer.jwks_fetches()
    with serve(product, target, databases.fresh(), setup.settings(app)) as (port, pid):
        cpu_before = cpu_seconds(pid)
        outcome, recovery = asyncio.run(load(port, clients, seconds, tokens))
        cpu = cpu_seconds(pid) - cpu_before
        verified = asyncio.run(verify_writes(port, outcome, tokens[0] if tokens else None))
    jwks = setup.issuer.jwks_fetches() - fetched if auth == "oidc" else None
    return Run(app, clients, seconds, outcome, cpu, recovery, verified, jwks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--clients", default="50,500")
    parser.add_argument("--seconds", type=float, default=30.0, help="each run at 500 clients")
    parser.add_argument("--throughput-seconds", type=float, default=10.0, help="each run at 50")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds at 50 clients")
    args = parser.parse_args()
    client_counts = [int(n) for n in args.clients.split(",")]
    summary: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        for database in args.databases.split(","):
            products = {
                auth: render_product(Path(folder), database, auth) for auth in ("oidc", "none")
            }
            python = products["oidc"] / ".venv/bin/python"
            with (
                postgres_cluster() if database == "postgres" else _nothing() as cluster,
                running_issuer(python, Path(folder), max(client_counts)) as issuer,
            ):
                setup = Setup(
                    products,
                    {auth: Databases(products[auth], database, cluster, auth) for auth in products},
                    issuer,
                )
                for clients in client_counts:
                    throughput = clients < 500
                    rounds = args.rounds if throughput else 1
                    seconds = args.throughput_seconds if throughput else args.seconds
                    runs: dict[str, list[Run]] = {app: [] for app in APPS}
                    for round_number in range(1, rounds + 1):
                        for app in APPS:
                            run = measure(setup, app, clients, seconds)
                            runs[app].append(run)
                            print(f"[{database} round {round_number}] {run.line()}", flush=True)
                    rate = {app: statistics.median(r.ok_rate for r in runs[app]) for app in APPS}
                    errors = sum(r.outcome.errors for r in runs["generated"])
                    jwks = max(r.jwks or 0 for r in runs["generated"])
                    reference_errors = sum(r.outcome.errors for r in runs["reference"])
                    summary.append(
                        f"{database}, {clients} clients: generated {rate['generated']:.0f} 2xx/s, "
                        f"without auth {rate['no-auth']:.0f} 2xx/s (auth ratio "
                        f"{_ratio(rate['generated'], rate['no-auth']):.2f}), reference "
                        f"{rate['reference']:.0f} 2xx/s (ratio "
                        f"{_ratio(rate['generated'], rate['reference']):.2f}); generated errors "
                        f"(not 2xx, not 503+Retry-After): {errors}; JWKS fetches per run at most "
                        f"{jwks}; reference errors: {reference_errors}"
                    )
    print("\n".join(["", "summary (medians):", *summary]))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")
    main()
