"""The product's app as the probe serves it: the locked environment (``uv sync --locked
--no-dev --no-editable --compile-bytecode``, as the Dockerfile builds it), the Dockerfile's
own ``uvicorn`` command on a loopback port, and production settings the platform chooses.

The app is product code: it runs in its own process with an environment of nothing but these
settings, and this process only talks HTTP to it.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..drift.errors import CannotCheck
from ..one_line import cut

# What a message may take of an 80-column line after "paved-road probe: cannot probe: ".
ROOM = 48

# The host name the probe's requests name (the app's ALLOWED_HOSTS); it resolves nowhere.
HOST = "probe.paved-road.invalid"
# An app has this long of its own time to answer HTTP or exit: time it ran or waited for
# something (a socket, the disk), not time it stood ready in the queue for a busy CPU
# (``own_seconds``). On a loaded machine an app starting in 20 s may take minutes of wall time
# to import; counting wall time made the probe's verdict depend on the load ("cannot probe",
# or "neither started nor refused" for a refusal that was only slow).
START_SECONDS = 90
# ... but not forever: past this much wall time the probe cannot check, and says so.
START_WALL_SECONDS = 1200
BUILD_SECONDS = 900


def build_environment(product: Path, scratch: Path) -> Path:
    """The product's locked environment, built fresh in SCRATCH: its Python."""
    venv = scratch / "venv"
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)
    # Compiled as the image's are (the Dockerfile's UV_COMPILE_BYTECODE=1): the probe starts
    # the app four times or more, and each start would compile its libraries from source
    # again (the apps run with PYTHONDONTWRITEBYTECODE, as in the image). A probe: 12 CPU-s
    # without, 4 CPU-s to compile plus 4.6 to probe with (docs/ci-guardrails.md).
    command = [
        "uv", "sync", "--locked", "--no-dev", "--no-editable", "--compile-bytecode", "--quiet"
    ]  # fmt: skip
    try:
        built = subprocess.run(
            command,
            cwd=product,
            env=env,
            capture_output=True,
            text=True,
            timeout=BUILD_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        said = "cannot build the app's environment: "
        raise CannotCheck(said + cut(str(error), ROOM - len(said))) from None
    if built.returncode != 0:
        lines = [line.strip() for line in built.stderr.splitlines() if line.strip()]
        said = f"{' '.join(command[:3])} failed: "
        raise CannotCheck(
            said + cut(lines[-1] if lines else f"exit {built.returncode}", ROOM - len(said))
        )
    return venv / "bin" / "python"


def server_args(product: Path) -> list[str]:
    """The arguments the image gives uvicorn: the Dockerfile's ``CMD ["uvicorn", ...]``."""
    dockerfile = product / "Dockerfile"
    try:
        lines = dockerfile.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    for line in reversed(lines):
        if line.startswith("CMD ["):
            try:
                command = json.loads(line[len("CMD ") :])
            except ValueError:
                break
            if isinstance(command, list) and command[:1] == ["uvicorn"]:
                return [str(part) for part in command[1:]]
            break
    raise CannotCheck('Dockerfile has no CMD ["uvicorn", ...]: restore it')


def _with_option(args: list[str], name: str, value: str) -> list[str]:
    if name in args:
        index = args.index(name)
        return [*args[: index + 1], value, *args[index + 2 :]]
    return [*args, name, value]


def production_settings(answers: dict[str, object], scratch: Path) -> dict[str, str]:
    """Settings a production deploy of this product would start with, all of them valid."""
    values = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": json.dumps([HOST]),
        # The schema lists the write routes the probe tries; it changes no route's behaviour.
        "API_DOCS": "true",
        # auth=oidc: an issuer the probe never needs (no request it sends carries a token).
        "OIDC_ISSUER": "https://idp.paved-road.invalid/",
        "OIDC_AUDIENCE": "api://paved-road-probe",
        "OIDC_CLIENT_ID": "paved-road-probe",
        "OIDC_CLIENT_SECRET": secrets.token_urlsafe(24),
        # auth=none: production refuses to start without saying so.
        "ALLOW_ANONYMOUS_ACCESS": "true",
    }
    if answers.get("database", "sqlite") == "sqlite":
        values["DATABASE_URL"] = f"sqlite:///{scratch / 'probe.db'}"
    return values


@dataclass
class App:
    """One process serving the app on a loopback port."""

    python: Path
    product: Path
    server: list[str]  # uvicorn's arguments in the image (server_args)
    prefix: str
    settings: dict[str, str]
    scratch: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    log: Path = field(default=Path(os.devnull), repr=False)  # what the app printed
    started: float = field(default=0.0, repr=False)  # time.monotonic() at its start

    def start(self) -> None:
        assert self.port, "give each app its own port (free_ports)"
        args = _with_option(self.server, "--host", "127.0.0.1")
        args = _with_option(args, "--port", str(self.port))
        # The product's src first: the code of this checkout, whichever environment serves it.
        args = _with_option(args, "--app-dir", str(self.product / "src"))
        home = self.scratch / "home"
        home.mkdir(exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            **{f"{self.prefix}{key}": value for key, value in self.settings.items()},
        }
        self.log = self.scratch / f"app-{self.port}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(self.python), "-m", "uvicorn", *args],
                cwd=self.product,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.started = time.monotonic()

    def serving(self) -> bool:
        try:
            status, _, _ = request(self.port, "GET", "/healthz", timeout=2)
        except OSError:
            return False
        return status > 0

    def outcome(self, timeout: float = START_SECONDS, wall: float = START_WALL_SECONDS) -> str:
        """``serving`` once it answers HTTP, ``exited`` when it stops first, ``timeout`` when
        it did neither in TIMEOUT seconds of its own time, ``starved`` when the machine gave
        it less than that in WALL seconds."""
        assert self.process is not None
        while True:
            if self.process.poll() is not None:
                return "exited"
            if self.serving():
                return "serving"
            if own_seconds(self.process.pid, self.started) >= timeout:
                return "timeout"
            if time.monotonic() - self.started >= wall:
                return "starved"
            time.sleep(0.2)

    def last_line(self) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "?"
        lines = [line.strip() for line in lines if line.strip()]
        return lines[-1] if lines else "no output"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def own_seconds(pid: int, started: float) -> float:
    """Seconds since ``started`` (a time.monotonic()) that process PID was not waiting in a
    CPU's run queue: Linux counts that wait per task (/proc/PID/schedstat, second field, in
    nanoseconds). Where it cannot be read, all of the wall time."""
    elapsed = time.monotonic() - started
    try:
        queued = int(Path(f"/proc/{pid}/schedstat").read_text(encoding="ascii").split()[1])
    except (OSError, ValueError, IndexError):
        return elapsed
    return elapsed - queued / 1e9


def free_ports(count: int) -> list[int]:
    """COUNT loopback ports nothing listens on, all different (held open together while
    chosen, so no two apps of one probe share a port)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15,
) -> tuple[int, dict[str, str], bytes]:
    """One request to the app: status, headers (lower-case names; repeated ones joined), body.
    A server that answers before reading the whole body (413) may close the connection while
    it is sent: the answer is read all the same."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        sent = {"Host": HOST, **(headers or {})}
        if body is not None:
            sent["Content-Length"] = str(len(body))
        for name, value in sent.items():
            connection.putheader(name, value)
        try:
            connection.endheaders()
            if body:
                connection.send(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = connection.getresponse()
        data = b"" if method == "HEAD" else response.read()
        found: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            found[key] = f"{found[key]}, {value}" if key in found else value
        return response.status, found, data
    finally:
        connection.close()
