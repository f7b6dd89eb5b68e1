"""The run's npm installs, started in the background as the session begins (issue 25).

node_modules are built once per run and lock file, behind a file lock, by whichever test seeds
them first (tests/shared.py). That was the SPA's ``make check`` case, the longest test, started
first: it ran the run's first SPA ``npm ci`` in its call (13 CPU-s, 17-23 s wall here), after
its set-up had warmed the default Python version's mypy cache (~20 s) while the two cases
started beside it (Python 3.11 and 3.13) waited idle on that warm-up's lock: one of two cores
unused. Started here, as a process of its own per lock file when the session starts, the
installs use that core, and the SPA case finds its node_modules ready. A test that needs one
before it is done waits on its lock as before, and one not started or failed is installed by
the test itself: the verdict never depends on this module, it only moves work earlier.

The mypy warm-ups stay in the tests' set-ups: started here as well, beside the installs, they
all shared the two cores and the default version's (which the SPA case waits for) finished
later; measured side by side with main, the SPA case was not faster (docs/testing.md).

    python -m tests.prewarm <npm root> <package.json> <package-lock.json>
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

from tests.shared import node_modules_for
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


def wanted(items: list) -> bool:
    """Whether a collected test seeds node_modules (most runs of a few files do not)."""
    return any("seed_npm" in getattr(item, "fixturenames", ()) for item in items)


def jobs(items: list, run_root: Path, template: Path) -> list[list[str]]:
    """The prewarm commands (arguments after ``python -m tests.prewarm``) the tests need."""
    if not wanted(items):
        return []
    root = str(run_root / "npm")
    return [[root, str(template / package), str(template / lock)] for package, lock in NPM_PACKAGES]


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
                        start_new_session=True,  # stop() ends its npm too
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


def _npm(root: str, package_json: str, lock: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy2(package_json, Path(folder) / "package.json")
        shutil.copy2(lock, Path(folder) / "package-lock.json")
        node_modules_for(Path(root), Path(folder))


if __name__ == "__main__":
    _npm(*sys.argv[1:])
