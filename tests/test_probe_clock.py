"""The probe's start-up limit counts an app's own time, not the time a busy machine kept it
waiting for a CPU (issue 23, part 6: a slow machine may make a check slower, never different).

Contention is real here: a busy loop and the app share one CPU (taskset), the app at the
lowest priority (nice 19), so it gets a few percent of that CPU and its start-up takes many
times longer in wall time than its own limit.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from paved_road.probe.app import App, free_ports, own_seconds

pytestmark = [
    pytest.mark.slow(reason="starves a process of CPU for several seconds on purpose"),
    pytest.mark.skipif(
        not (shutil.which("taskset") and Path("/proc/self/schedstat").exists()),
        reason="needs Linux's taskset and /proc/PID/schedstat",
    ),
]

# An app that burns some CPU before it serves (as an import does), then answers /healthz.
SLOW_APP = """
import http.server, sys, time
end = time.process_time() + float(sys.argv[1])
while time.process_time() < end:
    pass
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[2])), Health).serve_forever()
"""


@pytest.fixture
def busy_cpu() -> Iterator[str]:
    """CPU 0 kept busy by a loop at normal priority; yields the CPU's number."""
    hog = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c", "while True: pass"])
    try:
        yield "0"
    finally:
        hog.kill()
        hog.wait()


def _app(tmp_path: Path, command: list[str]) -> App:
    """COMMAND started as an app of the probe would be, on its own port (its last argument)."""
    port = free_ports(1)[0]
    app = App(Path(sys.executable), tmp_path, [], "X_", {}, tmp_path, port)
    app.process = subprocess.Popen(
        [*command, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    app.started = time.monotonic()
    return app


def _starved(cpu: str, burn: float) -> list[str]:
    """SLOW_APP at the lowest priority on the busy CPU, burning BURN CPU-s before it serves."""
    return ["taskset", "-c", cpu, "nice", "-n", "19", sys.executable, "-S", "-c", SLOW_APP,
            str(burn)]  # fmt: skip


def test_a_starved_app_that_serves_is_serving_however_long_it_waited(
    busy_cpu: str, tmp_path: Path
) -> None:
    app = _app(tmp_path, _starved(busy_cpu, burn=0.1))
    try:
        assert app.outcome(timeout=2) == "serving"
        waited = time.monotonic() - app.started
        # Contention really stretched it: in wall time, it took longer than its own limit.
        assert waited > 2, f"the app served after {waited:.1f} s: no contention to speak of"
        assert own_seconds(app.process.pid, app.started) < waited / 2
    finally:
        app.stop()


def test_an_app_that_neither_serves_nor_exits_times_out_on_its_own_time(tmp_path: Path) -> None:
    app = _app(tmp_path, [sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        started = time.monotonic()
        assert app.outcome(timeout=1.5) == "timeout"
        # Waiting (here: sleeping) is the app's own time: the limit is not stretched by it.
        assert time.monotonic() - started < 10
    finally:
        app.stop()


def test_an_app_starved_past_the_wall_limit_is_reported_as_starved(
    busy_cpu: str, tmp_path: Path
) -> None:
    app = _app(tmp_path, _starved(busy_cpu, burn=5))
    try:
        assert app.outcome(timeout=60, wall=3) == "starved"
    finally:
        app.stop()
