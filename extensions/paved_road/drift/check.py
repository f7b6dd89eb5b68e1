"""The drift check end to end: answers -> approved source? -> template reachability and tags
-> release? -> re-render -> policy -> comparison, conflicts and version lag -> waivers -> report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from .answers_file import read_answers
from .ci_job import ci_job_findings
from .codeowners import codeowners_findings
from .committed import committed_findings
from .compare import compare
from .conflicts import find_conflicts, is_git_worktree, product_files
from .effective import effective_findings, project_slug
from .errors import CannotCheck
from .fly_config import fly_findings
from .git_remote import remote_tags
from .gitlab_ci import gitlab_findings
from .grace import grace_finding, major_grace
from .history import history_findings
from .lookalikes import lookalike_findings
from .places import added_findings, forbidden_findings
from .policy import BehindLimits, WaiverRules, load_policy
from .product_file import reads_kept
from .provenance import ignored_answer_findings, release_finding, source_finding
from .rendering import render_as_asked, rendered_files
from .report import Finding, Kind, Report, Severity, Template
from .signatures import allowed_signers, message, verified
from .versions import Behind, behind, release_of, unknown_tag
from .waivers import WAIVERS_FILE, Waiver, WaiverState, WaiverStatus, load_waivers

# What a platform-approved waiver can cover; the provenance of the template, conflicts, the
# version lag and CODEOWNERS' platform lines cannot be waived.
WAIVABLE = {
    Kind.MODIFIED,
    Kind.MISSING,
    Kind.PART_MODIFIED,
    Kind.ADDED,
    Kind.FORBIDDEN,
    Kind.EFFECTIVE,
    Kind.BLOCK_MODIFIED,
    Kind.STALE_REFERENCE,
    Kind.PIPELINE,
}


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
    findings: list[Finding],
    waivers: list[Waiver],
    rules: WaiverRules,
    today: dt.date,
    unsigned: Callable[[Waiver], str | None] = lambda _: None,
) -> list[WaiverStatus]:
    """Soften what the waivers the policy accepts (and the platform signed) cover; a refused
    waiver covers nothing and is a violation itself (appended to ``findings``)."""
    refusals = [waiver.refusal(rules, today) or unsigned(waiver) for waiver in waivers]
    used: set[int] = set()
    for finding in list(findings):
        if finding.severity is not Severity.ERROR or finding.kind not in WAIVABLE:
            continue
        for index, waiver in enumerate(waivers):
            if refusals[index] is not None:
                continue
            if waiver.applies(today) and waiver.covers(finding.path, finding.part):
                finding.severity = Severity.WAIVED
                finding.waiver = (
                    f"{waiver.reason} (approved by {waiver.approved_by} on "
                    f"{waiver.approved_on}, until {waiver.expires.isoformat()})"
                )
                used.add(index)
                break
    findings += [
        Finding(
            kind=Kind.WAIVER_REFUSED,
            severity=Severity.ERROR,
            path=WAIVERS_FILE,
            message=f"the waiver for {waiver.path}{f' [{waiver.part}]' if waiver.part else ''} "
            f"does not count: {why}",
        )
        for waiver, why in zip(waivers, refusals, strict=True)
        if why is not None
    ]
    return [
        WaiverStatus(
            path=waiver.path,
            part=waiver.part,
            reason=waiver.reason,
            expires=waiver.expires,
            status=_status(index in used, waiver.applies(today), why),
            refused=why,
        )
        for index, (waiver, why) in enumerate(zip(waivers, refusals, strict=True))
    ]


def _status(used: bool, applies: bool, refused: str | None) -> WaiverState:
    if refused is not None:
        return "refused"
    if not applies:
        return "expired"
    return "active" if used else "unused"


@reads_kept()  # each product file read whole once, however many of its checks ask
def run_check(
    product: Path,
    *,
    today: dt.date | None = None,
    cache_dir: Path | None = None,
    approved_sources: Sequence[str] = (),
    trusted_because: str | None = None,
    local_run: bool = False,
    tags: dict[str, str] | None = None,
    snapshot: bool = False,
    releases_only: bool | None = None,
    waiver_signers: Sequence[Path] = (),
) -> Report:
    """Check one product. Never raises for a product it cannot check: that is an exit-2 report.

    ``approved_sources`` adds template sources to the package's approved ones (the guarded CI
    workflow passes the platform's). ``local_run`` (``paved-road drift`` and so ``make drift``
    outside CI) also checks against a template on this machine (a path or ``file://`` URL);
    ``trusted_because`` checks against whatever the product records, the reason said in the
    report's note (``--approve-recorded-source``, the update's ``--local-template``). A product
    from any other source is a violation and is never rendered.

    The fleet passes what it already knows: ``tags``, the template's tags it listed once for
    the whole run (and keyed the stored results by), and ``snapshot`` when ``product`` holds a
    commit's files without a git repository (its files are then found by walking it, even in a
    cache folder that lies inside some other repository).

    ``waiver_signers`` adds allowed-signers files to the platform keys the package ships: a
    waiver counts only with a signature by one of them.

    ``releases_only`` (default: unless the source is trusted as above, i.e. everywhere but a
    developer's own machine) refuses a ``_commit`` that is no release tag of the approved
    source before anything is fetched or rendered: rendering runs the template's extension
    code, and any commit a pull request makes reachable in the platform's repository is not
    the platform's.
    """
    product = product.resolve()
    findings: list[Finding] = []
    try:
        if not product.is_dir():
            raise CannotCheck("not a folder: name the product's folder")
        recorded = asked = read_answers(product)
        source = source_finding(recorded, approved_sources, trusted_because, local_run)
        findings += [source] if source is not None else []
        if source is not None and source.severity is Severity.ERROR:
            return _unapproved(product, recorded.src_path, recorded.commit, findings)
        tags = remote_tags(recorded.src_path) if tags is None else tags
        release = release_of(recorded.commit, tags)
        # Only a note gets here with a source finding: a source this run trusts.
        strict = source is None if releases_only is None else releases_only
        if strict and (unreleased := release_finding(release)) is not None:
            if unknown_tag(recorded.commit, tags):
                raise CannotCheck(
                    f"template commit {recorded.commit!r} does not exist in {recorded.src_path}"
                )
            return _unapproved(product, recorded.src_path, recorded.commit, [*findings, unreleased])
        recorded, rendered, ignored = render_as_asked(recorded, tags, cache_dir)
        findings += ignored_answer_findings(ignored)
        policy = load_policy(rendered, recorded.commit)
        waivers = load_waivers(product)
        effective = [
            *effective_findings(rendered, product, cache_dir),
            *fly_findings(rendered, product),
        ]
    except CannotCheck as error:
        return Report(product=str(product), status="error", exit_code=2, error=str(error))
    if (unreleased := release_finding(release)) is not None:
        findings.append(unreleased)
    template_files = rendered_files(rendered)
    git = not snapshot and is_git_worktree(product)
    files = product_files(product, git)
    if git:  # no silent way back: the newest release and the answers it ever recorded
        findings += history_findings(
            product, asked, release.tag, render=rendered, tags=tags, cache_dir=cache_dir
        )
    findings += compare(policy, rendered, product, template_files)
    # What the product added, which comparing the rendered files cannot see.
    rendered_set = set(template_files)
    findings += added_findings(policy, rendered_set, files)
    findings += forbidden_findings(policy, rendered_set, files, product)
    findings += lookalike_findings(policy, rendered_set, files)
    findings += find_conflicts(product, files, git)
    guarded = [path for path in template_files if policy.is_guarded(path)]
    if git:  # what git commits, where the working copy can differ (index modes, clean filters)
        findings += committed_findings(product, rendered, guarded)
    findings += codeowners_findings(rendered, product, guarded)
    findings += effective
    # The product's CI still runs drift first: GitHub's workflow, GitLab's pipeline.
    findings += ci_job_findings(rendered, product) + gitlab_findings(rendered, product, files)
    # A bare SHA of a release is that release: it never skips the lag check.
    today = today or dt.date.today()
    lag = behind(release.tag or recorded.commit, tags)
    grace = major_grace(recorded.src_path, release.tag or recorded.commit, tags, policy.behind)
    late = grace_finding(lag, policy.behind, grace, today) if grace else None
    if (late := late or behind_finding(lag, policy.behind)) is not None:
        findings.append(late)
    check_signature = signature_check(rendered, waiver_signers)
    statuses = apply_waivers(findings, waivers, policy.waivers, today, check_signature)
    failed = any(finding.severity is Severity.ERROR for finding in findings)
    return Report(
        product=str(product),
        status="violations" if failed else "ok",
        exit_code=1 if failed else 0,
        template=Template(src_path=recorded.src_path, commit=recorded.commit, versions=lag),
        sign_in="oidc" if recorded.answers.get("auth") == "oidc" else "none",
        findings=findings,
        waivers=statuses,
    )


def _unapproved(product: Path, src_path: str, commit: str, findings: list[Finding]) -> Report:
    """The report of a product from an unapproved source or commit: those findings alone,
    nothing rendered."""
    return Report(
        product=str(product),
        status="violations",
        exit_code=1,
        template=Template(src_path=src_path, commit=commit, versions=behind(commit, {})),
        findings=findings,
    )


def signature_check(render: Path, extra: Sequence[Path]) -> Callable[[Waiver], str | None]:
    """Why a waiver lacks the platform's signature (None when it has it), for this product."""
    product = project_slug(render) or "?"
    signers = allowed_signers(extra)

    def unsigned(waiver: Waiver) -> str | None:
        if waiver.signature is None:
            return "it is not signed by the platform: ask the platform team to sign it"
        if not verified(message(product, waiver), waiver.signature, signers):
            return (
                "its signature is not the platform's for this waiver and product "
                "(changed after signing, copied from another product, or an unknown key)"
            )
        return None

    return unsigned
