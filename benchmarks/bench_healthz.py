"""Throughput of the generated app's /healthz against a bare FastAPI app, same uvicorn, same run.

    python benchmarks/bench_healthz.py [--seconds 5] [--connections 16] [--rounds 3]

Renders the default product, installs its locked runtime dependencies, and serves two apps
with that one environment (same FastAPI, same uvicorn, one worker, no access log):

- the generated app (`create_app`, production settings: security headers, request IDs, load
  shedding, body limit, proxy headers, ...);
- a bare FastAPI app with one sync route `/healthz` returning the same JSON (the baseline the
  ratio target is stated against);
- the same bare app with an `async def` route, the fastest plain FastAPI can be, for honesty.

The load generator is a bounded asyncio loop of keep-alive HTTP/1.1 connections on
127.0.0.1 only. Rounds alternate between the apps so drift on a shared machine hits both;
the median of each is reported, with the ratios generated/bare and generated/bare-async.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BARE_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
"""
BARE_ASYNC_APP = BARE_APP.replace("def healthz", "async def healthz")
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    base.setdefault("UV_PYTHON_DOWNLOADS", "never")
    base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
    return base


def render_product(root: Path) -> Path:
    product = root / "product"
    settings = root / "copier-settings.yml"
    settings.write_text("{}\n")
    subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet",
         "-r", "HEAD", "--data", "product_name=Bench Shop", "--data", "ui=none",
         str(REPO), str(product)],
        check=True, env={**env(), "COPIER_SETTINGS_PATH": str(settings)},
    )  # fmt: skip
    subprocess.run(
        ["uv", "sync", "--locked", "--no-dev", "--quiet"], cwd=product, check=True, env=env()
    )
    (product / "bare_app.py").write_text(BARE_APP)
    (product / "bare_async_app.py").write_text(BARE_ASYNC_APP)
    return product


def serve(product: Path, target: list[str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(product / ".venv/bin/uvicorn"), *target, "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning"],
        cwd=product,
        env={
            **env(),
            "BENCH_SHOP_ENVIRONMENT": "production",
            "BENCH_SHOP_SECRET_KEY": "bench-only-key-0123456789-abcdefghijklmnop",
            "BENCH_SHOP_ALLOWED_HOSTS": '["127.0.0.1"]',
            "BENCH_SHOP_DATABASE_URL": f"sqlite:///{product / 'bench.db'}",
        },
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"{target} did not serve /healthz on port {port}")


async def one_connection(port: int, stop_at: float) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done = 0
    try:
        while time.monotonic() < stop_at:
            writer.write(REQUEST)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"unexpected response: {head[:60]!r}")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            done += 1
    finally:
        writer.close()
    return done


async def load(port: int, seconds: float, connections: int) -> float:
    start = time.monotonic()
    counts = await asyncio.gather(
        *(one_connection(port, start + seconds) for _ in range(connections))
    )
    return sum(counts) / (time.monotonic() - start)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), robust to a busy shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    product: Path, target: list[str], seconds: float, connections: int
) -> tuple[float, float]:
    """(requests per wall second, requests per server CPU second)."""
    port = free_port()
    server = serve(product, target, port)
    try:
        asyncio.run(load(port, 1.0, connections))  # warm-up
        cpu_before = cpu_seconds(server.pid)
        rate = asyncio.run(load(port, seconds, connections))
        cpu = cpu_seconds(server.pid) - cpu_before
        return rate, rate * seconds / cpu
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    apps = {
        "generated": ["--factory", "bench_shop.main:create_app"],
        "bare": ["bare_app:app"],
        "bare-async": ["bare_async_app:app"],
    }
    with tempfile.TemporaryDirectory(prefix="bench-healthz-") as folder:
        product = render_product(Path(folder))
        wall: dict[str, list[float]] = {name: [] for name in apps}
        per_cpu: dict[str, list[float]] = {name: [] for name in apps}
        for round_number in range(1, args.rounds + 1):
            for name, target in apps.items():
                rate, cpu_rate = measure(product, target, args.seconds, args.connections)
                wall[name].append(rate)
                per_cpu[name].append(cpu_rate)
                print(
                    f"round {round_number} {name:>10}: {rate:7.0f} req/s, "
                    f"{cpu_rate:7.0f} req per server CPU second"
                )
    for label, figures in (("req/s", wall), ("req per CPU s", per_cpu)):
        generated = statistics.median(figures["generated"])
        for baseline in ("bare", "bare-async"):
            other = statistics.median(figures[baseline])
            print(
                f"median {label}: generated {generated:.0f}, {baseline} {other:.0f}, "
                f"ratio {generated / other:.2f} (cost {1 - generated / other:.0%})"
            )


if __name__ == "__main__":
    main()
