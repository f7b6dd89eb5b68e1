"""No silent way back: what the product's answers file has recorded over its git history.

Rolling a product back to an older release (its files and ``_commit``) removes every newer
guardrail, and editing an answer (``ui: server -> none``) removes the guarded files that answer
brings; each leaves a product that drift, comparing it with its own answers, finds in policy.
So drift reads every committed version of ``.copier-answers.yml`` (one ``git log``, one
``git cat-file --batch``, however long the history) and holds the product to the newest
release it ever recorded and to the guarded files its earlier answers had.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from packaging.version import Version

from .answers_file import ANSWERS_FILE, Recorded
from .errors import CannotCheck
from .policy import load_policy
from .rendering import CONSTANT_KEYS, render_as_asked, rendered_files
from .report import Finding, Kind, Severity
from .versions import parse_tag, release_of

_GIT_ENV = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
# A forge's own guarded files (its CI, CODEOWNERS, pins): changing `ci` alone trades them for
# the other forge's, which the current answers guard instead (docs/ci-guardrails.md).
FORGE_QUESTION = "ci"
FORGE_FILES = (".github/", ".gitlab/", ".gitlab-ci.yml", ".paved-road/actions.yml",
               ".paved-road/gitlab.yml")  # fmt: skip


@dataclasses.dataclass(frozen=True)
class AnswersVersion:
    """One committed version of the answers file."""

    commit: str  # the product's commit that wrote it
    data: dict[str, Any]

    @property
    def answers(self) -> dict[str, Any]:
        return {
            key: value
            for key, value in self.data.items()
            if not str(key).startswith("_") and key not in CONSTANT_KEYS
        }


def answers_history(product: Path) -> list[AnswersVersion]:
    """Every committed version of the answers file, oldest first (reachable from HEAD)."""
    log = subprocess.run(
        ["git", "log", "--reverse", "--format=%H", "--", ANSWERS_FILE],
        cwd=product,
        capture_output=True,
        text=True,
        env=_GIT_ENV,
        check=False,
    )
    commits = log.stdout.split() if log.returncode == 0 else []
    if not commits:
        return []
    prefix = _prefix(product)
    batch = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=product,
        input="".join(f"{commit}:{prefix}{ANSWERS_FILE}\n" for commit in commits).encode(),
        capture_output=True,
        env=_GIT_ENV,
        check=False,
    )
    return [
        AnswersVersion(commit, data)
        for commit, data in zip(commits, _blobs(batch.stdout), strict=False)
        if isinstance(data, dict)
    ]


def _prefix(product: Path) -> str:
    """The product's folder inside its repository (a product may live in a monorepo)."""
    found = subprocess.run(
        ["git", "rev-parse", "--show-prefix"],
        cwd=product,
        capture_output=True,
        text=True,
        env=_GIT_ENV,
        check=False,
    )
    return found.stdout.strip() if found.returncode == 0 else ""


def _blobs(out: bytes) -> Iterator[Any]:
    """The parsed blobs of ``git cat-file --batch`` output (None for one that is missing)."""
    index = 0
    while index < len(out):
        end = out.index(b"\n", index)
        header = out[index:end].split()
        index = end + 1
        if len(header) != 3:  # "<name> missing"
            yield None
            continue
        size = int(header[2])
        blob = out[index : index + size]
        index += size + 1
        try:
            yield yaml.safe_load(blob.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError, ValueError):
            yield None


def rollback_finding(
    history: list[AnswersVersion], current: str | None, tags: dict[str, str]
) -> Finding | None:
    """A failure when the product's release is older than one it recorded before."""
    if current is None or (now := parse_tag(current)) is None:
        return None
    newest: tuple[Version, str, str] | None = None
    for version in history:
        tag = release_of(str(version.data.get("_commit", "")), tags).tag
        parsed = parse_tag(tag) if tag is not None else None
        if tag is not None and parsed is not None and (newest is None or parsed > newest[0]):
            newest = (parsed, tag, version.commit)
    if newest is None or newest[0] <= now:
        return None
    return Finding(
        kind=Kind.ROLLBACK,
        severity=Severity.ERROR,
        path=ANSWERS_FILE,
        message=f"_commit {current} is older than {newest[1]}, which this product recorded in "
        f"commit {newest[2][:12]}: going back removes the guardrails of every newer release; "
        f"update to {newest[1]} or newer (`paved-road update`), or ask the platform team",
    )


def answer_findings(
    history: list[AnswersVersion],
    recorded: Recorded,
    render: Path,
    tags: dict[str, str],
    cache_dir: Path | None,
) -> list[Finding]:
    """A note per answer changed outside an update (``_commit`` unchanged), and a failure per
    earlier set of answers whose render had guarded files the current one does not."""
    findings = []
    states = [
        *history,
        AnswersVersion("working tree", {**recorded.answers, "_commit": recorded.commit}),
    ]
    for before, after in itertools.pairwise(states):
        if before.data.get("_commit") != after.data.get("_commit"):
            continue
        for key in sorted(set(before.answers) | set(after.answers)):
            if before.answers.get(key) != after.answers.get(key):
                findings.append(
                    Finding(
                        kind=Kind.ANSWER_CHANGED,
                        severity=Severity.INFO,
                        path=ANSWERS_FILE,
                        part=key,
                        message=f"answer {key!r} changed from {before.answers.get(key)!r} to "
                        f"{after.answers.get(key)!r} in {_where(after.commit)} outside a "
                        "template update",
                    )
                )
    current = {key: value for key, value in recorded.answers.items() if key not in CONSTANT_KEYS}
    earlier: list[AnswersVersion] = []
    for version in history:
        if version.answers != current and all(e.answers != version.answers for e in earlier):
            earlier.append(version)
    if earlier:
        guarded = _guarded(render, recorded.commit)
        for version in earlier:
            findings += _surface_findings(version, recorded, guarded, tags, cache_dir)
    return findings


def _where(commit: str) -> str:
    return commit if commit == "working tree" else f"commit {commit[:12]}"


def _guarded(render: Path, commit: str) -> set[str]:
    policy = load_policy(render, commit)
    return {path for path in rendered_files(render) if policy.is_guarded(path)}


def _surface_findings(
    version: AnswersVersion,
    recorded: Recorded,
    guarded: set[str],
    tags: dict[str, str],
    cache_dir: Path | None,
) -> list[Finding]:
    """The earlier answers rendered at the current release: guarded files they had and the
    current answers lose (a render that fails says nothing: that answer set is gone)."""
    answers = {**recorded.answers, **version.answers}
    try:
        _, render, _ = render_as_asked(
            dataclasses.replace(recorded, answers=answers), tags, cache_dir
        )
        lost = sorted(_guarded(render, recorded.commit) - guarded)
    except CannotCheck:
        return []
    changed = sorted(
        key for key in version.answers if version.answers[key] != recorded.answers.get(key)
    )
    if changed == [FORGE_QUESTION] and any(path.startswith(FORGE_FILES) for path in guarded):
        lost = [path for path in lost if not path.startswith(FORGE_FILES)]
    if not lost:
        return []
    shown = ", ".join(lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
    return [
        Finding(
            kind=Kind.ANSWER_CHANGED,
            severity=Severity.ERROR,
            path=ANSWERS_FILE,
            part=",".join(changed) or None,
            message=f"the answers of commit {version.commit[:12]} "
            f"({', '.join(f'{k}={version.answers[k]!r}' for k in changed)}) had guarded files "
            f"the current answers remove: {shown}; changing answers must not remove the "
            "platform's guardrails: restore them, or ask the platform team",
        )
    ]


def history_findings(
    product: Path,
    recorded: Recorded,
    release: str | None,
    *,
    render: Path,
    tags: dict[str, str],
    cache_dir: Path | None,
) -> list[Finding]:
    """Rollback and answer findings of a product in a git repository."""
    history = answers_history(product)
    rollback = rollback_finding(history, release, tags)
    return [
        *([rollback] if rollback else []),
        *answer_findings(history, recorded, render, tags, cache_dir),
    ]
