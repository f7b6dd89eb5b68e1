"""Writing the fleet report: a text summary on stdout, and each requested file whole or not at
all (written beside its destination, then renamed), so a failed run leaves nothing half-made."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .attention import to_csv
from .backstage import tech_insights
from .collect import REPORT_FILE
from .dashboard import render_dashboard
from .digests import digests
from .markdown import markdown
from .report import FleetReport, ProductResult

WRITERS: dict[str, Callable[[FleetReport], str]] = {
    "json": lambda report: report.model_dump_json(indent=2) + "\n",
    "markdown": markdown,
    "html": render_dashboard,
    "backstage": tech_insights,
    "csv": to_csv,
}


def text(report: FleetReport) -> str:
    lines = [f"{'product':<28} {'team':<16} {'release':<12} {'behind':>6}  status"]
    for p in report.products:
        what = p.error or ", ".join(f"{kind} {n}" for kind, n in p.violations.items())
        behind = "?" if p.behind is None else str(p.behind)
        lines.append(
            f"{p.name:<28} {(p.team or '-'):<16} {(p.release or '-'):<12} {behind:>6}  "
            f"{p.status}{': ' + what if what else ''}"
        )
    s = report.summary
    lines.append(
        f"fleet: {s.products} product(s): {s.ok} in policy, {s.violations} with violations, "
        f"{s.errors} cannot check, {s.roadless} not on the paved road; {s.behind} behind "
        f"(exit {s.exit_code})"
    )
    return "\n".join(lines) + "\n"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    # mkstemp makes the file 0600; reports are for others to read (the web server that serves
    # the dashboard, the artifact upload): the mode of any new file, as the umask says.
    os.fchmod(handle, 0o666 & ~_umask())
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(content)
    Path(temporary).replace(path)


def write_drift_reports(rows: list[ProductResult], folder: Path) -> None:
    """Each product's drift report where ``fleet collect`` finds it: DIR/<name>/REPORT_FILE,
    naming its repository and check time (a product that could not be fetched too)."""
    for row in rows:
        if row.drift is not None:
            row.drift.repository = row.drift.repository or row.repo
            row.drift.checked_at = row.drift.checked_at or row.checked_at or _now()
            _write(folder / row.name / REPORT_FILE, row.drift.model_dump_json(indent=2) + "\n")
            row.link_drift_report(folder / row.name / REPORT_FILE)


def link_from(report: FleetReport, folder: Path) -> FleetReport:
    """Each product's link to its drift report file, relative to ``folder`` (where the output
    naming it is written): the links work wherever the outputs and the reports are published
    together (the workflow's artifact holds both)."""
    for product in report.products:
        product.drift_report = product.drift_report_from(folder)
    return report


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def write_reports(
    report: FleetReport, targets: dict[str, Path], digests_dir: Path | None = None
) -> None:
    """Render every requested format first, then put each file in place."""
    files = {path: WRITERS[kind](link_from(report, path.parent)) for kind, path in targets.items()}
    if digests_dir is not None:
        files |= {digests_dir / name: text for name, text in digests(report).items()}
    for path, content in files.items():
        _write(path, content)
