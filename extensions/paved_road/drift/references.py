"""Managed blocks that cannot go stale: every ``make`` target and path a Markdown block names
must exist in the product.

Agent instructions (``AGENTS.md``) and the README's platform section tell people and coding
assistants which commands prove a change and where things go. A block naming a target the
Makefile lacks, or a folder that is gone, sends them astray, so drift fails on it, and the
template's own tests render every answer combination and check the same (a template change
that renames a target breaks the template's CI first).

What counts as a reference, in a block's Markdown:
- ``make TARGET`` in an inline code span, or at the start of a command in a fenced block;
- an inline code span that is a product-relative path: letters, digits, ``_ . - / *`` only,
  with a ``/`` or a file extension (``src/shop/models/``, ``pyproject.toml``); a glob
  (``deploy/base/**``) names the folder before its first wildcard.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from .blocks import find_blocks
from .policy import Policy, Seeded, Shared
from .product_file import read_product_file
from .report import Finding, Kind, Severity

MAKEFILE = "Makefile"
_CODE_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_MAKE_IN_SPAN = re.compile(r"^make ([A-Za-z0-9_.-]+)")
_MAKE_IN_FENCE = re.compile(r"(?:^|[;&|(]\s*)make ([A-Za-z0-9_.-]+)")
_PATH = re.compile(r"^[A-Za-z0-9_.*/-]+$")
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]*$")
_RULE = re.compile(r"^([^\s:#=$][^:#=]*?)[ \t]*::?(?![=])")


def makefile_targets(text: str) -> set[str]:
    """The targets a Makefile's rules define (``a b: deps`` defines both ``a`` and ``b``)."""
    targets: set[str] = set()
    for line in text.splitlines():
        if line.startswith("\t") or "$(" in line.split(":", 1)[0]:
            continue
        if (match := _RULE.match(line)) is not None:
            targets.update(name for name in match[1].split() if not name.startswith("."))
    return targets


def _is_path(token: str) -> bool:
    if not _PATH.match(token) or token.startswith(("-", "/")) or ".." in token:
        return False
    return "/" in token or _EXTENSION.search(token) is not None


def references(markdown: str) -> tuple[list[str], list[str]]:
    """The make targets and the paths a Markdown text names, in order, each once."""
    targets: list[str] = []
    paths: list[str] = []
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            targets += [match[1] for match in _MAKE_IN_FENCE.finditer(line.split("#", 1)[0])]
            continue
        for span in _CODE_SPAN.findall(line):
            if (match := _MAKE_IN_SPAN.match(span)) is not None:
                targets.append(match[1])
            elif _is_path(span):
                paths.append(span)
    return list(dict.fromkeys(targets)), list(dict.fromkeys(paths))


def _present(path: str, exists: Callable[[str], bool]) -> bool:
    fixed = re.split(r"[*?]", path, maxsplit=1)[0]
    if fixed != path:  # a glob: the folder it starts in
        fixed = fixed.rsplit("/", 1)[0] if "/" in fixed else ""
        return not fixed or exists(fixed)
    return exists(path.rstrip("/"))


def stale(markdown: str, targets: set[str], exists: Callable[[str], bool]) -> list[str]:
    """What a Markdown text names that is not there, one line each."""
    named_targets, named_paths = references(markdown)
    problems = [
        f"`make {target}`, but the Makefile has no target {target}"
        for target in named_targets
        if target not in targets
    ]
    problems += [
        f"`{path}`, which does not exist" for path in named_paths if not _present(path, exists)
    ]
    return problems


def reference_findings(policy: Policy, files: list[str], product: Path) -> list[Finding]:
    """Stale references in the managed blocks of the product's Markdown files."""
    makefile = read_product_file(product, MAKEFILE)
    targets = makefile_targets(makefile.decode("utf-8", "replace")) if makefile else set()
    findings = []
    for path in files:
        owner = policy.owner(path)
        if owner is None or not path.endswith(".md"):
            continue
        entry = owner[1]
        if not isinstance(entry, Shared | Seeded) or not entry.blocks:
            continue
        data = read_product_file(product, path)
        if data is None:
            continue
        blocks, _problems = find_blocks(data.decode("utf-8", "replace"))
        for name in entry.blocks:
            if name not in blocks:
                continue  # a missing block is its own finding (block-modified)
            for problem in stale(blocks[name].text, targets, lambda p: (product / p).exists()):
                findings.append(
                    Finding(
                        kind=Kind.STALE_REFERENCE,
                        severity=Severity.ERROR,
                        path=path,
                        part=name,
                        ownership=owner[0],
                        message=f"managed block {name} names {problem}: restore it from the "
                        "template (the block tells people and assistants to use it)",
                    )
                )
    return findings
