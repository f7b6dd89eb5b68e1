"""``fleet collect DIR``: the fleet report from drift JSON files that products' CI already made.

Nothing is cloned or rendered: each file is read and validated once, so the cost grows with
the number of reports only. A product is named after its file: ``DIR/shop/drift-report.json``
(one folder per downloaded artifact) is ``shop``; ``DIR/shop.json`` is ``shop`` too.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..drift.report import Report
from .aggregate import error_result, product_result
from .fleet_file import Fleet, Product
from .report import ProductResult

REPORT_FILE = "drift-report.json"  # the file inside each product's CI artifact


class NothingToCollect(Exception):
    """DIR is missing or holds no report: one line (exit 2)."""


def report_name(folder: Path, path: Path) -> str:
    relative = path.relative_to(folder)
    if path.name == REPORT_FILE and len(relative.parts) > 1:
        return relative.parent.as_posix()
    return relative.with_suffix("").as_posix()


def _read(path: Path) -> Report | str:
    try:
        return Report.model_validate_json(path.read_bytes())
    except OSError as error:
        return f"cannot read {path.name}: {error.strerror}"
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        return (
            f"{path.name} is not a drift report (`paved-road drift --format json`): "
            f"{where}: {first['msg']}"
        )


def collect(folder: Path, fleet: Fleet | None = None) -> list[ProductResult]:
    if not folder.is_dir():
        raise NothingToCollect(f"{folder} is not a directory of drift reports")
    files = sorted(folder.rglob("*.json"))
    if not files:
        raise NothingToCollect(
            f"no *.json drift report under {folder}: download the products' "
            f"`{REPORT_FILE}` artifacts there first"
        )
    known: dict[str, Product] = {p.name: p for p in fleet.products} if fleet else {}
    rows = []
    for path in files:
        name = report_name(folder, path)
        product = known.get(name)
        extra = {"team": product.team, "tier": product.tier} if product else {}
        repo = product.repo if product else path.relative_to(folder).as_posix()
        report = _read(path)
        if isinstance(report, str):
            rows.append(error_result(name, repo, report, "collected", **extra))
        else:
            rows.append(
                product_result(name=name, repo=repo, report=report, source="collected", **extra)
            )
    seen = {row.name for row in rows}
    rows += [
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
    return rows
