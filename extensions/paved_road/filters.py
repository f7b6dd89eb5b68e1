"""Small pure Jinja filters: derive names and escape answers for the format they land in."""

from __future__ import annotations

import keyword
import re
import unicodedata

from .answers import SLUG_MAX
from .facts import FACTS
from .reserved import (
    SYSTEM_NAMESPACES,
    SYSTEM_PREFIXES,
    YAML_WORDS,
    dependency_distributions,
    is_reserved_package,
)


def slugify(value: str) -> str:
    """'Payments API (v2)' -> 'payments-api-v2', 'Yes' -> 'yes-app': a valid default slug."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:SLUG_MAX].rstrip("-")
    if not slug:
        return "product"
    if not slug[0].isalpha() or slug.startswith(SYSTEM_PREFIXES):
        slug = f"p-{slug}"[:SLUG_MAX].rstrip("-")
    if slug in YAML_WORDS or slug in SYSTEM_NAMESPACES or slug in dependency_distributions():
        slug = f"{slug}-app"
    return slug


def pkgify(slug: str) -> str:
    """'payments-api' -> 'payments_api'; a reserved name gets a suffix so the default is valid."""
    name = re.sub(r"[^a-z0-9_]", "_", slug.lower()) or "product"
    if name[0].isdigit():
        name = f"p_{name}"
    if is_reserved_package(name) or keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name = f"{name}_app"
    return name


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\b": "\\b",
    "\f": "\\f",
}


def _double_quoted(value: str) -> str:
    """A double-quoted string whose escapes TOML basic strings and YAML double-quoted scalars
    share: the usual backslash escapes, and \\uXXXX / \\UXXXXXXXX for anything unprintable
    (TOML forbids raw control characters, YAML raw non-printables)."""
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def toml_str(value: str) -> str:
    """A TOML basic string, quotes included."""
    return _double_quoted(value)


def yaml_str(value: str) -> str:
    """A YAML double-quoted scalar, quotes included."""
    return _double_quoted(value)


def py_str(value: str) -> str:
    """A Python string literal quoted as ruff's formatter would: double quotes, unless the text
    holds more double than single quotes (then single quotes, fewer escapes)."""
    quote = "'" if value.count('"') > value.count("'") else '"'
    body = value.replace("\\", "\\\\").replace(quote, f"\\{quote}")
    body = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in body)
    return f"{quote}{body}{quote}"


def py_docstring(value: str) -> str:
    """A one-line Python docstring: every quote and backslash escaped, so nothing can close it."""
    body = value.replace("\\", "\\\\").replace('"', '\\"')
    body = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in body)
    return f'"""{body}"""'


def env_prefix(package: str) -> str:
    """The prefix of a product's environment variables: 'payments_api' -> 'PAYMENTS_API_'."""
    return f"{package.upper()}_"


FILTERS = {
    "slugify": slugify,
    "pkgify": pkgify,
    "toml_str": toml_str,
    "yaml_str": yaml_str,
    "py_str": py_str,
    "py_docstring": py_docstring,
    "env_prefix": env_prefix,
    **FACTS,
}
