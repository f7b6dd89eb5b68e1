"""Reading a small YAML file a person may have broken, with the line of what is wrong.

``yaml.safe_load`` raises ``ValueError`` for an impossible date (``2026-02-30``) and
``UnicodeDecodeError`` for a file that is not UTF-8, neither saying where. Here every such
problem is a ``FileProblem`` whose text is one line: the file, the line, what is wrong.

It is also bounded, because the file may come from anyone: at most ``MAX_BYTES`` read, at most
``MAX_DEPTH`` levels of nesting, and at most ``MAX_VALUES`` values once aliases are expanded
(a "billion laughs" file of a few hundred bytes expands to 10^9 values, and anything that
walks the loaded data, a validator, a diff or a dump, never finishes). This module is the one
place the platform reads YAML a person wrote: answers files, data files, waivers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # PyYAML without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class FileProblem(ValueError):
    """A file that cannot be used: ``str()`` is ``<name>[ line N]: <what is wrong>``."""

    def __init__(self, name: str, problem: str, line: int | None = None) -> None:
        self.name, self.problem, self.line = name, problem, line
        where = f"{name} line {line}" if line is not None else name
        super().__init__(f"{where}: {problem}")


MAX_BYTES = 1024 * 1024
MAX_DEPTH = 100
MAX_VALUES = 100_000


class _ImpossibleValue(ConstructorError):
    """A value YAML reads as a type it cannot be (a date that does not exist)."""


class _Loader(_BaseLoader):
    """The safe loader, with a date that does not exist reported at its node."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            raise _ImpossibleValue(
                None, None, f"{node.value} is not a real date", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileProblem(name, "is not UTF-8 text: save it as UTF-8", line) from None


def _check_bounds(root: yaml.Node, name: str) -> None:
    """Refuse a document nested deeper than MAX_DEPTH or holding more than MAX_VALUES values
    with its aliases expanded. Each node's expanded size is computed once (aliases share
    nodes), so the check is linear in the file, not in its expansion."""
    sizes: dict[int, int] = {}
    # (node, depth, children done): an explicit stack, as deep nesting would exhaust Python's.
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        if id(node) in sizes:
            continue
        if depth > MAX_DEPTH:
            raise FileProblem(
                name, f"nests deeper than {MAX_DEPTH} levels", node.start_mark.line + 1
            )
        children = _children(node)
        if done:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > MAX_VALUES:
                raise FileProblem(
                    name,
                    f"expands to over {MAX_VALUES} values through aliases (*name)",
                    node.start_mark.line + 1,
                )
            continue
        if any(child is node for child in children):
            raise FileProblem(name, "refers to itself through an alias", node.start_mark.line + 1)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def parse(data: bytes, name: str) -> Any:
    """The YAML document in ``data``; ``FileProblem`` naming ``name`` when it is not one."""
    if len(data) > MAX_BYTES:
        raise FileProblem(name, f"is larger than {MAX_BYTES // 1024} KiB: is it the right file?")
    text = _text(data, name)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_bounds(node, name)
        return loader.construct_document(node)
    except RecursionError:
        raise FileProblem(name, f"nests deeper than {MAX_DEPTH} levels") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise FileProblem(name, _said(error), mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as error:  # a character YAML refuses anywhere
        line = text[: error.position].count("\n") + 1
        code = f"U+{error.character:04X}" if isinstance(error.character, int) else "a character"
        raise FileProblem(name, f"{code} is not allowed in YAML: remove it", line) from None
    except yaml.YAMLError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "a YAML error"
        raise FileProblem(name, f"does not parse as YAML: {first[:60]}") from None
    finally:
        loader.dispose()


# The parser's words, made shorter and plainer: the line number already says where.
_PLAINER = (
    ("did not find expected", "expected"),
    ("could not find expected", "expected"),
    ("found unexpected end of stream", "it ends too early"),
    ("found undefined alias", "an undefined alias (*name)"),
)


def _said(error: yaml.MarkedYAMLError) -> str:
    """The parser's problem in a few words, with what to do (its context, "while scanning a
    plain scalar", is jargon: the line number says where)."""
    problem = " ".join((error.problem or error.context or "").split())
    if isinstance(error, _ImpossibleValue):
        return problem
    if "unhashable key" in problem:
        return "a key is a list or a mapping: use a name"
    if "cannot start any token" in problem:
        return "quote values that start with @, ` or %"
    if "tag" in problem and "constructor" in problem:
        return "a tag (!...) is not allowed: remove it"
    if "mapping values are not allowed" in problem:
        return "a value holding ': ' needs quotes"
    for jargon, plain in _PLAINER:
        problem = problem.replace(jargon, plain)
    cut = f"{problem[:27]}..." if len(problem) > 30 else problem
    return f"does not parse as YAML: {cut}"


def load(path: Path, name: str) -> Any:
    """The YAML document of the file at ``path``, reported as ``name``."""
    try:
        if path.is_dir():
            raise FileProblem(name, "is a directory, not a file")
        if path.exists() and not path.is_file():  # /dev/zero would never finish reading
            raise FileProblem(name, "is a device or a pipe: make it a file")
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)  # enough to know it is too large
    except OSError as error:
        raise FileProblem(name, f"cannot be read: {error.strerror}") from None
    return parse(data, name)


def line_of(data: bytes, keys: tuple[str | int, ...]) -> int | None:
    """The line of the node at the key path ``keys`` (e.g. a validation error's ``loc``), or
    of its deepest ancestor that exists; None when the document has no such line."""
    try:
        node = yaml.compose(data.decode("utf-8"), Loader=_Loader)
    except (UnicodeDecodeError, yaml.YAMLError):
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            found = [value for name, value in node.value if name.value == str(key)]
            node = found[0] if found else None
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            node = node.value[key] if 0 <= key < len(node.value) else None
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def typed_texts(data: bytes) -> dict[str, str]:
    """A mapping document's top-level plain values as typed (``yes``, ``3.10``), by key: what
    a message quotes instead of what YAML made of them (``True``, ``3.1``). Call it on data
    :func:`parse` accepted."""
    text = data.decode("utf-8")
    node = yaml.compose(text, Loader=_Loader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    texts: dict[str, str] = {}
    for key, value in node.value:  # a key given twice: YAML keeps the last, so does this
        texts.pop(str(key.value), None)
        if not isinstance(key, yaml.ScalarNode):
            continue
        if isinstance(value, yaml.ScalarNode) and value.value:
            texts[str(key.value)] = value.value
        elif getattr(value, "flow_style", False) and value.start_mark.line == value.end_mark.line:
            # a one-line list or mapping, [a, b] or {a: 1}
            texts[str(key.value)] = text[value.start_mark.index : value.end_mark.index]
    return texts
