"""Time a product engineer's loop on the default product: warm `make check` with and without the
browser tests, the browser tests alone, `make test-fast`, the product's pytest alone, and
`make dev` until it serves. Baseline and candidate side by side, paired: each round runs every
command on both products, in alternating order, so the load of a shared machine hits both
alike. Prints medians of wall and CPU time (every process the command started, Chromium's
orphaned renderers included), ratios and the load average: on a busy machine, compare CPU.

The candidate is this checkout as it is (uncommitted edits included); the baseline is a git
ref of it (default: main). Each is rendered with the default answers and `make setup`, then
every command runs once unmeasured (warm: caches of mypy, ruff, pytest, uv and npm filled).

    .venv/bin/python benchmarks/bench_make_check.py [--baseline main] [--rounds 3]
        [--workdir build/bench-make-check]   (kept: a second run skips the set-up)
        [--answer ui=spa ...]   (copier answers on top of the defaults; use a workdir per set)

Targets (issue 19): `make check` at most 45 s with the browser tests and 15 s without them;
`make dev` serving in under 5 s.
"""

from __future__ import annotations

import argparse
import ctypes
import io
import os
import signal
import statistics
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support import REPO_ROOT, free_port, init_repo, snapshot_template, tool_env

ANSWERS = ["--data", "product_name=Bench Shop"]
# Both templates are tagged as a release: `make check` runs `make drift`, which accepts only
# products made from one.
RELEASE = "v1.0.0"
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
# What each measurement runs, by name. `check without browser` is `make check` with pytest
# told to leave the browser tests out: the same for both products, whatever their Makefile.
COMMANDS: dict[str, tuple[list[str], dict[str, str]]] = {
    "make check": (["make", "check"], {}),
    "make check, no browser tests": (["make", "check"], {"PYTEST_ADDOPTS": "-m 'not browser'"}),
    "make test-fast": (["make", "test-fast"], {}),
    # The product's own tests alone, as `make test` runs them, without make's prerequisites:
    # nearly all of `make check`'s time.
    "pytest": (["uv", "run", "--locked", "pytest", "-q"], {}),
    # The browser tests alone (server UI: tests/browser/), Chromium included.
    "browser tests": (["uv", "run", "--locked", "pytest", "-q", "-m", "browser"], {}),
    # `make check`'s last step alone: the checker installed by uv, then run (its renders cached).
    "make drift": (["make", "drift"], {}),
}
DEV = "make dev (until /healthz answers)"


def _template_at(ref: str, dst: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dst, filter="data")
    init_repo(dst)
    subprocess.run(["git", "tag", RELEASE], cwd=dst, check=True)
    return dst


def _product(template: Path, dst: Path, answers: list[str]) -> Path:
    if (dst / ".venv").is_dir():
        return dst  # set up by an earlier run (--workdir kept)
    extra = [arg for answer in answers for arg in ("--data", answer)]
    command = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet",
               "-r", "HEAD", *ANSWERS, *extra, str(template), str(dst)]  # fmt: skip
    subprocess.run(command, check=True, env=tool_env())
    subprocess.run(["make", "setup"], cwd=dst, check=True, env=tool_env(),
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return dst


def _adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans (Linux). Chromium's zygote
    double-forks its renderers and GPU process; orphaned, they went to init and their CPU
    (half of Chromium's) was in no figure. As subreaper this process waits for them
    (_reap_orphans), so the children's CPU below counts them."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _reap_orphans(grace_s: float = 10.0) -> None:
    """Wait for the adopted orphans of a finished command (they exit once its browser closed)."""
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # none left
        if pid == 0:
            time.sleep(0.05)
    raise SystemExit(f"processes left running {grace_s} s after the measured command ended")


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def _timed(product: Path, command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of the command. CPU counts every process it started (pytest, mypy,
    the app servers, Chromium and its orphaned renderers): the figure a busy machine disturbs
    least."""
    cpu = _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=product, env=tool_env(**env), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    _reap_orphans()
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-3000:]
        raise SystemExit(f"{' '.join(command)} failed in {product}:\n{tail}")
    return elapsed, _children_cpu() - cpu


def _dev_serving(product: Path) -> tuple[float, float]:
    port = free_port()
    start = time.perf_counter()
    server = subprocess.Popen(
        ["make", "dev", f"PORT={port}"], cwd=product, env=tool_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        while time.perf_counter() - start < 120:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    return time.perf_counter() - start, float("nan")  # CPU: still running
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"make dev did not serve within 120 s in {product}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git ref of this checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=REPO_ROOT / "build" / "bench-make-check")
    parser.add_argument("--only", choices=[*COMMANDS, DEV], action="append")
    parser.add_argument(
        "--answer", action="append", default=[], metavar="KEY=VALUE",
        help="a copier answer for both products, e.g. ui=spa (repeatable)",
    )  # fmt: skip
    args = parser.parse_args()
    _adopt_orphans()
    work: Path = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    products = {}
    for name, make_template in (
        ("baseline", lambda dst: _template_at(args.baseline, dst)),
        ("candidate", lambda dst: snapshot_template(dst, tag=RELEASE)),
    ):
        template = work / f"{name}-template"
        if not template.is_dir():
            make_template(template)
        products[name] = _product(template, work / f"{name}-product", args.answer)
    print(f"load average before: {_load()}", flush=True)
    wanted = args.only or [*COMMANDS, DEV]
    for product in products.values():  # warm: every cache filled once, not measured
        _timed(product, *COMMANDS["make check"])
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for round_ in range(args.rounds):
        order = list(products.items())
        if round_ % 2:
            order.reverse()
        for name in wanted:
            for which, product in order:
                took = _dev_serving(product) if name == DEV else _timed(product, *COMMANDS[name])
                times.setdefault((name, which), []).append(took)
                print(
                    f"round {round_ + 1}: {name:<32} {which:<9} {took[0]:6.1f} s wall"
                    f" {took[1]:6.1f} s CPU",
                    flush=True,
                )
    print(f"load average after: {_load()}\n")
    print(
        f"{'median of ' + str(args.rounds):<34} {'baseline':>9} {'candidate':>10} {'ratio':>6}"
        f"   CPU: {'baseline':>9} {'candidate':>10} {'ratio':>6}"
    )
    for name in wanted:
        base, cand = (
            [statistics.median(run[i] for run in times[(name, which)]) for i in (0, 1)]
            for which in ("baseline", "candidate")
        )
        print(
            f"{name:<34} {base[0]:8.1f}s {cand[0]:9.1f}s {cand[0] / base[0]:6.2f}"
            f"        {base[1]:8.1f}s {cand[1]:9.1f}s {cand[1] / base[1]:6.2f}"
        )


if __name__ == "__main__":
    main()
