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

The shared copy holds only the files a render can read (``reads``: about 320 of this
repository's 500); ``complete`` writes the rest before copier renders from a copy, and drift's
own render refuses to load a left-out file through Jinja (``direct``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from multiprocessing import util
from pathlib import Path

from ... import bounded
from ...template_source import git_url
from ..errors import CannotCheck
from . import reads

_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
_FULL_SHA_LENGTHS = (40, 64)
TIMEOUT_SECONDS = 120


def _git(
    *args: str, cwd: Path | None = None, input: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return bounded.run(
        ["git", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        env={**os.environ, **_ENV, **env},
        check=False,
    )


def _local_commit(src_path: str, commit: str) -> tuple[Path, str | None] | None:
    """When ``src_path`` is a local repository's root (copier's own test): that root and the
    SHA of ``commit`` there (None: no such commit). One git process answers both: it prints
    the top level, then the commit (never read as an option: it is the product's to write)."""
    path = Path(src_path)
    if not path.is_dir():
        return None
    verify = ("--verify", "--quiet", "--end-of-options", f"{commit}^{{commit}}")
    found = _git("rev-parse", "--show-toplevel", *verify, cwd=path)
    lines = found.stdout.rstrip("\n")
    top, sha = lines.rpartition("\n")[::2] if found.returncode == 0 else (lines, None)
    if not top.strip() or Path(top.strip()).resolve() != path.resolve():
        return None
    return path, sha


def _write_files(git: list[str], treeish: str, dst: Path, *, whole: bool, cwd: Path | None) -> bool:
    """Write ``treeish``'s files into ``dst`` through a throw-away index: every file, or
    (``whole`` false) those a render reads (``reads``), the rest recorded in ``_LEFT_OUT``
    with how to write them later (``complete``). False when git fails."""
    index = dst.with_name(dst.name + ".index")
    env = {"GIT_INDEX_FILE": str(index.resolve())}
    tree = [*git, f"--work-tree={dst}"]
    try:
        if _git(*tree, "read-tree", treeish, cwd=cwd, **env).returncode != 0:
            return False
        if whole:
            return _git(*tree, "checkout-index", "--all", cwd=cwd, **env).returncode == 0
        try:
            listed = _git(*tree, "ls-files", "-z", "--stage", cwd=cwd, **env)
        except UnicodeDecodeError:  # a name that is not text: write them all, unread
            listed = None
        if listed is None or listed.returncode != 0:
            return _git(*tree, "checkout-index", "--all", cwd=cwd, **env).returncode == 0
        files = [
            (meta.split(" ", 1)[0], path)
            for meta, _, path in (entry.partition("\t") for entry in listed.stdout.split("\0"))
            if path
        ]
        configs = [path for _, path in files if path in reads.CONFIG_NAMES]
        if not _checkout(tree, configs, cwd, env):
            return False
        data = (dst / configs[0]).read_bytes() if len(configs) == 1 else None
        wanted = reads.needed(data, files)
        rest = [path for _, path in files if wanted is not None and path not in wanted]
        others = [path for _, path in files if path not in rest and path not in configs]
        if not _checkout(tree, others, cwd, env):
            return False
        if rest:
            _LEFT_OUT[dst] = (git, treeish, cwd, frozenset(rest))
        return True
    finally:
        index.unlink(missing_ok=True)


def _checkout(tree: list[str], paths: list[str], cwd: Path | None, env: dict[str, str]) -> bool:
    """Write these paths of the index (git reads them NUL-separated: any name is a name)."""
    if not paths:
        return True
    stdin = "".join(f"{path}\0" for path in paths)
    done = _git(*tree, "checkout-index", "-z", "--stdin", cwd=cwd, input=stdin, **env)
    return done.returncode == 0


def _from_local(
    repo: Path, sha: str | None, src_path: str, commit: str, dst: Path, *, whole: bool
) -> None:
    if not sha:
        raise CannotCheck(f"template commit {commit!r} does not exist in {src_path}")
    if not _write_files([], sha, dst, whole=whole, cwd=repo):
        raise CannotCheck(f"cannot read template {commit} from {src_path}")


def _from_remote(src_path: str, ref: str, dst: Path, *, whole: bool) -> bool:
    """Shallow-fetch one commit; False when the server will not serve it that way. The
    fetched repository stays while files of it are left out (``complete`` writes them)."""
    repo = dst.with_name(dst.name + ".git")
    git = ["--git-dir", str(repo)]
    fetch = ("fetch", "--quiet", "--depth=1", "--", git_url(src_path), ref)
    written = False
    try:
        written = (
            _git("init", "--quiet", "--bare", str(repo)).returncode == 0
            and _git(*git, *fetch).returncode == 0
            and _write_files(git, "FETCH_HEAD", dst, whole=whole, cwd=None)
        )
        return written
    finally:
        if not written or dst not in _LEFT_OUT:
            shutil.rmtree(repo, ignore_errors=True)


def template_tree(
    src_path: str, commit: str, pinned: str | None, dst: Path, *, whole: bool = True
) -> Path | None:
    """Write the template's files at ``commit`` into ``dst``; None when copier must clone.
    ``whole`` false writes only what a render reads (``reads``; ``complete`` adds the rest).

    ``pinned`` is the SHA the commit names, when known (from the remote's tags or the
    recorded commit itself); only a full one can be fetched alone."""
    dst.mkdir(parents=True)
    local = _local_commit(src_path, commit)
    if local is not None:
        _from_local(*local, src_path, commit, dst, whole=whole)
        return dst
    if pinned is not None and len(pinned) in _FULL_SHA_LENGTHS:
        if _from_remote(src_path, pinned, dst, whole=whole):
            return dst
        shutil.rmtree(dst, ignore_errors=True)
    return None


_TREES: dict[tuple[str, str], Path | None] = {}
# A tree whose files were not all written -> (git's options, the tree-ish, where git runs, the
# paths left out): what ``complete`` needs to write them.
_LEFT_OUT: dict[Path, tuple[list[str], str, Path | None, frozenset[str]]] = {}


def left_out(folder: Path) -> frozenset[str]:
    """The commit's paths not written into ``folder`` (none once ``complete``)."""
    entry = _LEFT_OUT.get(folder)
    return entry[3] if entry else frozenset()


def complete(folder: Path) -> None:
    """Write the files left out of ``folder``, so it holds the whole commit (copier renders
    from it, and copier may read any file of its template)."""
    entry = _LEFT_OUT.pop(folder, None)
    if entry is None:
        return
    git, treeish, cwd, rest = entry
    index = folder.with_name(folder.name + ".index")
    env = {"GIT_INDEX_FILE": str(index.resolve())}
    tree = [*git, f"--work-tree={folder}"]
    try:
        ok = _git(*tree, "read-tree", treeish, cwd=cwd, **env).returncode == 0
        if not (ok and _checkout(tree, sorted(rest), cwd, env)):
            raise CannotCheck(f"cannot write the rest of the template's files into {folder}")
    finally:
        index.unlink(missing_ok=True)
        if git:  # a fetched repository (``_from_remote``): not needed any more
            shutil.rmtree(git[1], ignore_errors=True)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system (a cache folder elsewhere): a plain copy
        shutil.copy2(source, target)


def _extension_folders(tree: Path) -> list[Path]:
    """The folders of the template's ``_jinja_extensions`` files (``path/file.py:Class``), as
    ``reads`` finds them, and only those that stay inside ``tree`` once symlinks resolve; none
    when it cannot tell (the bytecode is then compiled again)."""
    configs = [tree / name for name in reads.CONFIG_NAMES if (tree / name).is_file()]
    config = reads.config_settings(configs[0].read_bytes()) if len(configs) == 1 else None
    folders = reads.extension_folders(config) if config is not None else None
    return [
        Path(folder) for folder in folders or () if (tree / folder).resolve().is_relative_to(tree)
    ]


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
    """This process's one copy of the template's files at ``pinned`` (files are only ever
    added to it, by ``complete``), or None when copier must clone. It holds what a render
    reads (``reads``); ``left_out`` names the rest."""
    key = (src_path, pinned)
    if key not in _TREES:
        scratch = Path(tempfile.mkdtemp(prefix="paved-road-template-"))
        # Removed at exit, also by a fleet's worker processes (which skip atexit handlers).
        util.Finalize(None, shutil.rmtree, (scratch,), {"ignore_errors": True}, exitpriority=0)
        _TREES[key] = template_tree(src_path, commit, pinned, scratch / "tree", whole=False)
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
    complete(shared)  # copier renders from the copy: the whole commit
    shutil.copytree(shared, dst, symlinks=True, copy_function=_link_or_copy)
    return dst


def forget() -> None:
    """Forget the shared copies, as a new process would start (their folders go at exit)."""
    _TREES.clear()
    _LEFT_OUT.clear()
