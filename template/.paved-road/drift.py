# /// script
# requires-python = ">=3.11"
# dependencies = ["pyyaml==6.0.4"]
# ///
"""Run `paved-road drift` on this product, from the template source and commit it records.

Platform-owned (guarded). Two callers:

- CI's drift job (`.github/workflows/ci.yml` or `.gitlab-ci.yml`, guarded) runs it with
  `--ci --template-source URL` before anything of the product runs: the checker comes from the platform's template
  repository named on that command line (never from the answers' `_src_path`, which a fork
  could point at itself) at the recorded release, caches are fresh, `DRIFT_OFFLINE` and
  `PAVED_ROAD_FROM` are ignored, and `--report FILE` keeps the JSON report for the job's
  artifact. Nothing in the Makefile changes what that job checks.
- `make drift` (and `make check`) run it locally.
- With `--probe` (CI's probe job, `make probe`) it runs the same checker's `paved-road probe`
  instead: the app built from `uv.lock` and served in a process of its own, probed over HTTP
  (docs/ci-guardrails.md).

There is no package index hosting paved-road, so the checker is installed by uv from the
template's own git repository at this product's recorded commit (`uvx --from
git+<_src_path>@<commit>`, a tag pinned to the commit `git ls-remote` names), once a run, and
its `paved-road` command then run directly: the same version of the checker as the template
it compares against. Locally uv's cache is asked first (`--offline`, on this script's Python):
a warm run asks no index over the network; CI's drift job always resolves afresh. `.copier-answers.yml` is read with a YAML parser, as the
checker reads it, so what installs the checker is what the checker then compares against.

Exit codes: 0 in policy, 1 violations, 2 cannot check (one line on stderr says why).
In GitHub Actions the report becomes annotations (`--format github`) and the job summary
(markdown). Locally only: DRIFT_OFFLINE=1 skips the check (it says so; refused when CI is
set), and PAVED_ROAD_FROM overrides where the checker comes from (a local checkout of the
template, when working on the checker itself).
"""

# ruff: noqa: E402 (the imports wait until this script's folder is off sys.path)
import os  # frozen, and `sys` built in: nothing on sys.path can stand in for them
import sys

# Python puts this script's folder first on sys.path, and that folder is the product's
# `.paved-road/`: a `.paved-road/yaml.py` (or `json.py`, `argparse.py`...) would run as the
# module it names, inside the checker's launcher. Nothing is imported before it is dropped.
# (No `from __future__` either: that, too, is a module looked up on sys.path.)
_HERE = os.path.dirname(os.path.realpath(__file__))  # noqa: PTH120 (pathlib is not loaded yet)
sys.path[:] = [entry for entry in sys.path if os.path.realpath(entry or ".") != _HERE]

import argparse
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

ANSWERS_FILE = ".copier-answers.yml"
DESCRIBE_RE = re.compile(r"^.+-\d+-g(?P<sha>[0-9a-f]{4,40})$")
# Release tags (v1.2.3, 1.2, v2.0.0rc1); a tag spelled like a commit SHA names nothing.
RELEASE_RE = re.compile(r"^v?\d+(\.\d+)*((a|b|rc)\d+)?$")
SHA_RE = re.compile(r"^[0-9a-fA-F]{7,40}$")
# What a product's environment must not hand the checker's Python: module search paths and
# startup files are code the product chose.
PYTHON_ENV_DROPPED = (
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "PYTHONHOME",
    "PYTHONINSPECT",
)
TIMEOUT_SECONDS = 60
LOCAL_SKIP_HINT = "; to skip locally only: DRIFT_OFFLINE=1 make check"


class CannotCheck(Exception):
    """Why the check cannot run: one line for stderr, exit 2."""


def recorded(answers: Path) -> dict[str, str]:
    """`_src_path` and `_commit`, read as the checker reads them (YAML, a mapping, non-blank)."""
    try:
        data = yaml.safe_load(answers.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError):  # ValueError: `2026-02-30`
        raise CannotCheck(f"{ANSWERS_FILE} does not parse as YAML: fix or restore it") from None
    if not isinstance(data, dict):
        raise CannotCheck(f"{ANSWERS_FILE} is not a mapping of answers: restore it from git")
    found = {}
    for key in ("_src_path", "_commit"):
        value = data.get(key)
        if not isinstance(value, str | int) or not str(value).strip():
            raise CannotCheck(f"{ANSWERS_FILE} has no {key}: restore it from git history")
        if str(value).startswith("-"):
            raise CannotCheck(f"{ANSWERS_FILE} {key} starts with '-': restore it from git history")
        found[key] = str(value)
    return found


def git_url(src_path: str) -> str:
    """What git and uv accept for copier's `_src_path` (shortcuts, local paths)."""
    for prefix, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if src_path.startswith(prefix):
            repo = src_path[len(prefix) :]
            return host + (repo if repo.endswith(".git") else f"{repo}.git")
    if src_path.startswith("git+"):
        return src_path[len("git+") :]
    if src_path.startswith("git@"):
        host, _, repo = src_path[len("git@") :].partition(":")
        return f"ssh://git@{host}/{repo}"
    if "://" in src_path:
        return src_path
    return Path(src_path).expanduser().resolve().as_uri()


def git_ref(commit: str) -> str:
    """uv fetches tags, branches and SHAs; a `git describe` commit becomes its SHA."""
    match = DESCRIBE_RE.match(commit)
    return match["sha"] if match else commit


def reachable(values: dict[str, str], url: str, env: dict[str, str], hint: str) -> dict[str, str]:
    """The template repository at URL answers, and (when local) has the recorded commit: its
    tags, each with the commit it names."""
    try:
        reach = subprocess.run(  # noqa: S603
            ["git", "ls-remote", "--tags", "--", url],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        reach = None
    if reach is None or reach.returncode != 0:
        why = reach.stderr.strip().splitlines()[0] if reach and reach.stderr.strip() else "timeout"
        raise CannotCheck(f"template source {url} is unreachable ({why}){hint}")
    tags = {}
    for line in reach.stdout.splitlines():
        sha, _, ref = line.partition("\t")
        name = ref.removeprefix("refs/tags/")
        if name.endswith("^{}"):  # an annotated tag, peeled: the commit it names
            tags[name[: -len("^{}")]] = sha
        else:
            tags.setdefault(name, sha)
    if not url.startswith("file://"):
        return tags  # a remote repository is asked by uv
    ref = git_ref(values["_commit"])
    repo = unquote(urlparse(url).path)
    verify = ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"]
    found = subprocess.run(["git", "-C", repo, *verify], capture_output=True, check=False)  # noqa: S603, S607
    if found.returncode != 0:
        raise CannotCheck(
            f"template commit {values['_commit']!r} does not exist in {url} "
            f"(was the product rendered from uncommitted template changes, or a fork?){hint}"
        )
    return tags


def release_ref(commit: str, url: str, tags: dict[str, str]) -> str:
    """The release tag of the platform's repository that `_commit` names (a tag, or the SHA a
    tag names): in CI nothing else is installed. Any commit a pull request makes reachable in
    the platform's repository (refs/pull/N/head) is code of the pull request's author."""
    release = [tag for tag in tags if RELEASE_RE.match(tag) and not SHA_RE.match(tag)]
    if commit in release:
        return commit
    if SHA_RE.match(commit):
        named = sorted(tag for tag in release if tags[tag].startswith(commit.lower()))
        if named:
            return named[-1]
    raise CannotCheck(
        f"template commit {commit!r} is not a release of {url}: CI checks products on a "
        "template release only; update to one (`paved-road update`)"
    )


def checker_env(env: dict[str, str]) -> dict[str, str]:
    """The environment of the checker's Python: no module path or startup file of the
    product's choosing, no user site, no script folder on sys.path (-P)."""
    clean = {key: value for key, value in env.items() if key not in PYTHON_ENV_DROPPED}
    return {**clean, "PYTHONSAFEPATH": "1", "PYTHONNOUSERSITE": "1"}


# Run by uvx inside the checker's environment: where its commands are, then the checker's own
# `paved-road --version` in the same process (a second Python started only to say it starts
# cost about 30 ms of CPU a run).
LOCATE_AND_START = (
    "import sys, sysconfig; print(sysconfig.get_path('scripts'), flush=True); "
    "from paved_road.cli import main; sys.exit(main(['--version']))"
)


def install(source: str, cwd: Path, env: dict[str, str], ci: bool) -> tuple[str, dict[str, str]]:
    """`paved-road` installed from SOURCE by uvx, once, run from outside the product so that
    no uv setting of the product (uv.toml, [tool.uv], .python-version) applies to it; and the
    environment to run it in, as uvx would (its commands first on PATH). Every run after this
    one starts that command directly: a second uvx resolved the same source again (git fetch,
    interpreter discovery: ~0.35 CPU-s and ~50 processes) only to reach this environment."""
    uvx = ["uvx", "--isolated", "--quiet"]
    attempts = [[*uvx, "--from", source]]
    if not ci:
        # Locally, first from uv's cache alone, on the Python this script runs on: no index
        # revalidated over the network for the checker's dependencies, no interpreter looked
        # for through pyenv's shims (together ~0.15 CPU-s and ~0.3 s of a warm run). The same
        # source at the same commit, so the same checker. When the cache cannot serve it (a
        # first run), uvx resolves it on that Python, which fills the cache for the next run;
        # when that Python cannot run it, uvx as before. CI's cache is empty: CI resolves.
        python = ["--python", getattr(sys, "_base_executable", None) or sys.executable]
        attempts[:0] = [
            [*uvx, "--offline", *python, "--from", source],
            [*uvx, *python, "--from", source],
        ]
    for attempt in attempts:
        located = subprocess.run(  # noqa: S603
            [*attempt, "python", "-c", LOCATE_AND_START],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if located.returncode == 0:
            break
    else:
        # uv's error, or the checker's own when it does not start: a broken checker is exit 2
        # (cannot check), never read as violations.
        raise CannotCheck(f"cannot install paved-road from {source}: {last_line(located.stderr)}")
    scripts = located.stdout.splitlines()[0].strip()
    command = shutil.which("paved-road", path=scripts)
    if command is None:
        raise CannotCheck(f"cannot install paved-road from {source}: it has no paved-road command")
    return command, {**env, "PATH": os.pathsep.join([scripts, env.get("PATH", "")])}


def last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "?"


def checker(command: str, *args: str, cwd: Path, env: dict[str, str], **kwargs):
    """`paved-road ARGS`, COMMAND as `install` found it, run from outside the product."""
    return subprocess.run([command, *args], cwd=cwd, env=env, check=False, **kwargs)  # noqa: S603


def pinned(ref: str, tags: dict[str, str]) -> str:
    """A tag as the commit the repository named a moment ago: uv fetches a tag again at every
    install, a commit it already has never; and what is installed is what was checked."""
    return tags.get(ref, ref)


def error_report(product: Path, why: str) -> str:
    """The JSON report of a check that could not run (drift-report.v1 schema, exit 2)."""
    report = {
        "schema_version": "1",
        "product": str(product),
        "status": "error",
        "exit_code": 2,
        "error": why,
        "template": None,
        "findings": [],
        "waivers": [],
    }
    return json.dumps(report, indent=2) + "\n"


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog=".paved-road/drift.py", add_help=False)
    parser.add_argument("--ci", action="store_true", help="CI's drift job (see the docstring)")
    parser.add_argument(
        "--template-source", help="with --ci: the platform's template repository (the checker's)"
    )
    parser.add_argument("--report", type=Path, help="also write the JSON report to this file")
    parser.add_argument(
        "--probe", action="store_true", help="run the checker's app probe instead of drift"
    )
    return parser.parse_known_args(argv)


def main(argv: list[str]) -> int:
    args, rest = parse_args(argv)
    product = Path.cwd()
    scratch = Path(tempfile.mkdtemp(prefix="paved-road-drift-"))
    try:
        return check(product, scratch, args, rest)
    except CannotCheck as error:
        print(f"paved-road drift: cannot check: {error}", file=sys.stderr)
        if args.report is not None:
            args.report.write_text(error_report(product, str(error)), encoding="utf-8")
        return 2
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check(product: Path, scratch: Path, args: argparse.Namespace, rest: list[str]) -> int:
    env = checker_env({**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    if args.ci:
        if not args.template_source:
            raise CannotCheck("--ci needs --template-source: restore the guarded CI file")
        # What CI checks comes from guarded files only: the local escape hatches do not apply,
        # and renders start from nothing (no cache a previous run's product code could touch).
        for name in ("DRIFT_OFFLINE", "PAVED_ROAD_FROM", "PAVED_ROAD_CACHE_DIR"):
            if env.pop(name, None):
                print(f"paved-road drift: {name} is ignored in CI")
        # The checker's own --cache-dir: the report run and the check run share one render.
        rest = ["--cache-dir", str(scratch / "renders"), *rest]
    elif os.environ.get("DRIFT_OFFLINE"):
        if os.environ.get("CI"):
            raise CannotCheck("DRIFT_OFFLINE is set in CI; CI must always check drift")
        what = "probe: SKIPPED (DRIFT_OFFLINE is set): the app was not probed"
        if not args.probe:
            what = "drift: SKIPPED (DRIFT_OFFLINE is set): drift was not checked"
        print(f"paved-road {what}")
        return 0
    else:
        # Keep re-renders between runs (keyed by template SHA and answers): a second
        # `make check` compares without rendering.
        cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        env.setdefault("PAVED_ROAD_CACHE_DIR", str(cache_home / "paved-road" / "renders"))
    answers = product / ANSWERS_FILE
    if not answers.is_file():
        raise CannotCheck(f"no {ANSWERS_FILE} here: run it in the product's root")
    values = recorded(answers)
    if args.ci:
        # The checker is the platform's, at the recorded release: a product whose answers
        # point at a fork gets `unapproved-source` from it, not the fork's own verdict.
        url = git_url(args.template_source)
        rest = ["--approved-source", args.template_source, *rest]
    else:
        url = git_url(values["_src_path"])
    tags = reachable(values, url, env, "" if args.ci else LOCAL_SKIP_HINT)
    if args.ci:
        # Refused before anything is fetched: uv would install (and run) any commit it can.
        source = f"git+{url}@{pinned(release_ref(values['_commit'], url, tags), tags)}"
    else:
        source = f"git+{url}@{pinned(git_ref(values['_commit']), tags)}"
        if os.environ.get("PAVED_ROAD_FROM"):
            source = os.environ["PAVED_ROAD_FROM"]
    command, env = install(source, cwd=scratch, env=env, ci=args.ci)
    if args.probe:
        # The same checker, its black-box probe: it builds the app from uv.lock, serves it
        # in a process of its own and only talks HTTP to it.
        return checker(command, "probe", str(product), cwd=scratch, env=env).returncode
    if args.report is not None:
        with args.report.open("w", encoding="utf-8") as report:
            checker(
                command,
                "drift",
                str(product),
                *rest,
                "--format",
                "json",
                cwd=scratch,
                env=env,
                stdout=report,
                stderr=subprocess.DEVNULL,
            )
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if os.environ.get("GITHUB_ACTIONS") == "true" and summary and "--format" not in rest:
        # In GitHub Actions: annotations on the offending files, the report in the job summary.
        rest = ["--format", "github", "--summary", summary, *rest]
    # No trust of its own: the checker decides alone, so `make drift` and `paved-road drift`
    # give the same verdict (outside CI, both check a product made from a template on this
    # machine against it, and say so; CI approves only the platform's sources).
    return checker(command, "drift", str(product), *rest, cwd=scratch, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
