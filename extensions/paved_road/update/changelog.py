"""The template's CHANGELOG.md: the sections a product crosses when it updates.

Format (docs/releasing.md): one ``## Unreleased`` section on top, then ``## X.Y.Z (YYYY-MM-DD)``
per release, newest first. ``scripts/release`` moves Unreleased under the new version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

UNRELEASED = "Unreleased"
_HEADING = re.compile(r"^## +\[?(?P<name>[^\]\s(]+)\]?")
_DESCRIBE = re.compile(r"^(?P<tag>.+)-(?P<distance>\d+)-g(?P<sha>[0-9a-f]+)$")


@dataclass(frozen=True)
class Position:
    """Where a ``_commit`` sits: the release it is at or after, and how many commits after."""

    release: Version
    distance: int


def position(commit: str) -> Position | None:
    """``v0.1.0`` -> 0.1.0 (+0); ``v0.1.0-3-gabc1234`` (git describe) -> 0.1.0 (+3); else None."""
    distance = 0
    if match := _DESCRIBE.match(commit):
        commit, distance = match["tag"], int(match["distance"])
    try:
        return Position(Version(commit), distance)
    except InvalidVersion:
        return None


@dataclass(frozen=True)
class Section:
    name: str
    text: str

    @property
    def version(self) -> Version | None:
        try:
            return Version(self.name)
        except InvalidVersion:
            return None


def sections(changelog: str) -> list[Section]:
    found: list[Section] = []
    name: str | None = None
    lines: list[str] = []
    for line in changelog.splitlines():
        if match := _HEADING.match(line):
            if name is not None:
                found.append(Section(name, "\n".join(lines).strip()))
            name, lines = match["name"], [line]
        elif name is not None:
            lines.append(line)
    if name is not None:
        found.append(Section(name, "\n".join(lines).strip()))
    return found


def between(changelog: str, old: str, new: str) -> list[Section]:
    """Sections for releases after ``old`` up to ``new``, plus Unreleased when ``new`` is past
    its newest release. Unknown positions (a bare commit hash) select nothing."""
    start, end = position(old), position(new)
    if start is None or end is None:
        return []
    chosen = []
    for section in sections(changelog):
        version = section.version
        if section.name.lower() == UNRELEASED.lower():
            if end.distance > 0 and section.text.count("\n") > 0:
                chosen.append(section)
        elif version is not None:
            after_start = version > start.release
            up_to_end = version <= end.release
            if after_start and up_to_end:
                chosen.append(section)
    return chosen
