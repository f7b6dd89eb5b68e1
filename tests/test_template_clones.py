"""A local template repository is cloned once per commit and process by paved-road's copier
Worker (extensions/paved_road/template_clones.py), yet every render is the one plain copier
makes: the same files and recorded ``_commit``, a dirty ``HEAD`` with its uncommitted
changes, a commit or tag added later seen at once, and no clone left when the process ends.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import copier
import copier._template
import copier._vcs
import pytest
from paved_road import copier_worker, template_clones

from tests.support import commit_all, copy_product, git
from tests.test_copier_worker import _small_template, _tree

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def clones(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The refs copier's ``clone`` checked out in this test (shared or not)."""
    template_clones.forget()
    made: list[str] = []
    original = copier._vcs.clone

    def counted(url: str, ref: str = "HEAD", location: str | None = None) -> str:
        made.append(ref)
        return original(url, ref, location)

    monkeypatch.setattr(copier._vcs, "clone", counted)
    monkeypatch.setattr(copier._template, "clone", counted)
    yield made
    template_clones.forget()


def _render(run: Callable[..., Any], template: Path, dst: Path, ref: str) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # copier's "internal API" and dirty-template warnings
        copy_product(template, dst, {"name": "demo"}, skip_tasks=True, vcs_ref=ref, run=run)
    return _tree(dst)


def _draft_commit(tree: dict[str, Any]) -> dict[str, Any]:
    """``tree`` with the commit copier made of a dirty template's changes (new at each render,
    its hash holds the time) named alike."""
    kind, text, mode = tree[".copier-answers.yml"]
    text = re.sub(rb"(_commit: .*-g)[0-9a-f]+", rb"\1<draft>", text)
    return {**tree, ".copier-answers.yml": (kind, text, mode)}


def _both(template: Path, tmp_path: Path, name: str, ref: str) -> dict[str, Any]:
    """Ours and plain copier's render at ``ref``: asserted equal, ours returned."""
    plain = _render(copier.run_copy, template, tmp_path / f"plain-{name}", ref)
    ours = _render(copier_worker.run_copy, template, tmp_path / f"ours-{name}", ref)
    if name == "dirty":
        plain, ours = _draft_commit(plain), _draft_commit(ours)
    assert ours == plain, name
    return ours


def test_renders_and_an_update_clone_each_commit_once(tmp_path: Path, clones: list[str]) -> None:
    template = _small_template(tmp_path / "template")
    for number in range(3):
        _render(copier_worker.run_copy, template, tmp_path / f"v1-{number}", "v1.0.0")
    assert clones == ["v1.0.0"]
    product = tmp_path / "v1-0"
    git(product, "init", "--quiet")
    commit_all(product, "product")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier_worker.run_update(product, vcs_ref="v2.0.0", defaults=True, overwrite=True)
    # Plain copier clones v2 twice and v1 once more for this update; here each commit once.
    assert sorted(clones) == ["v1.0.0", "v2.0.0"]
    assert (product / "run.sh").stat().st_mode & 0o111
    assert "_commit: v2.0.0" in (product / ".copier-answers.yml").read_text(encoding="utf-8")


def test_a_run_asks_git_each_question_once_and_the_next_run_asks_again(
    tmp_path: Path, clones: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:  # ``clones``: forgets the clones of other tests first
    """Copier makes five Templates of two commits in an update to the newest tag: git is asked
    for that tag and for each commit's clone key once in the run, and again in the next run,
    which finds a release tagged in between."""
    template = _small_template(tmp_path / "template")
    product = tmp_path / "product"
    _render(copier_worker.run_copy, template, product, "v1.0.0")
    git(product, "init", "--quiet")
    commit_all(product, "product")
    asked: list[tuple[str, ...]] = []
    identity, latest = template_clones._identity, copier_worker.get_latest_tag

    def identity_asked(repo: Path, ref: str) -> tuple[str, ...] | None:
        asked.append(("identity", ref))
        return identity(repo, ref)

    def latest_asked(*args: Any) -> str:
        asked.append(("newest tag",))
        return latest(*args)

    monkeypatch.setattr(template_clones, "_identity", identity_asked)
    monkeypatch.setattr(copier_worker, "get_latest_tag", latest_asked)

    def update() -> str:
        asked.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copier_worker.run_update(product, defaults=True, overwrite=True, quiet=True)
        commit_all(product, "update")
        return (product / ".copier-answers.yml").read_text(encoding="utf-8")

    assert "_commit: v2.0.0" in update()
    assert sorted(asked) == [("identity", "v1.0.0"), ("identity", "v2.0.0"), ("newest tag",)]
    (template / "NOTES.md").write_text("notes\n", encoding="utf-8")
    commit_all(template, "v3: notes")
    git(template, "tag", "v3.0.0")
    assert "_commit: v3.0.0" in update()
    assert sorted(asked) == [("identity", "v2.0.0"), ("identity", "v3.0.0"), ("newest tag",)]
    assert (product / "NOTES.md").read_text(encoding="utf-8") == "notes\n"


def test_a_dirty_head_renders_its_changes_and_a_new_commit_is_seen(
    tmp_path: Path, clones: list[str]
) -> None:
    template = _small_template(tmp_path / "template")
    clean = _both(template, tmp_path, "clean", "HEAD")
    assert clean["README.md"][1] == b"# demo\n"
    (template / "README.md.jinja").write_text("# {{ name }} draft\n", encoding="utf-8")
    dirty = _both(template, tmp_path, "dirty", "HEAD")
    assert dirty["README.md"][1] == b"# demo draft\n"
    commit_all(template, "v3: a draft README")
    committed = _both(template, tmp_path, "committed", "HEAD")
    assert committed["README.md"][1] == b"# demo draft\n"
    assert b"_commit: v2.0.0-1-g" in committed[".copier-answers.yml"][1]
    git(template, "tag", "v3.0.0")  # the same commit, now tagged: copier records the tag
    tagged = _both(template, tmp_path, "tagged", "HEAD")
    assert b"_commit: v3.0.0\n" in tagged[".copier-answers.yml"][1]


def test_an_unknown_ref_fails_as_copier_fails(tmp_path: Path, clones: list[str]) -> None:
    template = _small_template(tmp_path / "template")
    for run in (copier.run_copy, copier_worker.run_copy):
        with pytest.raises(ValueError, match=r"Unknown revision: 'v9\.9\.9'"):
            _render(run, template, tmp_path / "never", "v9.9.9")


def test_no_clone_is_left_when_the_process_ends(tmp_path: Path) -> None:
    template = _small_template(tmp_path / "template")
    temp = tmp_path / "temp"
    temp.mkdir()
    script = textwrap.dedent(
        f"""
        import warnings
        from paved_road.copier_worker import run_copy
        warnings.simplefilter("ignore")
        for number, ref in enumerate(("v1.0.0", "v2.0.0", "v1.0.0")):
            run_copy({str(template)!r}, {str(tmp_path)!r} + f"/out-{{number}}",
                     data={{"name": "demo"}}, vcs_ref=ref, defaults=True, quiet=True)
        import os
        print(len(os.listdir({str(temp)!r})))
        """
    )
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": str(ROOT / "extensions")}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "2", "one clone per commit while the process runs"
    assert (tmp_path / "out-2" / "README.md").read_text(encoding="utf-8") == "# demo\n"
    assert list(temp.iterdir()) == []
