"""``paved-road probe PRODUCT``: build the product's app, serve it, probe it black-box.

Exit 0: the app keeps every guarantee probed; 1: it does not (one ``FAIL`` line each); 2: the
probe cannot run (the environment does not build, the app does not start with valid production
settings), one line on stderr saying why.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..drift.answers_file import read_answers
from ..drift.errors import CannotCheck
from ..filters import env_prefix
from ..one_line import cut
from . import checks
from .app import (
    ROOM,
    START_SECONDS,
    START_WALL_SECONDS,
    App,
    build_environment,
    free_ports,
    production_settings,
    server_args,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "probe",
        help="serve a product's app and probe it black-box, as the platform",
        description="Build the product's app from its locked environment (uv sync --locked "
        "--no-dev --no-editable), serve it with the Dockerfile's uvicorn command and production "
        "settings, and probe it over HTTP: security headers on random paths, CORS closed, the "
        "body limit, insecure production settings refused, anonymous writes refused. "
        "Exit 0 ok, 1 violations, 2 cannot probe.",
    )
    parser.add_argument("product", nargs="?", type=Path, default=Path(), help="default: here")
    parser.add_argument(
        "--python",
        type=Path,
        help="serve with this environment's Python instead of building one (a local .venv)",
    )
    parser.set_defaults(handler=run)


def refusals(auth: str) -> dict[str, dict[str, str | None]]:
    """Insecure settings, each of which a production-like app must refuse to start with. (Each
    costs a start-up of the app: the ones a product's seeded code would want gone.)"""
    cases: dict[str, dict[str, str | None]] = {
        "no SECRET_KEY in production": {"SECRET_KEY": None},
        "a short SECRET_KEY in staging": {"ENVIRONMENT": "staging", "SECRET_KEY": "short"},
    }
    if auth == "oidc":
        cases["no OIDC_ISSUER in production"] = {"OIDC_ISSUER": None}
    else:
        cases["no ALLOW_ANONYMOUS_ACCESS in production"] = {"ALLOW_ANONYMOUS_ACCESS": None}
    return cases


STARVED = f"the machine is too busy: the app had no CPU for {START_WALL_SECONDS // 60} min"


def _refused(app: App, why: str) -> str | None:
    try:
        app.start()
        outcome = app.outcome()
    finally:
        app.stop()
    if outcome == "exited" and app.process is not None and app.process.returncode != 0:
        return None
    if outcome == "starved":
        raise CannotCheck(STARVED)
    what = {
        "serving": "served requests",
        "timeout": "neither started nor refused",
        "exited": "exited 0",
    }
    return (
        f"insecure settings: with {why} the app {what[outcome]}: production settings must "
        "refuse to start (core/config.py)"
    )


def probe(product: Path, python: Path | None, scratch: Path) -> tuple[list[str], list[str]]:
    """The problems found, and notes (what was probed, sign-in)."""
    answers = read_answers(product).answers
    package = str(answers.get("package_name") or "")
    if not package:
        raise CannotCheck(".copier-answers.yml has no package_name: restore it from git")
    auth = str(answers.get("auth") or "none")  # products from before the question: none
    server = server_args(product)
    python = python or build_environment(product, scratch)
    settings = production_settings(answers, scratch)

    cases = refusals(auth)
    ports = free_ports(len(cases) + 1)

    def app(changes: dict[str, str | None]) -> App:
        values = {**settings, **changes}
        kept = {key: value for key, value in values.items() if value is not None}
        return App(python, product, server, env_prefix(package), kept, scratch, ports.pop())

    served = app({})
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        refused = [pool.submit(_refused, app(changes), why) for why, changes in cases.items()]
        try:
            served.start()
            outcome = served.outcome()
            if outcome == "starved":
                raise CannotCheck(STARVED)
            if outcome != "serving":
                # Production settings and the image's server command; its last words, cut.
                said = {
                    "timeout": f"no answer in {START_SECONDS} s: ",
                    "exited": "the app does not start: ",
                }[outcome]
                raise CannotCheck(said + cut(served.last_line(), ROOM - len(said)))
            problems, notes = _probe_served(served.port, auth)
        finally:
            served.stop()
        problems += [problem for future in refused if (problem := future.result())]
    notes.append(f"insecure settings: {len(cases)} start-ups tried")
    return problems, notes


def _probe_served(port: int, auth: str) -> tuple[list[str], list[str]]:
    routes, why = checks.schema_routes(port)
    paths = checks.random_paths()
    known = sorted(
        {
            checks.concrete(path, ops.get("get"))
            for path, ops in (routes or {}).items()
            if "get" in ops
        }
    )
    problems, asked = checks.security_headers(port, [*paths, "/healthz", *known])
    problems += checks.cors_closed(port, [paths[0], "/healthz"])
    problems += checks.body_limit(port)
    notes = [
        f"security headers: {asked} answers on {len(paths)} random and {len(known) + 1} known paths"
    ]
    if auth != "oidc":
        notes.append(
            f"sign-in: none (auth={auth}): the product runs without sign-in; anyone who "
            "reaches it can change its data"
        )
    elif routes is None:
        problems.append(f"anonymous write: cannot list the write routes: {why}")
    else:
        found, tried = checks.anonymous_writes(port, routes, paths)
        problems += found
        notes.append(
            f"anonymous writes: {tried} write route(s) of the schema refused without credentials"
        )
    return problems, notes


def run(args: argparse.Namespace) -> int:
    product = args.product.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="paved-road-probe-"))
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    try:
        problems, notes = probe(product, args.python, scratch)
    except CannotCheck as error:
        print(f"paved-road probe: cannot probe: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for note in notes:
        print(f"paved-road probe: {note}")
    for problem in problems:
        print(f"FAIL {problem}")
        if annotate:
            print(f"::error title=paved-road probe::{problem}")
    print(f"paved-road probe: {len(problems)} violation(s)")
    return 1 if problems else 0
