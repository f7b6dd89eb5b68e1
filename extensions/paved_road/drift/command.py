"""``paved-road drift [PATH]``: the subcommand's arguments and its exit code."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .check import run_check
from .formats import FORMATS, cannot_check_line


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "drift",
        help="report how far a product drifted from its template",
        description="Compare a product with the template at its recorded version, as the "
        "template's ownership policy says. Exit 0: in policy, 1: violations, 2: cannot check.",
    )
    parser.add_argument("path", nargs="?", default=".", type=Path, help="the product (default: .)")
    parser.add_argument(
        "--format", choices=sorted(FORMATS), default="text", help="output on stdout (default: text)"
    )
    parser.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help="also append the markdown report to FILE (e.g. $GITHUB_STEP_SUMMARY)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=os.environ.get("PAVED_ROAD_CACHE_DIR") or None,
        help="keep template re-renders here across runs (default: $PAVED_ROAD_CACHE_DIR)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    report = run_check(args.path, cache_dir=args.cache_dir)
    if report.error is None or args.format != "text":
        sys.stdout.write(FORMATS[args.format](report))
    if args.summary is not None:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(FORMATS["markdown"](report))
    if report.error is not None:  # one clear line, whatever the format
        print(cannot_check_line(report), file=sys.stderr)
    return report.exit_code
