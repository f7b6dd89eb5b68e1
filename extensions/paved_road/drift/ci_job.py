"""The product's CI still runs the platform's drift job (and its probe job), as the template
wrote them.

``.github/workflows/ci.yml`` is guarded, so any edit is a ``modified`` finding, which a waiver
can cover. An edit to the drift job itself (removed, ``if: false``, ``continue-on-error``,
``|| true``, other jobs no longer waiting for it, no longer run on pull requests) switches
drift off for every later change, so it is its own finding, never waivable: the fleet check
names every product whose default branch no longer checks drift.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .fast_yaml import load_shared
from .product_file import read_product_file
from .report import Finding, Kind, Severity

CI_FILE = ".github/workflows/ci.yml"
DRIFT_JOB = "drift"
# The platform's jobs and what CI stops doing without them (the probe job serves the app and
# probes it black-box once drift passed).
PLATFORM_JOBS = {
    DRIFT_JOB: ("drift no longer runs in CI", "CI no longer checks drift as the platform does"),
    "probe": ("CI no longer probes the app", "CI no longer probes the app as the platform does"),
}


def _load(data: bytes | None) -> dict[str, Any] | None:
    try:
        parsed = load_shared(data) if data is not None else None  # shared: only read here
    except (yaml.YAMLError, UnicodeDecodeError, ValueError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _triggers(workflow: dict[str, Any]) -> set[str]:
    # YAML 1.1 reads a bare `on:` key as True.
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on}
    return {str(key) for key in on} if isinstance(on, dict | list) else set()


def _needs(job: Any) -> set[str]:
    needs = job.get("needs") if isinstance(job, dict) else None
    return {needs} if isinstance(needs, str) else set(needs or [])


def _first_difference(shipped: Any, mine: Any, where: str = "") -> str:
    if isinstance(shipped, dict) and isinstance(mine, dict):
        for key in [*shipped, *(key for key in mine if key not in shipped)]:
            if shipped.get(key) != mine.get(key):
                return _first_difference(shipped.get(key), mine.get(key), f"{where}.{key}")
    if isinstance(shipped, list) and isinstance(mine, list) and len(shipped) == len(mine):
        for index, (left, right) in enumerate(zip(shipped, mine, strict=True)):
            if left != right:
                return _first_difference(left, right, f"{where}[{index}]")
    return where.lstrip(".") or "the job"


def ci_job_problems(shipped: dict[str, Any], mine: dict[str, Any] | None) -> list[str]:
    """What keeps the product's CI from running the platform's drift job as shipped."""
    if mine is None:
        return ["ci.yml is missing or does not parse: drift no longer runs in CI"]
    jobs = mine.get("jobs") if isinstance(mine.get("jobs"), dict) else {}
    problems = []
    for name, (missing, altered) in PLATFORM_JOBS.items():
        wanted = shipped["jobs"].get(name)
        if wanted is None:
            continue
        if name not in jobs:
            problems.append(f"the {name} job is missing: {missing}")
        elif jobs[name] != wanted:
            problems.append(
                f"the {name} job is altered ({_first_difference(wanted, jobs[name])} differs "
                f"from the template's): {altered}"
            )
    problems += [
        f"job {name} no longer waits for the drift job (needs: drift)"
        for name, job in shipped["jobs"].items()
        if DRIFT_JOB in _needs(job) and name in jobs and DRIFT_JOB not in _needs(jobs[name])
    ]
    problems += [
        f"ci.yml no longer runs on {trigger}"
        for trigger in sorted(_triggers(shipped) - _triggers(mine))
    ]
    return problems


def ci_job_findings(render: Path, product: Path) -> list[Finding]:
    shipped = _load((render / CI_FILE).read_bytes()) if (render / CI_FILE).is_file() else None
    if shipped is None or DRIFT_JOB not in (shipped.get("jobs") or {}):
        return []
    mine = _load(read_product_file(product, CI_FILE))
    return [
        Finding(kind=Kind.CI_DRIFT_JOB, severity=Severity.ERROR, path=CI_FILE, message=problem)
        for problem in ci_job_problems(shipped, mine)
    ]
