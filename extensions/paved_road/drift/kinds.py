"""What a finding is and how much it weighs: the report's two enumerations.

Apart from the report's pydantic models (``report``) so that what only needs these names, such
as the output formats that ``paved-road drift`` lists among its arguments, imports no pydantic.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    MODIFIED = "modified"
    MISSING = "missing"
    PART_MODIFIED = "part-modified"
    SHARED_MODIFIED = "shared-modified"
    UNDECLARED = "undeclared"
    CONFLICT_MARKER = "conflict-marker"
    REJECT_FILE = "reject-file"
    UNMERGED = "unmerged"
    BEHIND = "behind"
    UNAPPROVED_SOURCE = "unapproved-source"
    UNRELEASED_COMMIT = "unreleased-commit"
    IGNORED_ANSWER = "ignored-answer"
    ADDED = "added"
    FORBIDDEN = "forbidden"
    WAIVER_REFUSED = "waiver-refused"
    CODEOWNERS = "codeowners"
    EFFECTIVE = "effective"  # a built overlay breaks the base's security settings
    BLOCK_MODIFIED = "block-modified"  # a platform-managed block edited, moved or removed
    STALE_REFERENCE = "stale-reference"  # a managed block names a make target or path not there
    ROLLBACK = "rollback"  # an older release than the product recorded before
    ANSWER_CHANGED = "answer-changed"  # an answer edited by hand, or one that lost guarded files
    CI_DRIFT_JOB = "ci-drift-job"  # the product's CI no longer runs the drift job as shipped
    PIPELINE = "pipeline"  # a GitLab pipeline file runs something before or instead of drift


class Severity(StrEnum):
    ERROR = "error"  # fails the check
    WAIVED = "waived"  # would fail; an active waiver covers it
    INFO = "info"  # reported, never fails
