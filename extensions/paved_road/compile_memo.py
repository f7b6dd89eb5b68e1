"""Jinja's ``compile`` remembered per process, for environments configured alike.

Copier builds a new Jinja environment for every render (every Worker, three in an update), so
each template file, path part and answer default is parsed and compiled again although the
sources are the same: about half of a render's CPU. ``remember_compiles(env)`` gives one
environment a ``compile`` that returns what an earlier, equally configured environment
compiled from the same arguments.

Why that is safe: ``Environment.compile`` never sees a render's context. Its output (a code
object, or Python source when ``raw``) is a function of its arguments and of what of the
environment the lexer, parser, optimizer and code generator read (jinja2 3.1: lexer.py,
parser.py, compiler.py, optimizer.py, nodes.py). The key holds all of that:
- the arguments: source, name, raw, defer_init (the file name only labels the code object:
  a remembered code object is handed out relabelled, as a fresh compile would be);
- the environment's class and code generator class, sandboxing and its intercepted operators,
  the lexer settings, ``optimized``, ``is_async``, the autoescape value for this name, the
  ``finalize`` function itself (the code generator calls it on constant output);
- the extensions in priority order: identifier and priority, and the class object itself when
  it preprocesses, filters the token stream or parses tags (its code decides the parse);
- every filter and test name with how Jinja passes it arguments (``_PassArg``);
- any attribute an extension added to the environment (a parse may read it).
The optimizer also folds constant expressions by calling filters and tests while compiling
(``{{ "a" | upper }}`` compiles to ``"A"``), and a template's own filters are new function
objects in every render (its extension module is imported afresh). So each compile records
which filters and tests it called: such a result is reused only while those are the very
same function objects, and one that handed a filter the environment is never reused.

A change to the template's text changes the source; a change to its extension code changes
the classes or the functions in the key: neither can reach another version's render.
"""

from __future__ import annotations

import inspect
import itertools
import operator
import threading
from collections import OrderedDict
from collections.abc import Callable
from types import CodeType
from typing import Any

import jinja2
from jinja2.ext import Extension
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import _PassArg

_KEPT = 4096  # compiled sources kept per process; a render of this template has ~400
_MEMO: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = OrderedDict()
_LOCK = threading.Lock()
_NUMBERS = itertools.count(1)
# What of an environment the lexer, parser and code generator read as plain options (drift's
# compiled-template key reads the same list: ``drift.rendering.compiled.fingerprint``).
COMPILER_OPTIONS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
    "is_async",
)
_OPTIONS_OF = operator.attrgetter(*COMPILER_OPTIONS)
_PRIORITY_OF = operator.attrgetter("priority")
_PARAMETERS = ["self", "source", "name", "filename", "raw", "defer_init"]
# Set on every environment (or by copier-template-extensions' ContextHook: context_class,
# which only rendering reads); anything else an extension set goes into the key.
_STANDARD = frozenset(vars(SandboxedEnvironment())) | {"compile", "overlay", "context_class"}
_SHAPING = ("preprocess", "filter_stream", "parse")
_JINJAS = ("jinja2.environment", "Environment.compile")


def _extension(ext: Extension) -> tuple[Any, ...]:
    kind = type(ext)
    shapes = bool(ext.tags) or any(getattr(kind, m) is not getattr(Extension, m) for m in _SHAPING)
    return (
        ext.identifier,
        ext.priority,
        kind if shapes else f"{kind.__module__}.{kind.__qualname__}",
    )


def _calls(functions: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((name, _PassArg.from_obj(f)) for name, f in functions.items()))


def _extra(env: jinja2.Environment) -> tuple[tuple[str, Any], ...]:
    """Attributes an extension set on the environment (the objects themselves: equal values
    or the same object); unhashable ones raise TypeError and the compile is not shared."""
    attributes = vars(env)
    extra = tuple(sorted((k, attributes[k]) for k in attributes.keys() - _STANDARD))
    hash(extra)
    return extra


class _Configuration:
    """One environment's key part as a small number (hashing the whole configuration on each
    of a render's ~1,200 compile calls cost a fifth of what the memo saves). Recomputed when
    anything in it changes (copier adds ``to_json`` after building the environment)."""

    def __init__(self) -> None:
        self.filters: dict[str, Any] | None = None
        self.tests: dict[str, Any] | None = None
        self.state: tuple[Any, ...] | None = None
        self.token = 0

    def key(self, env: jinja2.Environment, name: str | None) -> tuple[Any, ...]:
        # What can change cheaply, compared by identity or value on every call.
        extensions = tuple(env.extensions.values())
        state = (
            _OPTIONS_OF(env),
            extensions,
            tuple(map(_PRIORITY_OF, extensions)),
            env.autoescape,
            env.finalize,
            tuple(vars(env).get(k) for k in ("code_generator_class", "intercepted_binops")),
            tuple(vars(env).get(k) for k in ("intercepted_unops", "sandboxed")),
            _extra(env),
        )
        if env.filters != self.filters or env.tests != self.tests or state != self.state:
            self.filters, self.tests, self.state = dict(env.filters), dict(env.tests), state
            self.token = _token(env)
        if callable(env.autoescape):
            return (self.token, env.autoescape(name))
        return (self.token,)


_TOKENS: OrderedDict[tuple[Any, ...], int] = OrderedDict()
_TOKENS_KEPT = 256  # configurations (a fresh one per render when a template's extension parses)


def _token(env: jinja2.Environment) -> int:
    """A number standing for what of ``env`` the compiler reads: equal configurations get the
    same number while it is kept; a forgotten one gets a new number (its entries age out)."""
    configuration = (
        type(env),
        env.code_generator_class,
        env.sandboxed,
        frozenset(getattr(env, "intercepted_binops", ())),
        frozenset(getattr(env, "intercepted_unops", ())),
        _OPTIONS_OF(env),
        tuple(_extension(ext) for ext in env.iter_extensions()),
        None if callable(env.autoescape) else env.autoescape,
        env.finalize,
        _calls(env.filters),
        _calls(env.tests),
        _extra(env),
    )
    with _LOCK:
        token = _TOKENS.pop(configuration, None)
        if token is None:
            token = next(_NUMBERS)
        _TOKENS[configuration] = token
        while len(_TOKENS) > _TOKENS_KEPT:
            _TOKENS.popitem(last=False)
    return token


def _recorded(functions: dict[str, Any], called: list[tuple[str, Any]]) -> dict[str, Any]:
    """``functions`` wrapped so a call is noted in ``called``; Jinja sees the same pass-arg."""

    def wrap(name: str, function: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            called.append((name, function))
            return function(*args, **kwargs)

        if hasattr(function, "jinja_pass_arg"):
            call.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
        return call

    return {name: wrap(name, function) for name, function in functions.items()}


def _relabel(code: CodeType, filename: str) -> CodeType:
    """``code`` as ``compile`` would have made it for ``filename`` (the name tracebacks and
    ``Template.filename`` show): the generated source never contains the file name."""
    consts = tuple(_relabel(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _guard_holds(guard: tuple[Any, ...], env: jinja2.Environment) -> bool:
    filters, tests = guard
    return all(env.filters.get(n) is f for n, f in filters) and all(
        env.tests.get(n) is f for n, f in tests
    )


def remember_compiles(env: jinja2.Environment) -> jinja2.Environment:
    """Give ``env`` the remembering ``compile``; an environment whose ``compile`` is not
    Jinja's, or whose signature is not the one read here, keeps its own."""
    original = type(env).compile
    # Jinja's own compile only: another memo underneath would hide the filters it folds.
    if (original.__module__, original.__qualname__) != _JINJAS or env.is_async:
        return env
    if list(inspect.signature(original).parameters) != _PARAMETERS:
        return env
    configuration = _Configuration()
    compile_once = _compile_once(env, original, configuration)
    env.compile = compile_once  # type: ignore[method-assign]
    env.overlay = _overlay_of(env)  # type: ignore[method-assign]
    return env


def _overlay_of(env: jinja2.Environment) -> Callable[..., jinja2.Environment]:
    """Jinja's ``overlay`` copies the environment's attributes, which would hand the overlay
    this environment's ``compile`` (and configuration): the overlay gets its own."""

    def overlay(*args: Any, **kwargs: Any) -> jinja2.Environment:
        made = type(env).overlay(env, *args, **kwargs)
        for attribute in ("compile", "overlay"):
            made.__dict__.pop(attribute, None)
        return remember_compiles(made)

    return overlay


def _compile_once(
    env: jinja2.Environment, original: Callable[..., Any], configuration: _Configuration
) -> Callable[..., Any]:
    def compile_once(
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str):  # an already parsed template: nothing to share
            return original(env, source, name, filename, raw, defer_init)
        try:
            key = (source, name, raw, defer_init, *configuration.key(env, name))
            hash(key)
        except TypeError:  # an unhashable part of the configuration: compile as Jinja would
            return original(env, source, name, filename, raw, defer_init)
        with _LOCK:
            found = _MEMO.get(key)
            if found is not None:
                _MEMO.move_to_end(key)
        if found is not None and _guard_holds(found[0], env):
            result = found[1]
            label = filename if filename is not None else "<template>"
            if isinstance(result, CodeType) and result.co_filename != label:
                result = _relabel(result, label)
            return result
        result, guard = _compile_recording(env, original, (source, name, filename, raw, defer_init))
        if guard is not None:
            with _LOCK:
                _MEMO[key] = (guard, result)
                while len(_MEMO) > _KEPT:
                    _MEMO.popitem(last=False)
        return result

    return compile_once


def _compile_recording(
    env: jinja2.Environment, original: Callable[..., Any], arguments: tuple[Any, ...]
) -> tuple[Any, tuple[Any, ...] | None]:
    """Compile, noting the filters and tests the optimizer called; the guard is None when the
    result must not be reused (a called function was handed the environment)."""
    filters, tests = env.filters, env.tests
    called_filters: list[tuple[str, Any]] = []
    called_tests: list[tuple[str, Any]] = []
    env.filters = _recorded(filters, called_filters)
    env.tests = _recorded(tests, called_tests)
    try:
        result = original(env, *arguments)
    finally:
        env.filters, env.tests = filters, tests
    called = called_filters + called_tests
    if any(_PassArg.from_obj(f) is not None for _, f in called):
        return result, None
    return result, (tuple(called_filters), tuple(called_tests))


def forget() -> None:
    """Drop every remembered compile, as a new process would start."""
    with _LOCK:
        _MEMO.clear()
        _TOKENS.clear()
