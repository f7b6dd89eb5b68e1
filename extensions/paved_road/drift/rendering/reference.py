"""The reference render: the template at a product's recorded commit with its recorded answers.

A check of fifty products made from the same version with the same answers renders once: the
in-process memo maps the key to a directory kept until the process exits. With a cache
directory (``--cache-dir``, or ``PAVED_ROAD_CACHE_DIR`` outside CI), renders also persist
across runs; the key then uses the commit SHA, so a moved tag is never served stale, and each
entry is verified before use (``store``).
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import tempfile
import threading
from multiprocessing import util
from pathlib import Path
from typing import Any

from ... import platform
from .. import effective, git_remote, policy
from ..answers_file import ANSWERS_FILE, Recorded
from ..errors import CannotCheck
from ..fast_yaml import safe_load
from ..versions import DESCRIBE_RE
from . import compiled, copier_run, direct, plan, store, tree
from .compiled import compiles_remembered
from .copier_run import copier_render
from .key import render_key, template_scope

# Values the platform sets for every product (``paved_road.platform``): never taken from a
# product's answers file, even where an older template version still declares them as
# (computed) questions.
CONSTANT_KEYS = frozenset(platform.PLATFORM_CONSTANTS)

_RENDERS: dict[str, Path] = {}


def _scratch() -> Path:
    path = Path(tempfile.mkdtemp(prefix="paved-road-drift-"))
    # Removed at exit, also by a fleet's worker processes (which skip atexit handlers).
    util.Finalize(None, shutil.rmtree, (path,), {"ignore_errors": True}, exitpriority=0)
    return path


def _immutable_commit(commit: str, tags: dict[str, str]) -> str | None:
    """A SHA naming exactly what ``commit`` names, or None when it cannot be pinned."""
    if commit in tags:
        return tags[commit]
    if (match := DESCRIBE_RE.match(commit)) is not None:
        return match["sha"]
    if all(ch in "0123456789abcdef" for ch in commit) and len(commit) >= 7:
        return commit
    return None


def _render_into(
    recorded: Recorded, pinned: str | None, dst: Path, cache_dir: Path | None = None
) -> dict[str, str] | None:
    """The direct render (``direct``) from this process's copy of a pinned commit's files;
    where it cannot reproduce copier, or the commit is not pinned, copier renders. With a
    cache folder, compiled templates persist in it (``bytecode``). Returns the direct
    render's file digests (None: copier rendered, the store reads them)."""
    if pinned is not None and (
        folder := _tree_while_importing(recorded.src_path, recorded.commit, pinned)
    ):
        scope = template_scope(recorded.src_path, pinned)
        try:
            with compiles_remembered(scope):
                digests = direct.render_direct(
                    folder, dst, recorded=recorded, scope=scope, cache_dir=cache_dir
                )
        except Exception as error:  # copier renders it instead, and says what is wrong
            direct.FALLBACKS.append(f"{type(error).__name__}: {error}"[:300])
            shutil.rmtree(dst, ignore_errors=True)
        else:
            return digests
    _render_by_copier(recorded, pinned, dst)
    return None


def _tree_while_importing(src_path: str, commit: str, pinned: str) -> Path | None:
    """``tree.shared_tree``: in a process that has not imported copier yet (a cold
    ``paved-road drift``), git writes the template's files from a thread while this one
    imports what the render needs (``direct.import_renderer``, a quarter of a second): the
    thread mostly waits on git's processes, so the two overlap on a machine with two cores.
    The same files and errors either way. A process that already imported copier (an
    update), or that runs other threads (a fleet's worker, whose watchdog may stop the check
    at any moment: git's processes are then stopped with it), writes them here, no thread."""
    if direct.renderer_imported() or threading.active_count() > 1:
        return tree.shared_tree(src_path, commit, pinned)
    outcome: dict[str, Any] = {}

    def write() -> None:
        try:
            outcome["tree"] = tree.shared_tree(src_path, commit, pinned)
        except BaseException as error:  # raised again below, in the caller's thread
            outcome["error"] = error

    writer = threading.Thread(target=write, name="paved-road template files", daemon=True)
    writer.start()
    try:
        direct.import_renderer()
    finally:
        writer.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["tree"]


def _render_by_copier(recorded: Recorded, pinned: str | None, dst: Path) -> None:
    """Copier renders the commit's files from a plain folder (no clone), all but those the
    policy only seeds (``plan``); when the files cannot be had that way, copier clones the
    template itself and renders everything."""
    scope = None if pinned is None else template_scope(recorded.src_path, pinned)

    def copier(source: str, vcs_ref: str | None, into: Path) -> None:
        copier_render(source, vcs_ref, into, recorded=recorded, scope=scope)

    folder = tree.working_copy(
        recorded.src_path, recorded.commit, pinned, dst.with_name("template")
    )
    if folder is None:
        copier(recorded.src_path, recorded.commit, dst)
        return
    try:
        scratch = dst.with_name("plan")
        scratch.mkdir()
        unneeded = plan.plan(folder, lambda into: copier(str(folder), None, into), scratch)
        if unneeded is not None:
            plan.prune(unneeded, folder)
        copier(str(folder), None, dst)
        tree.keep_bytecode(folder, recorded.src_path, pinned)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(dst.with_name("plan"), ignore_errors=True)


def render(recorded: Recorded, tags: dict[str, str], cache_dir: Path | None = None) -> Path:
    """The template rendered at the recorded commit with the recorded answers (read-only)."""
    memory_key = render_key(recorded, recorded.commit)
    if memory_key in _RENDERS:
        return _RENDERS[memory_key]
    pinned = _immutable_commit(recorded.commit, tags)
    if cache_dir is not None and pinned is not None:
        if recorded.product is not None and store.inside(cache_dir, recorded.product):
            raise CannotCheck(f"render cache {cache_dir} is in the product: use one outside it")
        stored = store.cached(
            cache_dir,
            render_key(recorded, pinned),
            lambda dst: _render_into(recorded, pinned, dst, cache_dir),
        )
        _RENDERS[memory_key] = stored
        return stored
    dst = _scratch() / "render"
    _render_into(recorded, pinned, dst)
    _RENDERS[memory_key] = dst
    return dst


def render_as_asked(
    recorded: Recorded, tags: dict[str, str], cache_dir: Path | None
) -> tuple[Recorded, Path, frozenset[str]]:
    """The entry point: the re-render with only the answers the template asks for, and the
    answers it ignored. Platform constants never reach it; other answers the render does not
    record (set by hand) mean a second render without them, so no hand-set value shapes what
    the product is compared with."""
    ignored = CONSTANT_KEYS & recorded.answers.keys()
    recorded = _without(recorded, ignored)
    rendered = render(recorded, tags, cache_dir)
    if extra := unasked(recorded, rendered):
        ignored |= extra
        recorded = _without(recorded, extra)
        rendered = render(recorded, tags, cache_dir)
    return recorded, rendered, ignored


def group_key(recorded: Recorded) -> str:
    """Products with equal group keys share one render (a fleet renders it once)."""
    return render_key(_without(recorded, CONSTANT_KEYS & recorded.answers.keys()), recorded.commit)


def _without(recorded: Recorded, keys: frozenset[str]) -> Recorded:
    if not keys:
        return recorded
    answers = {key: value for key, value in recorded.answers.items() if key not in keys}
    return dataclasses.replace(recorded, answers=answers)


def unasked(recorded: Recorded, render: Path) -> frozenset[str]:
    """Answers of the product that the template's re-render does not record: not questions of
    that template version (copier records every question it asked), so set by hand."""
    asked = recorded_keys(render)
    if asked is None:  # a template that records no answers: nothing to go by
        return frozenset()
    return frozenset(key for key in recorded.answers if key not in asked)


@functools.lru_cache(maxsize=64)  # a render never changes; a fleet asks once per product
def recorded_keys(render: Path) -> frozenset[str] | None:
    path = render / ANSWERS_FILE
    data = safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return frozenset(data) if isinstance(data, dict) else None


def rendered_files(root: Path) -> list[str]:
    """Every file of a render, as sorted POSIX paths relative to it."""
    return list(_rendered_files(root))


@functools.lru_cache(maxsize=64)  # a render never changes; a fleet lists it once per product
def _rendered_files(root: Path) -> tuple[str, ...]:
    # What ``root.rglob("*")`` finds that is no folder: a symlink to a folder is left out.
    return tuple(sorted(path for path, entry in store.entries_under(root) if not entry.is_dir()))


def clear_memory_cache() -> None:
    """Forget every render, compiled template and what was read from one, as a new process
    would start."""
    _RENDERS.clear()
    _rendered_files.cache_clear()
    recorded_keys.cache_clear()
    compiled.forget()
    direct.forget()
    copier_run.forget()
    tree.forget()
    policy.load_policy.cache_clear()
    effective.project_slug.cache_clear()
    effective.base_build.cache_clear()
    effective.forget_builds()
    git_remote.forget()
