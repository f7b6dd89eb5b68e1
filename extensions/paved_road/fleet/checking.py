"""``fleet check`` end to end: fetch every product, reuse stored results, check the rest in
parallel processes, one row per product whatever happens to it.

Renders are shared: products made from the same template commit with the same answers form
a group, the first of a group renders (into the on-disk render cache of ``paved-road drift``)
and the rest of the group is only started once that render exists, so no two processes render
the same thing. Results are stored as they arrive, so an interrupted run resumes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import signal
from collections import defaultdict
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

from .. import yaml_file
from ..drift import CannotCheck, Report, run_check
from ..drift.answers_file import ANSWERS_FILE, read_answers
from ..drift.git_remote import remote_tags
from ..drift.identity import stamp
from ..drift.product_file import read_product_file
from ..drift.rendering import group_key, reuse
from .aggregate import error_result, product_result, roadless_result
from .clones import CannotFetch
from .fleet_file import Fleet, Product
from .progress import bar
from .report import ProductResult
from .results import ResultStore, result_key
from .snapshots import BlobStore, Checkout, fetch
from .watchdog import Watchdog


class Interrupted(Exception):
    """Ctrl-C during a check; what finished is stored, the next run resumes from it."""


@dataclass
class Pending:
    product: Product
    checkout: Checkout
    key: str | None  # where its result is stored; None: never stored (cannot check)
    group: str  # products of one group share one render
    entity: str | None
    tags: dict[str, str] | None  # the template's, as listed once for the run (None: ask again)


@dataclass
class Tally:
    """How the run went: how many results were reused from an earlier run."""

    checked: int = 0
    reused: int = 0
    errors: list[str] = field(default_factory=list)


def _entity(checkout: Path) -> str | None:
    """The Backstage entity ref of the product's catalog-info.yaml, if it has one."""
    try:
        raw = read_product_file(checkout, "catalog-info.yaml")  # never through a link out
        data = yaml_file.parse(raw, "catalog-info.yaml") if raw is not None else None
        meta = data["metadata"]
        kind = str(data.get("kind", "Component")).lower()
        return f"{kind}:{meta.get('namespace', 'default')}/{meta['name']}"
    except (yaml_file.FileProblem, KeyError, TypeError, AttributeError):
        return None


class _Tags:
    """Template tags per source, asked once per run (they are part of the result key)."""

    def __init__(self) -> None:
        self._known: dict[str, dict[str, str] | None] = {}

    def get(self, src_path: str) -> dict[str, str] | None:
        if src_path not in self._known:
            try:
                self._known[src_path] = remote_tags(src_path)
            except CannotCheck:
                self._known[src_path] = None
        return self._known[src_path]


def _plan(
    product: Product, checkout: Checkout, tags: _Tags, today: dt.date, approved: tuple[str, ...]
) -> tuple[str | None, str, dict[str, str] | None]:
    """(result key, render group, the template's tags) of a fetched product."""
    try:
        recorded = read_answers(checkout.path)
    except CannotCheck:
        return None, f"alone:{product.name}", None
    known = tags.get(recorded.src_path)
    key = (
        None
        if known is None
        else result_key(checkout.commit, recorded.src_path, known, today, approved)
    )
    return key, group_key(recorded), known


@dataclass(frozen=True)
class Trust:
    """What a run trusts beside the package: template sources, waiver signers (files)."""

    approved: tuple[str, ...] = ()
    signers: tuple[str, ...] = ()


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the run and keeps results


class _TooSlow(Exception):
    """The product's check reached its bound (``watchdog``)."""


def _stop(_signal: int, _frame: object) -> None:
    raise _TooSlow


def _check_one(
    path: str,
    today: dt.date,
    cache: str,
    trust: Trust,
    tags: dict[str, str] | None,
    *,
    timeout: float,
) -> str:
    """In a worker process: the drift check of one snapshot, as JSON (cheap to pass back).

    The template's tags are the ones the run listed once and keyed the stored results by.
    A check that uses ``timeout`` seconds of CPU, or makes no progress for as long, is stopped
    (SIGALRM, in this worker only) and becomes the product's error row: one product cannot
    stall the fleet's run. Neither bound counts time the machine gave to other work, so a
    loaded machine makes a check slower, never a different verdict (``watchdog``).

    Renders go to the run's ``cache``/renders, and link the files they share byte for byte
    with the blobs the snapshots were laid out from instead of writing them again
    (``drift.rendering.reuse``)."""
    previous = signal.signal(signal.SIGALRM, _stop)
    dog = Watchdog(timeout)
    try:
        with dog, reuse.linking_from(BlobStore(Path(cache) / "blobs").find):
            report = run_check(
                Path(path),
                today=today,
                cache_dir=Path(cache) / "renders",
                approved_sources=trust.approved,
                tags=tags,
                snapshot=True,
                waiver_signers=[Path(path) for path in trust.signers],
            )
    except _TooSlow:
        report = Report(
            product=path, status="error", exit_code=2, error=dog.why or "the check was stopped"
        )
    finally:
        signal.signal(signal.SIGALRM, previous)
    return report.model_dump_json()


def process_pool(jobs: int) -> futures.ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    # fork: workers start with drift and copier already imported (no per-worker import cost).
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return futures.ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_ignore_interrupts
    )


def _row(item: Pending, report: Report, source: str) -> ProductResult:
    report.product = item.product.repo
    # Identity, commit and owner, so that `fleet collect` can trust the drift report later.
    stamp(report, item.checkout.path, commit=item.checkout.commit, repo=item.product.repo)
    return product_result(
        name=item.product.name,
        repo=item.product.repo,
        report=report,
        source=source,
        team=item.product.team,
        tier=item.product.tier,
        entity=item.entity,
        commit=item.checkout.commit,
    )


def _report_of(future: futures.Future[str], item: Pending) -> Report:
    try:
        return Report.model_validate_json(future.result())
    except Exception as error:  # a bug or a dead worker: this product's row, not the run
        why = " ".join(str(error).split())[:300] or type(error).__name__
        return Report(
            product=item.product.repo,
            status="error",
            exit_code=2,
            error=f"the check crashed ({type(error).__name__}: {why}): please report it",
        )


def _warm(pool: futures.ProcessPoolExecutor, jobs: int) -> None:
    """Start every worker now, before the fetch threads: a fork never copies a busy thread."""
    futures.wait([pool.submit(int) for _ in range(jobs)])


class _Run:
    """One fleet check: fetches (threads) feed checks (processes) as they finish.

    Of each render group, the first product is checked at once and the others only when it is
    done, so they find its render in the cache instead of rendering it again.
    """

    def __init__(
        self,
        fleet: Fleet,
        cache: Path,
        jobs: int,
        today: dt.date,
        trust: Trust,
        *,
        product_timeout: float,
    ) -> None:
        self.fleet, self.cache, self.jobs, self.today = fleet, cache, jobs, today
        self.product_timeout = product_timeout
        self.trust = trust  # template sources and waiver signers trusted beside the package's
        # Stored results depend on which waiver signatures count: the keys are in their key.
        texts = "\0".join(Path(path).read_text(encoding="utf-8") for path in trust.signers)
        digest = hashlib.sha256(texts.encode()).hexdigest()
        self.result_scope = (*trust.approved, f"signers:{digest}")
        self.store = ResultStore(cache / "results")
        self.tags = _Tags()
        self.rows: list[ProductResult] = []
        self.tally = Tally()
        self.waiting: dict[str, list[Pending]] = defaultdict(list)  # group -> not yet started
        self.started: set[str] = set()  # groups whose first product is being checked
        self.rendered: set[str] = set()  # groups whose render is in the cache
        self.checks: dict[futures.Future[str], Pending] = {}

    def run(self) -> None:
        progress = bar(len(self.fleet.products), "checking")
        pool = process_pool(self.jobs)
        fetchers = futures.ThreadPoolExecutor(max_workers=max(4, 2 * self.jobs))
        try:
            _warm(pool, self.jobs)
            fetches = {
                fetchers.submit(fetch, product, self.cache): product
                for product in self.fleet.products
            }
            while fetches or self.checks:
                done, _ = futures.wait(
                    [*fetches, *self.checks], return_when=futures.FIRST_COMPLETED
                )
                for future in done:
                    if future in fetches:
                        self._fetched(fetches.pop(future), future, pool)
                    else:
                        self._checked(self.checks.pop(future), future, pool)
                    progress.update(len(self.rows) - progress.n)
        except KeyboardInterrupt:
            fetchers.shutdown(wait=False, cancel_futures=True)
            pool.shutdown(wait=False, cancel_futures=True)
            progress.close()
            kept = sum(1 for row in self.rows if row.status != "error")
            raise Interrupted(
                f"interrupted: {kept} result(s) kept, run it again to resume"
            ) from None
        fetchers.shutdown()
        pool.shutdown()
        progress.close()

    def _fetched(
        self, product: Product, future: futures.Future[Checkout], pool: futures.Executor
    ) -> None:
        try:
            checkout = future.result()
        except Exception as error:  # unreachable, or the cache failed it: its row, not the run
            why = (
                str(error) if isinstance(error, CannotFetch) else f"{type(error).__name__}: {error}"
            )
            self.rows.append(
                error_result(
                    product.name,
                    product.repo,
                    f"cannot fetch {product.repo}: {why}",
                    team=product.team,
                    tier=product.tier,
                )
            )
            return
        if not os.path.lexists(checkout.path / ANSWERS_FILE):  # a row of its own, not an error
            self.rows.append(
                roadless_result(product.name, product.repo, team=product.team, tier=product.tier)
            )
            return
        key, group, tags = _plan(product, checkout, self.tags, self.today, self.result_scope)
        item = Pending(product, checkout, key, group, _entity(checkout.path), tags)
        stored = self.store.get(key) if key is not None else None
        if stored is not None:
            self.rows.append(_row(item, stored, "cached"))
            self.tally.reused += 1
        elif group in self.rendered:
            self._submit(item, pool)
        elif group in self.started:
            self.waiting[group].append(item)
        else:
            self.started.add(group)
            self._submit(item, pool)

    def _checked(self, item: Pending, future: futures.Future[str], pool: futures.Executor) -> None:
        report = _report_of(future, item)
        if item.key is not None:
            self.store.put(item.key, report)
        self.rows.append(_row(item, report, "checked"))
        self.tally.checked += 1
        self.rendered.add(item.group)
        for other in self.waiting.pop(item.group, []):  # the render is there now
            self._submit(other, pool)

    def _submit(self, item: Pending, pool: futures.Executor) -> None:
        path = str(item.checkout.path)
        check = (_check_one, path, self.today, str(self.cache), self.trust, item.tags)
        self.checks[pool.submit(*check, timeout=self.product_timeout)] = item


def check_fleet(
    fleet: Fleet,
    *,
    cache: Path,
    jobs: int,
    today: dt.date,
    approved: tuple[str, ...] = (),
    signers: tuple[str, ...] = (),
    product_timeout: float = 600,
) -> tuple[list[ProductResult], Tally]:
    """Every product of the fleet as a row; stored results of an earlier run are reused."""
    for folder in ("products", "results"):  # an unusable cache fails here, not per product
        (cache / folder).mkdir(parents=True, exist_ok=True)
    trust = Trust(approved, signers)
    # Resolved: workers run git in other folders.
    run = _Run(fleet, cache.resolve(), jobs, today, trust, product_timeout=product_timeout)
    run.run()
    return run.rows, run.tally
