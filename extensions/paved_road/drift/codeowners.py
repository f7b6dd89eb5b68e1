"""CODEOWNERS keeps the platform team's review of the paved road's own files.

The generated CODEOWNERS gives ``/.paved-road/`` (policy, drift runner, waivers),
``/.copier-answers.yml`` (which template and version) and the CI files to the platform
team. A waiver can cover an edit of the guarded file, so this check, which no waiver covers,
asks what the forge would ask: who owns each of those paths, by the last matching rule of the
CODEOWNERS file the forge reads, and is it still whom the template says?

GitLab's CODEOWNERS has sections (``[Platform][1] @group``): the last matching rule of each
section applies, every section's owners must approve, ``[1]`` is how many approvals the section
needs and ``^[...]`` makes it optional. An owner here is therefore named with its section and
what that section requires, so making the platform's section optional is a lost owner too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .policy import glob_regex
from .product_file import read_product_file
from .report import Finding, Kind, Severity

# Where each forge looks, in order; the first file found is the only one it reads. The
# template's own file says which forge the product is on.
GITHUB_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
GITLAB_LOCATIONS = ("CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
TEMPLATE_LOCATIONS = {
    ".github/CODEOWNERS": GITHUB_LOCATIONS,
    ".gitlab/CODEOWNERS": GITLAB_LOCATIONS,
}
# A GitLab section header: `[Name]`, `[Name][2]` (approvals), `^[Name]` (optional), then
# the section's default owners.
_SECTION = re.compile(
    r"^(?P<optional>\^)?\[(?P<name>[^\]]+)\](?:\[(?P<approvals>\d+)\])?(?P<owners>.*)$"
)
# Paths whose owners must stay the template's, beside every guarded file the template renders
# (the workflow and the waiver that do not exist yet included).
PROBES = (
    ".paved-road/waivers.yml",
    ".paved-road/policy.yml",
    ".copier-answers.yml",
    ".github/CODEOWNERS",
    ".github/workflows/ci.yml",
    ".github/workflows/a-new-workflow.yml",
    ".gitlab-ci.yml",
    ".gitlab/CODEOWNERS",
    ".gitlab/ci/a-new-include.yml",
)
MAX_LISTED = 5

Rule = tuple[re.Pattern[str], bool, bool, frozenset[str]]  # regex, anchored, dir-only, owners


def parse_rules(text: str) -> list[Rule]:
    rules = []
    section, defaults = "", []  # GitLab: the section an owner counts in, its default owners
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if (header := _SECTION.match(line)) is not None:
            section = "{}[{}][{}] ".format(
                "^" if header["optional"] else "",
                header["name"].lower(),
                header["approvals"] or "1",
            )
            defaults = _owners(header["owners"].split())
            continue
        pattern, *rest = line.split()
        owners = [f"{section}{owner}" for owner in (_owners(rest) or defaults)]
        pattern = pattern.replace("\\#", "#")
        anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
        dir_only = pattern.endswith("/")
        rules.append((_regex(pattern.strip("/")), anchored, dir_only, frozenset(owners)))
    return rules


def _owners(tokens: list[str]) -> list[str]:
    owners = []
    for token in tokens:
        if token.startswith("#"):  # a trailing comment
            break
        owners.append(token.lower())
    return owners


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return glob_regex(pattern)


def owners_of(rules: list[Rule], path: str) -> frozenset[str]:
    """The owners of ``path``: those of the last rule that matches it (gitignore-style: a rule
    matching a directory matches everything in it), or nobody; on GitLab, of the last matching
    rule of each section."""
    segments = path.split("/")
    found: dict[str, frozenset[str]] = {}
    for regex, anchored, dir_only, owners in rules:
        # The path itself and each directory above it; a directory-only rule skips the file.
        ends = range(1, len(segments)) if dir_only else range(1, len(segments) + 1)
        starts = range(1) if anchored else range(len(segments))
        if any(
            regex.match("/".join(segments[start:end]))
            for end in ends
            for start in starts
            if start < end
        ):
            found[_section_of(owners)] = owners
    return frozenset().union(*found.values())


def _section_of(owners: frozenset[str]) -> str:
    return next(iter(owners)).rpartition(" ")[0] if owners else ""


def codeowners_findings(render: Path, product: Path, guarded: list[str]) -> list[Finding]:
    ours = next((name for name in TEMPLATE_LOCATIONS if (render / name).is_file()), None)
    if ours is None:
        return []  # this template version ships no CODEOWNERS: nothing to keep
    expected_bytes = (render / ours).read_bytes()
    found = ((name, read_product_file(product, name)) for name in TEMPLATE_LOCATIONS[ours])
    where, actual_bytes = next(((n, data) for n, data in found if data is not None), ("", b""))
    if not where:
        return [_finding(ours, "the product has no CODEOWNERS file", ours)]
    if actual_bytes == expected_bytes:
        return []  # the template's own rules: every path keeps its owners
    expected = parse_rules(expected_bytes.decode("utf-8"))
    try:
        actual = parse_rules(actual_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        return [_finding(where, "CODEOWNERS is not UTF-8 text", ours)]
    lost = []
    for path in dict.fromkeys([*PROBES, *guarded]):
        want, have = owners_of(expected, path), owners_of(actual, path)
        if want != have:
            lost.append(
                f"{path} ({' '.join(sorted(want))}, now {' '.join(sorted(have)) or 'nobody'})"
            )
    if not lost:
        return []
    listed = "; ".join(lost[:MAX_LISTED]) + (
        f"; and {len(lost) - MAX_LISTED} more" if len(lost) > MAX_LISTED else ""
    )
    return [
        _finding(
            where,
            f"CODEOWNERS no longer gives the platform's paths to the template's owners: {listed}",
            ours,
        )
    ]


def _finding(path: str, what: str, template_file: str) -> Finding:
    return Finding(
        kind=Kind.CODEOWNERS,
        severity=Severity.ERROR,
        path=path,
        message=f"{what}: restore the template's {template_file} (no waiver covers this: "
        "changes to the paved road's files need the platform team's review)",
    )
