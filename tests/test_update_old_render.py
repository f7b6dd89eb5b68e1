"""One render of the old version per update: copier's own, kept for the template's migrations.

`paved-road update` keeps a copy of the render copier makes of the product's old version
(paved_road.copier_worker.run_update, ``keep_old_render``); the template's migrations
(template_migrations/move_files.py, finish_update.py) read their 3-way merge base from it
instead of rendering that version again in a process of their own. The copy must be what a
plain render of the old version writes, and a migration may trust "absent" only when copier
left out nothing such a render has (the new version's ``_exclude`` is added to its old render).
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import copier
import pytest
from paved_road import copier_worker

from tests.support import REPO_ROOT, commit_all, git, init_repo
from tests.update_support import write_files

# A migration that shows what it was handed: the kept render's files and whether it is complete.
SHOW = (
    "import os, shutil; kept = os.environ['PAVED_ROAD_OLD_RENDER']; "
    "shutil.copytree(os.path.join(kept, 'files'), 'seen'); "
    "open('seen-complete', 'w').write(str(os.path.exists(os.path.join(kept, 'complete'))))"
)
CONFIG = (
    "name:\n  type: str\n  default: demo\n"
    f"_migrations:\n  - command: ['{{{{ _copier_python }}}}', '-c', {SHOW!r}]\n"
)


def _template(root: Path, v2_config: str) -> Path:
    write_files(
        root,
        {
            "copier.yml": CONFIG,
            "README.md.jinja": "# {{ name }}, version 1\n",
            "notes.txt": "notes\n",
            "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml }}",
        },
    )
    init_repo(root, "v1")
    git(root, "tag", "v1.0.0")
    write_files(root, {"copier.yml": v2_config, "README.md.jinja": "# {{ name }}, version 2\n"})
    commit_all(root, "v2")
    git(root, "tag", "v2.0.0")
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _update_keeping(template: Path, tmp_path: Path) -> tuple[Path, Path]:
    product = tmp_path / "product"
    copier.run_copy(
        str(template), product, data={"name": "shop"}, vcs_ref="v1.0.0", defaults=True,
        unsafe=True, quiet=True,
    )  # fmt: skip
    git(product, "init", "--quiet")
    commit_all(product, "product")
    kept = tmp_path / "kept"
    copier_worker.run_update(
        product, vcs_ref="v2.0.0", defaults=True, overwrite=True, unsafe=True, quiet=True,
        keep_old_render=kept,
    )  # fmt: skip
    return product, kept


@pytest.mark.parametrize(
    ("v2_config", "complete"),
    [(CONFIG, True), (CONFIG + "_exclude: [notes.txt, copier.yml, .git]\n", False)],
    ids=["same-exclude", "new-exclude"],
)
def test_the_migrations_get_copiers_render_of_the_old_version(
    tmp_path: Path, v2_config: str, complete: bool
) -> None:
    template = _template(tmp_path / "template", v2_config)
    plain = tmp_path / "plain"
    copier.run_copy(
        str(template), plain, data={"name": "shop"}, vcs_ref="v1.0.0", defaults=True,
        unsafe=True, quiet=True, skip_tasks=True,
    )  # fmt: skip
    product, kept = _update_keeping(template, tmp_path)
    seen = _files(product / "seen")
    assert (product / "README.md").read_text() == "# shop, version 2\n"
    assert seen["README.md"] == b"# shop, version 1\n"
    # Every file but the ones the new version excludes, byte for byte as a plain render.
    expected = _files(plain)
    if not complete:
        del expected["notes.txt"]
    assert {name: data for name, data in seen.items() if name != ".copier-answers.yml"} == {
        name: data for name, data in expected.items() if name != ".copier-answers.yml"
    }
    assert (product / "seen-complete").read_text() == str(complete)
    assert kept.is_dir()  # the caller's to remove (paved-road update removes it after copier)
    # Labelled with the answers it was rendered for: the product's, as committed before.
    before = git(product, "show", "HEAD:.copier-answers.yml").stdout
    assert (kept / "for").read_text() == hashlib.sha256(before.encode()).hexdigest() + "\n"


def _move_files(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    path = REPO_ROOT / "template_migrations" / "move_files.py"
    spec = importlib.util.spec_from_file_location("move_files_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the script adds the extensions folder
    spec.loader.exec_module(module)
    return module


ANSWERS = b"_commit: v1.0.0\n_src_path: template\nname: shop\n"


def _kept_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, made_for: bytes) -> Path:
    """A product whose committed answers are ANSWERS (the migrations run in it), and a kept
    render of its old version labelled as made for ``made_for``."""
    product = tmp_path / "product"
    write_files(product, {".copier-answers.yml": ANSWERS.decode()})
    init_repo(product, "product")
    monkeypatch.chdir(product)
    kept = tmp_path / "kept"
    (kept / "files" / "tests").mkdir(parents=True)
    (kept / "files" / "tests" / "test_items.py").write_bytes(b"kept\n")
    (kept / "for").write_text(hashlib.sha256(made_for).hexdigest() + "\n")
    return kept


@pytest.mark.parametrize("complete", [True, False])
def test_a_migration_renders_only_what_the_kept_render_cannot_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, complete: bool
) -> None:
    move_files = _move_files(monkeypatch)
    kept = _kept_render(tmp_path, monkeypatch, made_for=ANSWERS)
    if complete:
        (kept / "complete").touch()
    renders: list[str] = []

    def fresh(_template: str, version: str, _answers: str, target: Path) -> Path:
        renders.append(version)
        (target / "only-fresh.txt").parent.mkdir(parents=True)
        (target / "only-fresh.txt").write_bytes(b"fresh\n")
        return target

    monkeypatch.setattr(move_files, "old_render", fresh)
    monkeypatch.setenv(move_files.OLD_RENDER_ENV, str(kept))
    old = move_files.OldVersion("template", "v1.0.0", ".copier-answers.yml", tmp_path / "s")
    assert old.read("tests/test_items.py") == b"kept\n"
    assert renders == []
    found = old.read("only-fresh.txt")
    assert old.read("nowhere.txt") is None
    assert (found, renders) == ((None, []) if complete else (b"fresh\n", ["v1.0.0"]))
    # Without a kept render (plain `copier update`): one fresh render, as before.
    monkeypatch.delenv(move_files.OLD_RENDER_ENV)
    plain = move_files.OldVersion("template", "v1.0.0", ".copier-answers.yml", tmp_path / "p")
    renders.clear()
    assert plain.read("tests/test_items.py") is None
    assert plain.read("only-fresh.txt") == b"fresh\n"
    assert renders == ["v1.0.0"]


@pytest.mark.parametrize(
    "made_for",
    [ANSWERS.replace(b"v1.0.0", b"v0.9.0"), ANSWERS.replace(b"shop", b"bakery"), None],
    ids=["another-version", "other-answers", "unlabelled"],
)
def test_a_kept_render_made_for_other_answers_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, made_for: bytes | None
) -> None:
    """A PAVED_ROAD_OLD_RENDER left in a shell (another product's update, another version)
    must not become the merge base of this product's `copier update`: with it, an edited file
    equal to the stale base would count as unedited and the edits be dropped."""
    move_files = _move_files(monkeypatch)
    kept = _kept_render(tmp_path, monkeypatch, made_for=made_for or b"")
    if made_for is None:
        (kept / "for").unlink()
    (kept / "complete").touch()
    renders: list[str] = []

    def fresh(_template: str, version: str, _answers: str, target: Path) -> Path:
        renders.append(version)
        (target / "tests").mkdir(parents=True)
        (target / "tests" / "test_items.py").write_bytes(b"fresh\n")
        return target

    monkeypatch.setattr(move_files, "old_render", fresh)
    monkeypatch.setenv(move_files.OLD_RENDER_ENV, str(kept))
    old = move_files.OldVersion("template", "v1.0.0", ".copier-answers.yml", tmp_path / "s")
    assert old.read("tests/test_items.py") == b"fresh\n"
    assert renders == ["v1.0.0"]
