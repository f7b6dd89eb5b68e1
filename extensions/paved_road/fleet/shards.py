"""Sharding a fleet across a CI system's jobs: ``fleet shards`` sizes the matrix, ``fleet
check --shard I/N`` checks one of its jobs' share.

A product falls in a shard by a hash of its name, so the shards are disjoint, cover the fleet,
and adding a product moves no other one (as long as the number of shards stays). The number
of shards grows with the fleet, one job per ``per_job`` products, up to the forge's limit on
one matrix: GitHub runs at most 256 jobs of a matrix, GitLab's ``parallel`` at most 200.
Past that, each job takes more products.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # registering ``fleet shards`` imports no pydantic
    from .fleet_file import Fleet

MAX_JOBS = {"github": 256, "gitlab": 200}
FORGE_NAMES = {"github": "GitHub", "gitlab": "GitLab"}
PER_JOB = 100  # products per job: a few minutes of checks against a job's minute of set-up


def shard(fleet: Fleet, spec: str) -> Fleet:
    """The products of shard ``I/N``: each product falls in one shard by a hash of its name,
    so adding or removing products moves no other product to another shard."""
    from .fleet_file import Fleet, FleetFileError  # noqa: PLC0415

    index, _, total = spec.partition("/")
    if not (index.isdigit() and total.isdigit() and 1 <= int(index) <= int(total)):
        raise FleetFileError(f"--shard {spec}: give I/N with 1 <= I <= N, e.g. --shard 3/8")
    chosen = [
        product
        for product in fleet.products
        if int(hashlib.sha256(product.name.encode()).hexdigest(), 16) % int(total) == int(index) - 1
    ]
    return Fleet(path=fleet.path, products=chosen)


def shard_count(products: int, per_job: int, max_jobs: int) -> int:
    """Jobs for ``products``: one per ``per_job`` of them, at least one, at most ``max_jobs``."""
    return max(1, min(max_jobs, math.ceil(products / per_job)))


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    shards = commands.add_parser(
        "shards",
        help="the CI matrix for a sharded fleet check, sized to the fleet (JSON)",
        description='Print {"shard": [1, ..., N]} for a CI matrix (GitHub: '
        "fromJSON(...)): one job per --per-job products, at most the forge's matrix limit; "
        "each job then runs `fleet check FLEET --shard I/N`.",
    )
    shards.add_argument("fleet", help="the fleet file (YAML, see docs/fleet.md)")
    shards.add_argument(
        "--forge",
        choices=sorted(MAX_JOBS),
        default="github",
        help="whose matrix limit applies: github 256 jobs, gitlab 200 (default: github)",
    )
    shards.add_argument(
        "--max-jobs",
        type=int,
        metavar="N",
        help="at most N jobs (default and most: the forge's limit)",
    )
    shards.add_argument(
        "--per-job",
        type=int,
        default=PER_JOB,
        metavar="N",
        help=f"products per job before another job is added (default: {PER_JOB})",
    )
    shards.set_defaults(handler=run_shards_command)


def run_shards_command(args: argparse.Namespace) -> int:
    from pathlib import Path  # noqa: PLC0415

    from .fleet_file import FleetFileError, load_fleet  # noqa: PLC0415

    limit = MAX_JOBS[args.forge]
    max_jobs = limit if args.max_jobs is None else args.max_jobs
    problem = (
        f"--max-jobs must be 1 to {limit} ({FORGE_NAMES[args.forge]}'s limit on one matrix)"
        if not 1 <= max_jobs <= limit
        else "--per-job must be 1 or more"
        if args.per_job < 1
        else None
    )
    try:
        if problem is not None:
            raise FleetFileError(problem)
        products = len(load_fleet(Path(args.fleet)).products)
    except FleetFileError as error:
        print(f"paved-road fleet: {error}", file=sys.stderr)
        return 2
    total = shard_count(products, args.per_job, max_jobs)
    print(json.dumps({"shard": list(range(1, total + 1))}, separators=(",", ":")))
    print(
        f"paved-road fleet: {products} product(s) in {total} shard(s), about "
        f"{math.ceil(products / total)} each",
        file=sys.stderr,
    )
    return 0
