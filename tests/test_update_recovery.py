"""An update whose applier was killed part-way is finished only if nothing changed since.

The applier is SIGKILLed at each of its write steps (the test-only pause hook says when it is
there). Then a person changes the product the ways people do (an edit, a commit, a checkout
of another branch, a stash) and runs `paved-road update` again: one line, exit 2, and both
the product and the plan stay exactly as they are, until `--abandon` drops the plan. With no
change in between, the re-run finishes the update and prints and exits exactly as the
uninterrupted update did (conflicts, exit 1, changelog, drift).

Uses the small two-release template of tests/update_support.py: real copier, real git, real
signals, a merge, a conflict, an added and a deleted file, in seconds.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from paved_road.update.apply import WRITE_STEPS
from paved_road.update.stages import PAUSE_ENV

from tests.cases import sampled
from tests.support import commit_all, git
from tests.update_support import LOCAL, PAVED_ROAD, _env, tiny_product, tree_state, update

WAIT_SECONDS = 300  # a loaded machine: generous, and never part of an assertion
AREA = Path(".git/paved-road-update")


def _copy(product: Path, where: Path) -> Path:
    return Path(shutil.copytree(product, where / "product", symlinks=True))


def _snapshot(product: Path) -> dict[str, object]:
    """Everything a user sees (HEAD, status, index, every file, the stash), and the plans."""
    listed = git(product, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
    files = {
        name: (product / name).read_bytes() if (product / name).is_file() else None
        for name in set(filter(None, listed.split("\0")))
    }
    area = product / AREA
    return {
        "state": tree_state(product),
        "index": git(product, "ls-files", "-s").stdout,
        "stash": git(product, "stash", "list").stdout,
        "files": files,
        "plans": sorted(path.parent.name for path in area.glob("*/plan.json")),
    }


def _wait_for_lock(product: Path) -> None:
    fd = os.open(product / ".git" / "paved-road-update.lock", os.O_RDWR | os.O_CREAT)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                assert time.monotonic() < deadline, "the update lock was never released"
                time.sleep(0.05)
    finally:
        os.close(fd)


def kill_applier_at(product: Path, step: str, flag: Path) -> subprocess.CompletedProcess[str]:
    """Run the update; SIGKILL its applier when it pauses at ``step``."""
    process = subprocess.Popen(
        [PAVED_ROAD, "update", LOCAL, "--defaults"],
        cwd=product,
        env=_env(**{PAUSE_ENV: f"{step}:{flag}"}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while not (flag.exists() and flag.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            out, err = process.communicate()
            raise AssertionError(f"never reached {step}:\n{out}\n{err}")
        time.sleep(0.02)
    os.kill(int(flag.read_text()), signal.SIGKILL)
    flag.unlink()
    out, err = process.communicate(timeout=WAIT_SECONDS)
    _wait_for_lock(product)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture(scope="module")
def base(
    tiny: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    return tiny_product(tiny, tmp_path_factory.mktemp("recovery") / "product")


def _shown(result: subprocess.CompletedProcess[str], product: Path) -> str:
    return result.stdout.replace(str(product), "<product>")


@pytest.fixture(scope="module")
def complete(
    base: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, str, list[str], dict]:
    """The uninterrupted update: exit code, what it printed (stdout, stderr lines), the
    product it left."""
    product = _copy(base, tmp_path_factory.mktemp("complete"))
    result = update(product, "--defaults")
    assert result.returncode == 1, result.stdout + result.stderr  # src/app.py conflicts
    assert "CONFLICTS (1)" in result.stdout and "## 2.0.0" in result.stdout
    # The drift step ran (the small template has no drift policy: it says so, in one line).
    said = result.stderr.replace(str(product), "<product>").splitlines()
    assert "Drift check:" in result.stdout or "updated; drift: " in result.stderr
    return result.returncode, _shown(result, product), said, _snapshot(product)


_killed: dict[str, Path] = {}


@pytest.fixture(scope="module")
def killed_at(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """A product whose applier was SIGKILLed at a write step (made once per step, copied)."""

    def make(step: str) -> Path:
        if step not in _killed:
            where = tmp_path_factory.mktemp(f"killed-{step}")
            product = _copy(base, where)
            result = kill_applier_at(product, step, where / "flag")
            assert result.returncode == 2, result.stdout + result.stderr
            assert result.stderr.splitlines() == [
                "paved-road update: writing stopped by SIGKILL: run again to finish, or --abandon"
            ]
            _killed[step] = product
        return _killed[step]

    return make


# The fast tier kills the applier at its last write step (the most written, the most to check);
# every other step runs in the full suite.
FAST_STEP = WRITE_STEPS[-1]
ANOTHER_STEP = "the same recovery, killed at another of the applier's write steps"


@pytest.mark.parametrize("step", sampled(WRITE_STEPS, [FAST_STEP], ANOTHER_STEP))
def test_rerun_finishes_and_reports_exactly_as_the_update(
    killed_at: Callable[[str], Path],
    complete: tuple[int, str, list[str], dict],
    tmp_path: Path,
    step: str,
) -> None:
    product = _copy(killed_at(step), tmp_path)
    code, printed, said, result = complete

    again = update(product, "--defaults")

    assert again.returncode == code, again.stdout + again.stderr  # 1: a conflict remains
    assert _shown(again, product) == printed  # conflicts, changelog, brief, drift: all of it
    assert again.stderr.replace(str(product), "<product>").splitlines() == [
        "paved-road update: finishing the stopped update (template v1.0.0 -> v2.0.0)",
        *said,
    ]
    assert _snapshot(product) == result


def _edit(product: Path) -> str:
    with (product / "README.md").open("a") as readme:
        readme.write("A line the engineer added after the kill.\n")
    return "README.md was edited"


def _commit(product: Path) -> str:
    (product / "mine.txt").write_text("my work\n")
    commit_all(product, "my work, committed after the kill")
    return "HEAD moved"


def _checkout(product: Path) -> str:
    git(product, "checkout", "--quiet", "-b", "elsewhere")
    return "HEAD moved"


def _stash(product: Path) -> str:
    git(product, "stash", "push", "--quiet", "--include-untracked")
    return "a stash was made or dropped"


def _add(product: Path) -> str:
    git(product, "add", "--all")
    return "the index changed"


CHANGES = {
    "edit": _edit,
    "commit": _commit,
    "checkout": _checkout,
    "stash": _stash,
    "add": _add,
}


def _possible(step: str, change: str) -> bool:
    if change in ("stash", "add") and step == "apply-start":
        return False  # nothing written yet: nothing to stash or add
    # Once the index holds the update's unmerged entries, git itself refuses to switch
    # branches or stash.
    return not (change in ("checkout", "stash") and step in ("apply-index", "apply-written"))


@pytest.mark.parametrize(
    ("step", "change"),
    sampled(
        [(step, change) for step in WRITE_STEPS for change in CHANGES if _possible(step, change)],
        [(FAST_STEP, change) for change in CHANGES],
        ANOTHER_STEP,
    ),
)
def test_a_change_since_the_kill_is_refused_and_both_are_kept(
    killed_at: Callable[[str], Path], tmp_path: Path, step: str, change: str
) -> None:
    product = _copy(killed_at(step), tmp_path)
    why = CHANGES[change](product)
    before = _snapshot(product)
    assert before["plans"], "the killed update's plan is there"

    again = update(product, "--defaults")

    assert again.returncode == 2, again.stdout + again.stderr
    lines = again.stderr.splitlines()
    assert len(lines) == 1, again.stderr
    assert lines[0].startswith(f"paved-road update: {why}"), lines[0]
    assert lines[0].endswith(": --abandon the stopped update"), lines[0]
    assert len(lines[0]) <= 80, lines[0]
    assert again.stdout == ""
    assert _snapshot(product) == before  # nothing written, the plan kept


def test_abandon_drops_the_plan_and_keeps_every_file(
    killed_at: Callable[[str], Path], tmp_path: Path
) -> None:
    product = _copy(killed_at("apply"), tmp_path)
    _edit(product)
    before = _snapshot(product)

    dropped = update(product, "--abandon")

    assert dropped.returncode == 0, dropped.stdout + dropped.stderr
    assert dropped.stdout.startswith(
        "Dropped the interrupted update (template v1.0.0 -> v2.0.0). Any files it had written "
        "stay as they are"
    )
    after = _snapshot(product)
    assert after["plans"] == [] and not any((product / AREA).iterdir())
    assert {key: value for key, value in after.items() if key != "plans"} == {
        key: value for key, value in before.items() if key != "plans"
    }
    # From here on it is a product with uncommitted changes, refused as any other.
    refused = update(product, "--defaults")
    assert refused.returncode == 2
    assert "uncommitted change(s)" in refused.stderr
    nothing = update(product, "--abandon")
    assert nothing.returncode == 0
    assert nothing.stdout == "paved-road update: no interrupted update to abandon; nothing done\n"


def test_a_failed_write_is_one_line_and_puts_the_product_back(base: Path, tmp_path: Path) -> None:
    """The update adds new.txt; an empty folder of that name (invisible to git, so the tree
    is clean) makes writing it fail half-way: the files already written are put back."""
    product = _copy(base, tmp_path)
    (product / "new.txt").mkdir()
    before = tree_state(product)
    readme = (product / "README.md").read_bytes()

    result = update(product, "--defaults")

    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("paved-road update: writing failed (")
    assert lines[0].endswith("): product unchanged")
    assert "fatal:" not in result.stderr
    assert tree_state(product) == before
    assert (product / "README.md").read_bytes() == readme
    assert (product / "new.txt").is_dir()
    assert not any((product / AREA).iterdir())


def test_a_plan_that_cannot_be_checked_is_never_finished(
    killed_at: Callable[[str], Path], tmp_path: Path
) -> None:
    """A plan of an older paved-road (no hashes recorded) is not finished blind."""
    product = _copy(killed_at("apply"), tmp_path)
    (plan,) = (product / AREA).glob("*/plan.json")
    recorded = json.loads(plan.read_text())
    del recorded["state"]
    plan.write_text(json.dumps(recorded))
    before = _snapshot(product)

    again = update(product, "--defaults")

    assert again.returncode == 2, again.stdout + again.stderr
    (line,) = again.stderr.splitlines()
    assert line == "paved-road update: stopped update unreadable (an older format): --abandon it"
    assert _snapshot(product) == before
    assert update(product, "--abandon").returncode == 0
    assert not any((product / AREA).iterdir())
