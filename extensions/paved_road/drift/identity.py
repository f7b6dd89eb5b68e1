"""Who, what and when a drift report is about: the product's repository, commit, owner and the
time of the check. ``fleet collect`` reads reports products' CI uploaded and trusts each one
only for the product, commit and day it names (docs/fleet.md, "What collect trusts")."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from .. import yaml_file
from .answers_file import read_answers
from .errors import CannotCheck
from .product_file import read_product_file
from .report import Report

# CI says which repository it builds; git's origin is the fallback (a local run).
_CI_REPOSITORY = ("GITHUB_REPOSITORY", "CI_PROJECT_PATH")


def _git(product: Path, *args: str) -> str | None:
    if not (product / ".git").exists():  # a snapshot folder: never some enclosing repository's
        return None
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=product,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except OSError:
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def repository(product: Path) -> str | None:
    for name in _CI_REPOSITORY:
        if value := os.environ.get(name, "").strip():
            return value
    return _git(product, "remote", "get-url", "origin")


def owner(product: Path) -> str | None:
    """catalog-info.yaml's ``spec.owner`` (``group:default/payments`` is ``payments``), else
    the ``owner_team`` answer; None when the product names neither."""
    try:
        raw = read_product_file(product, "catalog-info.yaml")  # never through a link out
        data = yaml_file.parse(raw, "catalog-info.yaml") if raw is not None else None
        spec_owner = data["spec"]["owner"] if isinstance(data, dict) else None
    except (yaml_file.FileProblem, KeyError, TypeError):
        spec_owner = None
    if isinstance(spec_owner, str) and spec_owner.strip():
        return spec_owner.strip().rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    try:
        team = read_answers(product).answers.get("owner_team")
    except CannotCheck:
        return None
    return str(team) if team else None


def stamp(
    report: Report,
    product: Path,
    *,
    commit: str | None = None,
    repo: str | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """The report with its product's identity, commit, owner and check time filled in (the
    values given win: the fleet knows the repository and commit it cloned)."""
    report.repository = repo or report.repository or repository(product)
    report.commit = commit or report.commit or _git(product, "rev-parse", "HEAD")
    report.owner = report.owner or owner(product)
    # A stored result keeps the time it was checked (results are valid for their day only).
    report.checked_at = now or report.checked_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    return report
