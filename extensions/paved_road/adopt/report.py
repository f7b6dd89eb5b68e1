"""The adoption report: the plan (added, merged, conflicting, each with why), the overlaps, the
drift verdict once the conflicts are resolved as advised, and what the road cannot take over.
Printed, and written as Markdown for the pull request."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..drift.report import Finding, Kind, Report, Severity
from .merge import Item
from .overlaps import Overlap

# What fixing a kind of finding unblocks, most first: a second container build or CI keeps
# the road's from being the one that runs; guarded files make CI and review trustworthy.
_ORDER = (
    (Kind.UNMERGED, "resolve: nothing else counts until the conflicts are gone"),
    (Kind.CONFLICT_MARKER, "resolve: nothing else counts until the conflicts are gone"),
    (Kind.REJECT_FILE, "resolve: nothing else counts until the conflicts are gone"),
    (Kind.CODEOWNERS, "the platform's review of its files"),
    (Kind.FORBIDDEN, "one container build, one CI, one lint config: the road's"),
    (Kind.ADDED, "only the road's workflows run with the repository's secrets"),
    (Kind.MISSING, "a guarded file the product must have"),
    (Kind.MODIFIED, "the platform's guarded file, as released"),
    (Kind.PART_MODIFIED, "the guarded settings of a shared file"),
    (Kind.EFFECTIVE, "the deployed security settings"),
)
_RANK = {kind: (rank, why) for rank, (kind, why) in enumerate(_ORDER)}


@dataclass
class Adoption:
    product: str
    template: str
    release: str
    answers: dict[str, str]
    sources: dict[str, str]  # answer -> where it came from ("asked or default" when not inferred)
    notes: list[str]
    items: list[Item]
    overlaps: list[Overlap]
    limits: list[str]
    drift: Report | None = None  # the check of the product as it is once resolved as advised
    pretend: bool = False

    def of(self, action: str) -> list[Item]:
        return [item for item in self.items if item.action == action]


def ordered(findings: list[Finding]) -> list[tuple[Finding, str]]:
    """Failing findings, those whose fix unblocks the most first (then the busiest files)."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    per_path = Counter(f.path for f in errors)
    last = (len(_ORDER), "the rest of the policy")
    keyed = sorted(
        errors,
        key=lambda f: (_RANK.get(f.kind, last)[0], -per_path[f.path], f.path or "", f.part or ""),
    )
    return [(f, _RANK.get(f.kind, last)[1]) for f in keyed]


def _verdict(report: Report | None) -> str:
    if report is None:
        return "not checked"
    if report.error is not None:
        return f"cannot check: {report.error}"
    left = len(report.errors)
    return "in policy" if left == 0 else f"{left} finding(s) left to reach in policy"


def text(adoption: Adoption) -> str:
    head = "Plan (nothing written: --pretend)" if adoption.pretend else "Adopted"
    out = [f"{head}: {adoption.product} onto {adoption.template} at {adoption.release}", "Answers:"]
    out += [
        f"  {name}: {value}  ({adoption.sources[name]})" for name, value in adoption.answers.items()
    ]
    out += [f"  note: {note}" for note in adoption.notes]
    for action, label in (("added", "Added"), ("merged", "Merged"), ("conflict", "CONFLICTS")):
        chosen = adoption.of(action)
        out.append(f"{label} ({len(chosen)}):")
        for item in chosen:
            out.append(f"  {item.path}  ({item.why})")
            if item.advice:
                out.append(f"      -> {item.advice}")
    if kept := adoption.of("kept"):
        out.append(f"Not brought in ({len(kept)}):")
        out += [f"  {item.path}  ({item.why})" for item in kept]
    out.append(f"Overlaps with the road ({len(adoption.overlaps)}):")
    for overlap in adoption.overlaps:
        out.append(f"  {overlap.piece}: yours {overlap.yours} -> the road's {overlap.road}")
        out.append(f"      -> {overlap.action}")
    out.append(f"Drift once the conflicts are resolved as advised: {_verdict(adoption.drift)}")
    for number, (finding, why) in enumerate(
        ordered(adoption.drift.findings if adoption.drift else []), 1
    ):
        where = (finding.path or "(template version)") + (
            f" [{finding.part}]" if finding.part else ""
        )
        out.append(f"  {number}. {finding.kind} {where}: {finding.message}  (unblocks: {why})")
    out.append("What the road cannot take over automatically:")
    out += [f"  - {line}" for line in adoption.limits] or ["  - nothing found"]
    return "\n".join(out) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(adoption: Adoption) -> str:
    out = [
        f"## Adopting {adoption.product} onto the paved road",
        "",
        f"Template `{adoption.template}` at **{adoption.release}** (`paved-road adopt`).",
        "",
        "### Answers",
        "",
        "| Question | Answer | From |",
        "|---|---|---|",
        *(
            f"| {name} | `{_cell(str(value))}` | {_cell(adoption.sources[name])} |"
            for name, value in adoption.answers.items()
        ),
        *(f"\n> {_cell(note)}" for note in adoption.notes),
        "",
        "### What came in",
        "",
    ]
    for action, label in (("added", "Added"), ("merged", "Merged")):
        chosen = adoption.of(action)
        out.append(f"<details><summary>{label}: {len(chosen)} file(s)</summary>\n")
        out += [f"- `{item.path}` ({_cell(item.why)})" for item in chosen]
        out += ["", "</details>", ""]
    conflicts = adoption.of("conflict")
    out += [f"### Conflicts: {len(conflicts)}", ""]
    if conflicts:
        out += ["| File | Owner | Resolve |", "|---|---|---|"]
        out += [f"| `{c.path}` | {c.ownership} | {_cell(c.advice)} |" for c in conflicts]
        out.append("")
    out += ["### Overlaps with the road", ""]
    if adoption.overlaps:
        out += ["| Piece | Yours | The road's | What to do |", "|---|---|---|---|"]
        out += [
            f"| {o.piece} | `{_cell(o.yours)}` | {_cell(o.road)} | {_cell(o.action)} |"
            for o in adoption.overlaps
        ]
    else:
        out.append("None found.")
    out += ["", f"### Drift: {_verdict(adoption.drift)}", ""]
    out.append("Once the conflicts are resolved as advised, in the order that unblocks the most:")
    out.append("")
    for number, (finding, why) in enumerate(
        ordered(adoption.drift.findings if adoption.drift else []), 1
    ):
        where = (finding.path or "(template version)") + (
            f" [{finding.part}]" if finding.part else ""
        )
        out.append(
            f"{number}. **{finding.kind}** `{_cell(where)}`: {_cell(finding.message)} "
            f"(unblocks: {why})"
        )
    out += ["", "### What the road cannot take over automatically", ""]
    out += [f"- {_cell(line)}" for line in adoption.limits] or ["- Nothing found."]
    return "\n".join(out) + "\n"
