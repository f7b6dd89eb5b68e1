"""Talking to the template's git repository without cloning it: reachability and tags."""

from __future__ import annotations

import os
import subprocess

from .. import bounded
from ..one_line import cut
from ..template_source import git_url
from .errors import CannotCheck

TIMEOUT_SECONDS = 60


def remote_tags(src_path: str) -> dict[str, str]:
    """Every tag of the template repository (name -> commit), which also proves it is reachable."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        result = bounded.run(
            # `--`: the source is the product's to write; it must never be read as an option.
            ["git", "ls-remote", "--tags", "--", git_url(src_path)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CannotCheck(
            f"template {src_path} is unreachable: no answer in {TIMEOUT_SECONDS} s"
        ) from None
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        why = lines[0].removeprefix("fatal: ") if lines else f"git exited {result.returncode}"
        raise CannotCheck(f"template {src_path} is unreachable: {_shorter(why, src_path)}")
    tags: dict[str, str] = {}
    for line in result.stdout.splitlines():
        sha, _, ref = line.partition("\t")
        name = ref.removeprefix("refs/tags/")
        # An annotated tag appears twice; the peeled (^{}) line names the commit.
        if name.endswith("^{}"):
            tags[name.removesuffix("^{}")] = sha
        else:
            tags.setdefault(name, sha)
    return tags


def _shorter(why: str, src_path: str) -> str:
    """git's reason without the source it repeats, in fewer words: the line has 80 columns."""
    why = why.replace(f"'{src_path}' ", "").replace(f"'{git_url(src_path)}' ", "")
    return cut(why.replace("does not appear to be a git repository", "not a git repo"), 60)
