"""A throwaway PostgreSQL 15 cluster for tests, from Debian's server binaries.

``initdb`` into a temp dir, ``pg_ctl start`` on a free loopback port with trust auth, and
``pg_ctl stop`` plus removal at the end. PostgreSQL refuses to run as root, so under root
every server command runs as the ``postgres`` user (``runuser``). Tests that use it are
marked ``postgres``; without the binaries they skip with the apt package to install.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from paved_road.filters import env_prefix, pkgify, slugify

from tests.support import free_port

PG_BIN = Path(os.environ.get("PAVED_ROAD_PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class PostgresCluster:
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        command = [str(PG_BIN / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            # runuser lives in /usr/sbin, which a non-login PATH may lack.
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            command = [runuser, "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-3000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(argv)} exited {result.returncode}: {result.stderr.strip()}\n{tail}"
            )
        return result

    def init(self) -> None:
        self._run(
            "initdb", "--pgdata", str(self.data), "--username=postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "start", "--pgdata", str(self.data), "--wait",
            "--log", str(self.root / "server.log"), "-o", options,
        )  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode=fast", "--wait")

    def server_pids(self) -> list[int]:
        """The postmaster and every process it started (backends, writer, checkpointer)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def freeze(self) -> None:
        """A hung server: every process stopped (SIGSTOP). Connections stay open and the
        kernel still accepts new ones, but nothing answers: no error reaches a client."""
        for pid in self.server_pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.server_pids():
            os.kill(pid, signal.SIGCONT)

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


def start_cluster() -> Iterator[PostgresCluster]:
    """A running cluster, stopped and deleted when the generator closes."""
    if not (PG_BIN / "pg_ctl").exists():
        pytest.skip(
            f"PostgreSQL 15 server binaries missing in {PG_BIN}: apt-get install postgresql"
        )
    # Not under pytest's tmp dir: that one is private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="paved-road-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = PostgresCluster(root=root, port=free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL 15 server per test session (per xdist worker)."""
    yield from start_cluster()


def package_of(answers: dict[str, str]) -> str:
    """The product's package name for these answers, as copier.yml derives it."""
    slug = answers.get("project_slug") or slugify(answers["product_name"])
    return answers.get("package_name") or pkgify(slug)


@pytest.fixture
def postgres_env_for(
    postgres_cluster: PostgresCluster,
) -> Callable[[dict[str, str]], dict[str, str]]:
    """answers -> the environment that points that product at a fresh database of its own."""
    created: list[str] = []

    def env_for(answers: dict[str, str]) -> dict[str, str]:
        package = package_of(answers)
        name = f"{package}_{len(created)}_{os.getpid()}"
        postgres_cluster.create_database(name)
        created.append(name)
        return {f"{env_prefix(package)}DATABASE_URL": postgres_cluster.url(name)}

    return env_for
