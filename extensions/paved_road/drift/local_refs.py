"""What ``git ls-remote --tags`` reads from a repository on this machine, as one digest: the
key under which ``git_remote`` keeps the tags it listed (a test worker, a fleet or an update's
drift gate checks many products of one template, and each asked git again)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit


def refs_digest(url: str) -> str | None:
    """A digest of everything ``git ls-remote --tags`` reads from a repository on this machine
    (its config, packed refs and every loose tag ref, bytes and names), or None when the
    repository is elsewhere or laid out in a way this does not follow: git is then asked.

    Equal digests list equal tags: a ref names an object by its hash, so what a tag peels to
    is fixed by the ref's bytes. Never a path or a time alone: a tag moved in place changes
    the bytes."""
    git_dir = _git_dir(url)
    if git_dir is None:
        return None
    digest = hashlib.sha256(url.encode() + b"\0")
    for name in ("config", "packed-refs"):
        path = git_dir / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            return None
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"-"))
    for root, dirs, files in os.walk(git_dir / "refs" / "tags"):
        dirs.sort()
        for name in sorted(files):
            path = Path(root, name)
            if path.is_symlink():
                return None  # git is asked: never read through a link (a folder, a pipe)
            data = path.read_bytes()
            if data.startswith(b"ref:"):
                return None  # a symbolic tag: what it lists depends on another ref
            digest.update(path.relative_to(git_dir).as_posix().encode() + b"\0" + data + b"\0")
        if any(Path(root, name).is_symlink() for name in dirs):
            return None
    return digest.hexdigest()


def _local_path(url: str) -> Path | None:
    """The folder an absolute path or ``file://`` URL names; None for any other URL, and for a
    relative path (relative to where git runs, or scp-like ssh: ``host:path``)."""
    if url.startswith("file://"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            return None
        url = unquote(parts.path)
    elif "://" in url:
        return None
    path = Path(url)
    return path if path.is_absolute() else None


def _git_dir(url: str) -> Path | None:
    """The git folder of a repository on this machine, when it is a plain one: no linked
    worktree (``commondir``), no reftable, no ``.git`` file, no linked tags folder."""
    path = _local_path(url)
    if path is None:
        return None
    git_dir = path / ".git" if (path / ".git").is_dir() else path
    if (git_dir / ".git").exists() or git_dir.is_symlink():
        return None
    if not (git_dir / "HEAD").is_file() or not (git_dir / "refs").is_dir():
        return None
    unusual = ("commondir", "reftable")
    if any((git_dir / name).exists() for name in unusual) or (git_dir / "refs/tags").is_symlink():
        return None
    return git_dir
