"""The fleet's history: one JSON line per run (``--history FILE``), so each report can say what
changed since the last run and draw trends per team and per guardrail.

JSON lines, not a database: appending is one write, shards' and collect's files merge by
concatenating them (each line carries its time; they are read in time order), a platform
repository can commit the file and review its diff, and a damaged line is skipped, not fatal.
A line holds, per product, only what the comparisons need (status, release, team, failing
guardrails), so a fleet of 3,000 products adds a few hundred kilobytes per run.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from .report import Changes, FleetReport, Moved, TrendPoint

KEEP_POINTS = 26  # runs shown in the trends: half a year of weekly runs


class ProductState(BaseModel):
    status: str
    release: str | None = None
    team: str | None = None
    guardrails: list[str] = Field(default_factory=list)


class Run(BaseModel):
    at: dt.datetime
    products: dict[str, ProductState]
    campaigns: dict[str, int] = Field(default_factory=dict)  # id -> products not done yet


class HistoryError(Exception):
    """The history file cannot be read or written: one line (exit 2)."""


def run_of(report: FleetReport) -> Run:
    guardrails: dict[str, list[str]] = {}
    for guardrail in report.guardrails:
        for name in guardrail.violated_by:
            guardrails.setdefault(name, []).append(guardrail.path)
    return Run(
        at=report.generated_at,
        products={
            p.name: ProductState(
                status=p.status,
                release=p.release,
                team=p.team,
                guardrails=guardrails.get(p.name, []),
            )
            for p in report.products
        },
        campaigns={c.id: c.products - c.done for c in report.campaigns},
    )


def read_runs(path: Path) -> list[Run]:
    """Every readable run of the file, oldest first (a missing file is no history yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as error:
        raise HistoryError(f"--history {path}: cannot read it: {error.strerror}") from None
    runs = []
    for line in text.splitlines():
        try:
            runs.append(Run.model_validate_json(line))
        except (ValidationError, ValueError):
            continue  # a damaged or foreign line: the rest of the history still counts
    return sorted(runs, key=lambda run: run.at)


def append_run(path: Path, run: Run) -> None:
    """One line, one write, appended: concurrent runs never interleave within a line."""
    line = (run.model_dump_json() + "\n").encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(handle, line)
        finally:
            os.close(handle)
    except OSError as error:
        raise HistoryError(f"--history {path}: cannot write it: {error.strerror}") from None


def _failing(status: str) -> bool:
    return status in {"violations", "error", "roadless"}


def changes(before: Run, now: Run) -> Changes:
    newly, fixed, adopted = [], [], []
    for name, state in sorted(now.products.items()):
        earlier = before.products.get(name)
        if earlier is None:
            continue
        if _failing(state.status) and not _failing(earlier.status):
            newly.append(Moved(product=name, before=earlier.status, now=state.status))
        elif _failing(earlier.status) and not _failing(state.status):
            fixed.append(Moved(product=name, before=earlier.status, now=state.status))
        if state.release and earlier.release and state.release != earlier.release:
            adopted.append(Moved(product=name, before=earlier.release, now=state.release))
    return Changes(
        since=before.at,
        newly_failing=newly,
        fixed=fixed,
        adopted=adopted,
        added=sorted(set(now.products) - set(before.products)),
        removed=sorted(set(before.products) - set(now.products)),
    )


def trend(runs: list[Run]) -> list[TrendPoint]:
    points = []
    for run in runs[-KEEP_POINTS:]:
        teams: dict[str, list[int]] = {}
        guardrails: dict[str, int] = {}
        for state in run.products.values():
            counts = teams.setdefault(state.team or "(no owner)", [0, 0])
            counts[0] += state.status == "ok"
            counts[1] += 1
            for path in state.guardrails:
                guardrails[path] = guardrails.get(path, 0) + 1
        points.append(
            TrendPoint(
                at=run.at,
                products=len(run.products),
                in_policy=sum(1 for s in run.products.values() if s.status == "ok"),
                team_in_policy={
                    team: round(100 * ok / total) for team, (ok, total) in teams.items()
                },
                guardrail_violations=guardrails,
                campaigns_left=run.campaigns,
            )
        )
    return points


def compare_with_history(report: FleetReport, path: Path) -> Run:
    """Fill in what changed since the file's last run, and the trend; the run to append once
    the reports are written (a run whose reports failed is no history)."""
    runs = read_runs(path)
    now = run_of(report)
    if runs:
        report.changes = changes(runs[-1], now)
    report.trend = trend([*runs, now])
    return now
