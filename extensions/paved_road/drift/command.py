"""``paved-road drift [PATH]``: the subcommand's arguments and its exit code."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..one_line import shown_path
from .formats import FORMATS, cannot_check_line

APPROVE_RECORDED = "--approve-recorded-source was given"


def default_cache_dir() -> Path | None:
    """``$PAVED_ROAD_CACHE_DIR``, except in CI: there the product's own steps run first and
    could write the cache, so CI renders afresh (an explicit ``--cache-dir`` still counts)."""
    if os.environ.get("CI") or not os.environ.get("PAVED_ROAD_CACHE_DIR"):
        return None
    return Path(os.environ["PAVED_ROAD_CACHE_DIR"])


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
        default=default_cache_dir(),
        help="keep template re-renders here across runs, outside the product (default: "
        "$PAVED_ROAD_CACHE_DIR, except in CI)",
    )
    parser.add_argument(
        "--approved-source",
        action="append",
        default=[],
        metavar="SOURCE",
        help="also approve this template source (repeatable; the guarded CI workflow passes the "
        "platform's). Products from unapproved sources fail and are never rendered",
    )
    parser.add_argument(
        "--approve-recorded-source",
        action="store_true",
        help="trust the template source the product records, wherever it is (noted in the "
        "report). Outside CI a template on this machine is checked without it; CI never "
        "passes it",
    )
    parser.add_argument(
        "--waiver-signers",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="also accept waivers signed by the keys of this allowed-signers file (repeatable; "
        "the platform's keys ship with paved-road)",
    )
    # One check per process: the console script tunes the process for it (cli.py).
    parser.set_defaults(handler=run, one_shot=True)


def unusable_option(args: argparse.Namespace) -> str | None:
    """Why --summary or --cache-dir cannot be used, checked before anything is written."""
    summary: Path | None = args.summary
    if summary is not None:
        if summary.is_dir():
            return f"--summary {summary} is a folder: name a file"
        if not summary.parent.is_dir():
            return f"--summary {summary}: no such folder: create it"
        if not os.access(summary if summary.exists() else summary.parent, os.W_OK):
            return f"--summary {summary} is not writable: name another file"
    for signers in args.waiver_signers:
        if not signers.is_file():
            return f"--waiver-signers {signers} is not a file: name one"
    cache: Path | None = args.cache_dir
    if cache is not None:
        existing = next((path for path in (cache, *cache.parents) if path.exists()), None)
        if existing is not None and not existing.is_dir():
            where = "" if existing == cache else f": {shown_path(existing)}"
            return f"--cache-dir {cache}{where} is a file: name a folder"
    return None


def run(args: argparse.Namespace) -> int:
    # Imported here, not with the module: the parser needs none of it, and `drift --help` or a
    # usage mistake then costs no pydantic, PyYAML or finding modules (about 0.2 s).
    from .check import run_check  # noqa: PLC0415
    from .identity import stamp  # noqa: PLC0415
    from .report import Report  # noqa: PLC0415

    if (problem := unusable_option(args)) is not None:
        product = str(args.path.resolve())
        report = Report(product=product, status="error", exit_code=2, error=problem)
    else:
        report = run_check(
            args.path,
            cache_dir=args.cache_dir,
            approved_sources=args.approved_source,
            trusted_because=APPROVE_RECORDED if args.approve_recorded_source else None,
            # Outside CI, a product made from a template on this machine is checked against
            # it: the same verdict as `make drift` (docs/drift.md, "What drift trusts").
            local_run=not os.environ.get("CI"),
            waiver_signers=args.waiver_signers,
        )
    stamp(report, args.path.resolve())
    if report.error is None or args.format != "text":
        sys.stdout.write(FORMATS[args.format](report))
    if args.summary is not None and problem is None:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(FORMATS["markdown"](report))
    if report.error is not None:  # one clear line, whatever the format
        print(cannot_check_line(report), file=sys.stderr)
    return report.exit_code
