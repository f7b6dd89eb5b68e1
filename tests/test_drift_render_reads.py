"""Drift lays out only the template files a render can read (issue 23, single-product cost):
a template repository's tests, docs and CI files are left out, written only when copier must
render from the whole commit, and a render that asks Jinja for a left-out file is rendered by
copier from the whole commit, byte for byte what `copier copy` writes."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest
from paved_road.drift import rendering
from paved_road.drift.answers_file import read_answers
from paved_road.drift.git_remote import remote_tags
from paved_road.drift.rendering import direct, reads, tree

from tests.cases import CHECK_CASES
from tests.support import commit_all, copy_product, git

CONFIG = b"""\
_subdirectory: template
_templates_suffix: .jinja
_jinja_extensions:
  - copier_template_extensions.TemplateExtensionLoader
  - extensions/copier_entry.py:PavedRoadFilters
project_slug:
  type: str
"""
FILES = [
    ("100644", "copier.yml"),
    ("100644", "template/README.md.jinja"),
    ("100755", "template/scripts/run"),
    ("100644", "extensions/copier_entry.py"),
    ("100644", "extensions/paved_road/data/names.json"),
    ("100644", "partials/owners.jinja"),
    ("100644", "tests/test_x.py"),
    ("100644", "docs/index.md"),
    ("100644", "templates/not-the-subdirectory.txt"),
    ("100644", "README.md"),
]


def test_a_render_reads_its_config_subdirectory_templates_and_extension_folders() -> None:
    assert reads.needed(CONFIG, FILES) == {
        "copier.yml",
        "template/README.md.jinja",
        "template/scripts/run",
        "extensions/copier_entry.py",
        "extensions/paved_road/data/names.json",
        "partials/owners.jinja",
    }


@pytest.mark.parametrize(
    "config",
    [
        CONFIG + b"_exclude: !include shared/exclude.yml\n",
        CONFIG.replace(b"_subdirectory: template", b'_subdirectory: "{{ flavour }}"'),
        CONFIG + b"_envops:\n  variable_start_string: 'temp'\n",
        CONFIG.replace(b"_subdirectory: template", b"_subdirectory: ''"),
        CONFIG.replace(b"_subdirectory: template", b"_subdirectory: ../elsewhere"),
        CONFIG.replace(b"_subdirectory: template\n", b""),
        CONFIG.replace(b"_templates_suffix: .jinja", b"_templates_suffix: ''"),
        CONFIG.replace(b"extensions/copier_entry.py", b"../outside/entry.py"),
        b"_subdirectory: [template\n",
        None,
    ],
    ids=[
        "include",
        "templated subdirectory",
        "delimiter in subdirectory",
        "no subdirectory",
        "subdirectory leaves",
        "subdirectory unset",
        "every file a template",
        "extension outside",
        "not YAML",
        "no single config",
    ],
)
def test_where_it_cannot_tell_every_file_is_written(config: bytes | None) -> None:
    assert reads.needed(config, FILES) is None


@pytest.mark.parametrize("mode", ["120000", "160000"])
def test_a_symlink_or_submodule_anywhere_writes_every_file(mode: str) -> None:
    assert reads.needed(CONFIG, [*FILES, (mode, "docs/link")]) is None


def _archive(template: Path, commit: str, into: Path) -> dict[str, tuple[bytes, bool]]:
    """Each file of the commit as git archive writes it: (bytes, executable)."""
    archive = into.with_suffix(".tar")
    subprocess.run(["git", "archive", "-o", str(archive), commit], cwd=template, check=True)
    with tarfile.open(archive) as tar:
        return {
            member.name: (tar.extractfile(member).read(), bool(member.mode & 0o111))  # type: ignore[union-attr]
            for member in tar.getmembers()
            if member.isfile()
        }


def _files(folder: Path) -> dict[str, tuple[bytes, bool]]:
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), bool(path.stat().st_mode & 0o111))
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.parametrize("remote", [False, True], ids=["local repository", "fetched"])
def test_the_template_files_left_out_are_written_when_copier_needs_the_whole_commit(
    template_repo: Path, tmp_path: Path, remote: bool
) -> None:
    tree.forget()
    expected = _archive(template_repo, "v1.0.0", tmp_path / "archive")
    sha = git(template_repo, "rev-parse", "v1.0.0^{commit}").stdout.strip()
    # A remote template is fetched (one commit, shallow) into a repository kept beside the
    # files until the rest is written.
    source = f"file://{template_repo}" if remote else str(template_repo)
    folder = tree.template_tree(source, "v1.0.0", sha, tmp_path / "t", whole=False)
    assert folder is not None
    assert (tmp_path / "t.git").is_dir() == remote
    written, rest = _files(folder), tree.left_out(folder)
    # What a render reads, as the commit holds it; nothing else.
    assert written == {path: expected[path] for path in expected if path not in rest}
    assert set(written) | rest == set(expected)
    assert {path.split("/")[0] for path in rest} >= {"tests", "docs"}
    assert not any(path.startswith(("template/", "extensions/")) for path in rest)
    assert all(not path.endswith(".jinja") for path in rest)
    tree.complete(folder)
    assert tree.left_out(folder) == frozenset()
    assert _files(folder) == expected
    assert not (tmp_path / "t.git").exists()
    tree.forget()


def test_a_render_that_includes_a_left_out_file_is_what_copier_copy_writes(
    template_repo: Path, tmp_path: Path
) -> None:
    """The README includes a file beside the template, not one a render is known to read,
    with ``ignore missing``: had drift's render not refused it, the README would silently
    lack it."""
    template = tmp_path / "template"
    git(tmp_path, "clone", "--quiet", str(template_repo), str(template))
    (template / "notes").mkdir()
    (template / "notes" / "fragment.md").write_text("Included from notes/fragment.md.\n")
    readme = template / "template" / "README.md.jinja"
    readme.write_text(
        readme.read_text(encoding="utf-8") + "{% include 'notes/fragment.md' ignore missing %}\n",
        encoding="utf-8",
    )
    commit_all(template, "the README includes a note")
    git(template, "tag", "v1.0.1")
    product = copy_product(
        template, tmp_path / "product", CHECK_CASES["default"], skip_tasks=True, vcs_ref="v1.0.1"
    )
    assert "Included from notes/fragment.md." in (product / "README.md").read_text("utf-8")
    rendering.clear_memory_cache()
    recorded = read_answers(product)
    _, render, _ = rendering.render_as_asked(recorded, remote_tags(str(template)), None)
    assert direct.FALLBACKS == [
        "LeftOut: the render reads notes/fragment.md, left out of the template's files"
    ]
    assert (render / "README.md").read_bytes() == (product / "README.md").read_bytes()
    rendering.clear_memory_cache()
