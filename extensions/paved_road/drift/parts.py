"""Guarded parts of structured files: a TOML table or a YAML/JSON key path, by dotted name.

``tool.ruff`` of ``pyproject.toml`` is ``data["tool"]["ruff"]``; a numeric segment indexes a
list (``jobs.test.steps.0``). Two parts are equal when their parsed values are equal, so
formatting, comments and key order outside (and inside) the part are the product's business.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

from .. import yaml_file

# What a YAML 1.1 loader makes of a bare key such as GitHub's `on:`.
_YAML_BOOL_KEYS = {"on": True, "off": False, "yes": True, "no": False, "true": True, "false": False}


class Missing:
    """The part is absent from the file."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING = Missing()


def parse(path: str, text: str) -> Any:
    """The data of a structured file; ValueError (one line) when it does not parse."""
    try:
        if path.endswith(".toml"):
            return tomllib.loads(text)
        if path.endswith((".yml", ".yaml")):
            # The product's copy may be anything: bounded like every YAML a person wrote.
            return yaml_file.parse(text.encode("utf-8"), path)
        if path.endswith(".json"):
            return json.loads(text)
    except yaml_file.FileProblem as problem:
        raise ValueError(f"does not parse: {problem.problem}") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"does not parse: {first}") from None
    raise ValueError("has parts but is not TOML, YAML or JSON")


def lookup(data: Any, part: str) -> Any:
    """The value at a dotted key path, or MISSING."""
    node = data
    for segment in part.split("."):
        if isinstance(node, dict):
            if segment in node:
                node = node[segment]
            elif segment.lower() in _YAML_BOOL_KEYS and _YAML_BOOL_KEYS[segment.lower()] in node:
                node = node[_YAML_BOOL_KEYS[segment.lower()]]
            else:
                return MISSING
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return MISSING
    return node


def show(value: Any) -> str:
    """A stable text form of a part, for diffs."""
    if value is MISSING:
        return "<missing>\n"
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n"
