"""``paved-road update [PATH]``: arguments, the order of the steps, and the exit code."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

import copier
from copier.errors import UserMessageError

from ..drift import run_check
from ..drift.formats import text
from ..template_source import resolve_src
from . import changelog
from .lockfile import LOCK, PYPROJECT, relock
from .outcome import Outcome, read_outcome
from .product import Refused, dirty_paths, head, read_answers, restore, worktree_root
from .template_repo import has_commit, open_template, read_at

EXIT_OK, EXIT_CONFLICTS, EXIT_REFUSED, EXIT_DRIFT = 0, 1, 2, 3


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "update",
        help="update a product to a newer template version, safely",
        description="Run `copier update` on a clean product with inline conflicts, then list "
        "what changed, any conflicts left, the template's changelog between the two versions, "
        "and the drift check. Exit 0: updated and in policy; 1: conflicts remain; 2: refused "
        "or failed, product unchanged; 3: updated, but the drift check fails.",
    )
    parser.add_argument("path", nargs="?", default=".", type=Path, help="the product (default: .)")
    parser.add_argument(
        "--defaults",
        action="store_true",
        help="ask nothing: keep recorded answers, use defaults for new questions (bots, CI)",
    )
    parser.add_argument(
        "--vcs-ref",
        metavar="REF",
        help="template tag or commit to update to (default: the newest release tag)",
    )
    parser.add_argument(
        "--no-drift", action="store_true", help="skip the drift check after the update"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _update(args.path.resolve(), args)
    except Refused as error:
        print(f"paved-road update: {error}", file=sys.stderr)
        return EXIT_REFUSED


def _update(product: Path, args: argparse.Namespace) -> int:
    root = worktree_root(product)
    if dirty := dirty_paths(root):
        shown = ", ".join(dirty[:3]) + (", ..." if len(dirty) > 3 else "")
        raise Refused(
            f"{product} has {len(dirty)} uncommitted change(s) ({shown}): commit or stash "
            "them first, so the update can be reviewed and undone on its own"
        )
    before = read_answers(product)
    if not args.defaults and not sys.stdin.isatty():
        raise Refused("no terminal to ask questions on: pass --defaults to run non-interactively")
    src = resolve_src(before.src_path, product)
    relative = src != before.src_path and not Path(before.src_path).is_absolute()
    if relative and not Path(src).exists():
        raise Refused(
            f"template source {before.src_path} not found: a relative _src_path is read from "
            f"the product's directory ({src}); record the template's URL or absolute path "
            "in .copier-answers.yml"
        )
    with open_template(src) as repo:
        if not has_commit(repo, before.commit):
            raise Refused(
                f"_commit {before.commit} of .copier-answers.yml is not in the template "
                f"{before.src_path}: restore the answers file, or ask the platform team whether "
                "that version was deleted"
            )
        if args.vcs_ref and not has_commit(repo, args.vcs_ref):
            raise Refused(f"--vcs-ref {args.vcs_ref} is not a tag or commit of {before.src_path}")
        _run_copier(product, args)
        after = read_answers(product)
        notes = read_at(repo, after.commit, "CHANGELOG.md") or ""
    outcome, lock_note = _outcome_with_lock(product)
    _print_summary(before.commit, after.commit, outcome, notes, lock_note)
    if args.no_drift:
        return EXIT_CONFLICTS if outcome.conflicts else EXIT_OK
    drift_exit = _drift(product)
    if outcome.conflicts:
        return EXIT_CONFLICTS
    return EXIT_DRIFT if drift_exit != 0 else EXIT_OK


def _outcome_with_lock(product: Path) -> tuple[Outcome, str | None]:
    """What the update did, after uv.lock is re-locked; a lock that could not be re-locked
    counts as a conflict (the product is not done)."""
    outcome = read_outcome(product)
    lock = relock(product, PYPROJECT in outcome.conflicts)
    if lock is None:
        return outcome, None
    note, done = lock
    outcome = read_outcome(product)
    if not done and LOCK not in outcome.conflicts:
        outcome.conflicts.append(LOCK)
    return outcome, note


def _run_copier(product: Path, args: argparse.Namespace) -> None:
    """Copier with inline conflicts; any failure puts the product back as it was."""
    start = head(product)
    try:
        # cwd = the product, so a relative _src_path means what it meant when recorded.
        with contextlib.chdir(product):
            copier.run_update(
                product,
                defaults=args.defaults,
                skip_answered=True,
                overwrite=True,  # required by run_update; the product's edits are merged
                unsafe=True,  # the template's own extensions and migrations
                conflict="inline",  # never .rej: that would keep the template's side only
                quiet=True,
                vcs_ref=args.vcs_ref,
            )
    except (Exception, KeyboardInterrupt) as error:
        restore(product)
        if head(product) != start:
            raise Refused(f"copier update failed and moved HEAD from {start[:12]}") from error
        why = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if not isinstance(error, UserMessageError):
            why = f"{type(error).__name__}: {why}"
        raise Refused(f"copier update failed, product left unchanged: {why}") from error


def _print_summary(old: str, new: str, outcome: Outcome, notes: str, lock: str | None) -> None:
    print(f"Template {old} -> {new}" if old != new else f"Template already at {new}")
    for label, paths in (
        ("Added", outcome.added),
        ("Removed", outcome.removed),
        ("Merged", outcome.merged),
    ):
        print(f"{label} ({len(paths)}):" + "".join(f"\n  {path}" for path in paths))
    if lock:
        print(lock)
    if outcome.conflicts:
        print(f"CONFLICTS ({len(outcome.conflicts)}): resolve, then `git add` each file:")
        print("".join(f"  {path}\n" for path in outcome.conflicts), end="")
    else:
        print("Conflicts: none")
    chosen = changelog.between(notes, old, new)
    if chosen:
        print("\nTemplate changelog since your version (CHANGELOG.md):\n")
        print("\n\n".join(section.text for section in chosen))
    print()


def _drift(product: Path) -> int:
    # The update just rendered the recorded source; whether that source is the platform's is
    # for CI's drift check (which approves only the platform's sources).
    report = run_check(product, approve_recorded=True)
    print("Drift check:")
    sys.stdout.write(text(report))
    return report.exit_code
