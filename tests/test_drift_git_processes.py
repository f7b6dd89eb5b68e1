"""What drift asks git, and what it knows without starting it: a template on this machine is
listed once per content of its tag refs, and a product in no repository needs no git to say
so. Either way the answer is git's own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from paved_road.drift import conflicts, git_remote
from paved_road.drift.errors import CannotCheck

from tests.support import git, init_repo


def _listed_by_git(repo: str) -> dict[str, str]:
    return git_remote._ls_remote(repo, repo)


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The git commands drift starts from here on (they still run)."""
    started: list[list[str]] = []
    run = subprocess.Popen.__init__

    def spy(self: subprocess.Popen, args: list[str], *rest: object, **options: object) -> None:
        started.append([str(arg) for arg in args])
        run(self, args, *rest, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(subprocess.Popen, "__init__", spy)
    git_remote.forget()
    return started


def test_tags_are_listed_again_whenever_a_tag_changes(tmp_path: Path, spied: list) -> None:
    repo = tmp_path / "template"
    (repo / "README.md").parent.mkdir()
    (repo / "README.md").write_text("one\n")
    init_repo(repo)
    git(repo, "tag", "v1.0.0")
    (repo / "README.md").write_text("two\n")
    git(repo, "commit", "--quiet", "-am", "two")

    first = git_remote.remote_tags(str(repo))
    assert git_remote.remote_tags(str(repo)) == first == {"v1.0.0": first["v1.0.0"]}
    assert git_remote.remote_tags(f"file://{repo}") == first
    listings = [args for args in spied if args[:2] == ["git", "ls-remote"]]
    assert len(listings) == 2, "one listing per spelling of the source and content of its refs"

    # Added (annotated: the peeled commit), moved in place, packed, deleted: each is seen.
    changes = [
        ["tag", "-a", "-m", "release", "v1.1.0"],
        ["tag", "-f", "v1.0.0", "HEAD"],
        ["pack-refs", "--all"],
        ["tag", "-d", "v1.1.0"],
    ]
    for change in changes:
        git(repo, *change)
        assert git_remote.remote_tags(str(repo)) == _listed_by_git(str(repo)), change
    assert git_remote.remote_tags(str(repo))["v1.0.0"] != first["v1.0.0"]

    moved = repo.rename(tmp_path / "moved-away")
    with pytest.raises(CannotCheck, match="unreachable"):
        git_remote.remote_tags(str(repo))
    assert git_remote.remote_tags(str(moved)) == _listed_by_git(str(moved))


def test_a_folder_in_no_repository_is_no_worktree_without_asking_git(
    tmp_path: Path, spied: list
) -> None:
    if any((folder / ".git").exists() for folder in tmp_path.parents):
        pytest.skip("this run's temporary folders are inside a git repository")
    loose = tmp_path / "copy" / "of" / "a-product"
    loose.mkdir(parents=True)
    assert not conflicts.is_git_worktree(loose)
    assert spied == []

    repo = tmp_path / "repo"
    (repo / "deep" / "product").mkdir(parents=True)
    (repo / "deep" / "product" / "file").write_text("x\n")
    init_repo(repo)
    assert conflicts.is_git_worktree(repo / "deep" / "product")
    assert not conflicts.is_git_worktree(repo / ".git")  # git's own answer: inside, no worktree


def test_a_tag_linked_elsewhere_is_listed_by_git_every_time(tmp_path: Path, spied: list) -> None:
    """A tag ref that is a symbolic link (to another ref, a folder, anything): what it lists
    depends on what it points to, so it is never read through and never kept."""
    repo = tmp_path / "template"
    repo.mkdir()
    (repo / "README.md").write_text("one\n")
    init_repo(repo)
    git(repo, "tag", "v1.0.0")
    (repo / ".git/refs/tags/v1.1.0").symlink_to(repo / ".git/refs/tags/v1.0.0")

    def listings() -> int:
        return len([args for args in spied if args[:2] == ["git", "ls-remote"]])

    for asked in (1, 2):
        assert set(git_remote.remote_tags(str(repo))) == {"v1.0.0", "v1.1.0"}
        assert listings() == asked, "a linked tag is listed by git each time, never kept"

    (tmp_path / "elsewhere").mkdir()
    (repo / ".git/refs/tags/v2.0.0").symlink_to(tmp_path / "elsewhere")
    assert git_remote.remote_tags(str(repo)) == _listed_by_git(str(repo))
    assert listings() == 4
