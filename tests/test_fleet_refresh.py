"""Stale update branches: `fleet update` makes an update branch again when the product's branch
has moved on since an earlier run pushed it, and leaves alone one that someone committed to;
products in local bare repositories, GitHub's API answered by tests/github_api.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fleet_support import DEFAULT, publish, refs, release, show, update_on_github
from tests.github_api import fake_github
from tests.support import copy_product, git, snapshot_template

BRANCH = "paved-road/update-v1.1.0"
SUBJECT = "Update the paved-road template to v1.1.0"


def _push(
    forge: Path, scratch: Path, branch: str, base: str, *, files: dict[str, str], msg: str
) -> str:
    """A commit on ``base`` with ``files``, pushed to ``branch`` of the product ``forge``."""
    shutil.rmtree(scratch, ignore_errors=True)
    git(forge.parent, "clone", "--quiet", "--branch", base, str(forge), str(scratch))
    for name, text in files.items():
        (scratch / name).write_text(text)
    git(scratch, "add", "--all")
    git(scratch, "-c", "user.name=Dev", "-c", "user.email=dev@acme.test", "commit", "-qm", msg)
    git(scratch, "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}")
    return git(scratch, "rev-parse", "HEAD").stdout.strip()


@pytest.mark.slow(reason="fleet update runs paved-road update (copier) on a product")
def test_a_stale_update_branch_is_made_again_on_the_moved_base_and_a_claimed_one_is_kept(
    tmp_path: Path,
) -> None:
    template = snapshot_template(tmp_path / "template", tag="v1.0.0")
    shop = copy_product(template, tmp_path / "shop", DEFAULT, skip_tasks=True, vcs_ref="v1.0.0")
    release(template, "v1.1.0", "(fleet edition)")
    forge = tmp_path / "forge" / "acme"
    forge.mkdir(parents=True)
    publish(shop, forge / "shop.git")
    shutil.copytree(forge / "shop.git", forge / "docs.git")
    main = git(forge / "shop.git", "symbolic-ref", "--short", "HEAD").stdout.strip()
    scratch = tmp_path / "scratch"
    # An earlier run's branches (its one commit), then the products' branch moved on: shop's
    # update branch is paved-road's alone, docs' has a commit of its team on top.
    for name in ("shop", "docs"):
        _push(
            forge / f"{name}.git", scratch, BRANCH, main, files={"EARLIER.md": "1\n"}, msg=SUBJECT
        )
    claimed = _push(forge / "docs.git", scratch, BRANCH, BRANCH, files={"FIX.md": "2\n"}, msg="Fix")
    moved = {
        name: _push(
            forge / f"{name}.git", scratch, main, main, files={"NEWS.md": "moved\n"}, msg="News"
        )
        for name in ("shop", "docs")
    }
    (tmp_path / "fleet.yml").write_text(
        "products:\n  - https://github.com/acme/shop.git\n  - https://github.com/acme/docs.git\n"
    )
    with fake_github("acme/shop", "acme/docs") as github:
        opened = {"title": SUBJECT, "head": BRANCH, "base": main, "body": "earlier"}
        github.pulls["acme/shop"] = [github._pull("acme/shop", 1, opened)]
        first = update_on_github(tmp_path, github.url, "--jobs", "1")
        docs_after_first = refs(forge / "docs.git")
        second = update_on_github(
            tmp_path, github.url, "--jobs", "1"
        )  # nothing moved since: nothing to do
    assert first.returncode == 0, first.stdout + first.stderr
    rows = {line.split()[0]: line for line in first.stdout.splitlines() if line[:1] != " "}
    assert rows["shop"].split()[1] == "updated"
    assert f"refreshed {BRANCH} on {main} (it was behind)" in rows["shop"]
    head = git(forge / "shop.git", "rev-parse", BRANCH).stdout.strip()
    parent = git(forge / "shop.git", "rev-parse", f"{head}^").stdout.strip()
    assert parent == moved["shop"]  # made again on the base as it is now
    assert "(fleet edition)" in show(forge / "shop.git", BRANCH, "README.md")
    assert show(forge / "shop.git", BRANCH, "NEWS.md") == "moved\n"
    files = git(forge / "shop.git", "ls-tree", "--name-only", BRANCH).stdout.split()
    assert "EARLIER.md" not in files  # the earlier run's commit is gone
    (pull,) = github.pulls["acme/shop"]  # its pull request follows the branch, and says so
    assert pull["body"].startswith("Updates the paved-road template from v1.0.0 to v1.1.0")
    assert rows["docs"].split()[1] == "exists"
    assert "with commits by others: not refreshed" in rows["docs"]
    assert git(forge / "docs.git", "rev-parse", BRANCH).stdout.strip() == claimed
    assert second.returncode == 0, second.stdout + second.stderr
    again = {line.split()[0]: line for line in second.stdout.splitlines() if line[:1] != " "}
    assert again["shop"].split()[1] == "exists" and "not refreshed" not in again["shop"]
    assert git(forge / "shop.git", "rev-parse", BRANCH).stdout.strip() == head
    assert refs(forge / "docs.git") == docs_after_first
