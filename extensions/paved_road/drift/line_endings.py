"""Line endings and whitespace: what git's checkout does to a file is no change, what a person
does is, and a change only in whitespace must say so rather than show identical-looking lines.

With ``core.autocrlf=true`` git checks text files out with CRLF while the repository keeps
the template's LF: the working copy differs byte for byte, the product does not. So a file that
differs from the template only by CRLF counts as the template's when git stores exactly the
template's bytes for it and sees no change in the working copy.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Collection
from pathlib import Path

_GIT_ENV = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
_WHITESPACE = re.compile(rb"\s+")
_TRAILING = re.compile(r"[ \t]+(?=\r?\n?$)")


def only_line_endings(template: bytes, product: bytes) -> bool:
    return template != product and product.replace(b"\r\n", b"\n") == template.replace(
        b"\r\n", b"\n"
    )


def only_whitespace(template: bytes, product: bytes) -> bool:
    return template != product and _WHITESPACE.sub(b"", template) == _WHITESPACE.sub(b"", product)


def what_differs(template: bytes, product: bytes) -> str | None:
    """A phrase for a change invisible in a plain diff, or None for a visible one."""
    if only_line_endings(template, product):
        crlf = product.count(b"\r\n") > template.count(b"\r\n")
        return (
            "only in line endings (CRLF where the template has LF)"
            if crlf
            else "only in line endings (LF where the template has CRLF)"
        )
    if only_whitespace(template, product):
        return "only in whitespace (spaces, tabs or blank lines; shown as · → ␍ below)"
    return None


def visible(text: str) -> str:
    """Whitespace a diff would hide, made visible: trailing spaces ·, tabs →, carriage returns ␍."""
    lines = []
    for line in text.splitlines(keepends=True):
        body, end = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        body = _TRAILING.sub(lambda match: match.group().replace(" ", "·"), body)
        lines.append(body.replace("\t", "→").replace("\r", "␍") + end)
    return "".join(lines)


def checked_out_as_template(product: Path, render: Path, candidates: Collection[str]) -> set[str]:
    """Of ``candidates`` (files differing from the template only by CRLF), those git stores as
    the template's bytes and sees unchanged: its checkout made the difference, not a person."""
    if not candidates:
        return set()
    paths = sorted(candidates)
    staged = _git(product, "ls-files", "--stage", "-z", "--", *paths)
    changed = _git(product, "diff", "--name-only", "--relative", "-z", "--", *paths)
    # The template's bytes as git ids, in the product repository's own object format.
    ids = _git(
        product,
        "hash-object",
        "--no-filters",
        "--stdin-paths",
        stdin="".join(f"{render / path}\n" for path in paths).encode(),
    )
    if staged is None or changed is None or ids is None:
        return set()  # not a git working copy: nothing converted the file
    template_ids = dict(zip(paths, ids.decode().split(), strict=True))
    stored = {}
    for entry in staged.split(b"\0"):
        if entry:
            info, _, name = entry.partition(b"\t")
            stored[os.fsdecode(name)] = info.split()[1].decode()
    edited = {os.fsdecode(name) for name in changed.split(b"\0") if name}
    return {path for path in paths if path not in edited and stored.get(path) == template_ids[path]}


def _git(product: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    result = subprocess.run(
        ["git", *args], cwd=product, input=stdin, capture_output=True, env=_GIT_ENV, check=False
    )
    return result.stdout if result.returncode == 0 else None
