"""Where a product's template comes from, decided by the platform and never by the product:
an approved template source, at a release tag, with the answers the template asks for.

The product writes ``.copier-answers.yml``, so every value in it is a claim to check: the source
against the approved ones (before anything is fetched or rendered: rendering runs the source's
extensions), the commit against the source's release tags, the answers against the questions
the template records (platform constants such as ``platform_team`` are the template's).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..template_source import APPROVED_SOURCES, is_approved, is_local
from .answers_file import ANSWERS_FILE, Recorded
from .report import Finding, Kind, Severity
from .versions import Release

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
