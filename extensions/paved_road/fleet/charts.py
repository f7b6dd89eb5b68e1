"""Inline SVG bar charts for the dashboard: no script, no external request, scales to any width.

Each chart is an image with a text alternative (its title and every value in its description),
and a table with the same numbers sits next to it in the page for screen readers and copying.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH, LABEL_WIDTH, VALUE_WIDTH, ROW, GAP = 360, 150, 40, 22, 6
MAX_LABEL = 22


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else "…" + label[-(MAX_LABEL - 1) :]


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, int]], colour: str) -> Markup:
    """A horizontal bar per row (label, value); bars scale to the largest value."""
    if not rows:
        return Markup("")
    largest = max(value for _, value in rows) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = len(rows) * (ROW + GAP) + GAP
    description = "; ".join(f"{label}: {value}" for label, value in rows)
    parts = [
        f'<svg id="{chart_id}" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(rows):
        y = GAP + index * (ROW + GAP)
        length = max(round(span * value / largest), 2 if value else 0)
        middle = y + ROW / 2
        parts += [
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="central" class="chart-label">{escape(_short(label))}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{ROW}" rx="3" '
            f'fill="{colour}"/>',
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" dominant-baseline="central" '
            f'class="chart-value">{value}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label and title is escaped above
