"""The fleet report: pydantic models, the source of the JSON output and of its schema.

Three views of the same drift reports: per product (with the full drift report for the
drill-down), per guardrail (a guarded path or part, with the products that break it) and per
waiver (with the days left). ``schema_version`` stays "1" while changes only add optional
fields; regenerate the committed schema with ``python -m paved_road.fleet.schema``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr

from ..drift.report import Report

SCHEMA_VERSION = "1"
SOON_DAYS = 30  # a waiver that expires within this many days is "expiring soon"


class UpdateRequest(BaseModel):
    """The pull or merge request of the product's update to the newest release, read back."""

    url: str
    branch: str
    state: Literal["open", "merged", "closed"]
    draft: bool = False
    ci: Literal["success", "failure", "pending"] | None = Field(
        default=None, description="The checks of its head commit (None: none reported)."
    )


class ProductResult(BaseModel):
    name: str
    repo: str = Field(description="As the fleet file gives it (or the report file collected).")
    team: str | None = None
    tier: str | None = None
    entity: str | None = Field(
        default=None, description="Backstage entity ref, from the product's catalog-info.yaml."
    )
    commit: str | None = Field(default=None, description="The product commit checked.")
    checked_at: dt.datetime | None = Field(default=None, description="When it was checked (UTC).")
    source: Literal["checked", "cached", "collected"]
    status: Literal["ok", "violations", "error", "roadless"] = Field(
        description="roadless: no .copier-answers.yml, not on the paved road (`paved-road adopt`)."
    )
    error: str | None = Field(default=None, description="Why it could not be checked.")
    release: str | None = Field(default=None, description="Template version the product is on.")
    latest: str | None = Field(default=None, description="Newest template release.")
    behind: int | None = Field(default=None, description="Releases behind the newest.")
    violations: dict[str, int] = Field(
        default_factory=dict, description="Failing findings by kind (modified, behind, ...)."
    )
    waived: int = 0
    notes: int = 0
    sign_in: Literal["oidc", "none"] | None = Field(
        default=None, description="`none`: the product runs without sign-in (auth=none)."
    )
    update_request: UpdateRequest | None = Field(
        default=None,
        description="With a forge token: the update's pull or merge request and its state.",
    )
    level: str | None = Field(
        default=None, description="The highest level of the campaigns file it reaches."
    )
    drift_report: str | None = Field(
        default=None,
        description="The drift report file this row was read from (`collect`) or written to "
        "(`check --drift-dir`), relative to the file that names it, when it is in that "
        "file's folder: a link.",
    )
    drift: Report | None = Field(default=None, description="The product's full drift report.")
    # Where that file is; each output links to it from where the output is written.
    _drift_file: Path | None = PrivateAttr(default=None)

    def link_drift_report(self, path: Path) -> None:
        self._drift_file = path.absolute()

    def drift_report_from(self, folder: Path) -> str | None:
        """The link from an output written in ``folder``: only to a report inside it, so that
        publishing the folder publishes what it links to (a job summary gets no link)."""
        if self._drift_file is None:
            return None
        relative = Path(os.path.relpath(self._drift_file, folder.absolute()))
        return None if relative.parts[:1] == ("..",) else relative.as_posix()


class GuardrailResult(BaseModel):
    """A guarded path (or part of a shared file) and the products that differ from it."""

    path: str
    part: str | None = None
    kinds: list[str] = Field(
        default_factory=list,
        description="What the products did to it: modified, missing, added, forbidden, ...",
    )
    violated_by: list[str] = Field(description="Products failing on it.")
    waived_by: list[str] = Field(description="Products differing under an active waiver.")


class WaiverResult(BaseModel):
    product: str
    path: str
    part: str | None = None
    reason: str
    expires: dt.date
    status: Literal["active", "expired", "unused", "refused"]
    refused: str | None = Field(default=None, description="Why drift refuses the waiver.")
    days_left: int = Field(description="Days until it expires (negative: expired).")


class RefusedReport(BaseModel):
    """A file ``fleet collect`` did not take as a product's report, and why."""

    file: str = Field(description="Relative to the collected folder.")
    reason: str


class Moved(BaseModel):
    product: str
    before: str
    now: str


class Changes(BaseModel):
    """What changed since the previous run of the history file."""

    since: dt.datetime = Field(description="When the previous run was.")
    newly_failing: list[Moved] = Field(description="In policy then, failing now.")
    fixed: list[Moved] = Field(description="Failing then, in policy now.")
    adopted: list[Moved] = Field(description="On another release than then (before -> now).")
    added: list[str] = Field(description="Products new to the fleet.")
    removed: list[str] = Field(description="Products gone from the fleet.")


class CampaignResult(BaseModel):
    id: str
    title: str
    target: str = Field(description="The target, in words.")
    start: dt.date
    deadline: dt.date
    days_left: int = Field(description="Until the deadline (negative: past it).")
    products: int = Field(description="Products in its scope.")
    done: int = Field(description="Of those, the ones that meet the target.")
    on_track: bool = Field(
        description="Done, or at least as far as a straight burndown to the deadline."
    )
    missing: dict[str, list[str]] = Field(description="Per owner: the products not done yet.")


class LevelCount(BaseModel):
    team: str
    levels: dict[str, int] = Field(description="Products per level reached ('none': no level).")


class TrendPoint(BaseModel):
    at: dt.datetime
    products: int
    in_policy: int
    campaigns_left: dict[str, int] = Field(
        default_factory=dict, description="Per campaign: products not done yet (the burndown)."
    )
    team_in_policy: dict[str, int] = Field(description="Per team: percent of its products.")
    guardrail_violations: dict[str, int] = Field(description="Per path: products breaking it.")


class Count(BaseModel):
    label: str
    products: int


class Summary(BaseModel):
    products: int
    ok: int
    violations: int
    errors: int
    roadless: int = Field(
        default=0, description="Products not on the paved road (no answers file)."
    )
    behind: int = Field(description="Products on an older release than the newest.")
    waivers_expiring_soon: int = Field(
        description=f"In force or expired, and within {SOON_DAYS} days of expiring (or past)."
    )
    exit_code: Literal[0, 1]


class FleetReport(BaseModel):
    schema_version: Literal["1"] = SCHEMA_VERSION
    generated_at: dt.datetime
    today: dt.date = Field(description="The date waivers were judged against.")
    fleet: str | None = Field(description="The fleet file, or the folder of collected reports.")
    summary: Summary
    adoption: list[Count] = Field(description="Products per template release, newest first.")
    lag: list[Count] = Field(description="Products per number of releases behind.")
    products: list[ProductResult]
    guardrails: list[GuardrailResult] = Field(description="Most violated first.")
    waivers: list[WaiverResult] = Field(description="Soonest to expire first.")
    campaigns: list[CampaignResult] = Field(
        default_factory=list, description="With --campaigns: each campaign's state."
    )
    levels: list[LevelCount] = Field(
        default_factory=list, description="With --campaigns: the levels reached, per team."
    )
    changes: Changes | None = Field(
        default=None, description="Since the previous run (with --history and a previous run)."
    )
    trend: list[TrendPoint] = Field(
        default_factory=list, description="The history's latest runs, oldest first, this one last."
    )
    refused_reports: list[RefusedReport] = Field(
        default_factory=list,
        description="Collected files that are not this fleet's reports (foreign), with why.",
    )
