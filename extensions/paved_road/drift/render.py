"""Re-rendering the template at a product's recorded commit, once per (source, commit, answers).

A check of fifty products made from the same version with the same answers renders once: the
in-process cache maps the key to a directory kept until the process exits. With a cache
directory (``--cache-dir``, or ``PAVED_ROAD_CACHE_DIR`` outside CI), renders also persist
across runs; the key then uses the commit SHA, so a moved tag is never served stale, and each
entry is verified before use (``render_cache``).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import importlib.metadata
import io
import json
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

from . import render_cache, render_plan
from .answers_file import Recorded
from .errors import CannotCheck
from .template_tree import template_tree
from .versions import DESCRIBE_RE

_RENDERS: dict[str, Path] = {}
# What a render holds: every file but those the policy only seeds (render_plan).
RENDER_LAYOUT = "policy-compared-files"


def _scratch() -> Path:
    path = Path(tempfile.mkdtemp(prefix="paved-road-drift-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
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


@functools.cache  # reading package metadata scans sys.path: once per process, not per product
def copier_version() -> str:
    return importlib.metadata.version("copier")


def cache_key(recorded: Recorded, commit: str) -> str:
    """Same source, commit, answers and copier version: the same render."""
    payload = json.dumps(
        [recorded.src_path, commit, recorded.answers, copier_version(), RENDER_LAYOUT],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@contextlib.contextmanager
def _no_git_index_sync() -> Iterator[None]:
    """Copier asks git about the destination's index for every file it writes with an
    executable bit in the template, to keep that index in step where ``core.fileMode`` is
    false: a git process per file (about 40 per render). A render's destination is a scratch
    folder drift made, in no repository's index, so the answer is always "nothing to do"."""
    from copier._main import Worker  # noqa: PLC0415

    original = getattr(Worker, "_sync_git_index_executable_bit", None)
    if original is None:  # a copier without it: nothing to skip
        yield
        return
    Worker._sync_git_index_executable_bit = lambda *_: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        Worker._sync_git_index_executable_bit = original  # type: ignore[method-assign]


def _copier_render(source: str, vcs_ref: str | None, recorded: Recorded, dst: Path) -> None:
    import copier  # noqa: PLC0415 - about 0.5 s; only a check that renders pays it
    from copier.errors import CopierError  # noqa: PLC0415

    from .jinja_memo import compiles_remembered  # noqa: PLC0415 - imports jinja2

    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            compiles_remembered(),
            _no_git_index_sync(),
        ):
            warnings.simplefilter("ignore")
            copier.run_copy(
                source,
                dst,
                data=recorded.answers,
                vcs_ref=vcs_ref,
                defaults=True,
                unsafe=True,
                skip_tasks=True,
                quiet=True,
                overwrite=True,
            )
    except CopierError as error:
        raise CannotCheck(f"cannot re-render the template at {recorded.commit}: {error}") from None
    except Exception as error:  # git and plumbum errors of a clone or checkout
        text = " ".join(str(error).split())
        if "revision" in text.lower() or "pathspec" in text or "checkout" in text.lower():
            raise CannotCheck(
                f"template commit {recorded.commit!r} does not exist in {recorded.src_path} "
                "(was the product rendered from uncommitted template changes?)"
            ) from None
        raise CannotCheck(
            f"cannot re-render the template at {recorded.commit}: {text[:300]}"
        ) from None


def _render_into(recorded: Recorded, pinned: str | None, dst: Path) -> None:
    """Copier renders the commit's files from a plain folder (no clone), all but those the
    policy only seeds (``render_plan``); when the files cannot be had that way, copier clones
    the template itself and renders everything."""
    tree = template_tree(recorded.src_path, recorded.commit, pinned, dst.with_name("template"))
    if tree is None:
        _copier_render(recorded.src_path, recorded.commit, recorded, dst)
        return
    try:
        scratch = dst.with_name("plan")
        scratch.mkdir()
        unneeded = render_plan.plan(
            tree, lambda into: _copier_render(str(tree), None, recorded, into), scratch
        )
        if unneeded is not None:
            render_plan.prune(unneeded, tree)
        _copier_render(str(tree), None, recorded, dst)
    finally:
        shutil.rmtree(tree, ignore_errors=True)
        shutil.rmtree(dst.with_name("plan"), ignore_errors=True)


def render(recorded: Recorded, tags: dict[str, str], cache_dir: Path | None = None) -> Path:
    """The template rendered at the recorded commit with the recorded answers (read-only)."""
    memory_key = cache_key(recorded, recorded.commit)
    if memory_key in _RENDERS:
        return _RENDERS[memory_key]
    pinned = _immutable_commit(recorded.commit, tags)
    if cache_dir is not None and pinned is not None:
        if recorded.product is not None and render_cache.inside(cache_dir, recorded.product):
            raise CannotCheck(
                f"render cache {cache_dir} is inside the product, which could then write what "
                "it is checked against: use a folder outside it"
            )
        stored = render_cache.cached(
            cache_dir,
            cache_key(recorded, pinned),
            lambda dst: _render_into(recorded, pinned, dst),
        )
        _RENDERS[memory_key] = stored
        return stored
    dst = _scratch() / "render"
    _render_into(recorded, pinned, dst)
    _RENDERS[memory_key] = dst
    return dst


def clear_memory_cache() -> None:
    """Forget every render and what was read from one, as a new process would start."""
    from . import effective, policy, provenance  # noqa: PLC0415 - they import this module

    _RENDERS.clear()
    _rendered_files.cache_clear()
    provenance.recorded_keys.cache_clear()
    policy.load_policy.cache_clear()
    effective.project_slug.cache_clear()
    effective.base_build.cache_clear()


def rendered_files(root: Path) -> list[str]:
    """Every file of a render, as sorted POSIX paths relative to it."""
    return list(_rendered_files(root))


@functools.lru_cache(maxsize=64)  # a render never changes; a fleet lists it once per product
def _rendered_files(root: Path) -> tuple[str, ...]:
    return tuple(
        sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if not path.is_dir())
    )
