"""The fleet report as Markdown, for an issue or a job summary ($GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

from urllib.parse import quote

from .aggregate import IN_FORCE
from .report import SOON_DAYS, FleetReport, ProductResult
from .trends import change_lines, table

MAX_ROWS = 200  # a job summary is capped at 1 MiB: the full table is in the JSON and HTML
MAX_PANEL = 20  # waivers and refused reports: the soonest first, the rest in the JSON


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def _product(product: ProductResult) -> str:
    """The name, linked to the product's drift report file when there is one."""
    name = _cell(product.name)
    if product.drift_report is None:
        return name
    label = name.replace("[", "\\[").replace("]", "\\]")
    return f"[{label}]({quote(product.drift_report)})"


def _status(product: ProductResult) -> str:
    return {
        "ok": "✅ ok",
        "violations": "❌ violations",
        "error": "⚠️ error",
        "roadless": "🚧 not on the road",
    }[product.status]


def _what(product: ProductResult) -> str:
    if product.error:
        return product.error
    return ", ".join(f"{kind} {count}" for kind, count in product.violations.items())


def _campaigns(report: FleetReport) -> list[str]:
    out: list[str] = []
    if report.campaigns:
        out += [
            "| Campaign | Target | Done | Deadline | Status | Missing, by owner |",
            "|---|---|---|---|---|---|",
        ]
        for c in report.campaigns:
            status = "✅ done" if c.done == c.products else "on track" if c.on_track else "⚠️ late"
            missing = "; ".join(
                f"{owner}: {', '.join(names[:5])}"
                + (f" +{len(names) - 5}" if len(names) > 5 else "")
                for owner, names in list(c.missing.items())[:10]
            )
            out.append(
                f"| {_cell(c.title)} | {_cell(c.target)} | {c.done}/{c.products} "
                f"| {c.deadline} ({c.days_left} d) | {status} | {_cell(missing)} |"
            )
        out.append("")
    if report.levels:
        names = sorted({level for row in report.levels for level in row.levels})
        out += [
            "| Team | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(names),
            *(
                f"| {_cell(row.team)} | "
                + " | ".join(str(row.levels.get(n, 0)) for n in names)
                + " |"
                for row in report.levels
            ),
            "",
        ]
    return out


def markdown(report: FleetReport) -> str:
    summary = report.summary
    icon = "✅" if summary.exit_code == 0 else "❌"
    out = [
        f"## {icon} paved-road fleet: {summary.products} product(s), {summary.ok} in policy, "
        f"{summary.violations} with violations, {summary.errors} could not be checked, "
        f"{summary.roadless} not on the paved road",
        "",
        f"{summary.behind} behind the newest release; {summary.waivers_expiring_soon} waiver(s) "
        f"expired or expiring within {SOON_DAYS} days.",
        "",
    ]
    if report.changes is not None:
        out += [f"**Since the last run** ({report.changes.since:%Y-%m-%d %H:%M} UTC):", ""]
        out += [f"- {_cell(line)}" for line in change_lines(report.changes)]
        out.append("")
    if len(report.trend) > 1:
        dates, rows = table(report.trend, "team")
        out += [
            "| Team: % in policy | " + " | ".join(dates) + " |",
            "|---|" + "---|" * len(dates),
            *(f"| {_cell(team)} | " + " | ".join(values) + " |" for team, values in rows),
            "",
        ]
    out += _campaigns(report)
    out += [
        "| Release | Products |",
        "|---|---|",
        *(f"| {_cell(row.label)} | {row.products} |" for row in report.adoption),
        "",
    ]
    if report.guardrails:
        out += ["| Guardrail | What | Violated by | Waived by |", "|---|---|---|---|"]
        out += [
            f"| `{_cell(g.path + (f' [{g.part}]' if g.part else ''))}` | {', '.join(g.kinds)} "
            f"| {len(g.violated_by)} | {len(g.waived_by)} |"
            for g in report.guardrails[:20]
        ]
        out.append("")
    soon = [w for w in report.waivers if w.days_left <= SOON_DAYS and w.status in IN_FORCE]
    if soon:
        out += ["| Waiver | Product | Expires | Reason |", "|---|---|---|---|"]
        out += [
            f"| {w.status} | {_cell(w.product)} | {w.expires} ({w.days_left} d) "
            f"| {_cell(w.reason)} |"
            for w in soon[:MAX_PANEL]
        ]
        if len(soon) > MAX_PANEL:
            out.append(f"\n{len(soon) - MAX_PANEL} more in the JSON report and dashboard.")
        out.append("")
    refused = [w for w in report.waivers if w.status == "refused"]
    if refused:
        out += [f"{len(refused)} waiver(s) refused by drift (they waive nothing):", ""]
        out += [
            f"- {_cell(w.product)}: `{_cell(w.path)}`: {_cell(w.refused)}"
            for w in refused[:MAX_PANEL]
        ]
        out.append("")
    if report.refused_reports:
        out += [f"{len(report.refused_reports)} collected file(s) not taken:", ""]
        out += [
            f"- `{_cell(r.file)}`: {_cell(r.reason)}" for r in report.refused_reports[:MAX_PANEL]
        ]
        out.append("")
    open_products = [p.name for p in report.products if p.sign_in == "none"]
    if open_products:
        out += [
            f"⚠️ {len(open_products)} product(s) run without sign-in (auth=none): "
            + ", ".join(_cell(name) for name in open_products[:MAX_ROWS]),
            "",
        ]
    failing = [p for p in report.products if p.status != "ok"]
    if failing:
        out += [
            "| Product | Team | Release | Behind | Status | What |",
            "|---|---|---|---|---|---|",
        ]
        out += [
            f"| {_product(p)} | {_cell(p.team)} | {_cell(p.release)} | {_cell(p.behind)} "
            f"| {_status(p)} | {_cell(_what(p))} |"
            for p in failing[:MAX_ROWS]
        ]
        if len(failing) > MAX_ROWS:
            out.append(f"\n{len(failing) - MAX_ROWS} more in the JSON report and dashboard.")
        out.append("")
    return "\n".join(out) + "\n"
