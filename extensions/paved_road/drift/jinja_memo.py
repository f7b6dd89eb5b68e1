"""Compile each distinct Jinja source once per render.

Copier renders every part of every template path as its own Jinja template, and renders the
answers-file name again for each: a render of this template makes about 830 ``compile`` calls
for about 185 distinct sources, and compiling is most of its CPU time. Compiling is a pure
function of the environment and the source, so for the length of one render drift remembers
each result and hands the same code back: copier still renders every file, with the same
environment, and a test holds the output byte for byte equal to ``copier copy``'s.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import jinja2


@contextlib.contextmanager
def compiles_remembered() -> Iterator[None]:
    """While active, ``jinja2.Environment.compile`` returns a remembered result for a source
    string it already compiled in the same environment with the same arguments."""
    original = jinja2.Environment.compile
    remembered: dict[tuple[Any, ...], Any] = {}

    def compile_once(  # noqa: PLR0917 - jinja2's own signature
        self: jinja2.Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str):  # an already parsed template: nothing to share
            return original(self, source, name, filename, raw, defer_init)
        # The environment itself (hashed by identity) is part of the key.
        key = (self, source, name, filename, raw, defer_init)
        if key not in remembered:
            remembered[key] = original(self, source, name, filename, raw, defer_init)
        return remembered[key]

    jinja2.Environment.compile = compile_once  # type: ignore[method-assign]
    try:
        yield
    finally:
        jinja2.Environment.compile = original  # type: ignore[method-assign]
