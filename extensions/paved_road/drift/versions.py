"""Which release a product's recorded ``_commit`` is, and how far behind the template's newest
release that is, from the PEP 440 tags of the approved template repository."""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel

# `git describe` output, as copier records an untagged commit: v1.1.0-3-gabc1234.
DESCRIBE_RE = re.compile(r"^(?P<tag>.+)-(?P<distance>\d+)-g(?P<sha>[0-9a-f]{4,40})$")
# What git would read as an abbreviated or full commit SHA.
SHA_RE = re.compile(r"^[0-9a-fA-F]{7,40}$")


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


@dataclass(frozen=True)
class Release:
    """The release a recorded ``_commit`` names (``tag``), or why it names none (``problem``)."""

    tag: str | None
    problem: str | None = None


def _is_release_tag(name: str) -> bool:
    # A tag spelled like a SHA is refused: git may read it as the commit it looks like, or the
    # commit it points at, so the name says nothing about what is rendered.
    return parse_tag(name) is not None and SHA_RE.match(name) is None


def release_of(commit: str, tags: dict[str, str]) -> Release:
    """What the template repository's tags make of ``_commit``: a release tag is itself; a bare
    SHA of a tagged release is that release (so the lag check still applies); anything else
    (an untagged SHA, ``git describe`` output, a branch, a non-version tag) is no release."""
    if commit in tags:
        if _is_release_tag(commit):
            return Release(tag=commit)
        return Release(
            tag=None,
            problem=f"tag {commit!r} is not a release tag (releases are version tags, v1.2.3)",
        )
    if (match := DESCRIBE_RE.match(commit)) is not None:
        return Release(
            tag=None,
            problem=f"{commit!r} is {match['distance']} commit(s) after {match['tag']}: "
            "an unreleased template commit",
        )
    if SHA_RE.match(commit):
        sha = commit.lower()
        named = [
            tag for tag, target in tags.items() if target.startswith(sha) and _is_release_tag(tag)
        ]
        if named:
            return Release(tag=max(named, key=lambda tag: parse_tag(tag) or Version("0")))
        return Release(tag=None, problem=f"commit {commit} is not a tagged release")
    return Release(tag=None, problem=f"{commit!r} is not a release tag (a branch?)")


def unknown_tag(commit: str, tags: dict[str, str]) -> bool:
    """A ``_commit`` spelled as a release tag that the repository does not have: nothing to
    check against (a typo, or a fork's release), rather than an unreleased commit."""
    return commit not in tags and _is_release_tag(commit) and DESCRIBE_RE.match(commit) is None
