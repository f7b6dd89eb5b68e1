"""Comparing a product with its template re-render, file by file, as the policy says."""

from __future__ import annotations

import difflib
from pathlib import Path

from . import parts
from .answers_file import ANSWERS_FILE
from .blocks import Block, find_blocks, redefined
from .line_endings import checked_out_as_template, only_line_endings, visible, what_differs
from .policy import Guarded, Ownership, Policy, Seeded, Shared
from .product_file import read_product_file, symlinked
from .references import reference_findings
from .report import Finding, Kind, Severity

MAX_DIFF_LINES = 200
MAKEFILES = {"Makefile", "makefile", "GNUmakefile"}


def unified_diff(path: str, template: str, product: str) -> str:
    lines = list(
        difflib.unified_diff(
            template.splitlines(keepends=True),
            product.splitlines(keepends=True),
            fromfile=f"template/{path}",
            tofile=f"product/{path}",
        )
    )
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _file_diff(path: str, template: bytes, product: bytes) -> str | None:
    old, new = _text(template), _text(product)
    if old is None or new is None:
        return None
    if what_differs(template, product) is not None:  # else the diff's lines look identical
        old, new = visible(old), visible(new)
    return unified_diff(path, old, new)


def _part_findings(path: str, entry: Shared, template: bytes, product: bytes) -> list[Finding]:
    old_text, new_text = _text(template), _text(product)
    try:
        old = parts.parse(path, old_text or "")
    except ValueError:
        return []  # the template's own file does not parse: nothing to hold the product to
    try:
        new = parts.parse(path, new_text if new_text is not None else "\0")
    except ValueError as error:
        return [
            Finding(
                kind=Kind.PART_MODIFIED,
                severity=Severity.ERROR,
                path=path,
                part=part,
                ownership="shared",
                message=f"{error}, so its guarded part {part} cannot be checked: fix the syntax",
            )
            for part in entry.parts
        ]
    findings = []
    for part in entry.parts:
        expected, actual = parts.lookup(old, part), parts.lookup(new, part)
        if expected != actual:
            findings.append(
                Finding(
                    kind=Kind.PART_MODIFIED,
                    severity=Severity.ERROR,
                    path=path,
                    part=part,
                    ownership="shared",
                    message=f"guarded part {part} differs from the template: restore it",
                    diff=unified_diff(f"{path}#{part}", parts.show(expected), parts.show(actual)),
                )
            )
    return findings


def _block_findings(
    path: str, kind: Ownership, entry: Shared | Seeded, template: bytes, product: bytes
) -> list[Finding]:
    """A managed block must read as the template's, markers included; the rest of the file
    is the product's."""
    old_text, new_text = _text(template), _text(product)
    if old_text is None:
        return []
    expected, _ = find_blocks(old_text)
    actual, problems = find_blocks(new_text) if new_text is not None else ({}, [])
    findings = []
    for name in entry.blocks:
        if name not in expected:
            continue  # the template's own file lacks it: nothing to hold the product to
        found = actual.get(name)
        if found is not None and found.text == expected[name].text:
            findings += _redefinitions(path, kind, name, new_text or "", actual)
            continue
        if found is None:
            why = "; ".join(problems) or "its begin or end marker is gone"
            message = f"platform-managed block {name} is missing ({why}): restore it"
        else:
            message = (
                f"platform-managed block {name} differs from the template: restore it "
                "(your own text goes outside the block)"
            )
        findings.append(
            Finding(
                kind=Kind.BLOCK_MODIFIED,
                severity=Severity.ERROR,
                path=path,
                part=name,
                ownership=kind,
                message=message,
                diff=unified_diff(
                    f"{path}#{name}", expected[name].text, found.text if found else ""
                ),
            )
        )
    return findings


def _redefinitions(
    path: str, kind: Ownership, name: str, text: str, blocks: dict[str, Block]
) -> list[Finding]:
    """A Makefile block's targets and variables redefined outside it (make keeps the last)."""
    if path.rsplit("/", 1)[-1] not in MAKEFILES and not path.endswith(".mk"):
        return []
    return [
        Finding(
            kind=Kind.BLOCK_MODIFIED,
            severity=Severity.ERROR,
            path=path,
            part=name,
            ownership=kind,
            message=f"{what} of platform-managed block {name} is defined again outside it; make "
            "uses the last definition, so this changes the block: remove it, or use a name of "
            "your own",
        )
        for what in redefined(text, blocks, blocks[name])
    ]


def _missing(kind: Ownership, entry: Guarded | Shared | Seeded, path: str) -> list[Finding]:
    """A deleted file fails when guarded, when it holds guarded parts, or when required."""
    fails = (
        isinstance(entry, Guarded)
        or (isinstance(entry, Shared) and bool(entry.parts))
        or (isinstance(entry, Seeded) and entry.required)
    )
    if isinstance(entry, Seeded) and not fails:
        return []
    return [
        Finding(
            kind=Kind.MISSING,
            severity=Severity.ERROR if fails else Severity.INFO,
            path=path,
            ownership=kind,
            message=f"{kind} file deleted: restore it from the template"
            if fails
            else "shared file deleted (allowed)",
        )
    ]


def compare_file(
    policy: Policy, path: str, template: bytes, product: bytes | None
) -> list[Finding]:
    owner = policy.owner(path)
    if owner is None:
        return [
            Finding(
                kind=Kind.UNDECLARED,
                severity=Severity.INFO,
                path=path,
                message="rendered by the template but not in its ownership policy "
                "(a template bug: tell the platform team)",
            )
        ]
    kind, entry = owner
    if product is None:
        return _missing(kind, entry, path)
    if product == template:
        return []
    if isinstance(entry, Seeded):
        return _block_findings(path, kind, entry, template, product)
    if kind == "guarded":
        how = what_differs(template, product)
        return [
            Finding(
                kind=Kind.MODIFIED,
                severity=Severity.ERROR,
                path=path,
                ownership=kind,
                message=f"guarded file differs from the template {how}: restore it"
                if how
                else "guarded file differs from the template: restore it",
                diff=_file_diff(path, template, product),
            )
        ]
    assert isinstance(entry, Shared)
    findings = _part_findings(path, entry, template, product)
    findings += _block_findings(path, kind, entry, template, product)
    if not findings:
        findings.append(
            Finding(
                kind=Kind.SHARED_MODIFIED,
                severity=Severity.INFO,
                path=path,
                ownership=kind,
                message="shared file edited outside guarded parts (allowed)",
                diff=_file_diff(path, template, product),
            )
        )
    return findings


def _executable(path: Path) -> bool:
    return path.stat().st_mode & 0o111 != 0


def mode_findings(path: str, render: Path, root: Path, checked: dict[str, bool]) -> list[Finding]:
    """A guarded file must keep the template's executable bit (``deploy/release.sh``) and be a
    file, not a symlink (whose target the product controls) or reached through one."""
    template, product = render / path, root / path
    if symlinked(root, path, checked):
        why = "is a symlink (or inside a symlinked directory): make it a copy of the template's"
    elif (wanted := _executable(template)) != _executable(product):
        why = (
            f"lost its executable bit: `chmod +x {path}` (and `git add` it)"
            if wanted
            else f"is executable where the template's is not: `chmod -x {path}`"
        )
    else:
        return []
    return [
        Finding(
            kind=Kind.MODIFIED,
            severity=Severity.ERROR,
            path=path,
            ownership="guarded",
            message=f"guarded file {why}",
        )
    ]


def compare(policy: Policy, render: Path, product: Path, files: list[str]) -> list[Finding]:
    """Findings for every file the template renders (the answers file is input, not output)."""
    contents = {}
    checked: dict[str, bool] = {}
    for path in files:
        if path != ANSWERS_FILE:
            contents[path] = (
                (render / path).read_bytes(),
                read_product_file(product, path, checked),
            )
    # CRLF copies made by git's checkout (core.autocrlf) are the template's file.
    converted = checked_out_as_template(
        product,
        render,
        [
            path
            for path, (ours, theirs) in contents.items()
            if theirs and only_line_endings(ours, theirs)
        ],
    )
    findings = []
    for path, (template, mine) in contents.items():
        findings += compare_file(policy, path, template, template if path in converted else mine)
        if mine is not None and policy.is_guarded(path):
            findings += mode_findings(path, render, product, checked)
    return findings + reference_findings(policy, list(contents), product)
