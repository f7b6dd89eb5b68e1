"""The drift report: pydantic models, the source of the JSON output and its schema.

The schema is versioned: ``schema_version`` is "1" and stays so while changes only add
optional fields. Regenerate the committed schema with ``python -m paved_road.drift.schema``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .kinds import Kind, Severity
from .versions import Behind
from .waivers import WaiverStatus

SCHEMA_VERSION = "1"


class Finding(BaseModel):
    model_config = ConfigDict(use_enum_values=False)

    kind: Kind
    severity: Severity
    path: str | None = Field(description="Product-relative POSIX path; None for `behind`.")
    part: str | None = Field(
        default=None,
        description="Dotted key path of a guarded part, or the name of a managed block.",
    )
    line: int | None = Field(default=None, description="1-based line, where one applies.")
    ownership: Literal["guarded", "shared", "seeded"] | None = None
    message: str
    diff: str | None = Field(default=None, description="Unified diff, template -> product.")
    waiver: str | None = Field(default=None, description="Reason of the waiver that covers it.")


class Template(BaseModel):
    src_path: str
    commit: str
    versions: Behind


class Report(BaseModel):
    schema_version: Literal["1"] = SCHEMA_VERSION
    product: str
    status: Literal["ok", "violations", "error"]
    exit_code: Literal[0, 1, 2]
    error: str | None = Field(default=None, description="Why the check could not run (exit 2).")
    template: Template | None = None
    sign_in: Literal["oidc", "none"] | None = Field(
        default=None,
        description="How people sign in (the `auth` answer): `none` runs without sign-in, as "
        "does a product made before the question existed.",
    )
    findings: list[Finding] = Field(default_factory=list)
    waivers: list[WaiverStatus] = Field(default_factory=list)
    # Who, what and when: `fleet collect` trusts a report only for the product, commit and day
    # it was made for (a report filed under another product, or weeks old, says so).
    repository: str | None = Field(
        default=None,
        description="The product's repository: CI's (GITHUB_REPOSITORY, CI_PROJECT_PATH) or "
        "git's origin URL.",
    )
    commit: str | None = Field(default=None, description="The product commit checked.")
    checked_at: dt.datetime | None = Field(default=None, description="When the check ran (UTC).")
    owner: str | None = Field(
        default=None,
        description="The owning team: catalog-info.yaml spec.owner, else the owner_team answer.",
    )

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity is Severity.ERROR]
