"""How `fleet check` gets a product's files: a snapshot of its branch head, laid out from a
shared store of blobs, read from the product's repository in place or from a shallow mirror.

Real git repositories throughout; the hostile trees are built with git's own plumbing."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest
from paved_road.fleet.clones import CannotFetch, mirror
from paved_road.fleet.fleet_file import Product
from paved_road.fleet.snapshots import BlobStore, fetch, snapshot

from tests.support import commit_all, git, init_repo


def product(path: Path, branch: str | None = None) -> Product:
    return Product(name=path.name, repo=str(path), url=path.resolve().as_uri(), branch=branch)


def archive(repo: Path, ref: str) -> dict[str, tuple[str, bytes | str]]:
    """What `git archive` says the commit holds: path -> (kind and mode, bytes or link)."""
    data = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=repo, capture_output=True, check=True
    ).stdout
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                handle = tar.extractfile(member)
                assert handle is not None
                files[member.name] = (f"file {member.mode & 0o111 != 0}", handle.read())
            elif member.issym():
                files[member.name] = ("link", member.linkname)
    return files


def laid_out(root: Path) -> dict[str, tuple[str, bytes | str]]:
    files = {}
    for path in root.rglob("*"):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            files[name] = ("link", str(path.readlink()))
        elif path.is_file():
            files[name] = (f"file {path.stat().st_mode & 0o111 != 0}", path.read_bytes())
    return files


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "shop"
    (repo / "deploy").mkdir(parents=True)
    (repo / "README.md").write_text("shop\n")
    (repo / "deploy" / "release.sh").write_text("#!/bin/sh\necho release\n")
    (repo / "deploy" / "release.sh").chmod(0o755)
    (repo / "crlf.txt").write_bytes(b"one\r\ntwo\r\n")
    (repo / "docs-link").symlink_to("README.md")
    init_repo(repo)
    return repo


def test_a_snapshot_holds_exactly_the_committed_branch_head(repo: Path, tmp_path: Path) -> None:
    (repo / "README.md").write_text("an edit nobody committed\n")  # the work tree is not read
    (repo / "untracked.txt").write_text("not committed\n")
    checkout = fetch(product(repo), tmp_path / "cache")
    assert checkout.commit == git(repo, "rev-parse", "HEAD").stdout.strip()
    assert laid_out(checkout.path) == archive(repo, "HEAD")
    assert (checkout.path / "crlf.txt").read_bytes() == b"one\r\ntwo\r\n"  # bytes as committed
    assert not (checkout.path / ".git").exists()  # drift walks it: no repository to trust


def test_a_branch_is_read_and_a_moved_branch_is_laid_out_again(repo: Path, tmp_path: Path) -> None:
    git(repo, "switch", "--quiet", "-c", "next")
    (repo / "NEXT.md").write_text("next\n")
    commit_all(repo, "next")
    git(repo, "switch", "--quiet", "main")
    cache = tmp_path / "cache"
    on_next = fetch(product(repo, branch="next"), cache)
    assert (on_next.path / "NEXT.md").is_file()
    on_main = fetch(product(repo), cache)
    assert not (on_main.path / "NEXT.md").exists()
    (repo / "MAIN.md").write_text("main\n")
    commit_all(repo, "moved")
    moved = fetch(product(repo), cache)
    assert moved.path == on_main.path and moved.commit != on_main.commit
    assert laid_out(moved.path) == archive(repo, "main")
    with pytest.raises(CannotFetch, match="branch nowhere not found"):
        fetch(product(repo, branch="nowhere"), cache)


def test_products_share_one_copy_of_each_file(repo: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    git(tmp_path, "clone", "--quiet", str(repo), str(twin))
    cache = tmp_path / "cache"
    one, two = fetch(product(repo), cache), fetch(product(twin), cache)
    for name in ("README.md", "deploy/release.sh"):
        assert (one.path / name).stat().st_ino == (two.path / name).stat().st_ino
    assert (two.path / "deploy/release.sh").stat().st_mode & 0o111  # its own mode kept


def test_what_is_not_a_repository_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    init_repo(tmp_path)  # a repository above must not be read instead
    with pytest.raises(CannotFetch, match=r"plain is not a git repository$"):
        fetch(product(tmp_path / "plain"), tmp_path / "cache")
    with pytest.raises(CannotFetch, match=r"repository .*ghost does not exist$"):
        fetch(product(tmp_path / "ghost"), tmp_path / "cache")


def _commit_tree(repo: Path, tree_lines: list[str]) -> str:
    tree = git_input(repo, "\n".join(tree_lines) + "\n", "mktree", "--missing")
    return git(repo, "commit-tree", tree, "-m", "hostile").stdout.strip()


def git_input(repo: Path, text: str, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, input=text, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_a_tree_git_would_not_check_out_is_refused(repo: Path, tmp_path: Path) -> None:
    blob = git_input(repo, "x = 1\n", "hash-object", "-w", "--stdin")
    hooks = git_input(repo, f"100644 blob {blob}\tpost-checkout\n", "mktree")
    commit = _commit_tree(repo, [f"040000 tree {hooks}\t.GIT"])
    git(repo, "update-ref", "refs/heads/hostile", commit)
    with pytest.raises(CannotFetch, match=r"holds a path git refuses to check out: '\.GIT/"):
        fetch(product(repo, branch="hostile"), tmp_path / "cache")
    assert not list((tmp_path / "cache" / "products").glob("shop-*/.GIT"))


def test_no_file_is_written_through_a_committed_symlink(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    link = git_input(repo, str(outside), "hash-object", "-w", "--stdin")
    blob = git_input(repo, "pwned\n", "hash-object", "-w", "--stdin")
    inner = git_input(repo, f"100644 blob {blob}\tx\n", "mktree")
    # `deploy` twice: a symlink to a folder outside, and a folder holding `x`.
    commit = _commit_tree(repo, [f"120000 blob {link}\tdeploy", f"040000 tree {inner}\tdeploy"])
    git(repo, "update-ref", "refs/heads/hostile", commit)
    with pytest.raises(CannotFetch, match="the tree holds 'deploy' twice"):
        fetch(product(repo, branch="hostile"), tmp_path / "cache")
    assert list(outside.iterdir()) == []


def test_a_remote_product_is_a_shallow_mirror_fetched_again_and_rebuilt_when_broken(
    repo: Path, tmp_path: Path
) -> None:
    bare = tmp_path / "forge" / "shop.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(repo), str(bare))
    url, mirrors = bare.as_uri(), tmp_path / "mirrors" / "shop.git"
    first = mirror(url, None, mirrors)
    assert git(mirrors, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    (repo / "MORE.md").write_text("more\n")
    commit_all(repo, "more")
    git(repo, "push", "--quiet", str(bare), "main")
    second = mirror(url, None, mirrors)
    assert second != first and second == git(repo, "rev-parse", "HEAD").stdout.strip()
    (mirrors / "HEAD").write_text("garbage\n")  # a broken cache entry
    assert mirror(url, None, mirrors) == second
    snapshot(mirrors, second, tmp_path / "snap", BlobStore(tmp_path / "blobs"))
    assert laid_out(tmp_path / "snap") == archive(repo, "HEAD")
    with pytest.raises(
        CannotFetch, match=r"git clone failed: .*does not appear to be a git repository"
    ):
        mirror((tmp_path / "forge" / "ghost.git").as_uri(), None, tmp_path / "mirrors" / "g.git")


@pytest.mark.slow(reason="a race: three products laid out at once from one store, 40 times")
def test_products_laid_out_at_once_from_shared_blobs_all_succeed(tmp_path: Path) -> None:
    """fleet check fetches products in parallel threads into one blob store. A blob written
    twice at once was renamed over the first copy, and a thread linking that copy at that
    moment failed with ENOENT: a product reported as "cannot check" now and then."""
    repo = tmp_path / "shop"
    for index in range(300):  # a product's size: the race needs many blobs written at once
        folder = repo / "src" / f"part{index % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"module{index}.py").write_text(f"VALUE = {index}\n" * (index % 50 + 1))
    init_repo(repo)
    commit = git(repo, "rev-parse", "HEAD").stdout.strip()
    expected = archive(repo, "HEAD")
    failures: list[str] = []
    for attempt in range(40):
        root = tmp_path / f"cache{attempt}"
        store = BlobStore(root / "blobs")

        def lay_out(name: str, root: Path = root, store: BlobStore = store) -> None:
            try:
                snapshot(repo / ".git", commit, root / "products" / name, store)
            except OSError as error:
                failures.append(f"{name}: {error}")

        threads = [threading.Thread(target=lay_out, args=(name,)) for name in ("a", "b", "c")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == [], failures[0]
        for name in ("a", "b", "c"):
            assert laid_out(root / "products" / name) == expected
        shutil.rmtree(root)


def _blob_modes(store: Path) -> dict[str, int]:
    return {
        path.relative_to(store).as_posix(): path.stat().st_mode & 0o7777
        for path in store.rglob("*")
        if path.is_file()
    }


def test_blobs_are_written_as_unnamed_files_without_scratch_names(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Linux a blob is written unnamed and linked in whole (no scratch file to create and
    remove); the snapshot is the commit's, each blob read-only in its mode."""
    from paved_road.fleet import snapshots  # noqa: PLC0415

    if not snapshots._UNNAMED:
        pytest.skip("no O_TMPFILE on this system")
    scratch: list[str] = []
    monkeypatch.setattr(
        snapshots.tempfile, "mkstemp", lambda *a, **k: scratch.append("used") or 1 / 0
    )
    checkout = fetch(product(repo), tmp_path / "cache")
    assert scratch == []  # the shortcut was taken for every blob
    assert laid_out(checkout.path) == archive(repo, "HEAD")
    modes = _blob_modes(tmp_path / "cache" / "blobs")
    assert sorted(set(modes.values())) == [0o444, 0o555]
    assert [name for name in modes if name.endswith(".x")] == [
        name for name, mode in modes.items() if mode == 0o555
    ]


@pytest.mark.parametrize("why", ["no O_TMPFILE", "the file system refuses it", "no /proc"])
def test_blobs_are_the_same_where_unnamed_files_are_not_available(
    why: str, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paved_road.fleet import snapshots  # noqa: PLC0415

    unnamed = fetch(product(repo), tmp_path / "one")
    expected = _blob_modes(tmp_path / "one" / "blobs")
    real_open, real_link = snapshots.os.open, snapshots.os.link

    def refusing_open(path, flags, *args, **kwargs):
        if snapshots._UNNAMED and flags & snapshots._UNNAMED == snapshots._UNNAMED:
            raise OSError(95, "Operation not supported")
        return real_open(path, flags, *args, **kwargs)

    def no_proc(source, *args, **kwargs):
        if str(source).startswith("/proc/self/fd/"):
            raise FileNotFoundError(2, "No such file or directory", str(source))
        return real_link(source, *args, **kwargs)

    if why == "no O_TMPFILE":
        monkeypatch.setattr(snapshots, "_UNNAMED", 0)
    elif why == "the file system refuses it":
        monkeypatch.setattr(snapshots.os, "open", refusing_open)
    else:
        monkeypatch.setattr(snapshots.os, "link", no_proc)
    named = fetch(product(repo), tmp_path / "two")
    assert laid_out(named.path) == laid_out(unnamed.path) == archive(repo, "HEAD")
    assert _blob_modes(tmp_path / "two" / "blobs") == expected  # no scratch file left either


def test_a_blob_written_twice_keeps_the_first_copy(tmp_path: Path) -> None:
    """Two threads writing one blob: the second finds it there and keeps it (a thread may be
    linking the first copy at that moment); a missing fan-out folder is made."""
    from paved_road.fleet.snapshots import REGULAR, Entry  # noqa: PLC0415

    store = BlobStore(tmp_path / "blobs")
    entry = Entry(REGULAR, "ab" + "0" * 38, "")
    store._write(entry, b"first\n")
    inode = store.path(entry).stat().st_ino
    store._write(entry, b"first\n")
    assert store.path(entry).stat().st_ino == inode
    assert store.path(entry).read_bytes() == b"first\n"
    assert sorted(path.name for path in (tmp_path / "blobs" / "ab").iterdir()) == ["0" * 38]
