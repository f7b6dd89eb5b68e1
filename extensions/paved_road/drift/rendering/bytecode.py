"""Compiled Jinja templates kept on disk between runs, in the render cache folder.

A process that renders compiles each of the template's files once (``compiled`` shares that
code across the products of one run): about a third of a cold render's CPU. The next process
(the fleet's next worker, the next run, ``make drift`` after an answer changed) compiles the
same sources again. With a cache folder in use, Jinja's own ``FileSystemBytecodeCache`` keeps
the compiled code under ``<cache>/jinja/<scope>/``.

A stale entry is never used:
- the folder is named by a digest of the template identity (source, pinned commit SHA,
  copier, Jinja and copier-template-extensions versions, this package's code: ``key``), of
  what of the Jinja environment the compiler reads (``compiled.fingerprint``: options,
  extensions, how each filter and test is called) and of the Python version;
- inside, Jinja itself refuses an entry whose magic (Jinja bytecode format, Python version)
  or SHA-1 of the template source differs, and one it cannot unmarshal, and compiles afresh.

Entries are named by the template's name in the template folder (its path), not by the
absolute file name: each process reads the commit's files from a scratch folder of its own,
so the absolute name would never match. Only the traceback file name differs.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from .compiled import fingerprint

FOLDER = "jinja"


def folder_for(cache_dir: Path, scope: Hashable, env: Any) -> Path:
    """The folder of one template identity and environment's compiled templates."""
    identity = repr((scope, fingerprint(env), sys.version_info[:3], sys.implementation.name))
    return cache_dir / FOLDER / hashlib.sha256(identity.encode()).hexdigest()[:32]


def attach(env: Any, cache_dir: Path, scope: Hashable) -> None:
    """Give ``env`` a bytecode cache in ``cache_dir`` (a folder Jinja cannot make or write
    only costs the compile it would have saved)."""
    import jinja2  # noqa: PLC0415

    class _ByName(jinja2.FileSystemBytecodeCache):
        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            return super().get_cache_key(name)  # the scratch folder's path is per process

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            with contextlib.suppress(OSError):  # a full or read-only cache: render on
                super().dump_bytecode(bucket)

    folder = folder_for(cache_dir, scope, env)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    env.bytecode_cache = _ByName(str(folder), "%s.jinja-code")


def from_string(env: Any, source: str) -> Any:
    """``env.from_string(source)`` (a path part), its compiled code kept in the environment's
    bytecode cache when it has one: Jinja only caches templates it loads from files."""
    cache = env.bytecode_cache
    if cache is None:
        return env.from_string(source)
    # A name no template file can have (a NUL byte), so a part never takes a file's entry.
    bucket = cache.get_bucket(env, f"\0path part\0{source}", None, source)
    if bucket.code is None:
        bucket.code = env.compile(source)
        cache.set_bucket(bucket)
    return env.template_class.from_code(env, bucket.code, env.make_globals(None), None)
