"""Which products need attention first, and why, in a few words: the dashboard's default order
and its "Why" column, and the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

from .digests import web_url
from .report import SOON_DAYS, FleetReport, ProductResult, UpdateRequest

# Failing now first, then what will fail (a waiver about to expire), then lag, then fine.
_RANK = {"error": 0, "violations": 0, "roadless": 1}


def why(product: ProductResult, today: dt.date) -> str:
    if product.status == "error":
        return f"cannot check: {product.error}"
    if product.status == "roadless":
        return "not on the paved road"
    parts = []
    if product.violations:
        parts.append(", ".join(f"{kind} {n}" for kind, n in product.violations.items()))
    soon = [
        w
        for w in (product.drift.waivers if product.drift else [])
        if w.status == "active" and (w.expires - today).days <= SOON_DAYS
    ]
    if soon:
        days = min((w.expires - today).days for w in soon)
        parts.append(f"a waiver expires in {days} d")
    if product.behind:
        parts.append(f"{product.behind} release(s) behind")
    if (request := product.update_request) is not None:
        parts.append(request_words(request))
    return "; ".join(parts)


def request_words(request: UpdateRequest) -> str:
    """``update request open, checks failing`` and the like."""
    words = f"update request {request.state}" + (" (draft)" if request.draft else "")
    if request.state == "open" and request.ci is not None:
        words += {"success": ", checks pass", "failure": ", checks failing"}.get(
            request.ci, ", checks running"
        )
    return words


def rank(product: ProductResult, today: dt.date) -> tuple[int, int, str]:
    """Sort key: most in need first, then the furthest behind, then by name."""
    if product.status in _RANK:
        first = _RANK[product.status]
    elif why(product, today):
        first = 2 if "waiver" in why(product, today) else 3
    else:
        first = 4
    return first, -(product.behind or 0), product.name


def by_attention(report: FleetReport) -> list[ProductResult]:
    return sorted(report.products, key=lambda product: rank(product, report.today))


COLUMNS = (
    "name",
    "status",
    "why",
    "team",
    "tier",
    "release",
    "latest",
    "behind",
    "violations",
    "waived",
    "level",
    "repo",
    "url",
    "commit",
    "checked_at",
)


def _safe(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ would be a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def to_csv(report: FleetReport) -> str:
    """One row per product, most in need first (the dashboard's order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for p in by_attention(report):
        writer.writerow(
            _safe(value)
            for value in (
                p.name,
                p.status,
                why(p, report.today),
                p.team,
                p.tier,
                p.release,
                p.latest,
                p.behind,
                sum(p.violations.values()),
                p.waived,
                p.level,
                p.repo,
                web_url(p.repo),
                p.commit,
                p.checked_at.isoformat() if p.checked_at else None,
            )
        )
    return out.getvalue()
