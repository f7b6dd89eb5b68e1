"""Where a product's template lives: copier's recorded ``_src_path`` as git and paths see it,
and whether it is a template source the platform approved.

Shared by ``drift`` and ``update``, so both read a product's template source the same way.

Approval never comes from the product: ``APPROVED_SOURCES`` ships inside this package (the
platform edits it when it adopts the paved road), and a caller adds sources explicitly (the
guarded CI workflow passes ``--approved-source``; tests pass their scratch clones).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

# The canonical paved-road template repository. Products made from anything else (a fork, a
# mirror with a relaxed policy, a local copy) are not on the paved road.
APPROVED_SOURCES: tuple[str, ...] = ("https://github.com/acme/paved-road.git",)

_REMOTE_PREFIXES = ("gh:", "gl:", "git@", "git+")
# Hosts whose repository paths are case-insensitive: `gh:Acme/Paved-Road` is the same repo.
_CASE_INSENSITIVE_HOSTS = {"github.com", "gitlab.com"}


def is_remote(src_path: str) -> bool:
    return "://" in src_path or src_path.startswith(_REMOTE_PREFIXES)


def is_local(src_path: str) -> bool:
    """A template on this machine: a path, or a ``file://`` URL (git's ``git+file://`` too)."""
    return not is_remote(src_path) or git_url(src_path).lower().startswith("file://")


def resolve_src(src_path: str, product: Path) -> str:
    """Copier stores ``_src_path`` as typed; a relative local path means relative to the product."""
    if is_remote(src_path):
        return src_path
    path = Path(src_path).expanduser()
    return str(path if path.is_absolute() else (product / path).resolve())


def git_url(src_path: str) -> str:
    """Copier's ``gh:``/``gl:`` shortcuts as the URLs git understands."""
    for prefix, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if src_path.startswith(prefix):
            repo = src_path.removeprefix(prefix)
            return f"{host}{repo}" if repo.endswith(".git") else f"{host}{repo}.git"
    return src_path.removeprefix("git+")


def source_identity(src_path: str) -> str:
    """One spelling per repository, for comparing sources: ``gh:acme/x``,
    ``https://github.com/acme/x.git`` and ``git@github.com:acme/x`` are all ``github.com/acme/x``;
    a local path or ``file://`` URL is its resolved absolute path. Plain ``http://`` keeps its
    scheme: it is not the same trust as https or ssh."""
    url = git_url(src_path)
    if url.startswith("git@"):  # scp-like ssh: git@host:owner/repo
        host, _, path = url.removeprefix("git@").partition(":")
        url = f"ssh://git@{host}/{path}"
    if "://" not in url:
        return str(Path(url).expanduser().resolve())
    parts = urlsplit(url)
    if parts.scheme == "file":
        return str(Path(unquote(parts.path)).resolve())
    host = (parts.hostname or "").lower()
    path = parts.path.strip("/").removesuffix(".git").rstrip("/")
    if host in _CASE_INSENSITIVE_HOSTS:
        path = path.lower()
    identity = f"{host}/{path}"
    return f"http://{identity}" if parts.scheme == "http" else identity


def is_approved(src_path: str, extra: Iterable[str] = ()) -> bool:
    """Whether ``src_path`` is the package's approved source or one the caller approved."""
    mine = source_identity(src_path)
    return any(mine == source_identity(source) for source in (*APPROVED_SOURCES, *extra))
