"""`paved-road adopt`: what it infers, what --pretend shows, and what it refuses (exit 2, the
product unchanged); the merge of a file both have marks every difference."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest
from paved_road.adopt.infer import infer
from paved_road.adopt.merge import marked
from paved_road.update.stages import PAUSE_ENV

from tests.adopt_support import adopt, flask_no_tests, flat_fastapi, poetry_src
from tests.support import commit_all
from tests.update_support import PAVED_ROAD, _env, tree_state


def test_infers_what_the_repository_says(tmp_path: Path) -> None:
    orders = infer(poetry_src(tmp_path / "orders"))
    assert orders.answers == {
        "product_name": "Orders service",  # the README's title: the name as people say it
        "project_slug": "orders-service",
        "description": "Takes and tracks customer orders.",
        "package_name": "orders",
        "python_version": "3.11",
        "database": "postgres",
        "ui": "none",
        "deploy_target": "none",
        "owner_team": "order-desk",
    }
    assert orders.guesses["owner_team"].source == "CODEOWNERS"
    flat = infer(flat_fastapi(tmp_path / "flat"))
    # `app` is a name the template refuses for a package: dropped, with the reason.
    assert "package_name" not in flat.answers
    assert any(note.startswith("package_name 'app'") for note in flat.notes)
    assert flat.answers["python_version"] == "3.12"
    assert flat.answers["owner_team"] == "stock-keepers"
    catalogue = infer(flask_no_tests(tmp_path / "catalogue"))
    assert catalogue.answers["ui"] == "server"
    assert catalogue.answers["deploy_target"] == "kubernetes"
    assert catalogue.answers["product_name"] == "Catalogue"  # setup.cfg name, README title


def test_a_file_both_have_keeps_shared_lines_and_marks_each_difference() -> None:
    merged = marked(b"a\nb\nc\nd\n", b"a\nB\nc\nd\ne\n", "paved-road v1.0.0").decode()
    assert merged == (
        "a\n<<<<<<< yours\nb\n=======\nB\n>>>>>>> paved-road v1.0.0\nc\nd\n"
        "<<<<<<< yours\n=======\ne\n>>>>>>> paved-road v1.0.0\n"
    )


@pytest.fixture(scope="module")
def flat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return flat_fastapi(tmp_path_factory.mktemp("plan") / "inventory")


@pytest.mark.slow(reason="renders the template and runs the drift check on the result")
def test_pretend_prints_the_plan_and_changes_nothing(flat: Path, template_repo: Path) -> None:
    before = tree_state(flat)
    result = adopt(flat, "--pretend", "--defaults", "--template", str(template_repo),
                   "-d", "product_name=Inventory")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert tree_state(flat) == before
    out = result.stdout
    assert out.startswith("Plan (nothing written: --pretend)")
    assert "product_name: Inventory  (--data)" in out
    assert "owner_team: stock-keepers  (.github/CODEOWNERS)" in out
    assert "  Dockerfile  (you have none (guarded file of the road))" in out
    assert "  .gitignore  (a list of lines: yours kept, the road's added)" in out
    assert "CONFLICTS (2):" in out
    assert "-> keep yours (`git checkout --ours -- README.md`)" in out
    assert "-> take the road's (`git checkout --theirs -- .github/CODEOWNERS`)" in out
    assert "app factory: yours app/main.py -> the road's src/inventory/main.py" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--defaults"], "--defaults needs a product name"),
        (["--defaults", "-d", "product_name=Inventory", "-d", "database=mysql"],
         "Invalid database 'mysql': one of sqlite, postgres"),
        (["--defaults", "-d", "colour=red"], "'colour' is not a question"),
        (["--defaults", "-d", "product_name=Inventory", "--vcs-ref", "main"],
         "--vcs-ref main is not a release tag"),
        (["-d", "product_name=Inventory"], "no terminal to ask the questions on"),
        (["--defaults", "--data-file", "missing.yml"], "data file missing.yml does not exist"),
    ],
)  # fmt: skip
def test_refuses_bad_input_in_one_line(
    flat: Path, template_repo: Path, args: list[str], message: str
) -> None:
    before = tree_state(flat)
    result = adopt(flat, "--template", str(template_repo), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert tree_state(flat) == before


def test_refuses_a_dirty_tree_and_a_product_already_on_the_road(
    tmp_path: Path, template_repo: Path
) -> None:
    product = flat_fastapi(tmp_path / "inventory")
    (product / "notes.txt").write_text("half done\n")
    args = ("--defaults", "-d", "product_name=Inventory", "--template", str(template_repo))
    dirty = adopt(product, *args)
    assert dirty.returncode == 2
    assert "1 uncommitted change(s) (notes.txt, ...): commit or stash\n" in dirty.stderr
    (product / ".copier-answers.yml").write_text("_commit: v1.0.0\n")
    commit_all(product, "answers from somewhere")
    (product / "notes.txt").unlink()
    commit_all(product, "clean")
    again = adopt(product, *args)
    assert again.returncode == 2
    assert "on the paved road already: use `paved-road update`" in again.stderr


def _adopt_killed_at(product: Path, template: Path, stage: str, flag: Path) -> int:
    """Run adopt, pause it at ``stage`` (the update's test hook), SIGTERM it there."""
    process = subprocess.Popen(
        [PAVED_ROAD, "adopt", "--defaults", "-d", "product_name=Inventory",
         "--template", str(template)],
        cwd=product, env=_env(**{PAUSE_ENV: f"{stage}:{flag}"}), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (flag.exists() and flag.read_text()):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGTERM)
    flag.unlink()  # the applier (its own session) carries on when it was the one paused
    process.communicate(timeout=60)
    deadline = time.monotonic() + 60
    while any((product / ".git" / "paved-road-update").glob("run-*")):  # the applier's folder
        assert time.monotonic() < deadline, "the applier never finished"
        time.sleep(0.1)
    return process.returncode


@pytest.mark.slow(reason="a real adoption, stopped by a signal at a pause point")
def test_interrupted_before_writing_leaves_the_product_unchanged(
    tmp_path: Path, template_repo: Path
) -> None:
    product = flat_fastapi(tmp_path / "inventory")
    before = tree_state(product)
    assert _adopt_killed_at(product, template_repo, "ready", tmp_path / "flag") == 2
    assert tree_state(product) == before


@pytest.mark.slow(reason="a real adoption, stopped by a signal while it is written")
def test_interrupted_while_writing_gives_the_whole_adoption(
    tmp_path: Path, template_repo: Path
) -> None:
    product = flat_fastapi(tmp_path / "inventory")
    _adopt_killed_at(product, template_repo, "apply", tmp_path / "flag")
    assert (product / ".copier-answers.yml").is_file()  # written last: the whole plan is in
    assert (product / ".github/workflows/ci.yml").is_file()
    unmerged = subprocess.run(["git", "ls-files", "-u"], cwd=product, capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
    assert "README.md" in unmerged


@pytest.mark.slow(reason="a real adoption driven through copier's prompts on a pseudo-terminal")
def test_on_a_terminal_it_asks_with_the_inferred_answers_as_defaults(
    tmp_path: Path, template_repo: Path
) -> None:
    """Enter on every question takes what the repository said (a real terminal: a pty)."""
    product = poetry_src(tmp_path / "orders")
    pid, fd = pty.fork()
    if pid == 0:  # the child: adopt on the terminal (never back into pytest)
        try:
            os.chdir(product)
            command = [PAVED_ROAD, "adopt", "--pretend", "--template", str(template_repo)]
            os.execve(PAVED_ROAD, command, _env())
        finally:
            os._exit(127)
    shown = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        # A short silence: a question waits, or the machine is slow and the next question is
        # still coming; either way Enter takes a default (early keys wait in the terminal's
        # buffer for the next prompt, and every question here takes its default).
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            os.write(fd, b"\r")  # a question waits: take its default
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        shown += data
    os.waitpid(pid, 0)
    out = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", shown).decode(errors="replace")
    assert "🎤 Product name" in out  # copier asked
    assert "  product_name: Orders service  (README.md title)" in out
    assert "  python_version: 3.11  (pyproject.toml [tool.poetry.dependencies].python)" in out
    assert "  owner_team: order-desk  (CODEOWNERS)" in out
