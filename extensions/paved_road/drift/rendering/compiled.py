"""Compile each distinct Jinja source once per template, not once per render.

Copier renders every part of every template path as its own Jinja template, and renders the
answers-file name again for each: a render of this template makes about 830 ``compile`` calls
for about 185 distinct sources, and compiling was most of a render's CPU time. A fleet renders
the same template commit for hundreds of products, each with its own answers, and the sources
are the same every time: only the answers (the render context) differ.

Jinja's ``compile`` is a pure function of the environment's configuration and its arguments:
it never sees the context. Copier builds a new environment for each render, so the memo is
keyed by what of the environment the compiler reads (delimiters, whitespace options,
extensions, the filters and tests with how they are called, policies), and scoped to one
template identity (source, commit SHA, copier and Jinja versions: the extension code is the
commit's). Copier still renders every file of every product with its own answers; only the
compiled code is shared, and tests hold each render byte for byte equal to ``copier copy``'s.

The file name is left out of the key: it only labels tracebacks, and each render reads the
template from a folder of its own.
"""

from __future__ import annotations

import contextlib
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a render starts: building drift's parser must not pay it
    import jinja2

_SCOPES_KEPT = 8  # template identities remembered per process: memory is per template
_SCOPES: OrderedDict[Hashable, dict[tuple[Any, ...], Any]] = OrderedDict()
_FINGERPRINTS: weakref.WeakKeyDictionary[jinja2.Environment, Hashable] = weakref.WeakKeyDictionary()


def _name(obj: object) -> str:
    kind = obj if isinstance(obj, type) else type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _calls(functions: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Each filter or test by name with how Jinja passes it arguments (read when compiling)."""
    from jinja2.utils import _PassArg  # noqa: PLC0415

    return tuple(sorted((name, repr(_PassArg.from_obj(f))) for name, f in functions.items()))


def fingerprint(env: jinja2.Environment) -> Hashable:
    """What of ``env`` the compiler reads; equal fingerprints compile equal code."""
    from ...compile_memo import COMPILER_OPTIONS  # noqa: PLC0415 - imports jinja2

    if env not in _FINGERPRINTS:
        autoescape = env.autoescape if isinstance(env.autoescape, bool) else _name(env.autoescape)
        _FINGERPRINTS[env] = (
            _name(env),
            _name(env.code_generator_class),
            _name(env.undefined),
            None if env.finalize is None else _name(env.finalize),
            autoescape,
            tuple(getattr(env, option) for option in COMPILER_OPTIONS),
            tuple(sorted((key, _name(ext)) for key, ext in env.extensions.items())),
            _calls(env.filters),
            _calls(env.tests),
            repr(sorted(env.policies.items(), key=lambda item: item[0])),
        )
    return _FINGERPRINTS[env]


@contextlib.contextmanager
def compiles_remembered(scope: Hashable | None = None) -> Iterator[None]:
    """While active, ``jinja2.Environment.compile`` returns a remembered result for a source it
    already compiled with an environment of the same fingerprint. With a ``scope`` (a template
    identity) the memo outlives the render for the next one of that scope; without, it is
    this render's alone."""
    import jinja2  # noqa: PLC0415

    original = jinja2.Environment.compile
    if scope is None:
        remembered: dict[tuple[Any, ...], Any] = {}
    else:
        remembered = _SCOPES.pop(scope, {})
        _SCOPES[scope] = remembered  # most recently used last
        while len(_SCOPES) > _SCOPES_KEPT:
            _SCOPES.popitem(last=False)

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
        key = (fingerprint(self), source, name, raw, defer_init)
        if key not in remembered:
            remembered[key] = original(self, source, name, filename, raw, defer_init)
        return remembered[key]

    jinja2.Environment.compile = compile_once  # type: ignore[method-assign]
    try:
        yield
    finally:
        jinja2.Environment.compile = original  # type: ignore[method-assign]


def forget() -> None:
    """Drop every remembered compile, as a new process would start."""
    _SCOPES.clear()
