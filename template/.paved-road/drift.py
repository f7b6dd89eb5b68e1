"""Run `paved-road drift` on this product, from the template source and commit it records.

Platform-owned (guarded): `make drift` and `make check` run it. There is no package index
hosting paved-road, so the checker is installed by uv from the template's own git repository
at this product's recorded commit (`uvx --from git+<_src_path>@<commit> paved-road drift`),
the same version of the checker as the template it compares against.

Exit codes: 0 in policy, 1 violations, 2 cannot check (one line on stderr says why).
In GitHub Actions the report becomes annotations (`--format github`) and the job summary
(markdown). DRIFT_OFFLINE=1 skips the check for a local run without access to the template
(it says so, and it is refused when CI is set). PAVED_ROAD_FROM overrides where the checker
comes from (a local checkout of the template, when working on the checker itself).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

ANSWERS_FILE = ".copier-answers.yml"
DESCRIBE_RE = re.compile(r"^.+-\d+-g(?P<sha>[0-9a-f]{4,40})$")
TIMEOUT_SECONDS = 60


def fail(why: str) -> int:
    print(f"paved-road drift: cannot check: {why}", file=sys.stderr)
    return 2


def recorded(answers: Path) -> dict[str, str]:
    """`_src_path` and `_commit` from the answers file (copier writes plain `key: value`)."""
    found = {}
    for line in answers.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition(":")
        if sep and key in ("_src_path", "_commit"):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            found[key] = value
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


def commit_exists(file_url: str, ref: str) -> bool:
    """Whether a local template repository has the commit (a remote one is asked by uv)."""
    repo = unquote(urlparse(file_url).path)
    found = subprocess.run(  # noqa: S603
        ["git", "-C", repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],  # noqa: S607
        capture_output=True,
        check=False,
    )
    return found.returncode == 0


def main(argv: list[str]) -> int:
    if os.environ.get("DRIFT_OFFLINE"):
        if os.environ.get("CI"):
            return fail("DRIFT_OFFLINE is set in CI; CI must always check drift")
        print("paved-road drift: SKIPPED (DRIFT_OFFLINE is set): drift was not checked")
        return 0
    answers = Path(ANSWERS_FILE)
    if not answers.is_file():
        return fail(f"no {ANSWERS_FILE} here: run it in the product's root")
    values = recorded(answers)
    missing = [key for key in ("_src_path", "_commit") if not values.get(key)]
    if missing:
        return fail(f"{ANSWERS_FILE} has no {missing[0]}: restore it from git history")
    url = git_url(values["_src_path"])
    source = os.environ.get("PAVED_ROAD_FROM") or f"git+{url}@{git_ref(values['_commit'])}"
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    # Keep re-renders between runs (keyed by template SHA and answers): a second `make check`
    # compares without rendering.
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    env.setdefault("PAVED_ROAD_CACHE_DIR", str(cache_home / "paved-road" / "renders"))
    try:
        reach = subprocess.run(  # noqa: S603
            ["git", "ls-remote", "--tags", url],  # noqa: S607
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
        return fail(
            f"template source {values['_src_path']} is unreachable ({why}); "
            "to skip locally only: DRIFT_OFFLINE=1 make check"
        )
    ref = git_ref(values["_commit"])
    if url.startswith("file://") and not commit_exists(url, ref):
        return fail(
            f"template commit {values['_commit']!r} does not exist in {values['_src_path']} "
            "(was the product rendered from uncommitted template changes?); "
            "to skip locally only: DRIFT_OFFLINE=1 make check"
        )
    install = subprocess.run(  # noqa: S603
        ["uvx", "--quiet", "--from", source, "paved-road", "--version"],  # noqa: S607
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if install.returncode != 0:
        lines = [line.strip() for line in install.stderr.splitlines() if line.strip()]
        return fail(f"cannot install paved-road from {source}: {lines[-1] if lines else '?'}")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if os.environ.get("GITHUB_ACTIONS") == "true" and summary and "--format" not in argv:
        # In GitHub Actions: annotations on the offending files, the report in the job summary.
        argv = ["--format", "github", "--summary", summary, *argv]
    if not os.environ.get("CI"):
        # Locally, check against the template the answers record. CI approves only the
        # platform's template sources: its guarded workflow passes them.
        argv = ["--approve-recorded-source", *argv]
    checker = ["uvx", "--quiet", "--from", source, "paved-road", "drift", ".", *argv]
    return subprocess.run(checker, env=env, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
