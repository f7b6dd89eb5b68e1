"""When a ``kubectl kustomize`` build may be reused, and the builds kept in the cache folder.

A build is a function of the files it reads and of the kubectl that runs it. Drift keys a
build by the content of the whole ``deploy/`` folder (every file's path and SHA-256), the
kustomization built and the kubectl binary (path, size, modification time). That key holds
only when the build reads nothing outside ``deploy/``, so it is given only when every
kustomization under ``deploy/`` provably does not:

- no symlink anywhere under ``deploy/``;
- every kustomization is one YAML mapping, no key repeated in any of its mappings, whose
  fields are all known to this module: fields
  holding no path (``namespace``, ``labels``, ``images``, inline patches, literals, ...), and
  fields holding paths (``resources``, ``components``, patch and generator files, ...) whose
  every path is local, lies inside ``deploy/`` and exists (a missing path is one kustomize
  could fetch: remote bases need no URL scheme);
- no Helm charts, plugins (``generators``, ``transformers``, ``validators``) or field this
  module does not know: those builds are never reused.

Otherwise there is no key and the overlay is built for real, every time. A kept build is
kubectl's output itself, parsed again when used: a reused build gives the check exactly what
building it would. Only successful builds are kept (an error may be the machine's).

Kept builds persist only where renders do (``--cache-dir``, ``PAVED_ROAD_CACHE_DIR`` outside
CI): ``<cache>/kustomize/<digest of the key>``, each holding its full key, checked on read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .fast_yaml import compose_all, safe_load_all

FOLDER = "kustomize"
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

# Every field this module knows: those holding no file name (their values are in the
# kustomization itself) and those whose file names ``_paths`` reads.
_KNOWN = frozenset(
    {
        "apiVersion",
        "kind",
        "metadata",
        "namespace",
        "namePrefix",
        "nameSuffix",
        "commonLabels",
        "commonAnnotations",
        "labels",
        "images",
        "replicas",
        "vars",
        "buildMetadata",
        "sortOptions",
        "generatorOptions",
        "patchesJson6902",  # item by item below: ``path`` is a file
        "patches",
        "replacements",
        "configMapGenerator",
        "secretGenerator",
        "patchesStrategicMerge",
        "resources",
        "bases",
        "components",
        "crds",
        "configurations",
        "openapi",
    }
)
_PATH_LISTS = ("resources", "bases", "components", "crds", "configurations")
_PATCH_LISTS = ("patches", "patchesJson6902", "replacements")
_GENERATORS = ("configMapGenerator", "secretGenerator")


def _local_inside(value: Any, folder: Path, deploy: Path) -> bool:
    """Whether ``value`` names an existing file or folder inside ``deploy/``, by a relative
    path without a scheme."""
    if not isinstance(value, str) or not value or "://" in value or "::" in value:
        return False
    if Path(value).is_absolute() or value.startswith("~"):
        return False
    target = Path(os.path.normpath(folder / value))
    return target.is_relative_to(deploy) and (target.is_file() or target.is_dir())


class _Unknown(Exception):
    """A kustomization this module cannot tell the inputs of."""


def _items(doc: dict[str, Any], field: str, kind: type) -> list[Any]:
    items = doc.get(field) or []
    if not isinstance(items, list) or not all(isinstance(item, kind) for item in items):
        raise _Unknown
    return items


def _paths(doc: dict[str, Any]) -> list[Any]:
    """Every path a kustomization names; _Unknown when it may read what this cannot tell."""
    if not set(doc) <= _KNOWN:
        raise _Unknown
    found: list[Any] = []
    for field in _PATH_LISTS:
        found += _items(doc, field, str)
    for field in _PATCH_LISTS:
        found += [item["path"] for item in _items(doc, field, dict) if "path" in item]
    # One line is a file name, more are an inline patch.
    found += [p for p in _items(doc, "patchesStrategicMerge", str) if "\n" not in p.strip()]
    for field in _GENERATORS:
        for item in _items(doc, field, dict):
            files = [*_items(item, "files", str), *_items(item, "envs", str)]
            files += _items({"env": [item["env"]]}, "env", str) if "env" in item else []
            found += [name.split("=", 1)[-1] for name in files]  # ``key=path`` or ``path``
    openapi = doc.get("openapi") or {}
    if not isinstance(openapi, dict):
        raise _Unknown
    return found + ([openapi["path"]] if "path" in openapi else [])


def inputs_digest(deploy: Path) -> str | None:
    """SHA-256 of everything a build under ``deploy/`` reads, or None when a build may read
    something outside it (see the module's docstring)."""
    deploy = Path(os.path.normpath(deploy.absolute()))
    if deploy.is_symlink():
        return None
    digest = hashlib.sha256()
    for path in sorted(deploy.rglob("*")):
        if path.is_symlink():
            return None
        if not path.is_file():
            continue
        data = path.read_bytes()
        digest.update(path.relative_to(deploy).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(data).digest())
        if path.name in KUSTOMIZATION_NAMES and not _reads_only_inside(data, path, deploy):
            return None
    return digest.hexdigest()


def _repeats_a_key(node: yaml.Node) -> bool:
    """Whether a mapping anywhere in the document names a key twice: PyYAML keeps the last,
    a Go YAML reader may keep the first or refuse, so the two could read different paths."""
    if isinstance(node, yaml.MappingNode):
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
        if len(keys) != len(set(keys)):
            return True
        return any(_repeats_a_key(key) or _repeats_a_key(value) for key, value in node.value)
    if isinstance(node, yaml.SequenceNode):
        return any(_repeats_a_key(item) for item in node.value)
    return False


def _reads_only_inside(data: bytes, path: Path, deploy: Path) -> bool:
    try:
        nodes = list(compose_all(data))
        docs = list(safe_load_all(data))
    except yaml.YAMLError:
        return False
    if len(docs) != 1 or not isinstance(docs[0], dict) or _repeats_a_key(nodes[0]):
        return False
    try:
        paths = _paths(docs[0])
    except _Unknown:
        return False
    return all(_local_inside(name, path.parent, deploy) for name in paths)


def kubectl_identity(kubectl: str) -> str:
    """The kubectl binary, as precisely as can be had without running it."""
    real = Path(kubectl).resolve()
    stat = real.stat()
    return f"{real}:{stat.st_size}:{stat.st_mtime_ns}"


def _entry(cache_dir: Path, key: str) -> Path:
    return cache_dir / FOLDER / hashlib.sha256(key.encode()).hexdigest()[:40]


def load(cache_dir: Path, key: str) -> list[dict[str, Any]] | None:
    """The kept build of ``key``, parsed, or None (absent, unreadable, another key's)."""
    try:
        kept = json.loads(_entry(cache_dir, key).read_text(encoding="utf-8"))
        if not isinstance(kept, dict) or kept.get("key") != key:
            return None
        return [doc for doc in safe_load_all(kept["output"]) if isinstance(doc, dict)]
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError):
        return None


def store(cache_dir: Path, key: str, output: str) -> None:
    """Keep kubectl's output for ``key`` (a cache that cannot be written only costs time)."""
    entry = _entry(cache_dir, key)
    with contextlib.suppress(OSError):
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(prefix=".build-", dir=entry.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"key": key, "output": output}, handle)
        Path(scratch).replace(entry)
