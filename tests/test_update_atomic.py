"""A kill at any moment of `paved-road update` leaves the untouched product or the complete result.

A customised product made at the previous release is updated for real, once without
interruption (the complete result), and then again with a real signal delivered at a named
stage (the documented test-only pause hook, paved_road.update.stages, says when it is there).
Before the result is written the product must be exactly as it was; from the moment the
applier has started it must end up exactly equal to the complete result, even when
`paved-road update` itself is SIGKILLed, and even when the applier is SIGKILLed (the next run
finishes it).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from paved_road.update.stages import PAUSE_ENV

from tests.support import git
from tests.update_customisations import customise
from tests.update_support import (
    LOCAL,
    PAVED_ROAD,
    DefaultProducts,
    Versions,
    _env,
    tree_state,
    update,
)

WAIT_SECONDS = 600  # a loaded machine: generous, and never part of an assertion


@pytest.fixture(scope="module")
def customised(
    versions: Versions,
    tmp_path_factory: pytest.TempPathFactory,
    default_products: DefaultProducts,
) -> Path:
    where = tmp_path_factory.mktemp("atomic") / "product"
    product = default_products.copy(versions, versions.repo, versions.old, where)
    customise(
        product, yaml.safe_load((product / ".copier-answers.yml").read_text())["package_name"]
    )
    return product


def _snapshot(product: Path) -> dict[str, object]:
    """Everything a user sees: HEAD, status, index (stages too), every non-ignored file."""
    listed = git(product, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
    files = {}
    for name in sorted(set(filter(None, listed.split("\0")))):
        path = product / name
        files[name] = path.read_bytes() if path.is_file() else None
    return {
        "state": tree_state(product),
        "index": git(product, "ls-files", "-s").stdout,
        "files": files,
    }


@pytest.fixture(scope="module")
def complete(customised: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    product = _copy(customised, tmp_path_factory.mktemp("complete"))
    result = update(product, "--defaults", "--no-drift")
    assert result.returncode == 0, result.stdout + result.stderr
    return _snapshot(product)


def _copy(product: Path, where: Path) -> Path:
    return Path(shutil.copytree(product, where / "product", symlinks=True))


def _wait_for_lock(product: Path) -> None:
    """Until no update (nor its applier) holds the product's update lock."""
    fd = os.open(product / ".git" / "paved-road-update.lock", os.O_RDWR | os.O_CREAT)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                assert time.monotonic() < deadline, "the update lock was never released"
                time.sleep(0.1)
    finally:
        os.close(fd)


def _interrupt(product: Path, flag: Path, stage: str, deliver) -> tuple[int, str, str]:
    """Run the update, pause it at ``stage``, call ``deliver(update_pid, paused_pid)``, let
    whatever survived carry on, and wait until nothing works on the product any more."""
    process = subprocess.Popen(
        [PAVED_ROAD, "update", LOCAL, "--defaults", "--no-drift"],
        cwd=product,
        env=_env(**{PAUSE_ENV: f"{stage}:{flag}"}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a job in a terminal
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while not (flag.exists() and flag.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            out, err = process.communicate()
            raise AssertionError(f"never reached stage {stage}:\n{out}\n{err}")
        time.sleep(0.05)
    deliver(process.pid, int(flag.read_text()))
    flag.unlink()  # resume the paused process, if it is still there
    out, err = process.communicate(timeout=WAIT_SECONDS)
    _wait_for_lock(product)
    return process.returncode, out, err


def _kill_update(signum: int):
    return lambda update_pid, _paused: os.kill(update_pid, signum)


def _ctrl_c(update_pid: int, _paused: int) -> None:
    os.killpg(update_pid, signal.SIGINT)  # what a terminal does: the whole foreground group


@pytest.mark.slow(reason="kills a real update at each stage and re-runs it")
@pytest.mark.parametrize(
    ("stage", "signum"),
    [
        ("scratch", signal.SIGTERM),
        ("copier", signal.SIGHUP),
        ("ready", signal.SIGTERM),
    ],
)
def test_signal_before_the_product_is_written_leaves_it_untouched(
    customised: Path, tmp_path: Path, stage: str, signum: int
) -> None:
    product = _copy(customised, tmp_path)
    before = tree_state(product)

    code, out, err = _interrupt(product, tmp_path / "flag", stage, _kill_update(signum))

    assert code == 2, out + err
    name = signal.Signals(signum).name
    assert err.splitlines() == [
        f"paved-road update: interrupted by {name}: product unchanged, run it again"
    ]
    assert tree_state(product) == before
    assert not (product / ".git" / "paved-road-update").exists() or not any(
        (product / ".git" / "paved-road-update").iterdir()
    )


@pytest.mark.slow(reason="interrupts a real update in its uv lock step")
def test_ctrl_c_in_the_lock_step_is_one_line_and_leaves_no_lock(
    customised: Path, tmp_path: Path
) -> None:
    """uv is running (the hook pauses after starting it) when Ctrl-C reaches the group."""
    product = _copy(customised, tmp_path)
    before = tree_state(product)
    lock = (product / "uv.lock").read_bytes()

    code, out, err = _interrupt(product, tmp_path / "flag", "lock", _ctrl_c)

    assert code == 2, out + err
    assert err.splitlines() == [
        "paved-road update: interrupted by SIGINT: product unchanged, run it again"
    ]
    assert "Traceback" not in out + err
    assert tree_state(product) == before
    assert (product / "uv.lock").read_bytes() == lock


@pytest.mark.slow(reason="kills a real update, then re-runs it")
def test_sigkill_before_the_product_is_written_then_a_rerun_completes(
    customised: Path, tmp_path: Path, complete: dict[str, object]
) -> None:
    product = _copy(customised, tmp_path)
    before = tree_state(product)

    code, _, _ = _interrupt(product, tmp_path / "flag", "ready", _kill_update(signal.SIGKILL))

    assert code == -signal.SIGKILL
    assert tree_state(product) == before  # the prepared plan never started
    again = update(product, "--defaults", "--no-drift")
    assert again.returncode == 0, again.stdout + again.stderr
    assert _snapshot(product) == complete
    assert not any((product / ".git" / "paved-road-update").iterdir())


@pytest.mark.slow(reason="signals a real update while it writes the product")
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_signal_while_the_product_is_written_gives_the_complete_result(
    customised: Path, tmp_path: Path, complete: dict[str, object], signum: int
) -> None:
    """The applier has written part of the result when `paved-road update` is killed."""
    product = _copy(customised, tmp_path)

    code, _, err = _interrupt(product, tmp_path / "flag", "apply", _kill_update(signum))

    assert _snapshot(product) == complete
    if signum == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:  # it waited for the applier, then reports the signal
        assert code == 3, err
        assert f"update done, then {signal.Signals(signum).name}: check it with" in err


@pytest.mark.slow(reason="kills the applier of a real update, then re-runs it")
def test_killed_applier_is_finished_by_the_next_run(
    customised: Path, tmp_path: Path, complete: dict[str, object]
) -> None:
    """Even the applier itself SIGKILLed half-way: `_commit` is written last, so nothing reads
    as up to date, and the next `paved-road update` completes the same plan."""
    product = _copy(customised, tmp_path)
    old_commit = yaml.safe_load((product / ".copier-answers.yml").read_text())["_commit"]

    _interrupt(
        product,
        tmp_path / "flag",
        "apply",
        lambda _update, applier: os.kill(applier, signal.SIGKILL),
    )

    assert yaml.safe_load((product / ".copier-answers.yml").read_text())["_commit"] == old_commit
    assert _snapshot(product) != complete  # part-written, and says so:
    finish = update(product, "--defaults", "--no-drift")
    assert finish.returncode == 0, finish.stdout + finish.stderr
    assert "finishing the stopped update (template " in finish.stderr
    assert _snapshot(product) == complete
