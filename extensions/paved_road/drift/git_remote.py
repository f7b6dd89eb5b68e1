"""Talking to the template's git repository without cloning it: reachability and tags."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .. import bounded
from ..one_line import cut
from ..template_source import git_url
from .errors import CannotCheck

TIMEOUT_SECONDS = 60

# Tags listed from a repository on this machine, by the bytes they were listed from
# (``_local_refs``). A process checks many products of one template (a test worker, a fleet,
# an update's drift gate): each asked git again, two processes per check, for the same list.
_LISTED: dict[str, dict[str, str]] = {}


def remote_tags(src_path: str) -> dict[str, str]:
    """Every tag of the template repository (name -> commit), which also proves it is reachable.

    A repository on this machine is listed once per process for each content of its refs:
    any change to a tag (added, moved, deleted, packed) lists it again."""
    url = git_url(src_path)
    key = _local_refs(url)
    if key is not None and key in _LISTED:
        return dict(_LISTED[key])
    tags = _ls_remote(src_path, url)
    if key is not None and _local_refs(url) == key:  # unchanged while git listed them
        _LISTED[key] = dict(tags)
    return tags


def _ls_remote(src_path: str, url: str) -> dict[str, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        result = bounded.run(
            # `--`: the source is the product's to write; it must never be read as an option.
            ["git", "ls-remote", "--tags", "--", url],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CannotCheck(
            f"template {src_path} is unreachable: no answer in {TIMEOUT_SECONDS} s"
        ) from None
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        why = lines[0].removeprefix("fatal: ") if lines else f"git exited {result.returncode}"
        raise CannotCheck(f"template {src_path} is unreachable: {_shorter(why, src_path)}")
    tags: dict[str, str] = {}
    for line in result.stdout.splitlines():
        sha, _, ref = line.partition("\t")
        name = ref.removeprefix("refs/tags/")
        # An annotated tag appears twice; the peeled (^{}) line names the commit.
        if name.endswith("^{}"):
            tags[name.removesuffix("^{}")] = sha
        else:
            tags.setdefault(name, sha)
    return tags


def _local_refs(url: str) -> str | None:
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
            data = path.read_bytes()
            if path.is_symlink() or data.startswith(b"ref:"):
                return None  # a symbolic tag: what it lists depends on another ref
            digest.update(path.relative_to(git_dir).as_posix().encode() + b"\0" + data + b"\0")
        if any(Path(root, name).is_symlink() for name in dirs):
            return None
    return digest.hexdigest()


def _git_dir(url: str) -> Path | None:
    """The git folder of a repository named by an absolute path or ``file://`` URL, when it is
    a plain one: no linked worktree (``commondir``), no reftable, no ``.git`` file."""
    if url.startswith("file://"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            return None
        url = unquote(parts.path)
    elif "://" in url:
        return None
    path = Path(url)
    if not path.is_absolute():
        return None  # relative to where git runs, or scp-like ssh (host:path)
    git_dir = path / ".git" if (path / ".git").is_dir() else path
    if (git_dir / ".git").exists() or git_dir.is_symlink():
        return None
    if not (git_dir / "HEAD").is_file() or not (git_dir / "refs").is_dir():
        return None
    if any((git_dir / name).exists() for name in ("commondir", "reftable")):
        return None
    if (git_dir / "refs" / "tags").is_symlink():
        return None
    return git_dir


def _shorter(why: str, src_path: str) -> str:
    """git's reason without the source it repeats, in fewer words: the line has 80 columns."""
    why = why.replace(f"'{src_path}' ", "").replace(f"'{git_url(src_path)}' ", "")
    return cut(why.replace("does not appear to be a git repository", "not a git repo"), 60)
