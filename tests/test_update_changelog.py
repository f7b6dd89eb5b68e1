"""The changelog sections `paved-road update` prints, and where a `_commit` sits."""

from __future__ import annotations

from packaging.version import Version
from paved_road.update.changelog import between, position

CHANGELOG = """# Changelog

## Unreleased

### Fixed
- something after 0.2.0

## 0.2.0 (2026-12-01)

### Upgrade notes
- two

## 0.1.0 (2026-11-25)

- one
"""


def test_position_reads_tags_and_git_describe() -> None:
    assert position("v0.1.0") == position("0.1.0")
    described = position("v0.2.0-3-gabc1234")
    assert described is not None
    assert (described.release, described.distance) == (Version("0.2.0"), 3)
    assert position("abc1234def") is None


def test_sections_between_two_releases() -> None:
    assert [s.name for s in between(CHANGELOG, "v0.0.1", "v0.2.0")] == ["0.2.0", "0.1.0"]
    assert [s.name for s in between(CHANGELOG, "v0.1.0", "v0.2.0")] == ["0.2.0"]
    assert between(CHANGELOG, "v0.2.0", "v0.2.0") == []


def test_unreleased_only_past_the_newest_release() -> None:
    names = [s.name for s in between(CHANGELOG, "v0.1.0", "v0.2.0-2-gabc1234")]
    assert names == ["Unreleased", "0.2.0"]
    assert "something after 0.2.0" in between(CHANGELOG, "v0.2.0", "v0.2.0-1-gabc")[0].text


def test_unknown_versions_select_nothing() -> None:
    assert between(CHANGELOG, "deadbeef", "v0.2.0") == []
