"""The fleet dashboard: one self-contained HTML file (inline CSS, SVG and script; no requests).

Jinja2 renders it (already a dependency, autoescaping on), the charts are inline SVG drawn
here, and a few lines of script filter and sort the product table and fill the drill-down
dialog from JSON embedded in the page. Without script, the page still shows every number.
"""

from __future__ import annotations

import json
from importlib import resources
from urllib.parse import quote

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from .aggregate import IN_FORCE, release_label
from .attention import by_attention, why
from .charts import bar_chart
from .digests import web_url
from .report import SOON_DAYS, FleetReport, ProductResult
from .trends import change_lines, table

TOP_GUARDRAILS = 10
PANEL_ROWS = 10  # a panel's rows before "show all": 3,000 products hold hundreds of waivers


def _drill_down(product: ProductResult) -> dict[str, object]:
    drift = product.drift
    return {
        "name": product.name,
        "repo": product.repo,
        "url": web_url(product.repo),
        "report": quote(product.drift_report) if product.drift_report else None,
        "commit": product.commit,
        "entity": product.entity,
        "level": product.level,
        "request": product.update_request.model_dump(mode="json")
        if product.update_request
        else None,
        "error": product.error,
        "findings": [
            finding.model_dump(mode="json", exclude_none=True)
            for finding in (drift.findings if drift else [])
        ],
        "waivers": [w.model_dump(mode="json") for w in (drift.waivers if drift else [])],
    }


def _script_json(value: object) -> Markup:
    """JSON safe inside <script>: no `</script>` or `<!--` can end or confuse the element."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 - no <, > or & is left to be read as markup


def _options(values: set[str | None]) -> list[str]:
    return sorted(value for value in values if value)


def render_dashboard(report: FleetReport) -> str:
    environment = Environment(
        autoescape=select_autoescape(default=True), keep_trailing_newline=True
    )
    source = resources.files(__package__).joinpath("templates", "dashboard.html.jinja")
    template = environment.from_string(source.read_text(encoding="utf-8"))
    products = by_attention(report)  # most in need first; the table sorts on request
    guardrails = report.guardrails[:TOP_GUARDRAILS]
    return template.render(
        report=report,
        summary=report.summary,
        soon_days=SOON_DAYS,
        soon=[w for w in report.waivers if w.days_left <= SOON_DAYS and w.status in IN_FORCE],
        panel_rows=PANEL_ROWS,
        release_label=release_label,
        guardrails=guardrails,
        teams=_options({p.team for p in products}),
        tiers=_options({p.tier for p in products}),
        releases=[row.label for row in report.adoption],
        adoption_chart=bar_chart(
            "chart-adoption",
            "Products per template release",
            [(row.label, row.products) for row in report.adoption],
            "#1f5fbf",
        ),
        lag_chart=bar_chart(
            "chart-lag",
            "Products per number of releases behind",
            [(f"{row.label} behind", row.products) for row in report.lag],
            "#6b3fa0",
        ),
        guardrail_chart=bar_chart(
            "chart-guardrails",
            "Products violating each guardrail",
            [(g.path + (f" [{g.part}]" if g.part else ""), len(g.violated_by)) for g in guardrails],
            "#b3261e",
        ),
        details=_script_json([_drill_down(p) for p in products]),
        products=products,
        burndowns={
            c.id: bar_chart(
                f"chart-burndown-{c.id}",
                f"{c.title}: products not done, per run",
                [
                    (f"{point.at:%Y-%m-%d %H:%M}", point.campaigns_left[c.id])
                    for point in report.trend
                    if c.id in point.campaigns_left
                ],
                "#b3261e",
            )
            for c in report.campaigns
            if sum(c.id in point.campaigns_left for point in report.trend) > 1
        },
        level_names=sorted({name for row in report.levels for name in row.levels}),
        changes=change_lines(report.changes) if report.changes else [],
        team_trend=table(report.trend, "team"),
        guardrail_trend=table(report.trend, "guardrail"),
        trend_chart=bar_chart(
            "chart-trend",
            "Percent of products in policy, per run",
            [
                (f"{point.at:%Y-%m-%d %H:%M}", round(100 * point.in_policy / point.products))
                for point in report.trend
                if point.products
            ],
            "#0a5c2a",
        )
        if len(report.trend) > 1
        else "",
        why={p.name: why(p, report.today) for p in products},
    )
