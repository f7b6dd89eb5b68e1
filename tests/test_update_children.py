"""Every child an update starts dies with it, however it was started: through setpriv (the
cheap way, no fork() of the big update process) or, where setpriv is missing, with a
``preexec_fn``; and the guard covers a parent that died before the signal was set.

A small Python parent enters ``contained`` (as `paved-road update` does), starts a child,
prints what it started and kills itself with SIGKILL; the child must be gone at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from extensions.paved_road.update.children import contained, find_setpriv, guarded
from tests.support import processes_with

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="parent-death signal: Linux"
)
ROOT = Path(__file__).resolve().parents[1]

_PARENT = """
import os, signal, subprocess, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from extensions.paved_road.update import children
if sys.argv[2] == "no-setpriv":
    children.find_setpriv = lambda: None
with children.contained(Path(sys.argv[3])):
    child = subprocess.Popen(
        ["python3", "-c", "import time; time.sleep(300)", sys.argv[4]],
        stdout=subprocess.DEVNULL,
    )
    print(child.pid, child.args[0], flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("way", ["setpriv", "no-setpriv"])
def test_a_child_dies_with_its_killed_parent(tmp_path: Path, way: str) -> None:
    if way == "setpriv" and find_setpriv() is None:
        pytest.skip("setpriv with --pdeathsig is not on this machine")
    token = f"paved-road-children-test-{way}-{os.getpid()}"
    parent = subprocess.run(
        [sys.executable, "-c", _PARENT, str(ROOT), way, str(tmp_path), token],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert parent.returncode == -9, parent.stderr
    pid, started = parent.stdout.split()
    # Through setpriv the child's first program is setpriv; it then execs the guard and the
    # program, keeping its process id.
    assert (Path(started).name == "setpriv") == (way == "setpriv"), started
    deadline = time.monotonic() + 10
    while processes_with(token) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not processes_with(token), f"child {pid} outlived its killed parent"


def test_the_guard_gives_up_when_its_parent_is_not_the_one_expected() -> None:
    """As when the parent died before setpriv set the signal: the child would be orphaned
    with no signal to come, so it runs nothing."""
    setpriv = find_setpriv()
    if setpriv is None:
        pytest.skip("setpriv with --pdeathsig is not on this machine")
    program = [sys.executable, "-c", "print('ran')"]
    wrong_parent = os.getppid()  # alive, and not the process that starts the child
    gone = subprocess.run(
        guarded(setpriv, wrong_parent, program), capture_output=True, text=True, check=False
    )
    assert (gone.returncode, gone.stdout) == (1, "")
    ran = subprocess.run(
        guarded(setpriv, os.getpid(), program), capture_output=True, text=True, check=False
    )
    assert (ran.returncode, ran.stdout) == (0, "ran\n")


def test_calls_behave_as_without_the_wrapper(tmp_path: Path) -> None:
    """Missing programs still raise, shell lines, relative programs, env and argv work."""
    script = tmp_path / "bin" / "say"
    script.parent.mkdir()
    script.write_text('#!/bin/sh\necho "$PAVED_ROAD_WORD $*"\n')
    script.chmod(0o755)
    env = {"PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}", "PAVED_ROAD_WORD": "hi"}

    def out(args: str | list[str], **options: Any) -> str:
        return subprocess.run(args, capture_output=True, text=True, check=True, **options).stdout

    with contained(tmp_path):
        with pytest.raises(FileNotFoundError):
            subprocess.run(["paved-road-no-such-program"], check=False)
        shell = out("echo $((1 + 2))", shell=True)
        by_name = out(["say", "a b"], env=env)
        relative = out(["bin/say", "c"], cwd=tmp_path, env=env)
        explicit = out(["ignored", "d"], executable=str(script), env=env)
        git = out(["git", "--version"])
    assert shell == "3\n"
    assert (by_name, relative, explicit) == ("hi a b\n", "hi c\n", "hi d\n")
    assert git.startswith("git version")
    assert shutil.which("paved-road-no-such-program") is None
