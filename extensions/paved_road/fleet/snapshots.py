"""A product's files at one commit, laid out for the drift check without a git checkout.

The files come out of a git repository: the product's own, read in place, when the fleet file
names a local path (``file://``), else a shallow bare mirror in the cache (``clones.mirror``).
They are laid out from a content-addressed store of blobs by hard links: products made from one
template share nearly every file, so each distinct file is written once for the whole fleet and
a product costs a folder of links, not a checkout (the fleet benchmark in docs/fleet.md).

A snapshot holds exactly the commit's bytes and modes (no smudge filters, no line-ending
conversion, no hooks), and a tree git itself would refuse to check out is refused here too.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from .clones import CannotFetch, git_bytes, mirror, staged
from .fleet_file import Product

REGULAR, EXECUTABLE, SYMLINK, SUBMODULE = "100644", "100755", "120000", "160000"
_REFUSED_PARTS = {"", ".", "..", ".git"}


@dataclass(frozen=True)
class Checkout:
    path: Path
    commit: str


@dataclass(frozen=True)
class Entry:
    mode: str
    sha: str
    path: str


def snapshot_dir(products: Path, product: Product) -> Path:
    """One folder per product and URL, so renaming a product or moving its repo starts afresh."""
    digest = hashlib.sha256(product.url.encode()).hexdigest()[:10]
    return products / f"{product.name}-{digest}"


def local_git_dir(url: str) -> Path | None:
    """The git directory of a ``file://`` product (a bare repository or a work tree's ``.git``);
    None for a remote URL. Never a repository found above the folder the fleet file names."""
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    path = Path(unquote(parsed.path))
    if (path / ".git").exists():
        return path / ".git"
    if (path / "HEAD").is_file() and (path / "objects").is_dir():
        return path
    if not path.exists():
        raise CannotFetch(f"repository {path} does not exist")
    raise CannotFetch(f"{path} is not a git repository")


def _git(git_dir: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return git_bytes(f"--git-dir={git_dir}", *args, stdin=stdin)


def head_commit(git_dir: Path, branch: str | None) -> str:
    """The commit a clone of ``branch`` (a branch or tag; default: HEAD) would check out."""
    refs = [f"refs/heads/{branch}", f"refs/tags/{branch}"] if branch else ["HEAD"]
    for ref in refs:
        try:
            found = _git(git_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
            return found.decode().strip()
        except CannotFetch:
            continue
    raise CannotFetch(f"branch {branch or 'HEAD'} not found in {git_dir}")


def tree_entries(git_dir: Path, commit: str) -> list[Entry]:
    """Every entry of the commit's tree; CannotFetch for a path git would not check out."""
    listed = _git(git_dir, "ls-tree", "-r", "-z", "--full-tree", commit)
    entries = []
    for record in listed.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, _, sha = meta.decode().split(" ")
        path = os.fsdecode(raw_path)
        if any(part.lower() in _REFUSED_PARTS for part in path.split("/")):
            raise CannotFetch(
                f"commit {commit[:12]} holds a path git refuses to check out: {path!r}"
            )
        entries.append(Entry(mode, sha, path))
    return entries


class BlobStore:
    """Blobs as read-only files named by their object id, one copy per id and mode."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = f"{root}{os.sep}"

    def path(self, entry: Entry) -> Path:
        return Path(self.name(entry))

    def name(self, entry: Entry) -> str:
        """``path`` as a string: a snapshot asks it for each of its files (no Path each)."""
        suffix = ".x" if entry.mode == EXECUTABLE else ""
        return f"{self._prefix}{entry.sha[:2]}{os.sep}{entry.sha[2:]}{suffix}"

    def find(self, content: bytes, executable: bool) -> Path | None:
        """The blob holding ``content`` in that mode, if the store has it (git's SHA-1 object
        id; a render linking it reads it back: ``drift.rendering.reuse``)."""
        digest = hashlib.sha1(b"blob %d\0" % len(content), usedforsecurity=False)
        digest.update(content)
        sha = digest.hexdigest()
        found = self.path(Entry(EXECUTABLE if executable else REGULAR, sha, ""))
        return found if found.is_file() else None

    def add_missing(self, git_dir: Path, entries: list[Entry]) -> None:
        """Write the blobs of ``entries`` the store lacks, read from git in one batch."""
        missing: dict[str, set[str]] = {}  # sha -> the modes it is wanted in
        for entry in entries:
            if entry.mode != SUBMODULE and not os.path.exists(self.name(entry)):  # noqa: PTH110
                missing.setdefault(entry.sha, set()).add(entry.mode)
        if not missing:
            return
        wanted = list(missing)
        asked = "".join(f"{sha}\n" for sha in wanted).encode()
        out = _git(git_dir, "cat-file", "--batch", stdin=asked)
        position = 0
        for sha in wanted:
            end = out.index(b"\n", position)
            header = out[position:end].split()
            if len(header) != 3:
                raise CannotFetch(f"blob {sha} is missing from the repository")
            size = int(header[2])
            data = out[end + 1 : end + 1 + size]
            position = end + 2 + size
            for mode in missing[sha]:
                self._write(Entry(mode, sha, ""), data)

    def _write(self, entry: Entry, data: bytes) -> None:
        target = self.path(entry)
        mode = 0o555 if entry.mode == EXECUTABLE else 0o444
        try:  # the fan-out folder usually exists: made only when it does not
            if _publish_unnamed(target, data, mode):
                return
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            if _publish_unnamed(target, data, mode):
                return
        target.parent.mkdir(parents=True, exist_ok=True)
        self._write_named(target, data, mode)

    @staticmethod
    def _write_named(target: Path, data: bytes, mode: int) -> None:
        """Through a named scratch file: where the file system has no unnamed files."""
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".blob-")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        written = Path(temporary)
        written.chmod(mode)
        # Never replace a blob another thread wrote first (the same bytes): a rename over it
        # drops its inode, and a thread linking it at that moment fails with ENOENT.
        try:
            os.link(written, target)
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system: the rename is all there is
            written.replace(target)
            return
        written.unlink()

    def link(self, entry: Entry, dest: str) -> None:
        """``dest`` as a hard link to the blob, or a copy where links are refused."""
        source = self.name(entry)
        try:
            os.link(source, dest)
        except OSError as error:
            if error.errno not in {errno.EMLINK, errno.EXDEV, errno.EPERM, errno.ENOTSUP}:
                raise
            shutil.copyfile(source, dest)
            os.chmod(dest, stat.S_IMODE(os.stat(source).st_mode))  # noqa: PTH101, PTH116


# Linux's unnamed files (O_TMPFILE): written whole, then given their name in one step, so no
# reader ever sees part of a blob, and there is no scratch name to create and remove (a
# scratch file's create, link and unlink were most of a blob's system CPU after the inode
# itself: docs/fleet.md, "How fast").
_UNNAMED = getattr(os, "O_TMPFILE", 0)


def _publish_unnamed(target: Path, data: bytes, mode: int) -> bool:
    """``target`` holding ``data`` with ``mode``, written as an unnamed file and then linked in
    (kept as it is if another thread linked the same blob first); False, nothing written, where
    the system or the file system has no unnamed files. FileNotFoundError: no folder yet."""
    if not _UNNAMED:
        return False
    try:
        handle = os.open(target.parent, _UNNAMED | os.O_WRONLY, mode)
    except FileNotFoundError:
        raise
    except OSError:  # EOPNOTSUPP, EISDIR, EINVAL: this file system has none
        return False
    try:
        os.fchmod(handle, mode)  # exactly the blob's mode, whatever the umask
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
        try:
            # linkat(AT_SYMLINK_FOLLOW) of /proc/self/fd/N, the one way to name an unnamed
            # file; Python calls linkat only when given a folder descriptor, and ignores it for
            # an absolute path, so the file's own descriptor stands in.
            os.link(f"/proc/self/fd/{handle}", target, src_dir_fd=handle, follow_symlinks=True)
        except FileExistsError:  # another thread wrote it first (the same bytes): keep it
            pass
        except OSError:  # no /proc, or linking refused: write it the other way
            return False
    finally:
        os.close(handle)
    return True


def _lay_out(git_dir: Path, entries: list[Entry], store: BlobStore, dest: Path) -> None:
    store.add_missing(git_dir, entries)
    root = str(dest)
    os.makedirs(root, exist_ok=True)  # noqa: PTH103 - strings throughout, see below
    made = {""}  # folders made, relative to ``dest``: each once, with no failed mkdir
    # Symlinks last: no file is ever written through a link the product committed. Paths are
    # strings: a Path per file was most of a layout's Python (docs/fleet.md, "How fast").
    for entry in sorted(entries, key=lambda e: e.mode == SYMLINK):
        folder = entry.path.rpartition("/")[0]
        if folder not in made:
            _make_folders(root, folder, made)
        target = f"{root}/{entry.path}"
        try:
            if entry.mode == SUBMODULE:
                os.mkdir(target)  # noqa: PTH102 - what a checkout leaves for a submodule
            elif entry.mode == SYMLINK:
                os.symlink(store.path(entry).read_bytes().decode(), target)  # noqa: PTH211
            else:
                store.link(entry, target)
        except FileExistsError:
            raise CannotFetch(f"the tree holds {entry.path!r} twice") from None


def _make_folders(root: str, folder: str, made: set[str]) -> None:
    """``root/folder`` and the folders above it not made yet (a path git lists as a file
    and as a folder fails as ``os.makedirs`` would: FileExistsError or NotADirectoryError)."""
    missing = []
    while folder not in made:
        missing.append(folder)
        folder = folder.rpartition("/")[0]
    for path in reversed(missing):
        try:
            os.mkdir(f"{root}/{path}")  # noqa: PTH102
        except FileExistsError:
            if not os.path.isdir(f"{root}/{path}"):  # noqa: PTH112
                raise
        made.add(path)


def snapshot(git_dir: Path, commit: str, dest: Path, store: BlobStore) -> None:
    """The commit's files at ``dest`` (kept when already that commit's), whole or absent."""
    marker = dest.with_name(f"{dest.name}.commit")
    if dest.is_dir() and marker.is_file() and marker.read_text() == commit:
        return
    entries = tree_entries(git_dir, commit)
    marker.unlink(missing_ok=True)  # until the new snapshot is in place
    with staged(dest) as building:
        _lay_out(git_dir, entries, store, building)
    marker.write_text(commit)


def fetch(product: Product, cache: Path) -> Checkout:
    """The product's branch head as a snapshot under ``cache``; CannotFetch if unreachable."""
    dest = snapshot_dir(cache / "products", product)
    git_dir = local_git_dir(product.url)
    if git_dir is None:
        git_dir = cache / "mirrors" / f"{dest.name}.git"
        commit = mirror(product.url, product.branch, git_dir)
    else:
        commit = head_commit(git_dir, product.branch)
    snapshot(git_dir, commit, dest, BlobStore(cache / "blobs"))
    return Checkout(dest, commit)
