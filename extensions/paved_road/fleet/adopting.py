"""``fleet adopt``: every product of the fleet that is not on the paved road gets a branch with
its adoption on it, the way ``fleet update`` pushes updates (the same clone, commit and push,
the same pull request when a token is given).

For each product, in a scratch clone deleted afterwards: skip it if it has an answers file
already; run ``paved-road adopt --defaults`` (answers inferred; the fleet file's team and the
product's name fill in what the repository does not say) on branch ``paved-road/adopt``;
commit what it did, conflicts included (marked in the files, listed in ADOPTION.md, which
becomes the pull request's description), and push. A refused adoption pushes nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from concurrent import futures
from pathlib import Path

from ..answers import answer_error
from ..answers_file import ANSWERS_FILE
from ..drift.conflicts import find_conflicts, product_files
from ..template_source import is_approved
from .clones import CannotFetch, clone
from .fleet_file import Fleet, Product
from .progress import bar
from .pull_request import github_repo, open_pull_request
from .updating import Failed, UpdateOutcome, _commit_and_push, _git, outcome_in_scratch

BRANCH = "paved-road/adopt"
REPORT = "ADOPTION.md"
CLEAN = {"adopted", "on-road", "exists"}


def _data(product: Product, work: Path) -> list[str]:
    """What the fleet file knows and the repository may not: its name, its team."""
    from ..adopt.infer import infer  # noqa: PLC0415 - only adoption workers need it

    known = infer(work).answers
    data = []
    if "product_name" not in known:
        data += ["-d", f"product_name={product.name}"]
    if "owner_team" not in known and product.team and not answer_error("owner_team", product.team):
        data += ["-d", f"owner_team={product.team}"]
    return data


def _run_adopt(work: Path, args: list[str]) -> tuple[int, str]:
    """``paved-road adopt`` through its own entry point, in this worker."""
    from .. import adopt  # noqa: PLC0415 - imports copier; only the adoption workers pay it

    parser = argparse.ArgumentParser(prog="paved-road")
    adopt.register(parser.add_subparsers())
    parsed = parser.parse_args(["adopt", str(work), "--defaults", *args])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        code = int(parsed.handler(parsed))
    return code, printed.getvalue()


def _adopt(
    product: Product, work: Path, template: str, to: str | None, token: str | None
) -> UpdateOutcome:
    try:
        clone(product.url, product.branch, work)
    except CannotFetch as error:
        raise Failed(f"cannot fetch {product.repo}: {error}") from None
    outcome = UpdateOutcome(product.name, "on-road", "", target=to)
    if (work / ANSWERS_FILE).exists():
        outcome.detail = f"has {ANSWERS_FILE}: on the paved road already (`fleet update`)"
        return outcome
    outcome.branch = BRANCH
    if _git(work, "ls-remote", "--heads", "origin", f"refs/heads/{BRANCH}").strip():
        outcome.status, outcome.detail = "exists", f"branch {BRANCH} is already there"
        return outcome
    base = _git(work, "rev-parse", "--abbrev-ref", "HEAD").strip()
    _git(work, "checkout", "--quiet", "-b", BRANCH)
    args = ["--template", template, *(["--vcs-ref", to] if to else []), *_data(product, work)]
    code, printed = _run_adopt(work, args)
    if code == 2:  # refused: the clone is unchanged; nothing is pushed
        lines = [line for line in printed.splitlines() if line.strip()]
        raise Failed(lines[-1] if lines else "paved-road adopt failed")
    files = product_files(work, git=True)
    outcome.conflicts = sorted({f.path for f in find_conflicts(work, files, git=True) if f.path})
    outcome.status = {1: "conflicts", 3: "drift"}.get(code, "adopted")
    for line in printed.splitlines():
        if line.startswith("Adopted: "):
            outcome.target = line.rsplit(" at ", 1)[-1]
    _commit_and_push(
        work,
        BRANCH,
        f"Adopt the paved road ({outcome.target})"
        + (f": {len(outcome.conflicts)} conflict(s) to resolve" if outcome.conflicts else ""),
    )
    outcome.detail = f"pushed {BRANCH}" + (
        f" with {len(outcome.conflicts)} conflict(s) to resolve: " + ", ".join(outcome.conflicts)
        if outcome.conflicts
        else "; the drift check fails after adopting"
        if outcome.status == "drift"
        else ""
    )
    if token and github_repo(product.url):
        report = work / REPORT
        outcome.pull_request = open_pull_request(
            product.url,
            branch=BRANCH,
            base=base,
            title=f"Adopt the paved road ({outcome.target})",
            body=report.read_text(encoding="utf-8") if report.is_file() else printed,
            token=token,
        )
    return outcome


def adopt_one(
    product: Product, scratch: str, template: str, to: str | None, token: str | None
) -> UpdateOutcome:
    """In a worker process: one product, never raising (a failure is its outcome)."""
    return outcome_in_scratch(
        product, scratch, lambda checkout: _adopt(product, checkout, template, to, token)
    )


def adopt_fleet(
    fleet: Fleet,
    *,
    template: str,
    to: str | None,
    jobs: int,
    scratch: Path,
    token: str | None,
    approved: tuple[str, ...] = (),
) -> list[UpdateOutcome]:
    """Every product's outcome. Adopting renders the template and runs its extension code on
    the machine holding the token that pushes to every product: approved templates only."""
    from .checking import process_pool  # noqa: PLC0415

    if not is_approved(template, approved):
        raise Failed(
            f"template {template} is not an approved paved-road template: nothing was run "
            "(approve it with --approved-source)"
        )
    outcomes = []
    progress = bar(len(fleet.products), "adopting")
    with process_pool(jobs) as pool:
        job = (str(scratch), template, to, token)
        running = [pool.submit(adopt_one, p, *job) for p in fleet.products]
        for future in futures.as_completed(running):
            outcomes.append(future.result())
            progress.update()
    progress.close()
    return sorted(outcomes, key=lambda outcome: outcome.product)


def print_outcomes(outcomes: list[UpdateOutcome]) -> int:
    for o in outcomes:
        print(f"{o.product:<28} {o.status:<10} {o.target or '':<10} {o.detail}")
        if o.pull_request:
            print(f"{'':<28} pull request: {o.pull_request}")
    statuses = ("adopted", "drift", "conflicts", "failed", "on-road", "exists")
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in statuses}
    print("fleet adopt: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return 0 if all(o.status in CLEAN for o in outcomes) else 1
