"""`paved-road update` refuses what it cannot do cleanly: one line, exit 2, product unchanged."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.cases import CHECK_CASES
from tests.support import commit_all, copy_product, init_repo
from tests.update_support import Versions, tree_state, update


@pytest.fixture(scope="session")
def old_product(
    versions: Versions,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    product = tmp_path_factory.mktemp("bad-input") / "product"
    copy_product(
        versions.repo, product, CHECK_CASES["default"], vcs_ref=versions.old, skip_tasks=True
    )
    init_repo(product)
    return product


@pytest.fixture
def product(old_product: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(old_product, tmp_path / "product", symlinks=True))


def _set_answer(product: Path, key: str, value: str) -> None:
    path = product / ".copier-answers.yml"
    lines = [
        f"{key}: {value}" if line.startswith(f"{key}:") else line
        for line in path.read_text().splitlines()
    ]
    path.write_text("\n".join(lines) + "\n")
    commit_all(product, f"answers: {key}")


def _refused(product: Path, *args: str, says: str) -> None:
    before = tree_state(product)
    result = update(product, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("paved-road update: "), lines
    assert says in lines[0], lines[0]
    assert tree_state(product) == before


def test_dirty_tree_is_refused(product: Path) -> None:
    (product / "README.md").write_text("work in progress\n")
    (product / "notes.txt").write_text("untracked\n")
    _refused(product, "--defaults", says="2 uncommitted change(s)")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ("auth", "--data 'auth' is not QUESTION=ANSWER"),
        ("atuh=none", "'atuh' is not a question (did you mean auth?)"),
        ("auth=maybe", "Invalid auth 'maybe': one of oidc, none"),
        ("github_org=evil", "github_org is set by the platform"),
    ],
)
def test_bad_data_is_refused_before_the_template_runs(product: Path, data: str, says: str) -> None:
    _refused(product, "--defaults", f"--data={data}", says=says)


def test_missing_answers_file_is_refused(product: Path) -> None:
    (product / ".copier-answers.yml").unlink()
    commit_all(product, "lost the answers file")
    _refused(product, "--defaults", says="no .copier-answers.yml in .: run it in a product's root")


def test_commit_not_in_template_is_refused(product: Path) -> None:
    _set_answer(product, "_commit", "v9.9.9")
    _refused(product, "--defaults", says="_commit v9.9.9 is not in template ")


def test_unreachable_template_is_refused(product: Path) -> None:
    # Port 9 on loopback: nothing listens, the connection is refused at once (no network needed).
    _set_answer(product, "_src_path", "http://127.0.0.1:9/paved-road.git")
    _refused(
        product,
        "--defaults",
        "--approved-source=http://127.0.0.1:9/paved-road.git",
        says="template source http://127.0.0.1:9/paved-road.git is unreachable",
    )


def test_missing_local_template_is_refused(product: Path, tmp_path: Path) -> None:
    _set_answer(product, "_src_path", str(tmp_path / "moved-away"))
    _refused(product, "--defaults", says="is unreachable")


def test_template_source_naming_a_file_is_refused(product: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "template.tar.gz"
    a_file.write_text("not a template\n")
    _set_answer(product, "_src_path", str(a_file))
    _refused(product, "--defaults", says=f"template source {a_file} is a file, not a folder")


def test_not_a_git_repository_is_refused(product: Path) -> None:
    shutil.rmtree(product / ".git")
    result = update(product, "--defaults")
    assert result.returncode == 2
    assert "is not in a git repository" in result.stderr
    assert not (product / ".git").exists()


def test_no_terminal_without_defaults_is_refused(product: Path) -> None:
    _refused(product, says="pass --defaults")


def test_unknown_target_version_is_refused(product: Path) -> None:
    _refused(product, "--defaults", "--vcs-ref", "v7.7.7", says="--vcs-ref v7.7.7 is not a tag")


@pytest.mark.slow(reason="a real update from a template named by a relative path")
def test_relative_template_path_is_read_from_the_product(
    product: Path,
    versions: Versions,
    tmp_path: Path,
) -> None:
    """Copier records `_src_path` as typed; a relative one means relative to the product, also
    when the update is started from elsewhere."""
    _set_answer(product, "_src_path", os.path.relpath(versions.repo, product))
    result = update(product, "--defaults", "--no-drift", str(product), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"-> {versions.new}" in result.stdout


def test_relative_template_path_that_does_not_resolve_is_refused(product: Path) -> None:
    _set_answer(product, "_src_path", "../nowhere/template")
    _refused(
        product,
        "--defaults",
        says="template ../nowhere/template not found from .: record its URL or absolute path",
    )


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        ("_commit: 2026-02-30", "line {line}: 2026-02-30 is not a real date"),
        ("_commit: 2026-01-31", "line {line}: _commit is a date, not a tag"),
        ("_commit: [v1", "line {next}: invalid YAML: "),
        ("_commit: v1.0.0 caf\xe9", "line {line}: is not UTF-8 text"),
    ],
)
def test_broken_answers_file_is_refused_with_its_line(
    product: Path, broken: str, says: str
) -> None:
    """The answers file is read as drift reads it (one shared reader): file, line, what."""
    path = product / ".copier-answers.yml"
    lines = path.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("_commit:"))
    lines[line - 1] = broken
    path.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    commit_all(product, "answers file broken")
    _refused(product, "--defaults", says=says.format(line=line, next=line + 1))


@pytest.mark.slow(reason="a whole update of a locked product, then its drift check")
def test_a_broken_waivers_file_after_an_update_is_one_line(product: Path) -> None:
    """The update is written (exit 3: updated, the drift check fails); what drift could not
    read is one line, not a report."""
    waivers = product / ".paved-road" / "waivers.yml"
    waivers.write_text("waivers:\n  - path: [unclosed\n")
    commit_all(product, "a broken waivers file")
    result = update(product, "--defaults")
    assert result.returncode == 3, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("paved-road update: updated; drift: ")
    assert len(lines[0].replace(".paved-road/waivers.yml", "P")) <= 80, lines[0]
    assert ".paved-road/waivers.yml line " in lines[0]
    assert "Drift check:" not in result.stdout
