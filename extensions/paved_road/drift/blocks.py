"""Platform-managed blocks: named regions the platform owns inside a file the product owns.

A block sits between two marker lines in the file's own comment syntax::

    <!-- paved-road:begin agents -->        (Markdown, HTML)
    # paved-road:begin checks               (Makefile, YAML, TOML, shell)
    // paved-road:begin theme               (TypeScript, JSON with comments)
    ...
    <!-- paved-road:end agents -->

The policy names a file's blocks (``blocks: [agents]`` on a shared or seeded entry). The
block's lines, markers included, must be the template's; everything outside is the product's.
``copier update`` merges the file as a whole, so a block the template changed arrives like any
other template change, and the product's text around it is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER_RE = re.compile(
    r"^[ \t]*(?:<!--|#|//)[ \t]*paved-road:(?P<edge>begin|end)[ \t]+(?P<name>[A-Za-z0-9_.-]+)"
    r"[ \t]*(?:-->)?[ \t]*\r?$"
)


@dataclass(frozen=True)
class Block:
    name: str
    start: int  # 0-based line of the begin marker
    end: int  # 0-based line of the end marker
    text: str  # the begin marker, the body and the end marker, line endings as "\n"


def find_blocks(text: str) -> tuple[dict[str, Block], list[str]]:
    """The blocks of ``text`` by name, and what is wrong with its markers (one line each):
    an end without its begin, a begin without its end, a name used twice, blocks nested."""
    lines = text.replace("\r\n", "\n").split("\n")
    blocks: dict[str, Block] = {}
    problems: list[str] = []
    open_name: str | None = None
    open_at = 0
    twice: set[str] = set()
    for number, line in enumerate(lines):
        match = MARKER_RE.match(line)
        if match is None:
            continue
        name, edge = match["name"], match["edge"]
        if edge == "begin":
            if open_name is not None:
                problems.append(f"line {number + 1}: block {name} begins inside block {open_name}")
                continue
            open_name, open_at = name, number
        elif open_name != name:
            problems.append(f"line {number + 1}: end of block {name}, which is not open")
        else:
            if name in blocks or name in twice:
                problems.append(f"line {open_at + 1}: block {name} appears twice")
                twice.add(name)  # which copy is the platform's is anybody's guess
            else:
                body = "\n".join(lines[open_at : number + 1]) + "\n"
                blocks[name] = Block(name, open_at, number, body)
            open_name = None
    if open_name is not None:
        problems.append(f"line {open_at + 1}: block {open_name} has no end marker")
    return {name: block for name, block in blocks.items() if name not in twice}, problems


def outside(text: str, blocks: dict[str, Block]) -> str:
    """The product's own lines: everything but the blocks."""
    lines = text.replace("\r\n", "\n").split("\n")
    inside = {n for block in blocks.values() for n in range(block.start, block.end + 1)}
    return "\n".join(line for n, line in enumerate(lines) if n not in inside)


_RULE = re.compile(r"^([^\s:#=$][^:#=]*?)[ \t]*::?(?![=])")
_ASSIGN = re.compile(
    r"^(?:(?:export|override)[ \t]+)*([A-Za-z_.][A-Za-z0-9_.-]*)[ \t]*(?:::=|:=|\?=|\+=|!=|=)"
)


def make_definitions(text: str) -> set[str]:
    """What a Makefile text defines that make lets a later line replace: each target given a
    recipe (``target`` names) and each variable assigned (``$(NAME)``)."""
    found: set[str] = set()
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if line.startswith("\t"):
            continue
        if (assign := _ASSIGN.match(line)) is not None:
            found.add(f"$({assign[1]})")
        elif (rule := _RULE.match(line)) is not None:
            has_recipe = number + 1 < len(lines) and lines[number + 1].startswith("\t")
            if has_recipe or ";" in line:
                found.update(name for name in rule[1].split() if not name.startswith("."))
    return found


def redefined(text: str, blocks: dict[str, Block], block: Block) -> list[str]:
    """Targets and variables of a Makefile's ``block`` that lines outside every block define
    again: make keeps the last recipe and the last assignment, so they would change what the
    block's targets do without touching its lines."""
    return sorted(make_definitions(block.text) & make_definitions(outside(text, blocks)))
