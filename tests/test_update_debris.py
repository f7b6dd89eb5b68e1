"""Nothing a killed `paved-road update` started outlives it, nothing of it stays in $TMPDIR,
and its run folder is removed by the next run; a signal while it is still starting is one line.

The small template's second release has a task that sleeps (standing in for `uv lock`): the
update is SIGKILLed while the task runs in the scratch clone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import processes_with
from tests.update_support import (
    LOCAL,
    PAVED_ROAD,
    TINY_V2,
    _env,
    tiny_product,
    tiny_template,
    tree_state,
    update,
)

TOKEN = "paved-road-debris-test-task"
WAIT_SECONDS = 300
AREA = Path(".git/paved-road-update")


@pytest.fixture(scope="module")
def slow_task_product(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("debris")
    copier_yml = (
        "_subdirectory: template\n"
        f"_tasks:\n  - [python3, -c, 'import time; time.sleep({WAIT_SECONDS})', {TOKEN}]\n"
        "name:\n  type: str\n  default: tiny\n"
    )
    template = tiny_template(where / "template", v2={**TINY_V2, "copier.yml": copier_yml})
    return tiny_product(template, where / "product")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux")
def test_sigkill_leaves_no_process_and_no_temporary_folder(
    slow_task_product: Path, tmp_path: Path
) -> None:
    product = slow_task_product
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    process = subprocess.Popen(
        [PAVED_ROAD, "update", LOCAL, "--defaults"],
        cwd=product,
        env=_env(TMPDIR=str(tmpdir)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while not (task := processes_with(TOKEN)):
        assert process.poll() is None, "the update ended before its task ran"
        assert time.monotonic() < deadline, "the task never started"
        time.sleep(0.05)
    run_folder = product / AREA / f"run-{process.pid}"
    # Copier's own clone of the template is in the run's temporary folder, not in $TMPDIR.
    assert any((product / AREA / f"tmp-{process.pid}").iterdir())

    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    deadline = time.monotonic() + 10
    while processes_with(TOKEN) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not processes_with(TOKEN), f"the task {task} outlived the killed update"
    assert not any(tmpdir.iterdir()), sorted(path.name for path in tmpdir.iterdir())
    assert run_folder.is_dir()  # left by the kill: the next run removes it

    (product / "notes.txt").write_text("the engineer's next piece of work\n")
    try:
        refused = update(product, "--defaults")
    finally:
        (product / "notes.txt").unlink()
    assert refused.returncode == 2, refused.stderr  # the dirty tree, as always ...
    assert not any((product / AREA).iterdir())  # ... after removing the leftover run folder


_INTERRUPT_WHILE_IMPORTING = """
import os, signal, sys

signal_name, module = sys.argv[1], sys.argv[2]

class InterruptWhileImporting:
    def find_spec(self, name, path=None, target=None):
        if name == module:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), getattr(signal, signal_name))
        return None

sys.meta_path.insert(0, InterruptWhileImporting())
from paved_road.cli import main
sys.exit(main(["update", *sys.argv[3:], "--defaults"]))
"""


def _interrupted_while_importing(
    cwd: Path, name: str, module: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """The update, with the signal sent for real (os.kill) when ``module`` is first imported."""
    return subprocess.run(
        [sys.executable, "-c", _INTERRUPT_WHILE_IMPORTING, name, module, *args],
        cwd=cwd,
        env=_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_signal_during_start_up_imports_is_one_line(tmp_path: Path, name: str) -> None:
    """The signal arrives while the command's own module is being imported."""
    result = _interrupted_while_importing(tmp_path, name, "paved_road.update.command")
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"paved-road update: interrupted by {name} while starting: nothing was done"
    ]


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_signal_while_copier_is_imported_leaves_the_product_unchanged(
    tmp_path: Path, name: str
) -> None:
    """Copier, the update's heaviest import, loads only once the update gets to its render
    (refusals before it cost no copier): a signal then is the run's one line, nothing changed."""
    template = tiny_template(tmp_path / "template")
    product = tiny_product(template, tmp_path / "product")
    before = tree_state(product)
    result = _interrupted_while_importing(product, name, "copier", LOCAL)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"paved-road update: interrupted by {name}: product unchanged, run it again"
    ]
    assert tree_state(product) == before
