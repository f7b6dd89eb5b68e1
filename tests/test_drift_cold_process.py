"""A cold `paved-road drift` (no render cache) of a fresh product in a git repository: the
processes it starts and what it leaves behind (issue 23: the cold check at most half of
`copier check-update`; docs/drift.md, "Measured"). Every process it does start still runs,
and the verdict is the one it always gave."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from paved_road.drift import rendering

from tests.cases import CHECK_CASES
from tests.drift_support import drift
from tests.shared import Renders
from tests.support import init_repo

# The template's tags (1), its files at the commit (5: the commit and the repository's root,
# a throw-away index, its listing, the configuration, the files a render reads) and the
# product's repository (10): what a cold check of a fresh product asks git. Copier's own
# test of whether drift's plain folder is a repository (3 processes: rev-parse, init, bundle
# verify) is answered without git.
GIT_PROCESSES = 16


def _product(template: Path, tmp_path: Path, renders: Renders) -> Path:
    product = renders.product_copy(
        template, tmp_path / "product", CHECK_CASES["default"], vcs_ref="v1.0.0"
    )
    init_repo(product)
    return product


def test_a_cold_check_asks_git_few_times_and_copier_never_probes_its_folder(
    template_repo: Path,
    tmp_path: Path,
    renders: Renders,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    product = _product(template_repo, tmp_path, renders)
    started: list[list[str]] = []
    run = subprocess.Popen.__init__

    def spy(self: subprocess.Popen, args: list[str], *rest: object, **options: object) -> None:
        started.append([str(arg) for arg in args])
        run(self, args, *rest, **options)  # type: ignore[arg-type]

    rendering.clear_memory_cache()  # as a new process starts
    monkeypatch.delenv("PAVED_ROAD_CACHE_DIR", raising=False)
    monkeypatch.setattr(subprocess.Popen, "__init__", spy)
    code, out, err = drift(capsys, product)
    assert code == 0, out + err
    assert "result: in policy" in out
    gits = [args[1:] for args in started if Path(args[0]).name == "git"]
    probes = [args for args in gits if args[:1] in (["init"], ["bundle"])]
    assert probes == [], "copier asked git whether drift's plain folder is a repository"
    assert len(gits) <= GIT_PROCESSES, gits


def test_a_cold_check_ends_at_once_leaving_nothing_and_saying_everything(
    template_repo: Path, tmp_path: Path, renders: Renders
) -> None:
    """The console script skips the interpreter's teardown (``cli.exit_at_once``): its exit
    handlers still remove every scratch folder, all of its output arrives, and the exit code
    is the verdict's, for a product in policy and for one drifted."""
    product = _product(template_repo, tmp_path, renders)
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "CI": ""}
    env.pop("PAVED_ROAD_CACHE_DIR", None)
    command = [
        str(Path(sys.executable).parent / "paved-road"),
        "drift",
        str(product),
        "--approved-source",
        str(template_repo),
    ]
    for expected, last_line in ((0, "result: in policy"), (1, "result: drifted")):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == expected, done.stdout + done.stderr
        assert done.stdout.splitlines()[-1].startswith(last_line), done.stdout
        assert list(temp.iterdir()) == [], "a scratch folder outlived the check"
        with (product / "Dockerfile").open("a") as dockerfile:  # guarded: a violation
            dockerfile.write("# changed by hand\n")
