"""Talking to the template's git repository without cloning it: reachability and tags."""

from __future__ import annotations

import os
import subprocess

from .. import bounded
from ..one_line import cut
from ..template_source import git_url
from .errors import CannotCheck
from .local_refs import refs_digest

TIMEOUT_SECONDS = 60

# Tags listed from a repository on this machine, by the bytes they were listed from
# (``local_refs``). A process checks many products of one template (a test worker, a fleet,
# an update's drift gate): each asked git again, two processes per check, for the same list.
_LISTED: dict[str, dict[str, str]] = {}


def remote_tags(src_path: str) -> dict[str, str]:
    """Every tag of the template repository (name -> commit), which also proves it is reachable.

    A repository on this machine is listed once per process for each content of its refs:
    any change to a tag (added, moved, deleted, packed) lists it again."""
    url = git_url(src_path)
    key = refs_digest(url)
    if key is not None and key in _LISTED:
        return dict(_LISTED[key])
    tags = _ls_remote(src_path, url)
    if key is not None and refs_digest(url) == key:  # unchanged while git listed them
        _LISTED[key] = dict(tags)
    return tags


def _ls_remote(src_path: str, url: str) -> dict[str, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        result = bounded.run(
            # `--`: the source is the product's to write; it must never be read as an option.
            ["git", "ls-remote", "--tags", "--", url],
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


def forget() -> None:
    """Drop every listing kept, as a new process would start."""
    _LISTED.clear()


def _shorter(why: str, src_path: str) -> str:
    """git's reason without the source it repeats, in fewer words: the line has 80 columns."""
    why = why.replace(f"'{src_path}' ", "").replace(f"'{git_url(src_path)}' ", "")
    return cut(why.replace("does not appear to be a git repository", "not a git repo"), 60)
