"""``fleet update``: every product behind a release gets a branch with the update on it.

For each product, in a scratch clone that is deleted afterwards (the product's repository only
ever receives ``paved-road/update-*`` branches): read its template version, skip it if it is
current, run ``paved-road update`` (the safe update: clean tree, inline conflicts, re-locked
uv.lock, changelog, drift) on branch ``paved-road/update-RELEASE``, commit what it did,
conflicts included (marked in the files and listed, so the pull request shows what to
resolve), and push the branch. A branch an earlier run pushed is made again on the product's
branch as it is now when that moved on since and nobody else committed to the update branch
(force-pushed, with a lease); one someone committed to is theirs, left as it is. A product
whose update is refused or fails gets nothing pushed. With a token, the branch also gets its
pull request (github.com) or merge request (gitlab.com and the self-managed GitLab instances
named).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from ..drift import CannotCheck
from ..drift.answers_file import read_answers
from ..drift.conflicts import find_conflicts, product_files
from ..drift.git_remote import remote_tags
from ..drift.identity import owner
from ..drift.versions import commit_version, parse_tag
from ..template_source import is_approved
from .clones import CannotFetch, clone
from .fleet_file import Fleet, Product
from .progress import bar
from .selection import Selection, owner_matches
from .update_requests import Forges, with_request

BRANCH_PREFIX = "paved-road/update-"
CLEAN = {"updated", "current", "exists", "skipped"}
_SUBJECT = "Update the paved-road template to "  # the one commit of an update branch
_IDENTITY = ["-c", "user.name=paved-road fleet", "-c", "user.email=paved-road-fleet@localhost"]


@dataclass
class UpdateOutcome:
    product: str
    status: str  # updated, drift, conflicts, current, exists, failed
    detail: str
    version: str | None = None  # the template version before
    target: str | None = None
    branch: str | None = None
    conflicts: list[str] = field(default_factory=list)
    pull_request: str | None = None
    superseded: list[str] = field(default_factory=list)  # older update branches closed


class Failed(Exception):
    """This product cannot be updated: one line."""


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        check=False,
    )
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        why = next((line for line in lines if line.startswith(("fatal:", "error:"))), None)
        raise Failed(f"git {args[0]} failed: {why or (lines or ['?'])[0]}")
    return result.stdout


def _target(tags: dict[str, str], to: str | None) -> str:
    """The tag to update to: ``--to`` if it is a tag, else the newest release."""
    if to is not None:
        if to not in tags or parse_tag(to) is None:
            raise Failed(f"--to {to} is not a release tag (vX.Y.Z) of the template")
        return to
    released = {v: tag for tag in tags if (v := parse_tag(tag)) and not v.is_prerelease}
    if not released:
        raise Failed("the template has no release tag")
    return released[max(released)]


def unknown_release(to: str, approved: Sequence[str]) -> str | None:
    """Why ``--to`` names no release of the platform's template (None: it does, or no approved
    source can be listed, and each product then says so). Asked once, before anything is
    cloned: a mistyped release must not cost a clone of every product."""
    from ..template_source import APPROVED_SOURCES  # noqa: PLC0415

    if parse_tag(to) is None:
        return f"--to {to} is not a release tag (vX.Y.Z): name one of the template's releases"
    newest = None
    for source in approved or APPROVED_SOURCES:  # the platform's template, as the run approves
        try:
            tags = remote_tags(source)
        except CannotCheck:
            continue
        if to in tags:
            return None
        with contextlib.suppress(Failed):
            newest = newest or _target(tags, None)
    if newest is None:
        return None
    return (
        f"--to {to} is not a release of the template (its newest is {newest}): nothing was cloned"
    )


# Advice `paved-road update` gives about the folder it ran in ("run `paved-road update`
# again", "`paved-road update --abandon`"): the fleet's scratch clone is deleted, so it is
# advice about nothing; the fleet says what to do instead.
_FOLDER_ADVICE = re.compile(
    r"(?:[;:,]\s*|\s+)(?:run |or |with |then |ask )?`paved-road (?:update|drift)\b[^`]*`.*$"
    r"|:\s*(?:run (?:it )?again\b|--abandon\b|check it with `).*$"  # the one-line forms
)


def fleet_words(line: str) -> str:
    """A line of `paved-road update` as the fleet's row says it."""
    cut = _FOLDER_ADVICE.sub("", line).rstrip(" ;:,")
    if cut == line:
        return line
    return f"{cut} (fix it in the product, or run `paved-road fleet update` again)"


def _run_update(product: Path, target: str, approved: tuple[str, ...]) -> tuple[int, str]:
    """``paved-road update --defaults --vcs-ref TARGET`` through its own entry point, with the
    sources this fleet run approves (the update checks them again, by the same rules)."""
    from .. import update  # noqa: PLC0415 - imports copier; only the update workers pay it

    parser = argparse.ArgumentParser(prog="paved-road")
    update.register(parser.add_subparsers())
    approve = [f"--approved-source={source}" for source in approved]
    args = parser.parse_args(["update", str(product), "--defaults", "--vcs-ref", target, *approve])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        code = int(args.handler(args))
    return code, printed.getvalue()


def _commit_and_push(product: Path, branch: str, message: str, *, lease: str | None = None) -> None:
    """Commit everything and push ``branch``; ``lease``: replace the branch, but only while it
    is still at that commit (someone pushing to it meanwhile keeps their work)."""
    _git(product, "add", "--all")
    identity = [] if _has_identity(product) else _IDENTITY
    _git(product, *identity, "commit", "--quiet", "--no-verify", "-m", message)
    force = [f"--force-with-lease=refs/heads/{branch}:{lease}"] if lease else []
    _git(product, "push", "--quiet", *force, "origin", f"HEAD:refs/heads/{branch}")


def _stale_branch(work: Path, branch: str, target: str) -> tuple[str, str | None]:
    """(the head of the update branch an earlier run pushed, why it is kept: None when it is to
    be made again). It is made again only when it is stale, its one commit on a base the
    product's branch has moved past, and still only paved-road's: a branch someone committed
    to (conflicts resolved, a merge of the base) is theirs, left as it is."""
    remote = f"refs/remotes/origin/{branch}"
    _git(work, "fetch", "--quiet", "--depth", "2", "origin", f"+refs/heads/{branch}:{remote}")
    head = _git(work, "rev-parse", remote).strip()
    subject = _git(work, "log", "-1", "--format=%s", head).strip()
    if not subject.startswith(f"{_SUBJECT}{target}"):
        return head, " (with commits by others: not refreshed)"
    parents = _git(work, "log", "-1", "--format=%P", head).split()
    if parents == [_git(work, "rev-parse", "HEAD").strip()]:
        return head, ""  # on the base as it is: up to date
    return head, None


def _has_identity(product: Path) -> bool:
    found = subprocess.run(
        ["git", "config", "user.email"], cwd=product, capture_output=True, check=False
    )
    return bool(found.stdout.strip()) or "GIT_COMMITTER_EMAIL" in os.environ


def _update(
    product: Product,
    work: Path,
    to: str | None,
    forges: Forges,
    *,
    approved: tuple[str, ...],
    chosen: Selection,
) -> UpdateOutcome:
    try:
        clone(product.url, product.branch, work)
    except CannotFetch as error:
        raise Failed(f"cannot fetch {product.repo}: {error}") from None
    try:
        recorded = read_answers(work)
    except CannotCheck as error:
        raise Failed(str(error)) from None
    team = product.team or owner(work)  # the fleet file's team:, else the product's own
    if not owner_matches(chosen, product.team, team):
        return UpdateOutcome(product.name, "skipped", f"owned by {team or 'nobody'}, not --team")
    # Updating renders the template and runs its extension code on this machine, which holds
    # the token that pushes to every product: only the platform's template, never a product's
    # choice of fork.
    if not is_approved(recorded.src_path, approved):
        raise Failed(
            f"template source {recorded.src_path} is not an approved paved-road template: "
            "nothing was run (restore _src_path, or approve it with --approved-source)"
        )
    try:
        tags = remote_tags(recorded.src_path)
    except CannotCheck as error:
        raise Failed(str(error)) from None
    target = _target(tags, to)
    outcome = UpdateOutcome(product.name, "current", "", recorded.commit, target)
    current = commit_version(recorded.commit)
    if current is not None and current >= Version(target.removeprefix("v")):
        outcome.detail = f"already at {recorded.commit}"
        return outcome
    outcome.branch = branch = f"{BRANCH_PREFIX}{target}"
    base = _git(work, "rev-parse", "--abbrev-ref", "HEAD").strip()
    lease = None
    if _git(work, "ls-remote", "--heads", "origin", f"refs/heads/{branch}").strip():
        lease, kept = _stale_branch(work, branch, target)
        if kept is not None:
            outcome.status, outcome.detail = "exists", f"branch {branch} is already there{kept}"
            # An earlier run pushed it; its request may have failed then: open it now (one
            # that is open is left as it is).
            earlier = "(pushed by an earlier `paved-road fleet update`; see the branch's commit)"
            outcome = with_request(
                outcome, product.url, forges, base, earlier, team=team, refresh=False
            )
            return _delete_branches(work, outcome)
    _git(work, "checkout", "--quiet", "-b", branch)
    code, printed = _run_update(work, target, approved)
    if code == 2:  # refused or failed: the update put the clone back; nothing is pushed
        lines = [line for line in printed.splitlines() if line.strip()]
        raise Failed(fleet_words(lines[-1]) if lines else "paved-road update failed")
    files = product_files(work, git=True)
    outcome.conflicts = sorted({f.path for f in find_conflicts(work, files, git=True) if f.path})
    outcome.status = "conflicts" if code == 1 or outcome.conflicts else "updated"
    if outcome.status == "updated" and code == 3:
        outcome.status = "drift"
    _commit_and_push(
        work,
        branch,
        f"{_SUBJECT}{target}"
        + (f" ({len(outcome.conflicts)} conflict(s) to resolve)" if outcome.conflicts else ""),
        lease=lease,
    )
    pushed = f"refreshed {branch} on {base} (it was behind)" if lease else f"pushed {branch}"
    outcome.detail = {
        "updated": pushed,
        "drift": f"{pushed}; the drift check fails after the update",
        "conflicts": f"{pushed} with {len(outcome.conflicts)} conflict(s) to resolve: "
        + ", ".join(outcome.conflicts),
    }[outcome.status]
    outcome = with_request(outcome, product.url, forges, base, printed, team=team)
    return _delete_branches(work, outcome)


def _delete_branches(work: Path, outcome: UpdateOutcome) -> UpdateOutcome:
    """The branches of the superseded requests go too (their requests are closed)."""
    for branch in outcome.superseded:
        with contextlib.suppress(Failed):  # already gone: nothing to do
            _git(work, "push", "--quiet", "origin", "--delete", branch)
    return outcome


def update_one(
    product: Product,
    scratch: str,
    to: str | None,
    forges: Forges,
    *,
    approved: tuple[str, ...],
    chosen: Selection = Selection(),  # noqa: B008 - frozen: one shared default is safe
) -> UpdateOutcome:
    """In a worker process: one product, never raising (a failure is its outcome)."""
    return outcome_in_scratch(
        product,
        scratch,
        lambda checkout: _update(product, checkout, to, forges, approved=approved, chosen=chosen),
    )


def outcome_in_scratch(
    product: Product, scratch: str, work: Callable[[Path], UpdateOutcome]
) -> UpdateOutcome:
    """``work(checkout)`` for one product in a scratch folder of its own, removed afterwards;
    never raising: a failure is the product's outcome (fleet update and fleet adopt)."""
    Path(scratch).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{product.name}-", dir=scratch))
    try:
        with _named_output(product.name):
            outcome = work(folder / "product")
    except Failed as error:
        outcome = UpdateOutcome(product.name, "failed", f"{error}; nothing pushed")
    except Exception as error:  # a bug: this product's row, not the run
        why = " ".join(str(error).split())[:300]
        outcome = UpdateOutcome(product.name, "failed", f"{type(error).__name__}: {why}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    # The scratch clone is gone: name the product, never the cache folder it was cloned into.
    for where in (str(folder / "product"), str(folder)):
        outcome.detail = outcome.detail.replace(where, product.repo)
    return outcome


@contextlib.contextmanager
def _named_output(name: str) -> Iterator[None]:
    """What this product's tools print straight to the terminal (copier's `uv lock` task,
    git) is held back and printed afterwards, each line prefixed with the product's name: the
    workers run at once and their lines would interleave, nameless, otherwise."""
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(1), os.dup(2)
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            sink.seek(0)
            lines = sink.read().decode(errors="replace").splitlines()
            named = "".join(f"{name}: {line}\n" for line in lines if line.strip())
            if named:
                os.write(2, named.encode())


def update_fleet(
    fleet: Fleet,
    *,
    to: str | None,
    jobs: int,
    scratch: Path,
    forges: Forges,
    approved: tuple[str, ...] = (),
    chosen: Selection = Selection(),  # noqa: B008 - frozen: one shared default is safe
) -> list[UpdateOutcome]:
    """Every product's outcome; ``approved`` adds template sources to the package's;
    ``chosen`` says which products without a fleet ``team:`` are the ``--team``'s."""
    from .checking import process_pool  # noqa: PLC0415

    outcomes = []
    progress = bar(len(fleet.products), "updating")
    with process_pool(jobs) as pool:
        job = (str(scratch), to, forges)
        choice = {"approved": approved, "chosen": chosen}
        running = [pool.submit(update_one, p, *job, **choice) for p in fleet.products]
        for future in futures.as_completed(running):
            outcomes.append(future.result())
            progress.update()
    progress.close()
    return sorted(outcomes, key=lambda outcome: outcome.product)


def print_outcomes(outcomes: list[UpdateOutcome]) -> int:
    for o in outcomes:
        versions = f"{o.version or '?'} -> {o.target}" if o.target else ""
        if o.status == "current":
            versions = f"at {o.version}"
        print(f"{o.product:<28} {o.status:<10} {versions:<22} {o.detail}")
        if o.pull_request:
            kind = "merge request" if "/-/merge_requests/" in o.pull_request else "pull request"
            print(f"{'':<28} {kind}: {o.pull_request}")
    statuses = ("updated", "drift", "conflicts", "failed", "current", "exists", "skipped")
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in statuses}
    print("fleet update: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return 0 if all(o.status in CLEAN for o in outcomes) else 1
