"""Bytecode compiled once per run for every product's virtual environment, through uv's cache.

uv installs a product's packages as hard links into its cache (``archive-v0/<entry>/``, one
unpacked wheel each), and links every file of an entry, a ``__pycache__`` folder included. A
fresh venv has no bytecode, so the first Python process of each product (its pytest, mypy's
plugins, the migrations check) compiled every module it imported from source again: 3.6 of the
5.7 CPU-s of a default product's first ``pytest --collect-only``, in every product the suite
makes. ``publish(venv)`` links the bytecode a warmed venv wrote into the cache entries its
sources are linked from, so every venv uv makes afterwards gets it with the sources.

Why it is safe: a ``.pyc`` names the size and modification time of its source, and Python uses
it only when they match the file it imports; a hard-linked source is the very same file (one
inode, one mtime). Python sets each code object's file name from the path it imports, not the
one it was compiled at, so tracebacks name the product's own files. A cache entry's sources
never change (uv writes an entry once, then only links it); a link is made under a temporary
name and renamed, so a uv linking the entry at that moment sees the file whole or not at all.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def uv_cache() -> Path:
    found = subprocess.run(["uv", "cache", "dir"], capture_output=True, text=True, check=True)
    return Path(found.stdout.strip())


def _cached_sources(archive: Path) -> dict[tuple[int, int], Path]:
    """Every ``.py`` file of uv's unpacked wheels, by (device, inode). Not those of the
    environments uv keeps there too (``uvx``'s, ``uv run --script``'s: a ``pyvenv.cfg`` at
    their top), whose files are links of the same inodes: no new venv is linked from them, and
    they write their own bytecode in place."""
    sources: dict[tuple[int, int], Path] = {}
    for folder, subfolders, files in os.walk(archive):
        if Path(folder).parent == archive and "pyvenv.cfg" in files:
            subfolders[:] = []
            continue
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                path = Path(folder, name)
                stat = path.stat()
                sources[(stat.st_dev, stat.st_ino)] = path
    return sources


def publish(venv: Path, cache: Path | None = None) -> int:
    """Link the bytecode under ``venv``'s site-packages into the uv cache entries its sources
    are hard links of; returns how many files were added."""
    archive = (cache or uv_cache()) / "archive-v0"
    if not archive.is_dir():
        return 0
    sources = _cached_sources(archive)
    added = 0
    for compiled in venv.glob("lib/python*/site-packages/**/__pycache__/*.pyc"):
        source = compiled.parent.parent / (compiled.name.split(".", 1)[0] + ".py")
        try:
            stat = source.stat()
        except FileNotFoundError:
            continue
        cached = sources.get((stat.st_dev, stat.st_ino))
        if cached is None:  # the product's own package, or a copy rather than a link
            continue
        target = cached.parent / "__pycache__" / compiled.name
        if target.exists():
            continue
        target.parent.mkdir(exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        os.link(compiled, partial)
        partial.replace(target)
        added += 1
    return added
