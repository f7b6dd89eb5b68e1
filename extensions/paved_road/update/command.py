"""``paved-road update [PATH]``: arguments, the order of the steps, and the exit code."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import shutil
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..drift.formats import text
from ..one_line import shown_path
from ..template_source import resolve_src
from . import apply, brief, changelog, recovery, stages
from .approval import check_source
from .children import contained
from .interrupts import Interrupted, deferred, signals_interrupt
from .lockfile import LOCK, PYPROJECT, relock
from .migration_merge import merge_heads, merged_note
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
from .scratch import Run, discard, run_folder, scratch_clone, temporary_folder, update_lock
from .template_repo import has_commit, open_template, read_at, tags

if TYPE_CHECKING:
    from ..drift.versions import Behind

# copier, plumbum, pydantic (answers, versions) and drift's check are imported by the steps
# that use them, not with this module: `update --help` and a usage mistake then cost about
# 0.1 s of CPU, a refusal before the render (no product here, a dirty tree, a bad --data) 0.1
# to 0.2, not 0.5. Each of those steps runs inside `run`'s signal handling, as before.

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
        "--data",
        "-d",
        action="append",
        default=[],
        metavar="QUESTION=ANSWER",
        help="answer a question, typically one the new version adds (repeatable); the other "
        "recorded answers are kept",
    )
    parser.add_argument(
        "--vcs-ref",
        metavar="REF",
        help="template tag or commit to update to (default: the newest release tag)",
    )
    parser.add_argument(
        "--no-drift", action="store_true", help="skip the drift check after the update"
    )
    parser.add_argument(
        "--approved-source",
        action="append",
        default=[],
        metavar="SOURCE",
        help="also approve this template source, as `paved-road drift --approved-source` does "
        "(repeatable). An unapproved _src_path is refused before anything of it runs",
    )
    parser.add_argument(
        "--local-template",
        action="store_true",
        help="trust the template the product records if it is on this machine (a path or "
        "file:// URL: a template checkout you work on); never a remote one",
    )
    parser.add_argument(
        "--abandon",
        action="store_true",
        help="drop the plan of an update that was stopped while being written (the files it "
        "had written stay as they are), and do nothing else",
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
            f"paved-road update: interrupted by {signal_name}: product unchanged, run it again",
            file=sys.stderr,
        )
        return EXIT_REFUSED


def _update(product: Path, args: argparse.Namespace) -> int:
    root = worktree_root(product)
    with update_lock(root) as lock_fd:
        interrupted = recovery.pending(root)
        recovery.remove_leftovers(root, keep=interrupted)
        if args.abandon:
            return _abandon(interrupted)
        if interrupted is not None:
            return _finish_interrupted(root, interrupted, lock_fd, args)
        if dirty := dirty_paths(root):
            # One file named: the line names the product's path already (git status lists all).
            first = dirty[0] if len(dirty[0]) <= 24 else f"...{dirty[0][-21:]}"
            listed = first + (", ..." if len(dirty) > 1 else "")
            raise Refused(
                f"{shown_path(product)} has {len(dirty)} uncommitted change(s) ({listed}): "
                "commit or stash"
            )
        from ..answers import AnswerError, answers_from_data  # noqa: PLC0415 - pydantic

        try:
            args.answers = answers_from_data(args.data)
        except AnswerError as error:
            raise Refused(str(error)) from None
        before = read_answers(product)
        check_source(before.src_path, args.approved_source, args.local_template)
        if not args.defaults and not sys.stdin.isatty():
            raise Refused("no terminal to ask questions on: pass --defaults")
        with temporary_folder(root) as tmp, contained(tmp), run_folder(root) as run_:
            plan = _prepare(run_, root, product, before, args)
            if plan is None:
                print(f"Template already at {before.commit}\nConflicts: none\n")
                brief.refresh(product, before.commit, before.commit, Outcome(), "")  # resolved
                return _finish(product, args, Outcome())
            return _write(plan, root, lock_fd, args, run_)


def _write(plan: Path, root: Path, lock_fd: int, args: argparse.Namespace, run_: Run) -> int:
    """Hand the plan to the applier, then report as every update reports."""
    report = apply.read_plan(plan)["report"]
    outcome = Outcome(**report["outcome"])
    applied: int | None = None
    try:
        with deferred():  # the applier inherits the block; so does this process, until done
            run_.handed_over = True  # the applier removes the run folder when done
            applied = apply.spawn(plan, root, lock_fd)
        if applied < 0 and plan.exists():  # the applier itself was killed: the plan stays
            raise Refused(
                f"writing stopped by {signal.Signals(-applied).name}: run again to finish, "
                "or --abandon"
            )
        if applied > 0:  # it put the product back (or could not) and said why, in one line
            return EXIT_REFUSED
        _print_summary(report["old"], report["new"], outcome, report["notes"], report["lock"])
        product = root / report["product"]
        old, new, notes = report["old"], report["new"], report["notes"]
        if written := brief.refresh(product, old, new, outcome, notes):
            print(written + "\n")
        return _finish(product, args, outcome)
    except Interrupted as signal_name:
        if applied is None:
            raise
        print(
            f"paved-road update: update done, then {signal_name}: check it with `paved-road drift`",
            file=sys.stderr,
        )
        return EXIT_CONFLICTS if outcome.conflicts else EXIT_DRIFT


def _finish_interrupted(root: Path, plan: Path, lock_fd: int, args: argparse.Namespace) -> int:
    """Finish an update whose applier was killed part-way, if nothing changed since its plan
    was written (``recovery``); it then reports exactly as the update would have."""
    which = recovery.describe(recovery.load(plan))
    try:
        if (why := recovery.changed_since(recovery.load(plan), root)) is not None:
            raise Refused(f"{why}: --abandon the stopped update")
        print(
            f"paved-road update: finishing the stopped update ({which})",
            file=sys.stderr,
        )
        with temporary_folder(root) as tmp, contained(tmp):
            return _write(plan, root, lock_fd, args, Run(plan.parent))
    except Interrupted as signal_name:  # before its applier started again
        raise Refused(
            f"interrupted by {signal_name} before finishing ({which}): run it again"
        ) from None


def _abandon(plan: Path | None) -> int:
    if plan is None:
        print("paved-road update: no interrupted update to abandon; nothing done")
        return EXIT_OK
    try:
        which = recovery.describe(recovery.load(plan))
    except Refused:
        which = "its plan could not be read"
    discard(plan.parent)
    print(
        f"Dropped the interrupted update ({which}). Any files it had written stay as they "
        "are: `git status` lists them, `git checkout HEAD -- PATH` (or deleting a new file) "
        "puts one back."
    )
    return EXIT_OK


def _prepare(
    run_: Run, root: Path, product: Path, before: Answers, args: argparse.Namespace
) -> Path | None:
    """The whole update in a scratch clone; returns the plan that writes it into the product
    (None: nothing to do). The product is not touched."""
    src = resolve_src(before.src_path, product)
    relative = src != before.src_path and not Path(before.src_path).is_absolute()
    if relative and not Path(src).exists():
        raise Refused(
            f"template {before.src_path} not found from {shown_path(product)}: "
            "record its URL or absolute path"
        )
    with open_template(src, run_.folder / "template") as repo:
        if not has_commit(repo, before.commit):
            raise Refused(
                f"_commit {before.commit} is not in template {before.src_path}: "
                f"restore {ANSWERS_FILE}"
            )
        if args.vcs_ref and not has_commit(repo, args.vcs_ref):
            raise Refused(f"--vcs-ref {args.vcs_ref} is not a tag or commit of {before.src_path}")
        scratch = scratch_clone(run_, root, product, head(root))
        stages.reached("scratch")
        _run_copier(scratch.product, product, args, run_.folder / "old-render")
        stages.reached("copier")
        # Alembic refuses two heads: the template's new migration and the product's own.
        merged = merge_heads(scratch.product)
        outcome, lock_note = _outcome_with_lock(scratch.product)
        after = read_answers(scratch.product)
        notes = read_at(repo, after.commit, "CHANGELOG.md") or ""
        from ..drift.versions import behind  # noqa: PLC0415 - pydantic, loaded by copier

        lag = behind(after.commit, tags(repo))
        if not dirty_paths(scratch.root):
            return None
        answers = (scratch.product / ANSWERS_FILE).relative_to(scratch.root).as_posix()
        report = {
            "product": product.relative_to(root).as_posix(),
            "old": before.commit,
            "new": after.commit,
            "outcome": dataclasses.asdict(outcome),
            "notes": notes,
            "lock": _join(merged_note(merged) if merged else None, lock_note, _lag_note(lag)),
        }
        plan = apply.prepare(run_.folder, scratch.root, root, answers, report)
        stages.reached("ready")
        return plan


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
    drift_exit = _drift(product, args)
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


def _run_copier(scratch: Path, product: Path, args: argparse.Namespace, old: Path) -> None:
    """Copier with inline conflicts, in the scratch clone; any failure is a refusal (the
    product was never touched). ``old`` holds copier's render of the old version while it
    runs: the template's migrations read it instead of rendering that version again."""
    from copier.errors import UserMessageError  # noqa: PLC0415
    from plumbum import local  # noqa: PLC0415

    from ..copier_worker import run_update  # noqa: PLC0415 - copier's, sharing compiled Jinja

    try:
        # cwd = the product, so a relative _src_path means what it meant when recorded.
        # PAVED_ROAD_UPDATE: the template's finish_update migration leaves the lock step and
        # the conflict report to this command (template_migrations/finish_update.py).
        # (plumbum's copy of the environment: copier gives its tasks that, not os.environ.)
        with contextlib.chdir(product), local.env(PAVED_ROAD_UPDATE="1"):
            run_update(
                scratch,
                data=args.answers,
                defaults=args.defaults,
                skip_answered=True,
                overwrite=True,  # required by run_update; the product's edits are merged
                unsafe=True,  # the template's own extensions and migrations
                conflict="inline",  # never .rej: that would keep the template's side only
                quiet=True,
                vcs_ref=args.vcs_ref,
                keep_old_render=old,
            )
    except Exception as error:
        why = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if not isinstance(error, UserMessageError):
            why = f"{type(error).__name__}: {why}"
        raise Refused(f"copier update failed, product left unchanged: {why}") from error
    finally:
        shutil.rmtree(old, ignore_errors=True)


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


def _drift(product: Path, args: argparse.Namespace) -> int:
    # The update just rendered the recorded source, approved as `check_source` approved it;
    # the note says so only when an option of this run trusted it. It may be at a commit that
    # is no release (--vcs-ref): rendered anyway, and reported as such.
    from ..drift import run_check  # noqa: PLC0415

    trusted = "`paved-road update --local-template` was given" if args.local_template else None
    report = run_check(
        product,
        approved_sources=args.approved_source,
        trusted_because=trusted,
        releases_only=False,
    )
    if report.status == "error":  # e.g. a broken waivers file: the update itself is written
        # drift's own words (fitted to its line), after as short a start as says "updated".
        print(f"paved-road update: updated; drift: {report.error}", file=sys.stderr)
        return report.exit_code
    print("Drift check:")
    sys.stdout.write(text(report))
    return report.exit_code
