"""``paved-road update [PATH]``: arguments, the order of the steps, and the exit code."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import sys
from pathlib import Path

import copier
from copier.errors import UserMessageError
from plumbum import local

from ..drift import run_check
from ..drift.formats import text
from ..drift.versions import Behind, behind
from ..template_source import resolve_src
from . import apply, brief, changelog, stages
from .interrupts import Interrupted, deferred, signals_interrupt
from .lockfile import LOCK, PYPROJECT, relock
from .outcome import Outcome, read_outcome
from .product import (
    ANSWERS_FILE,
    Answers,
    Refused,
    dirty_paths,
    head,
    read_answers,
    worktree_root,
)
from .scratch import leftovers, scratch_clone, update_lock
from .template_repo import has_commit, open_template, read_at, tags

EXIT_OK, EXIT_CONFLICTS, EXIT_REFUSED, EXIT_DRIFT = 0, 1, 2, 3
DELETED_NOTE = (
    "  (the template deleted it; your changed version is kept: "
    "`git rm` accepts the deletion, `git add` keeps it)"
)


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
        with signals_interrupt():
            return _update(args.path.resolve(), args)
    except Refused as error:
        print(f"paved-road update: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except Interrupted as signal_name:  # anywhere before the applier started
        print(
            f"paved-road update: interrupted by {signal_name} before the product was changed: "
            "product left unchanged, run the update again",
            file=sys.stderr,
        )
        return EXIT_REFUSED


def _update(product: Path, args: argparse.Namespace) -> int:
    root = worktree_root(product)
    with update_lock(root) as lock_fd:
        if (finished := _finish_interrupted(root, lock_fd)) is not None:
            return finished
        if dirty := dirty_paths(root):
            shown = ", ".join(dirty[:3]) + (", ..." if len(dirty) > 3 else "")
            raise Refused(
                f"{product} has {len(dirty)} uncommitted change(s) ({shown}): commit or stash "
                "them first, so the update can be reviewed and undone on its own"
            )
        before = read_answers(product)
        if not args.defaults and not sys.stdin.isatty():
            raise Refused(
                "no terminal to ask questions on: pass --defaults to run non-interactively"
            )
        applied: int | None = None
        outcome = Outcome()
        try:
            result = _prepare(root, product, before, args)
            if result is None:
                print(f"Template already at {before.commit}\nConflicts: none\n")
                brief.refresh(product, before.commit, before.commit, outcome, "")  # resolved
                return _finish(product, args, outcome)
            plan, after, outcome, notes, lock_note = result
            with deferred():  # the applier inherits the block; so does this process, until done
                applied = apply.spawn(plan, lock_fd)
            if applied < 0:  # the applier itself was killed: its plan is still there
                raise Refused(
                    f"writing the update was stopped by {signal.Signals(-applied).name}: "
                    "run `paved-road update` again to finish it"
                )
            if applied > 0:  # it put the product back and said why
                raise Refused("the update could not be written; the product is unchanged")
            _print_summary(before.commit, after.commit, outcome, notes, lock_note)
            if written := brief.refresh(product, before.commit, after.commit, outcome, notes):
                print(written + "\n")
            return _finish(product, args, outcome)
        except Interrupted as signal_name:
            if applied is None:
                raise
            print(
                f"paved-road update: interrupted by {signal_name} after the update was "
                "written: the product holds the complete update; run `paved-road drift` "
                "to check it",
                file=sys.stderr,
            )
            return EXIT_CONFLICTS if outcome.conflicts else EXIT_DRIFT


def _finish_interrupted(root: Path, lock_fd: int) -> int | None:
    """Folders left by killed runs: finish a plan whose applier had started (the product is
    part-written and the plan says how to complete it); delete any other scratch work."""
    for folder in leftovers(root):
        if (folder / apply.MARKER).exists() and (folder / apply.PLAN_FILE).exists():
            print(
                "paved-road update: an earlier update was stopped while being written into "
                "the product; finishing it",
                file=sys.stderr,
            )
            with deferred():
                finished = apply.spawn(folder / apply.PLAN_FILE, lock_fd)
            if finished != 0:
                raise Refused("could not finish the earlier update (see above)")
            print("Finished the earlier update: review it with `git status`, then commit.")
            return EXIT_OK
        shutil.rmtree(folder, ignore_errors=True)
    return None


def _prepare(
    root: Path, product: Path, before: Answers, args: argparse.Namespace
) -> tuple[Path, Answers, Outcome, str, str | None] | None:
    """The whole update in a scratch clone; returns the plan that writes it into the product
    (None: nothing to do). The product is not touched."""
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
        with scratch_clone(root, product, head(root)) as scratch:
            stages.reached("scratch")
            _run_copier(scratch.product, product, args)
            stages.reached("copier")
            outcome, lock_note = _outcome_with_lock(scratch.product)
            after = read_answers(scratch.product)
            notes = read_at(repo, after.commit, "CHANGELOG.md") or ""
            lag = behind(after.commit, tags(repo))
            if not dirty_paths(scratch.root):
                return None
            answers = (scratch.product / ANSWERS_FILE).relative_to(scratch.root).as_posix()
            plan = apply.prepare(scratch.folder, scratch.root, root, answers)
            stages.reached("ready")
            scratch.handed_over = True  # the applier removes the run folder when done
            return plan, after, outcome, notes, _join(lock_note, _lag_note(lag))


def _lag_note(lag: Behind) -> str | None:
    """A line when the update stops short of the newest release (``--vcs-ref``)."""
    if not lag.versions:
        return None
    major = f" ({lag.majors} major(s) ahead)" if lag.majors else ""
    return (
        f"Note: template {lag.current} is {lag.versions} release(s) behind the newest, "
        f"{lag.latest}{major}; the drift check's `behind` line says how long the policy "
        "allows that"
    )


def _join(*lines: str | None) -> str | None:
    return "\n".join(line for line in lines if line) or None


def _finish(product: Path, args: argparse.Namespace, outcome: Outcome) -> int:
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
    outcome = read_outcome(product)
    if not lock.done and LOCK not in outcome.conflicts:
        outcome.conflicts.append(LOCK)
    return outcome, lock.note


def _run_copier(scratch: Path, product: Path, args: argparse.Namespace) -> None:
    """Copier with inline conflicts, in the scratch clone; any failure is a refusal (the
    product was never touched)."""
    try:
        # cwd = the product, so a relative _src_path means what it meant when recorded.
        # PAVED_ROAD_UPDATE: the template's finish_update migration leaves the lock step and
        # the conflict report to this command (template_migrations/finish_update.py).
        # (plumbum's copy of the environment: copier gives its tasks that, not os.environ.)
        with contextlib.chdir(product), local.env(PAVED_ROAD_UPDATE="1"):
            copier.run_update(
                scratch,
                defaults=args.defaults,
                skip_answered=True,
                overwrite=True,  # required by run_update; the product's edits are merged
                unsafe=True,  # the template's own extensions and migrations
                conflict="inline",  # never .rej: that would keep the template's side only
                quiet=True,
                vcs_ref=args.vcs_ref,
            )
    except Exception as error:
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
        for path in outcome.conflicts:
            why = DELETED_NOTE if path in outcome.deleted_by_template else ""
            print(f"  {path}{why}")
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
