"""Safe YAML loading, with libyaml when present: a fleet check reads the same kinds of file
(CI workflows, kustomize output, catalog entries, recorded answers) once per product."""

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

# Documents parsed by ``load_shared``: (loader, bytes) -> what they parse to, newest last.
_SHARED: OrderedDict[tuple[type, bytes], Any] = OrderedDict()
_SHARED_KEPT = 64  # a product's CI files and its render's, and the last releases' platform files
_SHARED_LARGEST = 256 * 1024  # larger documents are parsed every time: memory stays small


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=_SafeLoader)


def load_shared(data: bytes, loader: type = _SafeLoader) -> Any:
    """The document in ``data`` (UTF-8), parsed once per process for the same bytes and loader.

    A check parses a CI file of its render and the product's own, byte for byte the same
    unless the product changed it, and a fleet's worker meets the platform's CI files of one
    release in product after product: YAML construction was about a fifth of a warm check's
    Python (docs/fleet.md, "How fast"). Parsing is a function of the bytes and the loader, so
    the same bytes give the same document; it is the same object every time, so callers only
    read it (gitlab_ci, ci_job). Errors are raised as ``yaml.load`` raises them (also
    UnicodeDecodeError), and never remembered."""
    if len(data) > _SHARED_LARGEST:
        return yaml.load(data.decode("utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    key = (loader, data)
    if key in _SHARED:
        _SHARED.move_to_end(key)
        return _SHARED[key]
    document = yaml.load(data.decode("utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    _SHARED[key] = document
    while len(_SHARED) > _SHARED_KEPT:
        _SHARED.popitem(last=False)
    return document


def safe_load_all(text: str) -> Iterator[Any]:
    return yaml.load_all(text, Loader=_SafeLoader)


def compose_all(text: str | bytes) -> Iterator[yaml.Node]:
    """The documents' node graphs (keys in order, repeats kept), before any value is built."""
    return yaml.compose_all(text, Loader=_SafeLoader)
