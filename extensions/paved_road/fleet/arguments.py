"""The options of ``paved-road fleet`` commands, shared between them (one spelling each).

Registering costs nothing: nothing here imports more than argparse.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .machine import usable_cpus

# collect: products' CI checks on every push and weekly; an older report is not today's verdict.
MAX_AGE_DAYS = 7

# One product's check (render, compare) takes seconds; ten minutes means it is stuck.
PRODUCT_TIMEOUT_SECONDS = 600


def default_cache() -> Path:
    base = os.environ.get("PAVED_ROAD_CACHE_DIR") or Path.home() / ".cache" / "paved-road"
    return Path(base) / "fleet"


def add_outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="report on stdout (default: text)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the JSON report")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="write the Markdown report")
    parser.add_argument("--html", type=Path, metavar="FILE", help="write the HTML dashboard")
    parser.add_argument(
        "--backstage", type=Path, metavar="FILE", help="write Backstage Tech Insights facts"
    )
    parser.add_argument(
        "--campaigns",
        type=Path,
        metavar="FILE",
        help="the platform's campaigns and levels (YAML, see docs/fleet.md): each campaign's "
        "progress against its deadline, and each product's level",
    )
    parser.add_argument(
        "--history",
        type=Path,
        metavar="FILE",
        help="JSON lines, one per run: the reports say what changed since the last run and "
        "draw trends; this run is appended",
    )
    parser.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="write one row per product as CSV, most in need of attention first",
    )
    parser.add_argument(
        "--owner-issues",
        metavar="OWNER/REPO",
        help="also open, refresh or close one GitHub issue per owner in this repository (the "
        "platform's), with the owner's digest (needs the GitHub token of --token-env)",
    )
    parser.add_argument(
        "--digests",
        type=Path,
        metavar="DIR",
        help="write one Markdown digest per owner, DIR/<team>.md: what the team must do, "
        "soonest deadline first",
    )


def add_fleet_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fleet", type=Path, help="the fleet file (YAML, see docs/fleet.md)")
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=usable_cpus(),
        help="products checked at once (default: the CPUs this process may use)",
    )
    parser.add_argument(
        "--approved-source",
        action="append",
        default=[],
        metavar="SOURCE",
        help="also approve this template source, as `paved-road drift --approved-source` does "
        "(repeatable); products from unapproved sources fail",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=default_cache(),
        help="clones, renders and results (default: $PAVED_ROAD_CACHE_DIR/fleet or "
        "~/.cache/paved-road/fleet)",
    )


def add_forge_options(parser: argparse.ArgumentParser, github: str, gitlab: str) -> None:
    parser.add_argument(
        "--token-env",
        metavar="VAR",
        default="PAVED_ROAD_GITHUB_TOKEN",
        help=f"environment variable holding a GitHub token {github} "
        "(default: PAVED_ROAD_GITHUB_TOKEN)",
    )
    parser.add_argument(
        "--gitlab-token-env",
        metavar="VAR",
        default="PAVED_ROAD_GITLAB_TOKEN",
        help=f"environment variable holding a GitLab token (scope api) {gitlab} "
        "(default: PAVED_ROAD_GITLAB_TOKEN)",
    )
    parser.add_argument(
        "--gitlab-url",
        action="append",
        default=[],
        metavar="URL",
        help="a self-managed GitLab instance (e.g. https://gitlab.acme.internal) "
        "(repeatable; gitlab.com is always one)",
    )


def add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME[,NAME]",
        help="only these products (repeatable)",
    )
    parser.add_argument(
        "--team",
        action="append",
        default=[],
        metavar="TEAM",
        help="only the products of this team (repeatable): the fleet file's team:, else the "
        "owner the product names",
    )
    parser.add_argument(
        "--tier", action="append", default=[], metavar="TIER", help="only this tier (repeatable)"
    )
    parser.add_argument(
        "--wave",
        metavar="N%",
        help="only the first N%% of the products, canary-first: waves are nested (5%% is in "
        "25%%) and each product's place is fixed",
    )
