"""How far behind the template's newest release a product is, from PEP 440 tags."""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel

# `git describe` output, as copier records an untagged commit: v1.1.0-3-gabc1234.
DESCRIBE_RE = re.compile(r"^(?P<tag>.+)-(?P<distance>\d+)-g(?P<sha>[0-9a-f]{4,40})$")


class Behind(BaseModel):
    """The product's template version against the newest release (None: not versioned)."""

    current: str | None
    latest: str | None
    versions: int | None
    majors: int | None
    minors: int | None


def parse_tag(tag: str) -> Version | None:
    try:
        return Version(tag)
    except InvalidVersion:
        return None


def commit_version(commit: str) -> Version | None:
    """The version of a recorded ``_commit``: a tag, or a describe string read as copier does
    (``v1.1.0-3-gabc1234`` is ``1.1.0.post3.dev0+abc1234``); a bare commit has none."""
    match = DESCRIBE_RE.match(commit)
    if match is None:
        return parse_tag(commit)
    base = parse_tag(match["tag"])
    if base is None:
        return None
    return Version(f"{base.base_version}.post{match['distance']}.dev0+{match['sha']}")


def releases(tags: dict[str, str]) -> list[Version]:
    versions = {version for tag in tags if (version := parse_tag(tag)) is not None}
    return sorted(version for version in versions if not version.is_prerelease)


def behind(commit: str, tags: dict[str, str]) -> Behind:
    current = commit_version(commit)
    known = releases(tags)
    latest = known[-1] if known else None
    if current is None or latest is None:
        return Behind(
            current=str(current) if current else None,
            latest=str(latest) if latest else None,
            versions=None,
            majors=None,
            minors=None,
        )
    newer = [version for version in known if version > current]
    majors = max(latest.major - current.major, 0)
    minors = max(latest.minor - current.minor, 0) if majors == 0 else None
    return Behind(
        current=str(current),
        latest=str(latest),
        versions=len(newer),
        majors=majors,
        minors=minors,
    )
