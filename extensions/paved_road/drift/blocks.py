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
            if name in blocks:
                problems.append(f"line {open_at + 1}: block {name} appears twice")
            else:
                body = "\n".join(lines[open_at : number + 1]) + "\n"
                blocks[name] = Block(name, open_at, number, body)
            open_name = None
    if open_name is not None:
        problems.append(f"line {open_at + 1}: block {open_name} has no end marker")
    return blocks, problems


def outside(text: str, blocks: dict[str, Block]) -> str:
    """The product's own lines: everything but the blocks."""
    lines = text.replace("\r\n", "\n").split("\n")
    inside = {n for block in blocks.values() for n in range(block.start, block.end + 1)}
    return "\n".join(line for n, line in enumerate(lines) if n not in inside)
