"""``fleet collect DIR``: the fleet report from drift JSON files that products' CI already made.

Nothing is cloned or rendered: each file is read and validated once, so the cost grows with
the number of reports only. A product is named after its file: ``DIR/shop/drift-report.json``
(one folder per downloaded artifact) is ``shop``; ``DIR/shop.json`` is ``shop`` too.

A report is trusted only for what it says it is (docs/fleet.md, "What collect trusts"): it
must name its repository, commit and check time; one naming another repository than the
product it is filed under is misfiled, one older than ``max_age`` days (or whose waivers have
expired since) is stale. Those become the product's error row, with the reason. With a fleet
file, a report of a product not in it is foreign: refused, listed in the report. Any other
JSON file (a ``package.json`` in a downloaded artifact) is not a drift report and is ignored.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..drift.report import Report
from .aggregate import error_result, product_result
from .arguments import MAX_AGE_DAYS
from .fleet_file import Fleet, Product, default_name
from .report import ProductResult, RefusedReport

REPORT_FILE = "drift-report.json"  # the file inside each product's CI artifact
_REPORT_KEYS = {"schema_version", "product", "status"}


class NothingToCollect(Exception):
    """DIR is missing or holds no report: one line (exit 2)."""


@dataclass
class Collected:
    rows: list[ProductResult]
    refused: list[RefusedReport] = field(default_factory=list)
    ignored: int = 0  # JSON files that are no drift report


def report_name(relative: str) -> str:
    """``shop/drift-report.json`` and ``shop.json`` are both ``shop``."""
    folder, _, name = relative.rpartition("/")
    if name == REPORT_FILE and folder:
        return folder
    return relative.removesuffix(".json")


def _report_files(folder: Path) -> list[str]:
    """Every ``*.json`` under folder, as sorted POSIX paths relative to it (os.walk: for
    10,000 reports, pathlib's per-path objects cost more than reading the files)."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        prefix = os.path.relpath(root, folder).replace(os.sep, "/")
        found += [
            name if prefix == "." else f"{prefix}/{name}"
            for name in files
            if name.endswith(".json")
        ]
    return sorted(found)


def _is_drift_report(relative: str, data: bytes) -> bool:
    """A ``drift-report.json`` always claims to be one (broken or not); another JSON file only
    when it has a drift report's top-level keys."""
    if relative.rsplit("/", 1)[-1] == REPORT_FILE:
        return True
    try:
        document = json.loads(data)
    except ValueError:
        return False
    return isinstance(document, dict) and document.keys() >= _REPORT_KEYS


def _read(name: str, data: bytes) -> Report | str:
    try:
        return Report.model_validate_json(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        return (
            f"{name} is not a drift report (`paved-road drift --format json`): "
            f"{where}: {first['msg']}"
        )


def distrust(
    report: Report, name: str, product: Product | None, today: dt.date, max_age: int
) -> str | None:
    """Why this report cannot stand for ``name`` today (None: it can)."""
    if report.status == "error":
        return None  # a check that could not run is the product's error row either way
    missing = [
        label
        for label, value in (
            ("repository", report.repository),
            ("commit", report.commit),
            ("check time", report.checked_at),
        )
        if not value
    ]
    if missing:
        return (
            f"unidentified: the report names no {', '.join(missing)} (made by a paved-road "
            "before 'fleet collect' checked them): update the product, or use `fleet check`"
        )
    expected = default_name(product.repo) if product is not None else name
    if default_name(str(report.repository)) not in {expected, name}:
        return (
            f"misfiled: this report is of {report.repository}, filed under {name}: "
            "upload each product's own drift report"
        )
    checked = report.checked_at.date() if report.checked_at else today
    if (age := (today - checked).days) > max_age:
        return (
            f"stale: checked {age} days ago ({checked.isoformat()}, older than {max_age} "
            f"days): its waivers and lag are not today's; re-run the product's drift job"
        )
    expired = next((w for w in report.waivers if w.status == "active" and w.expires < today), None)
    if expired is not None:
        return (
            f"stale: its waiver on {expired.path} expired on {expired.expires.isoformat()} "
            "but the report counts it active; re-run the product's drift job"
        )
    return None


def collect(
    folder: Path,
    fleet: Fleet | None = None,
    *,
    today: dt.date | None = None,
    max_age: int = MAX_AGE_DAYS,
) -> Collected:
    if not folder.is_dir():
        raise NothingToCollect(f"{folder} is not a directory of drift reports")
    files = _report_files(folder)
    if not files:
        raise NothingToCollect(f"no drift report in {folder}: download `{REPORT_FILE}` files")
    today = today or dt.date.today()
    known: dict[str, Product] = {p.name: p for p in fleet.products} if fleet else {}
    result = Collected(rows=[])
    seen: set[str] = set()
    for relative in files:
        try:
            data = (folder / relative).read_bytes()
        except OSError as error:
            result.refused.append(RefusedReport(file=relative, reason=f"{error.strerror}"))
            continue
        if not _is_drift_report(relative, data):
            result.ignored += 1
            continue
        name = report_name(relative)
        product = known.get(name)
        if fleet is not None and product is None:
            result.refused.append(
                RefusedReport(file=relative, reason=f"foreign: {name} is not in the fleet file")
            )
            continue
        if name in seen:
            result.refused.append(
                RefusedReport(file=relative, reason=f"duplicate: {name} has another report")
            )
            continue
        seen.add(name)
        extra = {"team": product.team, "tier": product.tier} if product else {}
        repo = product.repo if product else relative
        report = _read(relative, data)
        if isinstance(report, str):
            result.rows.append(error_result(name, repo, report, "collected", **extra))
            result.rows[-1].link_drift_report(folder / relative)
            continue
        row = product_result(name=name, repo=repo, report=report, source="collected", **extra)
        row.link_drift_report(folder / relative)
        if (why := distrust(report, name, product, today, max_age)) is not None:
            row.status, row.error = "error", why  # the report stays for the drill-down
            row.team = product.team if product else None  # not the report's word for it
        result.rows.append(row)
    result.rows += [
        error_result(
            product.name,
            product.repo,
            f"no drift report collected (expected {product.name}/{REPORT_FILE}): did its CI "
            "run and upload the artifact?",
            "collected",
            team=product.team,
            tier=product.tier,
        )
        for product in known.values()
        if product.name not in seen
    ]
    if not result.rows and not result.refused:
        raise NothingToCollect(f"only other JSON in {folder}: download `{REPORT_FILE}` files")
    return result
