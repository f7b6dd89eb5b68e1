"""``paved-road fleet check|update|adopt|collect``: arguments and exit codes.

Registering costs nothing: each handler imports what it needs when it runs.
``fleet shards`` (the CI matrix) is registered by its own module, ``shards``.
Exit codes: 0 every product in policy (or updated, or adopted); 1 some product violates, is
not on the paved road, cannot be checked or did not update or adopt cleanly, and every report
asked for is written; 2 the fleet file (or the reports folder, or an option) is unusable;
3 paved-road itself failed (a bug): one line, no report written; 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import shards
from .arguments import (
    MAX_AGE_DAYS,
    PRODUCT_TIMEOUT_SECONDS,
    add_fleet_options,
    add_forge_options,
    add_outputs,
    add_selection,
)

if TYPE_CHECKING:
    from .report import FleetReport
    from .update_requests import Forges

EXIT_BAD_INPUT, EXIT_CRASH, EXIT_INTERRUPTED = 2, 3, 130


def _forges(args: argparse.Namespace, **steering: bool) -> Forges:
    from .update_requests import Forges  # noqa: PLC0415

    return Forges(
        github_token=os.environ.get(args.token_env) or None,
        gitlab_token=os.environ.get(args.gitlab_token_env) or None,
        gitlab_instances=tuple(args.gitlab_url),
        **steering,
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "fleet",
        help="drift and updates across every product of a fleet",
        description="The platform team's view of all its products. Exit 0: all in policy; "
        "1: some violate or cannot be checked; 2: the fleet file is unusable.",
    )
    commands = parser.add_subparsers(dest="fleet_command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="check every product of a fleet file for drift",
        description="Clone or fetch each product into the cache, run the drift check on each "
        "in parallel (renders shared; results stored, so an interrupted run resumes), report.",
    )
    add_fleet_options(check)
    add_selection(check)
    add_forge_options(
        check,
        "to read back the update pull requests",
        "to read back the update merge requests",
    )
    check.add_argument(
        "--shard",
        metavar="I/N",
        help="check only the I-th of N shards of the fleet (1 <= I <= N; each product always "
        "falls in the same shard): one job of a CI matrix",
    )
    check.add_argument(
        "--product-timeout",
        type=float,
        default=PRODUCT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="stop a product's check after this long: its row is an error, the run goes on "
        f"(default: {PRODUCT_TIMEOUT_SECONDS})",
    )
    check.add_argument(
        "--drift-dir",
        type=Path,
        metavar="DIR",
        help="also write each product's drift report to DIR/<product>/drift-report.json "
        "(what `fleet collect` reads)",
    )
    check.add_argument(
        "--waiver-signers",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="also accept waivers signed by the keys of this allowed-signers file, as "
        "`paved-road drift --waiver-signers` does (repeatable)",
    )
    add_outputs(check)
    check.set_defaults(handler=run_check_command)
    shards.register(commands)

    collect = commands.add_parser(
        "collect",
        help="build the fleet reports from a folder of drift JSON reports",
        description="No clone, no render: read the drift-report.json files the products' CI "
        "uploaded (DIR/<product>/drift-report.json) and build the same reports.",
    )
    collect.add_argument("folder", type=Path, metavar="DIR", help="folder of drift JSON reports")
    collect.add_argument(
        "--fleet",
        type=Path,
        metavar="FLEET",
        help="fleet file: teams, tiers, missing reports; reports of other products are refused",
    )
    collect.add_argument(
        "--max-age",
        type=int,
        default=MAX_AGE_DAYS,
        metavar="DAYS",
        help="a report checked longer ago than this is stale: its product's row is an error "
        f"(default: {MAX_AGE_DAYS})",
    )
    add_forge_options(
        collect,
        "to read back the update pull requests (needs --fleet)",
        "to read back the update merge requests (needs --fleet)",
    )
    add_outputs(collect)
    collect.set_defaults(handler=run_collect_command)

    update = commands.add_parser(
        "update",
        help="update every product that is behind, on a branch per product",
        description="For each product behind RELEASE (default: the newest), run `paved-road "
        "update` in a scratch clone and push branch paved-road/update-RELEASE; with a token, "
        "open a pull request. Products with conflicts get their branch and are listed.",
    )
    add_fleet_options(update)
    add_selection(update)
    update.add_argument("--to", metavar="RELEASE", help="template tag (default: the newest)")
    update.add_argument(
        "--draft",
        action="store_true",
        help="open every pull or merge request as a draft (conflicted or drifted ones always are)",
    )
    update.add_argument(
        "--request-review",
        action="store_true",
        help="ask the owner to review each new pull or merge request (GitHub: the team whose "
        "slug is the owner; GitLab: the user whose username is the owner)",
    )
    add_forge_options(update, "to open pull requests", "to open merge requests")
    update.set_defaults(handler=run_update_command)

    adopt = commands.add_parser(
        "adopt",
        help="adopt every product not on the paved road, on a branch per product",
        description="For each product without .copier-answers.yml, run `paved-road adopt "
        "--defaults` in a scratch clone and push branch paved-road/adopt (conflicts marked and "
        "listed in ADOPTION.md); with a token, open a pull request with that report.",
    )
    add_fleet_options(adopt)
    adopt.add_argument(
        "--template",
        metavar="SOURCE",
        help="the template to adopt (default: the platform's approved source); it must be "
        "approved (--approved-source)",
    )
    adopt.add_argument("--to", metavar="RELEASE", help="template tag (default: the newest)")
    adopt.add_argument(
        "--token-env",
        metavar="VAR",
        default="PAVED_ROAD_GITHUB_TOKEN",
        help="environment variable holding a GitHub token to open pull requests "
        "(default: PAVED_ROAD_GITHUB_TOKEN; unset: branches only)",
    )
    adopt.set_defaults(handler=run_adopt_command)


def _no_traceback(handler: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """A bug while checking or reporting is exit 3 and one line, never a traceback ending in
    exit 1, which CI would read as "violations, report written"."""

    @functools.wraps(handler)
    def guarded(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except Exception as error:  # the one place a bug becomes a line
            why = " ".join(str(error).split())
            line = "paved-road fleet: internal error ({}), no report: report it"
            what = f"{type(error).__name__}: {why}"
            room = 80 - len(line.format(""))  # one line: the start of Python's words will do
            print(
                line.format(what if len(what) <= room else what[: room - 3] + "..."),
                file=sys.stderr,
            )
            return EXIT_CRASH

    return guarded


def _campaigns(args: argparse.Namespace) -> object:
    """The campaigns file, read and validated before any work (FleetFileError: exit 2)."""
    if args.campaigns is None:
        return None
    from .campaigns import load_campaigns  # noqa: PLC0415

    return load_campaigns(args.campaigns)


def _owner_issues(report: FleetReport, args: argparse.Namespace) -> None:
    """Each owner's issue; a forge that refuses is one line, the reports stand."""
    import urllib.error  # noqa: PLC0415

    from .digests import by_owner  # noqa: PLC0415
    from .owner_issues import publish  # noqa: PLC0415

    token = os.environ.get(args.token_env) or ""
    try:
        for line in publish(args.owner_issues, by_owner(report), token):
            print(f"paved-road fleet: {line}", file=sys.stderr)
    except (urllib.error.URLError, OSError, KeyError, ValueError) as error:
        why = " ".join(str(error).split())[:200]
        print(f"paved-road fleet: owner issues in {args.owner_issues}: {why}", file=sys.stderr)


def _unusable_issues(args: argparse.Namespace) -> str | None:
    from .owner_issues import valid_repo  # noqa: PLC0415

    if args.owner_issues is None:
        return None
    if not valid_repo(args.owner_issues):
        return f"--owner-issues {args.owner_issues}: give the platform's repo as OWNER/REPO"
    if not os.environ.get(args.token_env):
        return f"--owner-issues: set ${args.token_env} (issues: write)"
    return None


def _fail(message: str) -> int:
    print(f"paved-road fleet: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _report(
    rows: list,  # type: ignore[type-arg]
    source: str,
    args: argparse.Namespace,
    refused: list | None = None,  # type: ignore[type-arg]
) -> int:
    from .aggregate import build_report  # noqa: PLC0415
    from .outputs import WRITERS, link_from, text, write_reports  # noqa: PLC0415

    report = build_report(rows, fleet=source, today=dt.date.today(), refused=refused)
    if args.plan is not None:
        from .campaigns import apply  # noqa: PLC0415

        apply(report, args.plan)
    run = None
    if args.history is not None:
        from .history import HistoryError, append_run, compare_with_history  # noqa: PLC0415

        try:
            run = compare_with_history(report, args.history)
        except HistoryError as error:
            return _fail(str(error))
    targets = {
        kind: path
        for kind in ("json", "markdown", "html", "backstage", "csv")
        if (path := getattr(args, kind)) is not None
    }
    try:
        write_reports(report, targets, args.digests)
    except OSError as error:
        return _fail(f"cannot write {error.filename}: {error.strerror}")
    if run is not None:
        try:
            append_run(args.history, run)
        except HistoryError as error:
            return _fail(str(error))
    if args.owner_issues is not None:
        _owner_issues(report, args)
    link_from(report, Path.cwd())  # stdout's links: from where the command runs
    sys.stdout.write(text(report) if args.format == "text" else WRITERS[args.format](report))
    return report.summary.exit_code


@_no_traceback
def run_check_command(args: argparse.Namespace) -> int:
    from .checking import Interrupted, check_fleet  # noqa: PLC0415
    from .fleet_file import FleetFileError, load_fleet  # noqa: PLC0415
    from .selection import owner_matches, select, selection  # noqa: PLC0415
    from .shards import shard  # noqa: PLC0415

    unusable = [path for path in args.waiver_signers if not path.is_file()]
    problem = (
        "--jobs must be 1 or more"
        if args.jobs < 1
        else "--product-timeout must be 1 s or more"
        if not args.product_timeout >= 1
        else f"--waiver-signers {unusable[0]} is not a file: name an allowed-signers file"
        if unusable
        else None
    )
    if problem := problem or _unusable_issues(args):
        return _fail(problem)
    try:
        fleet = load_fleet(args.fleet)
        if args.shard is not None:
            fleet = shard(fleet, args.shard)
        chosen = selection(args.only, args.team, args.tier, args.wave)
        fleet = select(fleet, chosen)
        args.plan = _campaigns(args)  # before anything is cloned
    except FleetFileError as error:
        return _fail(str(error))
    try:
        rows, tally = check_fleet(
            fleet,
            cache=args.cache_dir,
            jobs=args.jobs,
            today=dt.date.today(),
            approved=tuple(args.approved_source),
            signers=tuple(str(path.resolve()) for path in args.waiver_signers),
            product_timeout=args.product_timeout,
        )
    except Interrupted as error:
        print(f"paved-road fleet: {error}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:
        return _fail(f"cache {args.cache_dir} is unusable: {error.strerror or error}")
    print(
        f"paved-road fleet: {tally.checked} checked, {tally.reused} reused from an earlier run",
        file=sys.stderr,
    )
    fleet_team = {product.name: product.team for product in fleet.products}
    rows = [row for row in rows if owner_matches(chosen, fleet_team.get(row.name), row.team)]
    from .tracking import track  # noqa: PLC0415

    track(rows, {product.name: product.url for product in fleet.products}, _forges(args))
    if args.drift_dir is not None:
        from .outputs import write_drift_reports  # noqa: PLC0415

        try:
            write_drift_reports(rows, args.drift_dir)
        except OSError as error:
            return _fail(f"cannot write {error.filename}: {error.strerror}")
    return _report(rows, str(args.fleet), args)


@_no_traceback
def run_collect_command(args: argparse.Namespace) -> int:
    from .collect import NothingToCollect, collect  # noqa: PLC0415
    from .fleet_file import FleetFileError, load_fleet  # noqa: PLC0415

    if args.max_age < 0:
        return _fail("--max-age must be 0 days or more")
    if problem := _unusable_issues(args):
        return _fail(problem)
    try:
        fleet = load_fleet(args.fleet) if args.fleet is not None else None
        args.plan = _campaigns(args)
        found = collect(args.folder, fleet, max_age=args.max_age)
    except (FleetFileError, NothingToCollect) as error:
        return _fail(str(error))
    if found.ignored:
        print(
            f"paved-road fleet: ignored {found.ignored} JSON file(s) that are not drift reports",
            file=sys.stderr,
        )
    for refused in found.refused:
        print(f"paved-road fleet: refused {refused.file}: {refused.reason}", file=sys.stderr)
    if fleet is not None:
        from .tracking import track  # noqa: PLC0415

        track(found.rows, {product.name: product.url for product in fleet.products}, _forges(args))
    return _report(found.rows, str(args.folder), args, found.refused)


@_no_traceback
def run_update_command(args: argparse.Namespace) -> int:
    from .fleet_file import FleetFileError, load_fleet  # noqa: PLC0415
    from .selection import select, selection  # noqa: PLC0415
    from .updating import print_outcomes, unknown_release, update_fleet  # noqa: PLC0415

    if args.jobs < 1:
        return _fail("--jobs must be 1 or more")
    try:
        chosen = selection(args.only, args.team, args.tier, args.wave)
        fleet = select(load_fleet(args.fleet), chosen)
    except FleetFileError as error:
        return _fail(str(error))
    if args.to is not None and (problem := unknown_release(args.to, args.approved_source)):
        return _fail(problem)  # once, before any product is cloned
    outcomes = update_fleet(
        fleet,
        to=args.to,
        jobs=args.jobs,
        scratch=args.cache_dir / "updates",
        forges=_forges(args, draft=args.draft, request_review=args.request_review),
        approved=tuple(args.approved_source),
        chosen=chosen,
    )
    return print_outcomes(outcomes)


@_no_traceback
def run_adopt_command(args: argparse.Namespace) -> int:
    from ..template_source import APPROVED_SOURCES  # noqa: PLC0415
    from .adopting import adopt_fleet, print_outcomes  # noqa: PLC0415
    from .fleet_file import FleetFileError, load_fleet  # noqa: PLC0415
    from .updating import Failed  # noqa: PLC0415

    if args.jobs < 1:
        return _fail("--jobs must be 1 or more")
    try:
        fleet = load_fleet(args.fleet)
        outcomes = adopt_fleet(
            fleet,
            template=args.template or APPROVED_SOURCES[0],
            to=args.to,
            jobs=args.jobs,
            scratch=args.cache_dir / "adoptions",
            token=os.environ.get(args.token_env) or None,
            approved=tuple(args.approved_source),
        )
    except (FleetFileError, Failed) as error:
        return _fail(str(error))
    return print_outcomes(outcomes)
