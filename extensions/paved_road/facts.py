"""What the template's own files say about a product, for the files that describe it.

``AGENTS.md`` lists the guarded paths and the make targets; writing them a second time by hand
would let the two drift apart. So the template includes the rendered policy and Makefile and
reads them with these filters (pure: a render calls them once per file)::

    {% set policy %}{% include 'template/.paved-road/policy.yml.jinja' %}{% endset %}
    {% for entry in policy | policy_entries('guarded') %}...{% endfor %}
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

try:  # libyaml when present: a render reads the policy three times (about 80 ms in pure Python)
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# The same targets `make help` lists: `name: prerequisites ## what it does`.
_HELP = re.compile(r"^([a-z][a-z0-9-]*):[^=\n]*?## (.+)$", re.MULTILINE)


@functools.lru_cache(maxsize=4)
def _policy(policy_text: str) -> Any:
    """The parsed policy; AGENTS.md asks for three kinds of entry of one policy text, so it
    is parsed once (only read: ``policy_entries`` copies what it returns)."""
    return yaml.load(policy_text, Loader=_Loader) or {}


def policy_entries(policy_text: str, kind: str) -> list[dict[str, Any]]:
    """The entries of one kind of the rendered policy, each a mapping with ``path``."""
    data = _policy(str(policy_text))
    return [
        {"path": entry} if isinstance(entry, str) else dict(entry) for entry in data.get(kind) or []
    ]


# `NAME ?= value` (or := or =) with a plain value: what `$(NAME)` in a description stands for.
_PLAIN_VARIABLE = re.compile(r"^([A-Z_]+) *[?:]?= *([^$\s#]+) *$", re.MULTILINE)


def make_help(makefile_text: str) -> list[tuple[str, str]]:
    """(target, description) of every target the rendered Makefile documents, in order, with
    its plain variables expanded as `make help` shows them (`http://127.0.0.1:8000`)."""
    values = dict(_PLAIN_VARIABLE.findall(makefile_text))

    def expand(text: str) -> str:
        return re.sub(r"\$\(([A-Z_]+)\)", lambda ref: values.get(ref[1], ref[0]), text)

    return [(match[1], expand(match[2].strip())) for match in _HELP.finditer(makefile_text)]


def managed_parts(entry: dict[str, Any]) -> str:
    """What of a shared or seeded file is the platform's: its guarded parts and blocks."""
    return ", ".join(
        [str(part) for part in entry.get("parts") or []]
        + [f"block {block}" for block in entry.get("blocks") or []]
    )


FACTS = {"policy_entries": policy_entries, "make_help": make_help, "managed_parts": managed_parts}
