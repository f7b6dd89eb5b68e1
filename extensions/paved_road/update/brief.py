"""The brief an update leaves beside its conflicts: ``.paved-road/update-brief.md``.

A person, or the coding assistant they pair with, resolves from it: every conflicted file with
the template's side and the product's side of the change, the release notes of every release
crossed, and the commands that prove a resolution. Both sides come from the index copier
leaves for each conflict (stage 1: the file as the old template rendered it, 2: the product's,
3: the new template's); a conflict without them (a ``.rej`` file, markers only) shows the file's
conflicted hunks. The file is untracked (the product's ``.gitignore`` lists it) and is removed
by the next update that leaves no conflicts.
"""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

from .changelog import between
from .outcome import Outcome
from .product import git

BRIEF_FILE = ".paved-road/update-brief.md"
MAX_DIFF_LINES = 300


def _stages(product: Path) -> dict[str, dict[str, str]]:
    """path -> {stage: blob} of the unmerged index entries."""
    found: dict[str, dict[str, str]] = {}
    for entry in filter(None, git(product, "ls-files", "-u", "-z").split("\0")):
        meta, path = entry.split("\t", 1)
        _mode, blob, stage = meta.split()
        found.setdefault(path, {})[stage] = blob
    return found


def _blob(product: Path, blob: str | None) -> str:
    if blob is None:
        return ""
    data = subprocess.run(
        ["git", "cat-file", "blob", blob], cwd=product, capture_output=True, check=True
    ).stdout
    return data.decode("utf-8", "replace")


def _diff(path: str, old: str, new: str, old_label: str, new_label: str) -> str:
    lines = list(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"{old_label}/{path}",
            tofile=f"{new_label}/{path}",
        )
    )
    if not lines:
        return "(no change)\n"
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _fence(text: str, language: str = "diff") -> str:
    return f"```{language}\n{text}```\n"


def _hunks(text: str) -> str:
    """The conflicted regions of a file with inline markers, with their line numbers."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("<<<<<<< "):
            inside = True
            out.append(f"line {number}:")
        if inside:
            out.append(line)
        if line.startswith(">>>>>>> "):
            inside = False
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n" if out else ""


def _file_section(product: Path, path: str, stages: dict[str, str], deleted: bool) -> str:
    parts = [f"### `{path}`\n"]
    if deleted:
        parts.append(
            "The template deleted this file; you had changed it, so your version is kept. "
            "`git rm` it to accept the deletion, or `git add` it to keep it.\n"
        )
    if stages:
        base = _blob(product, stages.get("1"))
        parts.append("The template's side (the old template's version -> the new template's):\n")
        parts.append(
            _fence(_diff(path, base, _blob(product, stages.get("3")), "old-template", "template"))
            if "3" in stages
            else "(deleted by the template)\n"
        )
        parts.append("Your side (the old template's version -> yours before the update):\n")
        parts.append(
            _fence(_diff(path, base, _blob(product, stages.get("2")), "old-template", "product"))
        )
    file = product / path
    text = file.read_text(encoding="utf-8", errors="replace") if file.is_file() else ""
    if path.endswith(".rej"):
        parts.append("The hunks the update could not apply (the file beside it has the rest):\n")
        parts.append(_fence(text))
    elif hunks := _hunks(text):
        parts.append(
            "The conflict in the file now (`before updating` is yours, `after updating` the "
            "template's):\n"
        )
        parts.append(_fence(hunks, "text"))
    elif not stages:
        parts.append("Unmerged: check the file, then `git add` it.\n")
    return "\n".join(parts)


def render_brief(product: Path, old: str, new: str, outcome: Outcome, changelog: str) -> str:
    """The brief's Markdown for the conflicts ``outcome`` lists."""
    stages = _stages(product)
    out = [
        f"# Template update {old} -> {new}: {len(outcome.conflicts)} conflict(s) to resolve\n",
        "Written by `paved-road update` beside the conflicts it left; untracked, and removed "
        "by the next update without conflicts. Resolve each file below, keeping both the "
        "template's change and yours where they do not contradict each other.\n",
        f"## Conflicted files ({len(outcome.conflicts)})\n",
        "".join(f"- `{path}`\n" for path in outcome.conflicts),
    ]
    for path in outcome.conflicts:
        out.append(
            _file_section(product, path, stages.get(path, {}), path in outcome.deleted_by_template)
        )
    sections = between(changelog, old, new)
    out.append("## Release notes crossed\n")
    out.append(
        "\n\n".join(section.text for section in sections) + "\n"
        if sections
        else "(none found in the template's CHANGELOG.md)\n"
    )
    out.append(
        "## Prove the resolution\n\n"
        "1. No conflict marker is left (`git diff --check`), no `*.rej` file remains, and each "
        "file is marked resolved with `git add` (`git status` lists none as unmerged).\n"
        "2. `make check`: lint, format, types, tests and migrations, as CI runs them.\n"
        "3. `make drift`: the product still matches the template's guarded files and blocks.\n"
        "4. Commit the update.\n"
    )
    return "\n".join(out)


def refresh(product: Path, old: str, new: str, outcome: Outcome, changelog: str) -> str | None:
    """Write the brief when conflicts remain (a line saying where), else remove an old one."""
    target = product / BRIEF_FILE
    if not outcome.conflicts:
        target.unlink(missing_ok=True)
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_brief(product, old, new, outcome, changelog), encoding="utf-8")
    return f"Brief for resolving them: {BRIEF_FILE} (untracked)"
