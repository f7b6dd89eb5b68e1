"""Bringing a render of the template into the product's scratch clone, file by file.

A file the product lacks is added. A file both have and that differs is merged with every
difference marked: there is no common ancestor to merge against (the product was never made
from the template), so each run of lines that differs becomes a conflict block, the product's
lines first, the road's second, and the lines both share stay as they are. The index records
both sides (stage 2: the product's file, stage 3: the road's), so ``git checkout --ours`` or
``--theirs`` takes one whole side and ``git status`` lists the file as unmerged until resolved.
Line lists (``.gitignore``) are the union of both. Nothing of the product's is deleted.
"""

from __future__ import annotations

import difflib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..drift.policy import Policy
from ..update.product import git

# Files whose lines are independent entries: both sides' lines are kept, no conflict.
UNION_FILES = frozenset({".gitignore", ".dockerignore", ".env.example"})
OURS, THEIRS = "yours", "the road's"


@dataclass
class Item:
    path: str
    action: str  # added, merged, conflict, same, kept
    why: str
    ownership: str  # guarded, shared, seeded, undeclared
    resolve: str | None = None  # conflicts: "road" or "yours"
    advice: str = ""  # conflicts: how to resolve it, in one line


def ownership(policy: Policy, path: str) -> str:
    owner = policy.owner(path)
    return owner[0] if owner is not None else "undeclared"


def _binary(data: bytes) -> bool:
    return b"\0" in data[:8192]


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="surrogateescape").splitlines(keepends=True)


def _ended(lines: list[str]) -> list[str]:
    return (
        [*lines[:-1], lines[-1] if lines[-1].endswith("\n") else lines[-1] + "\n"] if lines else []
    )


def marked(ours: bytes, theirs: bytes, label: str) -> bytes:
    """Both files in one, every run of differing lines a conflict block (yours, then the road's)."""
    a, b = _ended(_lines(ours)), _ended(_lines(theirs))
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    out: list[str] = []
    pending_a: list[str] = []
    pending_b: list[str] = []

    def flush() -> None:
        if pending_a or pending_b:
            out.extend([f"<<<<<<< {OURS}\n", *pending_a, "=======\n", *pending_b])
            out.append(f">>>>>>> {label}\n")
            pending_a.clear()
            pending_b.clear()

    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        inner = 0 < index < len(opcodes) - 1
        if tag == "equal" and not (inner and all(not line.strip() for line in a[i1:i2])):
            flush()
            out.extend(a[i1:i2])
        else:  # a difference, or blank lines between two differences: one block
            pending_a.extend(a[i1:i2])
            pending_b.extend(b[j1:j2])
    flush()
    return "".join(out).encode("utf-8", errors="surrogateescape")


def union(ours: bytes, theirs: bytes) -> bytes:
    """The product's lines, then the road's lines it does not have yet."""
    a = _ended(_lines(ours))
    have = {line.strip() for line in a}
    extra = [
        line for line in _ended(_lines(theirs)) if line.strip() not in have or not line.strip()
    ]
    if not extra:
        return "".join(a).encode("utf-8", errors="surrogateescape")
    joined = [*a, "\n", "# From the paved road\n", *extra] if a else extra
    return "".join(joined).encode("utf-8", errors="surrogateescape")


def _index_conflict(clone: Path, relative: str, road: Path) -> None:
    """Stage 2 = the product's committed file, stage 3 = the road's: unmerged, as git knows it."""
    staged = git(clone, "ls-files", "-s", "--", relative).split()
    road_sha = git(clone, "hash-object", "-w", "--", str(road)).strip()
    road_mode = "100755" if road.stat().st_mode & 0o111 else "100644"
    info = f"0 {'0' * 40}\t{relative}\n"
    if staged:
        info += f"{staged[0]} {staged[1]} 2\t{relative}\n"
    info += f"{road_mode} {road_sha} 3\t{relative}\n"
    subprocess.run(
        ["git", "update-index", "--index-info"],
        cwd=clone,
        input=info.encode(),
        capture_output=True,
        check=True,
    )


def bring_in(render: Path, product: Path, clone: Path, policy: Policy, label: str) -> list[Item]:
    """Write the road's files into ``product`` (a folder of the scratch ``clone``): the plan.

    Added and cleanly merged files are staged; conflicts are left unmerged in the index."""
    items: list[Item] = []
    prefix = product.relative_to(clone).as_posix()
    for source in sorted(p for p in render.rglob("*") if not p.is_dir()):
        path = source.relative_to(render).as_posix()
        owner = ownership(policy, path)
        target = product / path
        relative = f"{prefix}/{path}" if prefix != "." else path
        road = source.read_bytes()
        if not target.exists() and not target.is_symlink():
            blocked = next((p for p in target.parents if p.is_file() or p.is_symlink()), None)
            if blocked is not None and product in blocked.parents:
                why = (
                    f"{blocked.relative_to(product)} is a file of yours where the road has a folder"
                )
                items.append(Item(path, "kept", f"not added: {why}", owner))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(road)
            target.chmod(source.stat().st_mode & 0o777)
            git(clone, "add", "--", relative)
            items.append(Item(path, "added", f"you have none ({owner} file of the road)", owner))
            continue
        if target.is_dir() or target.is_symlink():
            kind = "a folder" if target.is_dir() else "a symbolic link"
            items.append(Item(path, "kept", f"not brought in: yours is {kind}", owner))
            continue
        ours = target.read_bytes()
        if ours == road:
            items.append(Item(path, "same", "already the road's version", owner))
        elif path in UNION_FILES and not _binary(ours) and not _binary(road):
            target.write_bytes(union(ours, road))
            git(clone, "add", "--", relative)
            items.append(
                Item(path, "merged", "a list of lines: yours kept, the road's added", owner)
            )
        else:
            if not (_binary(ours) or _binary(road)):
                target.write_bytes(marked(ours, road, label))
            _index_conflict(clone, relative, source)
            why = (
                "binary: yours kept in place" if _binary(ours) or _binary(road) else "both have it"
            )
            items.append(Item(path, "conflict", why, owner))
    return items
