"""The template's files at one commit, in a plain folder, without cloning the repository.

Copier renders a git template by cloning it and checking the commit out; for a check that
renders once, the clone is a third of the time. Copier renders a plain folder as it is, so
drift hands it exactly the commit's files instead:

- a local template repository: git writes the commit's tree into the folder through a
  throw-away index (``read-tree`` + ``checkout-index``: attributes apply as in a checkout);
- a remote one: a shallow fetch of that one commit into a throw-away repository.

Either way copier is still the renderer. ``None`` means the commit cannot be named for a
shallow fetch (an abbreviated SHA of a remote template): the caller lets copier clone.

A fleet renders one commit for many products: the commit's files are written once per process
(``working_copy``) and each render gets a copy made of hard links (a render leaves out files
by removing them from its copy, never from the shared one; copier only reads a template).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from multiprocessing import util
from pathlib import Path

import yaml

try:  # libyaml when present: the template's copier.yml is read once per commit
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from ... import bounded
from ...one_line import cut
from ...template_source import git_url
from ..errors import CannotCheck

_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
_FULL_SHA_LENGTHS = (40, 64)
TIMEOUT_SECONDS = 120


def _git(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return bounded.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        env={**os.environ, **_ENV, **env},
        check=False,
    )


def _repo_root(src_path: str) -> Path | None:
    """The local repository whose root ``src_path`` is (copier's own test), else None."""
    path = Path(src_path)
    if not path.is_dir():
        return None
    top = _git("rev-parse", "--show-toplevel", cwd=path)
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != path.resolve():
        return None
    return path


def _from_local(repo: Path, src_path: str, commit: str, dst: Path) -> None:
    verify = ("rev-parse", "--verify", "--quiet", "--end-of-options", f"{commit}^{{commit}}")
    found = _git(*verify, cwd=repo)  # the commit is the product's to write: never an option
    if found.returncode != 0:
        raise CannotCheck(f"template commit {commit!r} does not exist in {src_path}")
    index = dst.with_name(dst.name + ".index")
    try:
        for step in (("read-tree", found.stdout.strip()), ("checkout-index", "--all")):
            done = _git(f"--work-tree={dst}", *step, cwd=repo, GIT_INDEX_FILE=str(index.resolve()))
            if done.returncode != 0:
                raise CannotCheck(f"cannot read template {commit}: {cut(done.stderr, 40)}")
    finally:
        index.unlink(missing_ok=True)


def _from_remote(src_path: str, ref: str, dst: Path) -> bool:
    """Shallow-fetch one commit; False when the server will not serve it that way."""
    repo = dst.with_name(dst.name + ".git")
    steps = (
        ("init", "--quiet", "--bare", str(repo)),
        ("--git-dir", str(repo), "fetch", "--quiet", "--depth=1", "--", git_url(src_path), ref),
        ("--git-dir", str(repo), f"--work-tree={dst}", "read-tree", "FETCH_HEAD"),
        ("--git-dir", str(repo), f"--work-tree={dst}", "checkout-index", "--all"),
    )
    try:
        return all(_git(*step).returncode == 0 for step in steps)
    finally:
        shutil.rmtree(repo, ignore_errors=True)


def template_tree(src_path: str, commit: str, pinned: str | None, dst: Path) -> Path | None:
    """Write the template's files at ``commit`` into ``dst``; None when copier must clone.

    ``pinned`` is the SHA the commit names, when known (from the remote's tags or the
    recorded commit itself); only a full one can be fetched alone."""
    dst.mkdir(parents=True)
    repo = _repo_root(src_path)
    if repo is not None:
        _from_local(repo, src_path, commit, dst)
        return dst
    if pinned is not None and len(pinned) in _FULL_SHA_LENGTHS:
        if _from_remote(src_path, pinned, dst):
            return dst
        shutil.rmtree(dst, ignore_errors=True)
    return None


_TREES: dict[tuple[str, str], Path | None] = {}


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system (a cache folder elsewhere): a plain copy
        shutil.copy2(source, target)


def _extension_folders(tree: Path) -> list[Path]:
    """The folders of the template's ``_jinja_extensions`` files (``path/file.py:Class``)."""
    configs = [tree / name for name in ("copier.yml", "copier.yaml") if (tree / name).is_file()]
    try:
        config = yaml.load(configs[0].read_bytes(), Loader=_Loader) if len(configs) == 1 else {}
    except yaml.YAMLError:
        return []
    entries = config.get("_jinja_extensions") if isinstance(config, dict) else None
    found = []
    for entry in entries if isinstance(entries, list) else ():
        source = str(entry).split(":", 1)[0]
        if source.endswith(".py") and (tree / source).parent.resolve().is_relative_to(tree):
            found.append((tree / source).parent.relative_to(tree))
    return found


def keep_bytecode(copy: Path, src_path: str, pinned: str | None) -> None:
    """Move the bytecode Python wrote while copier imported the template's extension code from
    ``copy`` into the shared copy of that commit: later copies link it, and their imports
    compile nothing (Python checks it against each source's size and time, which links
    share). Only the extensions' folders: nothing joins the files copier renders."""
    shared = _TREES.get((src_path, pinned)) if pinned is not None else None
    if shared is None:
        return
    for folder in _extension_folders(shared.resolve()):
        for cache in sorted((copy / folder).rglob("__pycache__")):
            target = shared / cache.relative_to(copy)
            if not target.exists():
                with contextlib.suppress(OSError):  # another file system: compile again
                    cache.rename(target)


def shared_tree(src_path: str, commit: str, pinned: str) -> Path | None:
    """This process's one copy of the template's files at ``pinned`` (never to be changed),
    or None when copier must clone."""
    key = (src_path, pinned)
    if key not in _TREES:
        scratch = Path(tempfile.mkdtemp(prefix="paved-road-template-"))
        # Removed at exit, also by a fleet's worker processes (which skip atexit handlers).
        util.Finalize(None, shutil.rmtree, (scratch,), {"ignore_errors": True}, exitpriority=0)
        _TREES[key] = template_tree(src_path, commit, pinned, scratch / "tree")
    return _TREES[key]


def working_copy(src_path: str, commit: str, pinned: str | None, dst: Path) -> Path | None:
    """The template's files at ``commit`` in ``dst`` (hard links to this process's one copy of
    that commit), or None when copier must clone. Only a commit named immutably (``pinned``)
    is shared; any other is written afresh."""
    if pinned is None:
        return template_tree(src_path, commit, pinned, dst)
    shared = shared_tree(src_path, commit, pinned)
    if shared is None:
        return None
    shutil.copytree(shared, dst, symlinks=True, copy_function=_link_or_copy)
    return dst


def forget() -> None:
    """Forget the shared copies, as a new process would start (their folders go at exit)."""
    _TREES.clear()
