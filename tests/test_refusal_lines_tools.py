"""Every refusal of `paved-road drift`, `update`, `fleet`, `waiver`, `probe`, `adopt` and
`gitlab-mr` is one line of at most 80 columns, program prefix included (issue 26).

Only a path's own length may push a line past 80: the measure below puts a short stand-in in
place of each path the test made (the product itself is named relative to the cwd, so it
counts in full). Each refusal runs the real CLI in this process (``paved_road.cli.main``).
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from paved_road.cli import main
from paved_road.one_line import cut, fitted

from tests.drift_support import drift
from tests.support import git
from tests.test_drift import (  # noqa: F401 - fixtures
    CANNOT_CHECK,
    _break,
    pristine_product,
    product,
    template_v1,
)

WIDTH = 80


# Files of a product that refusals name: paths, as the product's own path is.
PRODUCT_FILES = (".copier-answers.yml", ".paved-road/waivers.yml", "README.md")


def columns(line: str, *paths: Path | str) -> int:
    """The line's width with each path counted as one column: each of ``paths``, with what
    follows it up to a space or colon (a file under a folder the test made)."""
    for path in sorted(map(str, paths), key=len, reverse=True):
        line = re.sub(re.escape(path) + r"[^\s:]*", "P", line)
    return len(line)


def assert_one_line(err: str, *paths: Path | str) -> str:
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    assert columns(lines[0], *paths) <= WIDTH, f"{columns(lines[0], *paths)} columns: {lines[0]}"
    return lines[0]


@pytest.mark.parametrize("how", CANNOT_CHECK)
def test_drift_cannot_check_is_one_line_in_80_columns(
    how: str,
    product: Path,  # noqa: F811
    template_v1: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    says, extra = _break(product, template_v1, how)
    monkeypatch.chdir(product.parent)
    code, out, err = drift(capsys, product, *extra)
    assert (code, out) == (2, ""), err
    paths = (template_v1, template_v1.with_name("moved-away"), product.parent, *PRODUCT_FILES)
    line = assert_one_line(err, *paths, "product")
    assert line.startswith("paved-road drift: cannot check product: "), line  # as named from here
    assert says in line, line
    if how in ("no-src-path", "no-commit", "missing"):  # room for the fix
        assert line.endswith((": restore it from git", ": run it in a product's root")), line


def test_the_fix_follows_what_is_wrong_only_when_it_fits() -> None:
    path = "/a/very/long/folder/that/the/user/named/.copier-answers.yml"
    assert fitted(f"{path}: has no _commit", "restore it from git", 46, path) == (
        f"{path}: has no _commit: restore it from git"  # the path counts as one column
    )
    said = ".copier-answers.yml line 16: 2026-02-30 is not a real date"
    assert fitted(said, "restore it from git", 46, ".copier-answers.yml") == said
    assert cut("fatal:  it\nbroke   badly", 40) == "fatal: it broke badly"
    assert cut("x" * 50, 20) == "x" * 17 + "..."


# --- paved-road update: refused before anything is fetched or written -----------------------


def _commit_all(made: Path) -> None:
    git(made, "add", "--all")
    git(made, "commit", "--quiet", "--allow-empty", "-m", "broken on purpose")


FORK = "https://git.example.com/someone-else/a-fork-of-the-paved-road-template.git"


def _break_for_update(made: Path, how: str) -> tuple[list[str], str]:  # noqa: PLR0911
    """Break the product as ``how`` says: the update's extra arguments, and what it must say."""
    answers = made / ".copier-answers.yml"
    text = answers.read_text()
    if how == "dirty":
        (made / "a-rather-long-file-name-of-notes.txt").write_text("work\n")
        (made / "README.md").write_text("work in progress\n")
        return [], "product has 2 uncommitted change(s) ("
    if how == "unapproved":
        return [], " is unapproved: fix _src_path or --approved-source"
    if how == "remote-with-local-template":
        answers.write_text("\n".join(
            f"_src_path: {FORK}" if x.startswith("_src_path") else x for x in text.splitlines()
        ) + "\n")  # fmt: skip
        _commit_all(made)
        return ["--local-template"], "is unapproved: use --approved-source"
    if how == "no-answers":
        answers.unlink()
        _commit_all(made)
        return [], "no .copier-answers.yml in product: run it in a product's root"
    if how == "answers-unparseable":
        answers.write_text(text + "broken: [unclosed\n")
        _commit_all(made)
        return [], ".copier-answers.yml line "
    if how == "commit-is-a-date":
        answers.write_text(text.replace("_commit: v1.0.0", "_commit: 2026-01-31"))
        _commit_all(made)
        return [], "_commit is a date, not a tag"
    if how == "not-git":
        shutil.rmtree(made / ".git")
        return [], "product is not in a git repository: commit it first"
    if how == "unknown-question":
        return ["--data", "projct_slug=x"], "is not a question (did you mean project_slug?)"
    raise AssertionError(how)


UPDATE_CASES = [
    "dirty",
    "unapproved",
    "remote-with-local-template",
    "no-answers",
    "answers-unparseable",
    "commit-is-a-date",
    "not-git",
    "unknown-question",
]


@pytest.mark.parametrize("how", UPDATE_CASES)
def test_update_refusals_are_one_line_in_80_columns(
    how: str,
    product: Path,  # noqa: F811
    template_v1: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extra, says = _break_for_update(product, how)
    monkeypatch.chdir(product.parent)
    monkeypatch.setattr("sys.stdin", io.StringIO())  # no terminal, as a bot runs it
    capsys.readouterr()
    code = main(["update", "product", "--defaults", *extra])
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), out + err
    line = assert_one_line(err, template_v1, FORK, "product", *PRODUCT_FILES)
    assert line.startswith("paved-road update: "), line
    assert says in line, line


# --- fleet, waiver, probe, adopt, gitlab-mr: refused before any work ------------------------

FLEET_FILES = {
    "bad.yml": "products:\n  - name: x\n",
    "dup.yml": "products:\n  - a/x.git\n  - b/x\n",
    "ok.yml": "products:\n  - repo: a\n",
}
SIGN = ["waiver", "sign", "--product", "acme/shop", "--path", "Makefile", "--reason", "PLAT-1"]
SIGN += ["--approved-by", "@acme/platform"]
# (command line, what the one line says); paths are relative to a folder holding FLEET_FILES,
# an empty folder `empty`, and a folder `plain` that is no product and no git repository.
OTHERS = [
    (["fleet", "check", "bad.yml"], "bad.yml:2: products[0].repo: Field required"),
    (["fleet", "check", "dup.yml"], "dup.yml:3: product name 'x' is used twice (line 2)"),
    (["fleet", "check", "absent.yml"], "absent.yml: cannot read the fleet file"),
    (["fleet", "check", "ok.yml", "--only", "nosuch"], "--only nosuch: no product of ok.yml"),
    (["fleet", "check", "ok.yml", "--tier", "9"], "no product of ok.yml matches"),
    (["fleet", "check", "ok.yml", "--wave", "half"], "--wave half: give a percentage"),
    (["fleet", "check", "ok.yml", "--shard", "9/8"], "--shard 9/8: give I/N"),
    (["fleet", "collect", "empty"], "no drift report in empty: download "),
    (["fleet", "collect", "nowhere"], "nowhere is not a directory of drift reports"),
    (["fleet", "collect", "empty", "--owner-issues", "acme"], "give the platform's repo as"),
    ([*SIGN, "--key", "no-key", "--expires", "2027-01-01"], "--key no-key is not a file"),
    ([*SIGN, "--key", "ok.yml", "--expires", "2026-02-30"], "'2026-02-30' is not a YYYY-MM-DD"),
    (["probe", "plain"], "cannot probe: no .copier-answers.yml: run it in a product's root"),
    (["adopt", "plain"], "plain is not in a git repository: commit it first"),
    (["gitlab-mr", "--project", "a/b", "--source-branch", "b", "--title", "t"], "missing"),
]


@pytest.mark.parametrize(("argv", "says"), OTHERS, ids=[" ".join(a[:4]) for a, _ in OTHERS])
def test_other_commands_refuse_in_one_line_in_80_columns(
    argv: list[str],
    says: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, text in FLEET_FILES.items():
        Path(name).write_text(text, "utf-8")
    Path("empty").mkdir()
    Path("plain").mkdir()
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as usage:  # argparse's own refusals
        code = int(usage.code or 0)
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), out + err
    line = assert_one_line(err, *FLEET_FILES, "absent.yml", *PRODUCT_FILES)
    assert says in line, line
