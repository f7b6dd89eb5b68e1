"""Which of a template commit's files a render can read, so the others need not be written.

A template repository holds more than its template: tests, docs, benchmarks, CI files. This
one's commit is some 500 files, of which a render reads about 320, and writing a file is most
of what laying out the commit costs (system CPU creating its inode). A render reads:

- the copier configuration (``copier.yml`` or ``copier.yaml``);
- everything under ``_subdirectory`` (copier scans it and renders what it finds);
- every file ending in the templates suffix, wherever it is: copier skips a plain file whose
  destination has a templated sibling looked up from the template's root, and Jinja includes
  name files from that root;
- everything in the folders of the ``_jinja_extensions`` files (the extension code and what
  it imports or reads beside itself).

Any other file is left out, and the direct render refuses to load one by name through Jinja
(``LeftOut``): copier then renders from the whole commit. Where this module cannot tell what
a render reads, it says so (``None``) and every file is written: a configuration it cannot
parse, one that includes other files (``!include``), a subdirectory that is templated, empty
or leaves the root, no templates suffix, or any symlink or submodule in the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

import yaml

try:  # libyaml when present
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

CONFIG_NAMES = ("copier.yml", "copier.yaml")
DEFAULT_SUFFIX = ".jinja"  # copier's DEFAULT_TEMPLATES_SUFFIX
# Jinja's delimiters and the _envops keys that change them: a subdirectory holding one is
# rendered by copier, so it may name any folder.
_DELIMITERS = {
    "block_start_string": "{%",
    "variable_start_string": "{{",
    "comment_start_string": "{#",
    "line_statement_prefix": None,
    "line_comment_prefix": None,
}
_PLAIN_MODES = frozenset({"100644", "100755"})


class LeftOut(Exception):
    """The render asked for a file left out of the template's files: copier renders it."""


def config_settings(data: bytes) -> dict[str, Any] | None:
    """copier's settings (``_``-keys of every document, merged), or None when unsure."""
    if b"!include" in data:
        return None
    try:
        docs = list(yaml.load_all(data, Loader=_Loader))
    except yaml.YAMLError:
        return None
    merged: dict[str, Any] = {}
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            return None
        merged.update(doc)
    return merged


def _plain_subdirectory(config: dict[str, Any]) -> str | None:
    """``_subdirectory`` when it names one folder inside the root as it is, else None."""
    subdirectory = config.get("_subdirectory")
    envops = config.get("_envops") or {}
    if not isinstance(subdirectory, str) or not isinstance(envops, dict):
        return None
    delimiters = [envops.get(key, default) for key, default in _DELIMITERS.items()]
    if any(mark and (not isinstance(mark, str) or mark in subdirectory) for mark in delimiters):
        return None
    parts = PurePosixPath(subdirectory).parts
    if not parts or subdirectory.startswith("/") or any(p in (".", "..") for p in parts):
        return None
    return "/".join(parts)


def extension_folders(config: dict[str, Any]) -> list[str] | None:
    """The folder of each ``_jinja_extensions`` file (``path/file.py:Class``), or None."""
    entries = config.get("_jinja_extensions") or []
    if not isinstance(entries, list):
        return None
    folders = []
    for entry in entries:
        source = str(entry).split(":", 1)[0]
        if not source.endswith(".py"):
            continue  # an importable module: nothing of the commit's
        parts = PurePosixPath(source).parent.parts
        if source.startswith("/") or any(p in (".", "..") for p in parts):
            return None
        folders.append("/".join(parts))  # "" (the root) keeps every file
    return folders


def _under(path: str, folder: str) -> bool:
    return not folder or path.startswith(f"{folder}/")


def needed(config_data: bytes | None, files: Iterable[tuple[str, str]]) -> set[str] | None:
    """The paths a render reads, of the commit's ``(mode, path)`` files, given its copier
    configuration's bytes; None when every file must be written."""
    listed = list(files)
    if config_data is None or any(mode not in _PLAIN_MODES for mode, _ in listed):
        return None
    config = config_settings(config_data)
    if config is None:
        return None
    subdirectory = _plain_subdirectory(config)
    folders = extension_folders(config)
    suffix = config.get("_templates_suffix", DEFAULT_SUFFIX)
    if subdirectory is None or folders is None or not isinstance(suffix, str) or not suffix:
        return None
    return {
        path
        for _, path in listed
        if path in CONFIG_NAMES
        or path.endswith(suffix)
        or _under(path, subdirectory)
        or any(_under(path, folder) for folder in folders)
    }
