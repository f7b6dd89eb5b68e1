"""Where a product's template lives: copier's recorded ``_src_path`` as git and paths see it.

Shared by ``drift`` and ``update``, so both read a product's template source the same way.
"""

from __future__ import annotations

from pathlib import Path

_REMOTE_PREFIXES = ("gh:", "gl:", "git@", "git+")


def resolve_src(src_path: str, product: Path) -> str:
    """Copier stores ``_src_path`` as typed; a relative local path means relative to the product."""
    if "://" in src_path or src_path.startswith(_REMOTE_PREFIXES):
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
