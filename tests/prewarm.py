"""The run's first-time costs, started in the background as the session begins (issue 25).

Two things in the suite are built once per run, behind a file lock, by whichever test needs
them first (tests/shared.py): the node_modules of each npm lock file (one ``npm ci``) and the
warm mypy cache of each Python version (``uv sync`` and a cold mypy on a pristine product).
Left to the tests, all of them landed on the clock of the first tests the run starts, one
after the other: the SPA's ``make check`` case warmed the default version's mypy cache in its
set-up (about 20 s) and then ran the run's first SPA ``npm ci`` in its call (about 20 s), while
the Python 3.11 and 3.13 cases waited idle for that same default warm-up before starting
their own. Started here instead, each as a process of its own the moment the session starts,
they run side by side (and beside the tests' own renders); a test that needs one before it
is done waits on its lock as before, and one not started or failed is built by the test
itself, so the verdict never depends on this module: it only moves work earlier.

Only what the collected tests use is started: the npm locks when a test seeds node_modules,
the mypy caches of the versions the collected ``make check`` cases use.

    python -m tests.prewarm npm <npm root> <package.json> <package-lock.json>
    python -m tests.prewarm mypy <mypy root> <renders root> <template repo> <python version>
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from filelock import FileLock

from tests.cases import DEFAULTS
from tests.shared import MypyCaches, Renders, node_modules_for
from tests.support import REPO_ROOT

# The template's npm lock files (package.json, package-lock.json), as a product gets them: not
# templated (no .jinja suffix), so a product's lock is byte for byte the template's, and the
# shared node_modules keyed by its content is the one a product's seed_npm looks up.
NPM_PACKAGES = (
    (
        "template/{% if ui == 'spa' %}frontend{% endif %}/package.json",
        "template/{% if ui == 'spa' %}frontend{% endif %}/package-lock.json",
    ),
    (
        "template/{% if ui == 'server' %}package.json{% endif %}",
        "template/{% if ui == 'server' %}package-lock.json{% endif %}",
    ),
)


def mypy_versions(items: list) -> list[str]:
    """The Python versions whose warm mypy cache the collected tests read: the default for any
    ``mypy_caches`` user, each ``make check`` case's own for ``warm_mypy``."""
    versions: set[str] = set()
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "mypy_caches" in names:
            versions.add(DEFAULTS["python_version"])
        if "warm_mypy" in names and hasattr(item, "callspec"):
            versions.add(item.callspec.params["answers"]["python_version"])
    return sorted(versions)


def seeds_npm(items: list) -> bool:
    return any("seed_npm" in getattr(item, "fixturenames", ()) for item in items)


def wanted(items: list) -> bool:
    """Whether the collected tests use anything prewarmed (most runs of a few files do not)."""
    return seeds_npm(items) or bool(mypy_versions(items))


def jobs(items: list, run_root: Path, template: Path) -> list[list[str]]:
    """The prewarm commands (arguments after ``python -m tests.prewarm``) the tests need."""
    commands = []
    if seeds_npm(items):
        for package_json, lock in NPM_PACKAGES:
            root = str(run_root / "npm")
            commands.append(["npm", root, str(template / package_json), str(template / lock)])
    for version in mypy_versions(items):
        commands.append(
            ["mypy", str(run_root / "mypy"), str(run_root / "renders"), str(template), version]
        )
    return commands


def start(items: list, run_root: Path, template: Path) -> list[subprocess.Popen[bytes]]:
    """Start the jobs, once per run (the first worker to get here starts them; a later one
    finds the marker). Each writes its output to ``prewarm/<n>.log`` under the run root."""
    folder = run_root / "prewarm"
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / "started.lock")):
        if (folder / "started").exists():
            return []
        (folder / "started").touch()
        processes = []
        for number, command in enumerate(jobs(items, run_root, template)):
            with (folder / f"{number}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "tests.prewarm", *command],
                        cwd=REPO_ROOT,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,  # stop() ends its npm, uv and mypy too
                    )
                )
        return processes


def stop(processes: list[subprocess.Popen[bytes]], timeout_s: float = 600) -> None:
    """At the end of the starting worker's session: wait for the jobs (another worker's test may
    still be waiting on one), then end any still running with everything it started, so
    nothing outlives the run."""
    for process in processes:
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()


def python_available(version: str) -> bool:
    found = subprocess.run(
        ["uv", "python", "find", "--no-project", version], capture_output=True, check=False
    )
    return found.returncode == 0


def _npm(root: str, package_json: str, lock: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy2(package_json, Path(folder) / "package.json")
        shutil.copy2(lock, Path(folder) / "package-lock.json")
        node_modules_for(Path(root), Path(folder))


def _mypy(root: str, renders: str, template: str, version: str) -> None:
    if python_available(version):
        MypyCaches(Path(root), Path(template), Renders(Path(renders))).warm(version)


if __name__ == "__main__":
    kind, *arguments = sys.argv[1:]
    {"npm": _npm, "mypy": _mypy}[kind](*arguments)
