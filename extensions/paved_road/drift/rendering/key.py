"""What a render depends on, as one key: the same key is the same render, byte for byte.

A render is a function of the template source, the commit, every answer, the versions of
copier, Jinja and copier-template-extensions, and drift's own rendering code (this package:
which files it leaves out, how it hands copier the template). The template's extension code
is the commit's own (``_jinja_extensions`` load it from the rendered tree), so the commit SHA
covers it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
from pathlib import Path

from ..answers_file import Recorded

_PACKAGES = ("copier", "jinja2", "copier-template-extensions")


@functools.cache  # reading package metadata scans sys.path: once per process, not per product
def copier_version() -> str:
    return importlib.metadata.version("copier")


@functools.cache
def _versions() -> tuple[str, ...]:
    found = []
    for package in _PACKAGES:
        try:
            found.append(f"{package}=={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{package} absent")
    return tuple(found)


@functools.cache
def code_digest() -> str:
    """SHA-256 of this package's source: a change to how drift renders is a new key."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def render_key(recorded: Recorded, commit: str) -> str:
    """Same source, commit, answers, tool versions and rendering code: the same render."""
    payload = json.dumps(
        [recorded.src_path, commit, recorded.answers, _versions(), code_digest()],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def template_scope(src_path: str, pinned: str) -> tuple[str, ...]:
    """One template identity: what compiled Jinja code may be shared across (``compiled``)."""
    return (src_path, pinned, *_versions(), code_digest())
