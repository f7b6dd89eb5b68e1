"""Safe YAML loading, with libyaml when present: a fleet check reads the same kinds of file
(CI workflows, kustomize output, catalog entries, recorded answers) once per product."""

from collections.abc import Iterator
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=_SafeLoader)


def safe_load_all(text: str) -> Iterator[Any]:
    return yaml.load_all(text, Loader=_SafeLoader)


def compose_all(text: str | bytes) -> Iterator[yaml.Node]:
    """The documents' node graphs (keys in order, repeats kept), before any value is built."""
    return yaml.compose_all(text, Loader=_SafeLoader)
