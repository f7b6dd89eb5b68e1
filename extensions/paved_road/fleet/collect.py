"""``fleet collect DIR``: the fleet report from drift JSON files that products' CI already made.

Nothing is cloned or rendered: each file is read and validated once, so the cost grows with
the number of reports only. A product is named after its file: ``DIR/shop/drift-report.json``
(one folder per downloaded artifact) is ``shop``; ``DIR/shop.json`` is ``shop`` too.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from ..drift.report import Report
from .aggregate import error_result, product_result
from .fleet_file import Fleet, Product
from .report import ProductResult

REPORT_FILE = "drift-report.json"  # the file inside each product's CI artifact


class NothingToCollect(Exception):
    """DIR is missing or holds no report: one line (exit 2)."""


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
    files = _report_files(folder)
    if not files:
        raise NothingToCollect(
            f"no *.json drift report under {folder}: download the products' "
            f"`{REPORT_FILE}` artifacts there first"
        )
    known: dict[str, Product] = {p.name: p for p in fleet.products} if fleet else {}
    rows = []
    for relative in files:
        name = report_name(relative)
        product = known.get(name)
        extra = {"team": product.team, "tier": product.tier} if product else {}
        repo = product.repo if product else relative
        report = _read(folder / relative)
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
