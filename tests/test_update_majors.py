"""The major-version grace period, on real tags with real dates, and `--vcs-ref` short of it.

The template's policy gives a product `major_grace_days` on the previous major after the next
major's release date, read from the tag. Products made at this checkout's release are checked
against a later major tagged 10 days ago (in grace: told how long is left) and 100 days ago
(grace over: `behind` fails), and one is updated to an intermediate release with `--vcs-ref`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from packaging.version import Version
from paved_road.drift.grace import Grace, grace_finding
from paved_road.drift.policy import BehindLimits
from paved_road.drift.report import Severity
from paved_road.drift.versions import behind

from tests.cases import CHECK_CASES
from tests.support import commit_all, copy_product, git, init_repo, run
from tests.update_support import DefaultProducts, Versions, drift, update

GRACE_DAYS = 90  # template/.paved-road/policy.yml.jinja


def _release(repo: Path, tag: str, days_ago: int, note: str) -> None:
    """A template change released as an annotated tag dated ``days_ago`` days back."""
    readme = repo / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + f"\n<!-- {note} -->\n")
    commit_all(repo, f"template: {note}")
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    run(
        ["git", "tag", "--annotate", tag, "-m", f"paved-road {tag}"],
        cwd=repo,
        GIT_COMMITTER_DATE=when.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        GIT_COMMITTER_NAME="Release",
        GIT_COMMITTER_EMAIL="release@example.com",
    )


def _template(base: Versions, where: Path, releases: list[tuple[str, int]]) -> Path:
    repo = where / "template"
    git(where, "clone", "--quiet", str(base.repo), str(repo))
    git(repo, "checkout", "--quiet", "-B", "main", base.new)
    for tag, days_ago in releases:
        _release(repo, tag, days_ago, tag)
    return repo


def _next(new: str) -> tuple[str, str]:
    """(next minor, next major) tags after this checkout's release."""
    version = Version(new.removeprefix("v"))
    return f"v{version.major}.{version.minor + 1}.0", f"v{version.major + 1}.0.0"


@pytest.mark.slow(reason="real updates across a major release")
@pytest.mark.parametrize(("days_ago", "in_grace"), [(10, True), (GRACE_DAYS + 10, False)])
def test_previous_major_has_a_grace_period_from_the_tag_date(
    versions: Versions,
    tmp_path: Path,
    days_ago: int,
    in_grace: bool,
) -> None:
    _, major = _next(versions.new)
    template = _template(versions, tmp_path, [(major, days_ago)])
    product = copy_product(
        template,
        tmp_path / "product",
        CHECK_CASES["default"],
        vcs_ref=versions.new,
        skip_tasks=True,
    )
    init_repo(product)
    released = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)).date()
    until = released + dt.timedelta(days=GRACE_DAYS)

    result = drift(product)

    said = f"is on the previous major: {major.removeprefix('v')} was released {released}"
    assert said in result.stdout, result.stdout
    if in_grace:
        assert result.returncode == 0, result.stdout
        left = (until - dt.datetime.now(dt.UTC).date()).days
        assert f"{left} day(s) left of the {GRACE_DAYS}-day grace period (until {until})" in (
            result.stdout
        )
    else:
        assert result.returncode == 1, result.stdout
        assert f"grace period for the previous major ended {until}" in result.stdout
        assert "FAIL   behind" in result.stdout


@pytest.mark.slow(reason="real updates to an intermediate release")
def test_update_to_an_intermediate_release_notes_the_lag(
    versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    minor, major = _next(versions.new)
    template = _template(versions, tmp_path, [(minor, 20), (major, 10)])
    product = default_products.copy(versions, template, versions.new, tmp_path / "product")

    result = update(product, "--defaults", "--vcs-ref", minor)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Template {versions.new} -> {minor}" in result.stdout
    assert (
        f"Note: template {minor.removeprefix('v')} is 1 release(s) behind the newest, "
        f"{major.removeprefix('v')} (1 major(s) ahead)"
    ) in result.stdout
    assert "day(s) left of the 90-day grace period" in result.stdout  # the drift check's line


TAGS = {tag: "0" * 40 for tag in ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v2.0.0"]}


def _grace(released: dt.date | None, own_minors: int) -> Grace:
    return Grace(Version("2.0.0"), released, GRACE_DAYS, Version("1.3.0"), own_minors)


def test_in_grace_a_product_must_still_keep_up_within_its_major() -> None:
    today = dt.date(2026, 12, 2)
    limits = BehindLimits(max_major=0, max_minor=2, major_grace_days=GRACE_DAYS)
    lag = behind("v1.0.0", TAGS)
    behind_in_major = grace_finding(lag, limits, _grace(dt.date(2026, 12, 1), 3), today)
    assert behind_in_major.severity is Severity.ERROR
    assert "3 minor(s) behind 1.3.0, the newest release of its major" in behind_in_major.message
    kept_up = grace_finding(behind("v1.3.0", TAGS), limits, _grace(dt.date(2026, 12, 1), 0), today)
    assert kept_up.severity is Severity.INFO
    assert "89 day(s) left" in kept_up.message


def test_unreadable_release_date_gives_no_grace() -> None:
    limits = BehindLimits(max_major=0, max_minor=2, major_grace_days=GRACE_DAYS)
    finding = grace_finding(behind("v1.3.0", TAGS), limits, _grace(None, 0), dt.date(2026, 12, 2))
    assert finding.severity is Severity.ERROR
    assert "no readable release date" in finding.message
