"""CODEOWNERS keeps the platform team's review of the paved road's own files.

The generated CODEOWNERS gives ``/.paved-road/`` (policy, drift runner, waivers),
``/.copier-answers.yml`` (which template and version) and ``/.github/`` (CI) to the platform
team. A waiver can cover an edit of the guarded file, so this check, which no waiver covers,
asks what GitHub would ask: who owns each of those paths, by the last matching rule of the
CODEOWNERS file GitHub reads, and is it still whom the template says?
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .policy import glob_regex
from .product_file import read_product_file
from .report import Finding, Kind, Severity

# Where GitHub looks, in order; the first file found is the only one it reads.
LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
# Paths whose owners must stay the template's, beside every guarded file the template renders
# (the workflow and the waiver that do not exist yet included).
PROBES = (
    ".paved-road/waivers.yml",
    ".paved-road/policy.yml",
    ".copier-answers.yml",
    ".github/CODEOWNERS",
    ".github/workflows/ci.yml",
    ".github/workflows/a-new-workflow.yml",
)
MAX_LISTED = 5

Rule = tuple[re.Pattern[str], bool, bool, frozenset[str]]  # regex, anchored, dir-only, owners


def parse_rules(text: str) -> list[Rule]:
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pattern, *rest = line.split()
        owners = []
        for token in rest:
            if token.startswith("#"):  # a trailing comment
                break
            owners.append(token.lower())
        pattern = pattern.replace("\\#", "#")
        anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
        dir_only = pattern.endswith("/")
        rules.append((_regex(pattern.strip("/")), anchored, dir_only, frozenset(owners)))
    return rules


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return glob_regex(pattern)


def owners_of(rules: list[Rule], path: str) -> frozenset[str]:
    """The owners of ``path``: those of the last rule that matches it (gitignore-style: a rule
    matching a directory matches everything in it), or nobody."""
    segments = path.split("/")
    found: frozenset[str] = frozenset()
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
            found = owners
    return found


def codeowners_findings(render: Path, product: Path, guarded: list[str]) -> list[Finding]:
    template_file = render / LOCATIONS[0]
    if not template_file.is_file():
        return []  # this template version ships no CODEOWNERS: nothing to keep
    expected_bytes = template_file.read_bytes()
    found = ((name, read_product_file(product, name)) for name in LOCATIONS)
    where, actual_bytes = next(((n, data) for n, data in found if data is not None), ("", b""))
    if not where:
        return [_finding(LOCATIONS[0], "the product has no CODEOWNERS file")]
    if actual_bytes == expected_bytes:
        return []  # the template's own rules: every path keeps its owners
    expected = parse_rules(expected_bytes.decode("utf-8"))
    try:
        actual = parse_rules(actual_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        return [_finding(where, "CODEOWNERS is not UTF-8 text")]
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
        )
    ]


def _finding(path: str, what: str) -> Finding:
    return Finding(
        kind=Kind.CODEOWNERS,
        severity=Severity.ERROR,
        path=path,
        message=f"{what}: restore the template's .github/CODEOWNERS (no waiver covers this: "
        "changes to the paved road's files need the platform team's review)",
    )
