"""The major-version grace period: time to move to a new major, counted from its release date.

With ``behind.major_grace_days`` in the policy, a product on the previous major is not
``behind`` the moment the next major is tagged: it may stay there for that many days after the
next major's release date (the date of its tag: the tagger date of an annotated tag, else the
commit date), provided it keeps up within its own major (``max_minor`` counts from the newest
release of that major). Every check tells it how many days are left. After the period, or
more than one major behind, the usual limits apply.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
from dataclasses import dataclass

from packaging.version import Version

from .. import bounded
from ..template_source import git_url
from .policy import BehindLimits
from .report import Finding, Kind, Severity
from .versions import Behind, commit_version, releases

TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Grace:
    next_major: Version  # the first release of the next major
    released: dt.date | None  # its tag's date (None: could not be read)
    days: int  # the policy's major_grace_days
    own_latest: Version  # the newest release of the product's own major
    own_minors: int  # minors the product is behind own_latest

    @property
    def until(self) -> dt.date | None:
        return self.released + dt.timedelta(days=self.days) if self.released else None


def tag_date(src_path: str, tag: str) -> dt.date | None:
    """The date of ``tag`` in the template repository (UTC), fetching only that tag's commit
    and tag objects (no trees, no blobs) into a throwaway repository."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    ref = f"refs/tags/{tag}"
    with tempfile.TemporaryDirectory(prefix="paved-road-tag-") as folder:
        fetch = ["fetch", "--quiet", "--depth=1", "--filter=tree:0", "--no-tags"]
        steps = (
            ["init", "--quiet", "--bare", folder],
            ["-C", folder, *fetch, git_url(src_path), f"+{ref}:{ref}"],
            ["-C", folder, "for-each-ref", "--format=%(creatordate:unix)", ref],
        )
        stamp = ""
        for step in steps:
            try:
                result = bounded.run(
                    ["git", *step],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=TIMEOUT_SECONDS,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                return None
            if result.returncode != 0:
                return None
            stamp = result.stdout.strip()
    return dt.datetime.fromtimestamp(int(stamp), dt.UTC).date() if stamp.isdigit() else None


def major_grace(
    src_path: str, commit: str, tags: dict[str, str], limits: BehindLimits
) -> Grace | None:
    """The grace period that applies to a product at ``commit``, or None (no grace in the
    policy, or the product is not exactly one major behind)."""
    current, known = commit_version(commit), releases(tags)
    if limits.major_grace_days is None or current is None or not known:
        return None
    if known[-1].major - current.major != 1:
        return None
    next_major = min(v for v in known if v.major == current.major + 1)
    own = [v for v in known if v.major == current.major and v >= Version(current.base_version)]
    own_latest = max(own, default=Version(current.base_version))
    tag = next(name for name in tags if commit_version(name) == next_major)
    return Grace(
        next_major=next_major,
        released=tag_date(src_path, tag),
        days=limits.major_grace_days,
        own_latest=own_latest,
        own_minors=max(own_latest.minor - current.minor, 0),
    )


def grace_finding(lag: Behind, limits: BehindLimits, grace: Grace, today: dt.date) -> Finding:
    """The ``behind`` finding for a product on the previous major while a grace period exists."""
    until = grace.until
    head = f"template {lag.current} is on the previous major: {grace.next_major} "
    if until is None:
        ok, why = False, "has no readable release date, so no grace period can be counted"
    elif today > until:
        ok, why = False, f"was released {grace.released}; the {grace.days}-day grace period "
        why += f"for the previous major ended {until}"
    else:
        left = (until - today).days
        ok, why = True, f"was released {grace.released}; {left} day(s) left of the "
        why += f"{grace.days}-day grace period (until {until})"
    within = limits.max_minor is None or grace.own_minors <= limits.max_minor
    if ok and not within:
        why += (
            f", but it is {grace.own_minors} minor(s) behind {grace.own_latest}, the newest "
            f"release of its major (policy allows max_minor {limits.max_minor})"
        )
    failed = not (ok and within)
    return Finding(
        kind=Kind.BEHIND,
        severity=Severity.ERROR if failed else Severity.INFO,
        path=None,
        message=head + why + (": run `paved-road update` (or `copier update`)" if failed else ""),
    )
