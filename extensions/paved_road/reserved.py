"""Names a product's slug or package must not take, and why (messages say which rule).

The lists come from real interpreters and a real lock (``scripts/gen_reserved_names.py``
writes ``data/*.json``), not from the Python that happens to run copier.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data"
# Words YAML 1.1 (PyYAML, and kustomize for some fields) reads as booleans or null when they
# stand unquoted; a slug or package name is written bare in manifests, so it must not be one.
YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
# Folders and names every product already uses for itself.
PRODUCT_NAMES = frozenset({"app", "tests"})
# Folder names the product's .gitignore ignores (template/.gitignore; tests keep the two in
# step): a package by that name would never be committed.
IGNORED_NAMES = frozenset({"build", "dist", "htmlcov", "node_modules", "__pycache__"})
# Modules Python itself gives a meaning: run as a script, or imported at every start-up.
STARTUP_MODULES = frozenset({"__main__", "__init__", "sitecustomize", "usercustomize"})
# Kubernetes' own namespaces, and prefixes it reserves: a product's namespace is its slug.
SYSTEM_NAMESPACES = frozenset({"default"})
SYSTEM_PREFIXES = ("kube-",)


@cache
def stdlib_modules() -> dict[str, frozenset[str]]:
    """Python version -> its top-level standard-library modules."""
    data = json.loads((_DATA / "stdlib_modules.json").read_text(encoding="utf-8"))
    return {version: frozenset(names) for version, names in data.items()}


@cache
def _dependencies() -> dict[str, frozenset[str]]:
    data = json.loads((_DATA / "dependency_names.json").read_text(encoding="utf-8"))
    return {key: frozenset(names) for key, names in data.items()}


def dependency_distributions() -> frozenset[str]:
    """The product's locked dependency closure, as normalized distribution names."""
    return _dependencies()["distributions"]


def dependency_modules() -> frozenset[str]:
    """Every top-level module the product's dependency closure installs."""
    return _dependencies()["imports"]


def stdlib_versions(name: str) -> list[str]:
    """The supported Python versions whose standard library has a top-level ``name``."""
    return [version for version, names in stdlib_modules().items() if name in names]


def is_reserved_package(name: str) -> bool:
    return (
        name in YAML_WORDS
        or name in PRODUCT_NAMES
        or name in IGNORED_NAMES
        or name in STARTUP_MODULES
        or bool(stdlib_versions(name))
        or name in dependency_modules()
    )
