"""Where a product's template comes from, decided by the platform and never by the product:
an approved template source, at a release tag, with the answers the template asks for.

The product writes ``.copier-answers.yml``, so every value in it is a claim to check: the source
against the approved ones (before anything is fetched or rendered: rendering runs the source's
extensions), the commit against the source's release tags, the answers against the questions
the template records (platform constants such as ``platform_team`` are the template's).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from pathlib import Path

import yaml

from ..platform import PLATFORM_CONSTANTS
from ..template_source import APPROVED_SOURCES, is_approved, is_local
from .answers_file import ANSWERS_FILE, Recorded
from .render import render
from .report import Finding, Kind, Severity
from .versions import Release

# Values the platform sets for every product (``paved_road.platform``): never taken from a
# product's answers file, even where an older template version still declares them as
# (computed) questions.
CONSTANT_KEYS = frozenset(PLATFORM_CONSTANTS)


LOCAL_RUN = "it is a template on this machine and this is a local run (`CI` is not set)"


def source_finding(
    recorded: Recorded, approved: Sequence[str], trusted_because: str | None, local_run: bool
) -> Finding | None:
    """A failure when the recorded source is not approved; a note, saying why, when this run
    checks against it anyway: a local run and a template on this machine (``local_run``, the
    same for ``paved-road drift`` and ``make drift``), or the caller's reason
    (``trusted_because``: the option the user gave)."""
    if is_approved(recorded.src_path, approved):
        return None
    why = LOCAL_RUN if local_run and is_local(recorded.src_path) else trusted_because
    if why is not None:
        return Finding(
            kind=Kind.UNAPPROVED_SOURCE,
            severity=Severity.INFO,
            path=ANSWERS_FILE,
            message=f"template source {recorded.src_path} is not the platform's; checked "
            f"against it because {why}. CI accepts only the platform's sources",
        )
    known = ", ".join([*APPROVED_SOURCES, *approved])
    return Finding(
        kind=Kind.UNAPPROVED_SOURCE,
        severity=Severity.ERROR,
        path=ANSWERS_FILE,
        message=f"template source {recorded.src_path} is not an approved paved-road template "
        f"(approved: {known}); nothing was rendered or compared: the product must be made "
        "from the platform's template (restore _src_path, or `paved-road update` from it)",
    )


def release_finding(release: Release) -> Finding | None:
    if release.problem is None:
        return None
    return Finding(
        kind=Kind.UNRELEASED_COMMIT,
        severity=Severity.ERROR,
        path=ANSWERS_FILE,
        message=f"_commit {release.problem}; products must be on a template release: "
        "update to one (`paved-road update`)",
    )


def render_as_asked(
    recorded: Recorded, tags: dict[str, str], cache_dir: Path | None
) -> tuple[Recorded, Path, list[Finding]]:
    """The re-render with only the answers the template asks for. Platform constants never
    reach it; other answers the render does not record (set by hand) mean a second render
    without them, so no hand-set value shapes what the product is compared with."""
    ignored = CONSTANT_KEYS & recorded.answers.keys()
    recorded = _without(recorded, ignored)
    rendered = render(recorded, tags, cache_dir)
    if extra := unasked(recorded, rendered):
        ignored |= extra
        recorded = _without(recorded, extra)
        rendered = render(recorded, tags, cache_dir)
    return recorded, rendered, ignored_answer_findings(ignored)


def _without(recorded: Recorded, keys: frozenset[str]) -> Recorded:
    if not keys:
        return recorded
    answers = {key: value for key, value in recorded.answers.items() if key not in keys}
    return dataclasses.replace(recorded, answers=answers)


def unasked(recorded: Recorded, render: Path) -> frozenset[str]:
    """Answers of the product that the template's re-render does not record: not questions of
    that template version (copier records every question it asked), so set by hand."""
    asked = recorded_keys(render)
    if asked is None:  # a template that records no answers: nothing to go by
        return frozenset()
    return frozenset(key for key in recorded.answers if key not in asked)


@functools.lru_cache(maxsize=64)  # a render never changes; a fleet asks once per product
def recorded_keys(render: Path) -> frozenset[str] | None:
    path = render / ANSWERS_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return frozenset(data) if isinstance(data, dict) else None


def ignored_answer_findings(keys: frozenset[str]) -> list[Finding]:
    """A note per ignored key: the product's answers file claims something drift did not use."""
    return [
        Finding(
            kind=Kind.IGNORED_ANSWER,
            severity=Severity.INFO,
            path=ANSWERS_FILE,
            message=f"{key!r} is not a question of the template (a platform constant, or an "
            "edit by hand): ignored; drift renders with the template's own value",
        )
        for key in sorted(keys)
    ]
