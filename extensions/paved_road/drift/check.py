"""The drift check end to end: answers -> template reachability and tags -> re-render ->
policy -> comparison, conflicts and version lag -> waivers -> report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .answers_file import read_answers
from .compare import compare
from .conflicts import find_conflicts
from .errors import CannotCheck
from .git_remote import remote_tags
from .policy import BehindLimits, load_policy
from .render import render, rendered_files
from .report import Finding, Kind, Report, Severity, Template
from .versions import Behind, behind
from .waivers import Waiver, WaiverStatus, load_waivers

WAIVABLE = {Kind.MODIFIED, Kind.MISSING, Kind.PART_MODIFIED}


def behind_finding(lag: Behind, limits: BehindLimits) -> Finding | None:
    if lag.versions is None or lag.majors is None or lag.versions == 0:
        return None
    too_far = (limits.max_major is not None and lag.majors > limits.max_major) or (
        limits.max_minor is not None and lag.minors is not None and lag.minors > limits.max_minor
    )
    allowed = f"max_major {limits.max_major}, max_minor {limits.max_minor}"
    return Finding(
        kind=Kind.BEHIND,
        severity=Severity.ERROR if too_far else Severity.INFO,
        path=None,
        message=(
            f"template {lag.current} is {lag.versions} release(s) behind {lag.latest} "
            f"({lag.majors} major, {lag.minors if lag.minors is not None else '-'} minor; "
            f"policy allows {allowed})"
            + (": run `paved-road update` (or `copier update`)" if too_far else "")
        ),
    )


def apply_waivers(
    findings: list[Finding], waivers: list[Waiver], today: dt.date
) -> list[WaiverStatus]:
    used: set[int] = set()
    for finding in findings:
        if finding.severity is not Severity.ERROR or finding.kind not in WAIVABLE:
            continue
        for index, waiver in enumerate(waivers):
            if waiver.applies(today) and waiver.covers(finding.path, finding.part):
                finding.severity = Severity.WAIVED
                finding.waiver = f"{waiver.reason} (until {waiver.expires.isoformat()})"
                used.add(index)
                break
    return [
        WaiverStatus(
            path=waiver.path,
            part=waiver.part,
            reason=waiver.reason,
            expires=waiver.expires,
            status="expired"
            if not waiver.applies(today)
            else ("active" if index in used else "unused"),
        )
        for index, waiver in enumerate(waivers)
    ]


def run_check(
    product: Path, *, today: dt.date | None = None, cache_dir: Path | None = None
) -> Report:
    """Check one product. Never raises for a product it cannot check: that is an exit-2 report."""
    product = product.resolve()
    try:
        if not product.is_dir():
            raise CannotCheck(f"{product} is not a directory")
        recorded = read_answers(product)
        tags = remote_tags(recorded.src_path)
        rendered = render(recorded, tags, cache_dir)
        policy = load_policy(rendered, recorded.commit)
        waivers = load_waivers(product)
    except CannotCheck as error:
        return Report(product=str(product), status="error", exit_code=2, error=str(error))
    findings = compare(policy, rendered, product, rendered_files(rendered))
    findings += find_conflicts(product)
    lag = behind(recorded.commit, tags)
    if (late := behind_finding(lag, policy.behind)) is not None:
        findings.append(late)
    statuses = apply_waivers(findings, waivers, today or dt.date.today())
    failed = any(finding.severity is Severity.ERROR for finding in findings)
    return Report(
        product=str(product),
        status="violations" if failed else "ok",
        exit_code=1 if failed else 0,
        template=Template(src_path=recorded.src_path, commit=recorded.commit, versions=lag),
        findings=findings,
        waivers=statuses,
    )
