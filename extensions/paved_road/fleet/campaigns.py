"""Campaigns and levels: the platform's file of what every product must reach, and by when.

```yaml
campaigns:
  - id: release-1-4
    title: Everyone on 1.4
    target: {release: ">=1.4.0"}            # or in_policy: true, no_finding: {kind, path},
                                            # no_waiver: {path}
    scope: {teams: [payments], tiers: ["1"], products: [shop]}   # optional; all by default
    start: 2026-10-01
    deadline: 2026-12-31
levels:                                     # lowest first; a level needs every lower one
  - {name: bronze, require: [{in_policy: true}]}
  - {name: silver, require: [{release: ">=1.3.0"}, {no_waiver: {}}]}
```

A product is "done" with a campaign when its target holds; out of scope, it is not counted.
Mistakes are one line with the file and line (exit 2), like the fleet file's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .fleet_file import load_yaml_model
from .report import CampaignResult, FleetReport, LevelCount, ProductResult


class FindingTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str | None = None
    path: str | None = None


class Target(BaseModel):
    """One condition; every field given must hold."""

    model_config = ConfigDict(extra="forbid")
    release: str | None = Field(default=None, description='A version specifier: ">=1.4.0".')
    in_policy: bool | None = None
    no_finding: FindingTarget | None = None
    no_waiver: FindingTarget | None = None

    @field_validator("release")
    @classmethod
    def _specifier(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                SpecifierSet(value)
            except InvalidSpecifier:
                raise ValueError(f"{value!r} is no version specifier, e.g. '>=1.4.0'") from None
        return value

    def holds(self, product: ProductResult) -> bool:
        if product.status in {"error", "roadless"}:
            return False  # unknown is not done
        drift = product.drift
        checks = [
            self.in_policy is None or (product.status == "ok") == self.in_policy,
            self.release is None or _release_in(product.release, self.release),
            self.no_finding is None
            or not any(
                _matches(self.no_finding, str(f.kind), f.path)
                for f in (drift.errors if drift else [])
            ),
            self.no_waiver is None
            or not any(
                w.status == "active" and _matches(self.no_waiver, None, w.path)
                for w in (drift.waivers if drift else [])
            ),
        ]
        return all(checks)

    def describe(self) -> str:
        parts = []
        if self.release:
            parts.append(f"release {self.release}")
        if self.in_policy is not None:
            parts.append("in policy" if self.in_policy else "not in policy")
        if self.no_finding:
            kind, path = self.no_finding.kind or "failing", self.no_finding.path or "any file"
            parts.append(f"no {kind} finding on {path}")
        if self.no_waiver:
            parts.append(f"no waiver on {self.no_waiver.path or 'any file'}")
        return ", ".join(parts) or "anything"


def _release_in(release: str | None, specifier: str) -> bool:
    try:
        return Version(release or "") in SpecifierSet(specifier)
    except InvalidVersion:
        return False


def _matches(target: FindingTarget, kind: str | None, path: str | None) -> bool:
    return (target.kind is None or target.kind == kind) and (
        target.path is None or target.path == path
    )


class Scope(BaseModel):
    model_config = ConfigDict(extra="forbid")
    teams: list[str] = Field(default_factory=list)
    tiers: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)

    def covers(self, product: ProductResult) -> bool:
        return (
            (not self.teams or product.team in self.teams)
            and (not self.tiers or product.tier in self.tiers)
            and (not self.products or product.name in self.products)
        )


class Campaign(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title: str
    target: Target
    scope: Scope = Field(default_factory=Scope)
    start: dt.date
    deadline: dt.date


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    require: list[Target] = Field(min_length=1)


class CampaignsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    campaigns: list[Campaign] = Field(default_factory=list)
    levels: list[Level] = Field(default_factory=list)


def load_campaigns(path: Path) -> CampaignsFile:
    plan, _ = load_yaml_model(
        path,
        CampaignsFile,
        "campaigns file",
        "see docs/fleet.md, Campaigns",
        lambda loc: ".".join(str(key) for key in loc) or "top level",
    )
    return plan


def level_of(product: ProductResult, levels: list[Level]) -> str | None:
    """The highest level whose rules, and every lower level's, the product meets."""
    reached = None
    for level in levels:
        if not all(target.holds(product) for target in level.require):
            break
        reached = level.name
    return reached


def apply(report: FleetReport, plan: CampaignsFile) -> FleetReport:
    """The report with each product's level, the levels per team, and each campaign's state."""
    per_team: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if plan.levels:
        for product in report.products:
            product.level = level_of(product, plan.levels)
            per_team[product.team or "(no owner)"][product.level or "none"] += 1
    report.levels = [
        LevelCount(team=team, levels=dict(sorted(counts.items())))
        for team, counts in sorted(per_team.items())
    ]
    report.campaigns = []
    for campaign in plan.campaigns:
        scoped = [p for p in report.products if campaign.scope.covers(p)]
        missing: dict[str, list[str]] = defaultdict(list)
        for product in scoped:
            if not campaign.target.holds(product):
                missing[product.team or "(no owner)"].append(product.name)
        left = sum(len(names) for names in missing.values())
        report.campaigns.append(
            CampaignResult(
                id=campaign.id,
                title=campaign.title,
                target=campaign.target.describe(),
                start=campaign.start,
                deadline=campaign.deadline,
                days_left=(campaign.deadline - report.today).days,
                products=len(scoped),
                done=len(scoped) - left,
                on_track=_on_track(campaign, report.today, len(scoped), left),
                missing=dict(sorted(missing.items())),
            )
        )
    return report


def _on_track(campaign: Campaign, today: dt.date, scoped: int, left: int) -> bool:
    """Burning down at least as fast as a straight line from the start to the deadline."""
    if left == 0:
        return True
    if today >= campaign.deadline:
        return False
    span = max((campaign.deadline - campaign.start).days, 1)
    elapsed = min(max((today - campaign.start).days, 0), span)
    allowed = scoped * (1 - elapsed / span)
    return left <= allowed
