"""Backstage Tech Insights facts, one entry per product, in the shape a fact retriever returns.

A small retriever in Backstage (docs/fleet.md) reads this file (a CI artifact or a URL) and
hands ``items`` to Tech Insights as they are; ``schema`` is the retriever's fact schema, so
scorecard checks (json-rules-engine) can test any of these facts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

from ..drift.report import Kind
from .report import SOON_DAYS, CampaignResult, FleetReport, ProductResult, WaiverResult

RETRIEVER_ID = "paved-road-drift"
FACTS_VERSION = "1.0.0"


def fact_name(kind: Kind) -> str:
    """``part-modified`` -> ``violationsPartModified`` (fact names are plain identifiers)."""
    return "violations" + "".join(word.capitalize() for word in str(kind).split("-"))


SCHEMA: dict[str, dict[str, str]] = {
    "checked": {"type": "boolean", "description": "The drift check could run."},
    "inPolicy": {"type": "boolean", "description": "No drift violation (exit 0)."},
    "onPavedRoad": {"type": "boolean", "description": "Made from (or adopted onto) the template."},
    "templateRelease": {"type": "string", "description": "Template release the product is on."},
    "latestRelease": {"type": "string", "description": "Newest template release."},
    "releasesBehind": {"type": "integer", "description": "Releases behind the newest (-1: ?)."},
    "violations": {"type": "integer", "description": "Failing drift findings, all kinds."},
    **{
        fact_name(kind): {"type": "integer", "description": f"Failing `{kind}` findings."}
        for kind in Kind
    },
    "waiversActive": {"type": "integer", "description": "Waivers in force."},
    "level": {"type": "string", "description": "Highest level reached ('': none, or no levels)."},
    "campaignsNotDone": {
        "type": "integer",
        "description": "Campaigns whose scope holds the product and whose target it misses.",
    },
    "campaignsLate": {
        "type": "integer",
        "description": "Of those, the campaigns past their deadline.",
    },
    "waiversExpiringSoon": {
        "type": "integer",
        "description": f"Waivers expired or expiring within {SOON_DAYS} days.",
    },
}


_KIND_FACTS = {str(kind): fact_name(kind) for kind in Kind}


def _entity(product: ProductResult) -> dict[str, str]:
    kind, _, rest = (product.entity or f"component:default/{product.name}").partition(":")
    namespace, _, name = rest.rpartition("/")
    return {"kind": kind, "namespace": namespace or "default", "name": name}


def facts(
    product: ProductResult,
    waivers: list[WaiverResult],
    campaigns: Sequence[CampaignResult] = (),
) -> dict[str, object]:
    """The facts of one product; ``waivers`` are that product's."""
    missing = [c for c in campaigns if any(product.name in names for names in c.missing.values())]
    found: dict[str, object] = {
        "checked": product.status not in {"error", "roadless"},
        "onPavedRoad": product.status != "roadless",
        "inPolicy": product.status == "ok",
        "templateRelease": product.release or "",
        "latestRelease": product.latest or "",
        "releasesBehind": product.behind if product.behind is not None else -1,
        "violations": sum(product.violations.values()),
        "waiversActive": sum(1 for w in waivers if w.status == "active"),
        "waiversExpiringSoon": sum(
            1 for w in waivers if w.days_left <= SOON_DAYS and w.status in {"active", "expired"}
        ),
        "level": product.level or "",
        "campaignsNotDone": len(missing),
        "campaignsLate": sum(1 for c in missing if c.days_left < 0),
    }
    for kind, name in _KIND_FACTS.items():
        found[name] = product.violations.get(kind, 0)
    return found


def tech_insights(report: FleetReport) -> str:
    waivers: dict[str, list[WaiverResult]] = defaultdict(list)
    for waiver in report.waivers:
        waivers[waiver.product].append(waiver)
    document = {
        "id": RETRIEVER_ID,
        "version": FACTS_VERSION,
        "timestamp": report.generated_at.isoformat(),
        "schema": SCHEMA,
        "items": [
            {
                "entity": _entity(product),
                "facts": facts(product, waivers[product.name], report.campaigns),
            }
            for product in report.products
        ],
    }
    return json.dumps(document, separators=(",", ":")) + "\n"  # read by machines only
