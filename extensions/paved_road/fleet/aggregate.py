"""From one drift report per product to the fleet report: counts, adoption, lag, guardrails."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from packaging.version import InvalidVersion, Version

from ..drift.report import Kind, Report, Severity
from .report import (
    SOON_DAYS,
    Count,
    FleetReport,
    GuardrailResult,
    ProductResult,
    RefusedReport,
    Summary,
    WaiverResult,
)

# A guardrail is a path the product must not change: every failing or waived finding on a path
# counts (an added `pull_request_target` workflow, a privileged container, a `ruff.toml`), except
# the kinds that are about the product's history or release rather than one of its files.
NOT_GUARDRAILS = {Kind.BEHIND, Kind.UNAPPROVED_SOURCE, Kind.UNRELEASED_COMMIT, Kind.ROLLBACK}
UNKNOWN = "unknown"
IN_FORCE = {"active", "expired"}  # refused and unused waivers never expire into a violation
ROADLESS = "not on the paved road"
ROADLESS_ERROR = (
    "not on the paved road: no .copier-answers.yml (bring it on with `paved-road adopt`, "
    "or `paved-road fleet adopt`)"
)


def product_result(
    *,
    name: str,
    repo: str,
    report: Report,
    source: str,
    team: str | None = None,
    tier: str | None = None,
    entity: str | None = None,
    commit: str | None = None,
) -> ProductResult:
    """One row of the fleet: the drift report summarised, the report kept for the drill-down."""
    counts = Counter(finding.severity for finding in report.findings)
    violations = Counter(str(f.kind) for f in report.findings if f.severity is Severity.ERROR)
    lag = report.template.versions if report.template is not None else None
    return ProductResult(
        name=name,
        repo=repo,
        team=team or report.owner,  # the fleet file overrides the product's own owner
        tier=tier,
        entity=entity,
        commit=commit or report.commit,
        checked_at=report.checked_at,
        source=source,  # type: ignore[arg-type]
        status=report.status,
        error=report.error,
        release=lag.current if lag is not None else None,
        latest=lag.latest if lag is not None else None,
        behind=lag.versions if lag is not None else None,
        violations=dict(sorted(violations.items())),
        waived=counts[Severity.WAIVED],
        notes=counts[Severity.INFO],
        sign_in=report.sign_in,
        drift=report,
    )


def error_result(
    name: str, repo: str, error: str, source: str = "checked", **extra: str | None
) -> ProductResult:
    """A product that could not be checked at all (unreachable, not a product, ...)."""
    report = Report(product=repo, status="error", exit_code=2, error=error)
    return product_result(name=name, repo=repo, report=report, source=source, **extra)


def roadless_result(name: str, repo: str, **extra: str | None) -> ProductResult:
    """A product whose repository has no answers file: not made from the template (yet)."""
    row = error_result(name, repo, ROADLESS_ERROR, **extra)
    row.status = "roadless"
    return row


def _version_key(label: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(label))
    except InvalidVersion:
        return (0, label)


def release_label(release: str | None) -> str:
    """A release as people read it: a commit between releases (``1.1.0.post3.dev0+abc``, or
    ``0.post1...`` before the first) is no release of its own."""
    if release is None:
        return UNKNOWN
    try:
        version = Version(release)
    except InvalidVersion:
        return release
    if not (version.is_postrelease or version.is_devrelease or version.local):
        return release
    return (
        "unreleased commit"
        if version.base_version == "0"
        else (f"unreleased, after {version.base_version}")
    )


def _adoption(products: list[ProductResult]) -> list[Count]:
    counts = Counter(
        ROADLESS if p.status == "roadless" else release_label(p.release)
        for p in products
        if p.status != "error"
    )
    ordered = sorted(counts, key=_version_key, reverse=True)
    return [Count(label=label, products=counts[label]) for label in ordered]


def _lag(products: list[ProductResult]) -> list[Count]:
    counts = Counter(
        str(p.behind) if p.behind is not None else UNKNOWN
        for p in products
        if p.status not in {"error", "roadless"}
    )
    numbers = sorted(int(label) for label in counts if label != UNKNOWN)
    ordered = [str(n) for n in range(numbers[-1] + 1)] if numbers else []
    if UNKNOWN in counts:
        ordered.append(UNKNOWN)
    return [Count(label=label, products=counts.get(label, 0)) for label in ordered]


def _guardrails(products: list[ProductResult]) -> list[GuardrailResult]:
    violated: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    waived: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    kinds: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    for product in products:
        for finding in product.drift.findings if product.drift else []:
            if finding.kind in NOT_GUARDRAILS or finding.path is None:
                continue
            if finding.severity is Severity.INFO:
                continue
            key = (finding.path, finding.part)
            kinds[key].add(str(finding.kind))
            if finding.severity is Severity.ERROR:
                violated[key].add(product.name)
            elif finding.severity is Severity.WAIVED:
                waived[key].add(product.name)
    keys = sorted(
        set(violated) | set(waived),
        key=lambda key: (-len(violated[key]), -len(waived[key]), key[0], key[1] or ""),
    )
    return [
        GuardrailResult(
            path=path,
            part=part,
            kinds=sorted(kinds[(path, part)]),
            violated_by=sorted(violated[(path, part)]),
            waived_by=sorted(waived[(path, part)]),
        )
        for path, part in keys
    ]


def _waivers(products: list[ProductResult], today: dt.date) -> list[WaiverResult]:
    found = [
        WaiverResult(
            product=product.name,
            path=waiver.path,
            part=waiver.part,
            reason=waiver.reason,
            expires=waiver.expires,
            status=waiver.status,
            refused=waiver.refused,
            days_left=(waiver.expires - today).days,
        )
        for product in products
        for waiver in (product.drift.waivers if product.drift else [])
    ]
    return sorted(found, key=lambda w: (w.expires, w.product, w.path, w.part or ""))


def build_report(
    products: list[ProductResult],
    *,
    fleet: str | None,
    today: dt.date,
    refused: list[RefusedReport] | None = None,
) -> FleetReport:
    products = sorted(products, key=lambda p: p.name)
    status = Counter(p.status for p in products)
    waivers = _waivers(products, today)
    failing = status["violations"] + status["error"] + status["roadless"]
    return FleetReport(
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        today=today,
        fleet=fleet,
        summary=Summary(
            products=len(products),
            ok=status["ok"],
            violations=status["violations"],
            errors=status["error"],
            roadless=status["roadless"],
            behind=sum(1 for p in products if p.behind),
            waivers_expiring_soon=sum(
                1 for w in waivers if w.days_left <= SOON_DAYS and w.status in IN_FORCE
            ),
            exit_code=1 if failing else 0,
        ),
        adoption=_adoption(products),
        lag=_lag(products),
        products=products,
        guardrails=_guardrails(products),
        waivers=waivers,
        refused_reports=refused or [],
    )
