"""Since the last run and the trends, as the Markdown report and the dashboard show them."""

from __future__ import annotations

from .report import Changes, Moved, TrendPoint

COLUMNS = 6  # runs side by side in a trend table
LISTED = 20  # products named per change before "and N more"


def moves(label: str, moved: list[Moved]) -> str:
    names = ", ".join(f"{m.product} ({m.before} → {m.now})" for m in moved[:LISTED])
    more = f" and {len(moved) - LISTED} more" if len(moved) > LISTED else ""
    return f"{len(moved)} {label}: {names}{more}" if moved else f"0 {label}"


def change_lines(changes: Changes) -> list[str]:
    lines = [
        moves("newly failing", changes.newly_failing),
        moves("fixed", changes.fixed),
        moves("on another release", changes.adopted),
    ]
    for label, names in (("new to the fleet", changes.added), ("gone", changes.removed)):
        if names:
            shown = ", ".join(names[:LISTED])
            lines.append(f"{len(names)} {label}: {shown}" + (" ..." if len(names) > LISTED else ""))
    return lines


def table(points: list[TrendPoint], kind: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(run dates, rows of (team or guardrail, a value per run)) for the last COLUMNS runs;
    ``kind`` is "team" (percent in policy) or "guardrail" (products breaking it)."""
    shown = points[-COLUMNS:]
    dates = [point.at.strftime("%Y-%m-%d %H:%M") for point in shown]
    if kind == "team":
        keys = sorted({team for point in shown for team in point.team_in_policy})
        rows = [(key, [_percent(point.team_in_policy.get(key)) for point in shown]) for key in keys]
    else:
        latest = shown[-1].guardrail_violations if shown else {}
        keys = sorted(
            {k for p in shown for k in p.guardrail_violations}, key=lambda k: (-latest.get(k, 0), k)
        )
        rows = [
            (key, [str(point.guardrail_violations.get(key, 0)) for point in shown])
            for key in keys[:10]
        ]
    return dates, rows


def _percent(value: int | None) -> str:
    return "-" if value is None else f"{value}%"
