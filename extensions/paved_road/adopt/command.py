"""``paved-road adopt [PATH]``: arguments, the order of the steps, and the exit code.

The answers are checked as ``paved-road new`` checks them (its functions, not a copy); the work
happens in ``paved-road update``'s scratch clone and is written by its applier, so adoption is
atomic, refuses a dirty tree and shares the update lock.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .. import new
from ..answers_file import ANSWERS_FILE
from ..drift import run_check
from ..drift.policy import load_policy
from ..drift.report import Report
from ..drift.versions import parse_tag
from ..one_line import cut, shown_path
from ..update import apply, recovery, stages
from ..update.children import contained
from ..update.interrupts import Interrupted, deferred, signals_interrupt
from ..update.outcome import Outcome
from ..update.product import Refused, dirty_paths, git, head, worktree_root
from ..update.scratch import Run, run_folder, scratch_clone, temporary_folder, update_lock
from ..update.template_repo import open_template, tags
from ..yaml_file import load
from .infer import Inferred, infer
from .merge import Item, bring_in
from .overlaps import advise, limits, overlaps
from .report import Adoption, markdown, text

EXIT_OK, EXIT_CONFLICTS, EXIT_REFUSED, EXIT_DRIFT = 0, 1, 2, 3
REPORT_FILE = "ADOPTION.md"
# The drift preview checks against the template this adoption renders (--template), whoever's.
ADOPTED_FROM = "it is the template this adoption brings in (`paved-road adopt --template`)"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "adopt",
        help="bring a product that predates the paved road onto it",
        description="Infer the answers from the repository, ask the rest, render the template "
        "at a release and bring its files in: added where the product has none, merged with "
        "conflict markers where both have one, nothing deleted; record .copier-answers.yml. "
        "Exit 0: adopted and in policy; 1: conflicts to resolve; 2: refused, product unchanged; "
        "3: adopted, the drift check fails.",
    )
    parser.add_argument("path", nargs="?", default=".", type=Path, help="the product (default: .)")
    parser.add_argument(
        "-d",
        "--data",
        action="append",
        default=[],
        metavar="QUESTION=ANSWER",
        help="answer a question (repeatable; overrides --data-file and inference)",
    )
    parser.add_argument(
        "--data-file", type=Path, metavar="FILE", help="a YAML file mapping questions to answers"
    )
    parser.add_argument(
        "--defaults",
        action="store_true",
        help="ask nothing: inferred answers, then the questions' defaults",
    )
    parser.add_argument(
        "--template",
        metavar="PATH_OR_URL",
        help="the template (default: the checkout this command runs from)",
    )
    parser.add_argument(
        "--vcs-ref", metavar="TAG", help="the template release to adopt (default: the newest)"
    )
    parser.add_argument(
        "--pretend", action="store_true", help="print the plan and the report; change nothing"
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help=f"write the Markdown report here (default: {REPORT_FILE} in the "
        "product, not with --pretend)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        given = new.given_answers(args.data_file, args.data)
        template = new.template_source(args.template)
        with signals_interrupt():
            return _adopt(args.path.resolve(), template, given, args)
    except (Refused, new.Refused) as error:
        print(f"paved-road adopt: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except Interrupted as signal_name:
        print(
            f"paved-road adopt: interrupted by {signal_name}: product left unchanged",
            file=sys.stderr,
        )
        return EXIT_REFUSED


def _adopt(product: Path, template: str, given: dict[str, Any], args: argparse.Namespace) -> int:
    root = worktree_root(product)
    with update_lock(root) as lock_fd:
        if recovery.pending(root) is not None:
            # `paved-road update --abandon` drops it instead (docs/updating.md).
            raise Refused("a stopped update is pending: finish it with `paved-road update`")
        recovery.remove_leftovers(root)
        if (product / ANSWERS_FILE).exists():
            raise Refused(
                f"{shown_path(product)} is on the paved road already: use `paved-road update`"
            )
        if dirty := dirty_paths(root):
            first = dirty[0] if len(dirty[0]) <= 24 else f"...{dirty[0][-21:]}"
            raise Refused(
                f"{shown_path(product)} has {len(dirty)} uncommitted change(s) ({first}, ...): "
                "commit or stash"
            )
        commit = git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip()
        if not commit:
            raise Refused(f"{shown_path(product)} has no commit yet: commit it first")
        inferred = infer(product)
        guessed = {k: v for k, v in inferred.answers.items() if k not in given}
        new.check_interaction({**guessed, **given}, defaults=args.defaults)
        with temporary_folder(root) as tmp, contained(tmp), run_folder(root) as run_:
            with open_template(template, run_.folder / "template") as repo:
                release = _release(tags(repo), args.vcs_ref, template)
            adoption, plan = _prepare(run_, root, product, template, release, given, inferred, args)
            if plan is None:
                sys.stdout.write(text(adoption))
                _write_report(args.report, adoption)
                return EXIT_OK
            with deferred():  # the applier inherits the block; so does this process, until done
                run_.handed_over = True  # the applier removes the run folder when done
                applied = apply.spawn(plan, root, lock_fd)
        if applied != 0:
            if applied < 0:
                stopped = signal.Signals(-applied).name
                raise Refused(f"adoption stopped by {stopped}: `paved-road update` finishes it")
            raise Refused("writing the adoption failed: the line above says why")
    sys.stdout.write(text(adoption))
    _write_report(args.report or product / REPORT_FILE, adoption)
    if adoption.of("conflict"):
        return EXIT_CONFLICTS
    return EXIT_OK if adoption.drift is not None and adoption.drift.exit_code == 0 else EXIT_DRIFT


def _prepare(  # noqa: PLR0917 - the steps' inputs, once
    run_: Run,
    root: Path,
    product: Path,
    template: str,
    release: str,
    given: dict[str, Any],
    inferred: Inferred,
    args: argparse.Namespace,
) -> tuple[Adoption, Path | None]:
    """The whole adoption in a scratch clone: the report, and the plan that writes it into the
    product (None with --pretend). The product is not touched."""
    scratch = scratch_clone(run_, root, product, head(root))
    stages.reached("scratch")
    render = run_.folder / "render"
    guessed = {k: v for k, v in inferred.answers.items() if k not in given}
    _render(template, render, (given, guessed), release, defaults=args.defaults)
    recorded = load(render / ANSWERS_FILE, ANSWERS_FILE)
    answers = {k: str(v) for k, v in recorded.items() if not str(k).startswith("_")}
    policy = load_policy(render, release)
    items = bring_in(render, scratch.product, scratch.root, policy, f"paved-road {release}")
    for item in items:
        if item.path == ANSWERS_FILE:
            item.why = f"records the template and release {release}"
    package = answers.get("package_name", "")
    advise(items, product, package)
    adoption = Adoption(
        product=str(product),
        template=template,
        release=release,
        answers=answers,
        sources={name: _source(name, value, given, inferred) for name, value in answers.items()},
        notes=inferred.notes,
        items=items,
        overlaps=overlaps(product, {i.path for i in items}, package, items),
        limits=limits(product, package, answers, items),
        drift=_drift_when_resolved(scratch.product, render, items),
        pretend=args.pretend,
    )
    if args.pretend:
        return adoption, None
    relative = (scratch.product / ANSWERS_FILE).relative_to(scratch.root).as_posix()
    # What `paved-road update` prints if it has to finish this plan (an interrupted applier).
    outcome = Outcome(
        added=[i.path for i in items if i.action == "added" and i.path != ANSWERS_FILE],
        merged=[i.path for i in items if i.action == "merged"],
        conflicts=[i.path for i in items if i.action == "conflict"],
    )
    report = {
        "product": product.relative_to(root).as_posix(),
        "old": "(none: adoption)",
        "new": release,
        "outcome": dataclasses.asdict(outcome),
        "notes": "",
        "lock": None,
    }
    plan = apply.prepare(run_.folder, scratch.root, root, relative, report)
    shutil.rmtree(render)
    stages.reached("ready")
    return adoption, plan


def _source(name: str, value: str, given: dict[str, Any], inferred: Inferred) -> str:
    """Where an answer came from, as the plan shows it."""
    if name in given:
        return "--data"
    guess = inferred.guesses.get(name)
    return guess.source if guess is not None and guess.value == value else "asked, or its default"


def _release(known: dict[str, str], wanted: str | None, template: str) -> str:
    """The release to adopt: ``--vcs-ref`` if it is a release tag, else the newest."""
    released = {v: tag for tag in known if (v := parse_tag(tag)) and not v.is_prerelease}
    if wanted is None:
        if not released:
            raise Refused(f"template {template} has no release tag (vX.Y.Z) to adopt")
        return released[max(released)]
    if wanted not in released.values():
        raise Refused(f"--vcs-ref {wanted} is not a release tag of {template}")
    return wanted


def _render(
    template: str,
    render: Path,
    answers: tuple[dict[str, Any], dict[str, str]],
    release: str,
    *,
    defaults: bool,
) -> None:
    """The template at ``release`` with the answers; its tasks never run (the product's lock
    is made once its pyproject.toml is resolved)."""
    from copier.errors import CopierError  # noqa: PLC0415 - about 0.6 s: only once every check has passed

    from ..copier_worker import run_copy  # noqa: PLC0415

    try:
        run_copy(
            template,
            render,
            data=answers[0],
            user_defaults=answers[1],
            vcs_ref=release,
            defaults=defaults,
            unsafe=True,
            skip_tasks=True,
            quiet=True,
        )
    except (CopierError, OSError, ValueError) as error:
        lines = str(error).strip().splitlines() or [type(error).__name__]
        raise Refused(f"rendering failed, product unchanged: {cut(lines[-1], 25)}") from None


def _drift_when_resolved(product: Path, render: Path, items: list[Item]) -> Report:
    """The drift check of the product as it will be once every conflict is resolved as advised
    (a copy; the scratch clone keeps its markers)."""
    with tempfile.TemporaryDirectory(prefix="paved-road-adopt-") as folder:
        copy = Path(folder) / "product"
        shutil.copytree(product, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        for item in items:
            if item.action == "conflict":
                source = render / item.path if item.resolve == "road" else None
                if source is not None:
                    shutil.copyfile(source, copy / item.path)
                else:  # the product's own file, as committed (stage 2 of the conflict)
                    (copy / item.path).write_bytes(_ours(product, item.path))
        report = run_check(copy, trusted_because=ADOPTED_FROM, snapshot=True)
        report.product = str(product)
        return report


def _ours(product: Path, path: str) -> bytes:
    shown = subprocess.run(
        ["git", "show", f":2:./{path}"], cwd=product, capture_output=True, check=True
    )
    return shown.stdout


def _write_report(path: Path | None, adoption: Adoption) -> None:
    if path is None:
        return
    try:
        path.write_text(markdown(adoption), encoding="utf-8")
    except OSError as error:
        print(
            f"paved-road adopt: could not write the report {path}: {error.strerror}",
            file=sys.stderr,
        )
        return
    print(f"Report: {path}")


__all__ = ["EXIT_CONFLICTS", "EXIT_DRIFT", "EXIT_OK", "EXIT_REFUSED", "register", "run"]
