"""An update whose applier was killed part-way: finish it only if nothing changed since.

The applier writes the plan's files in order, then the index, then the answers file last
(``apply``). So the product of a killed applier holds, for some k, the first k files as the
update writes them and the others as they were, the index before or after the update, and
the same ``HEAD`` and ``refs/stash`` as when the plan was written. Anything else means a
person (or a tool) changed the product since: an edit, a commit, a checkout, a stash, a
``git add``. Then finishing the plan would overwrite that work, so nothing is done and the
plan stays, until ``paved-road update --abandon`` drops it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .apply import (
    MARKER,
    PLAN_FILE,
    TEMPORARY_SUFFIX,
    fingerprint,
    index_entries,
    index_info,
    read_plan,
    repository_state,
)
from .product import Refused, git
from .scratch import DONE_PREFIX, area, discard


def pending(root: Path) -> Path | None:
    """The plan of an update whose applier started and never finished, if any."""
    base = area(root)
    if not base.is_dir():
        return None
    for folder in sorted(base.iterdir()):
        started = (folder / MARKER).exists() and (folder / PLAN_FILE).exists()
        if started and not folder.name.startswith(DONE_PREFIX):
            return folder / PLAN_FILE
    return None


def remove_leftovers(root: Path, keep: Path | None = None) -> None:
    """Run folders of killed updates (scratch clones, template clones, copier's temporary
    folders, plans never started): only ever this product's, and only while holding its
    update lock, so none belongs to a live run. ``keep``: a plan still to finish."""
    base = area(root)
    if not base.is_dir():
        return
    for folder in base.iterdir():
        if keep is None or folder != keep.parent:
            discard(folder)


def _short(sha: str | None) -> str:
    return sha[:7] if sha else "none"


def _moved(plan: dict[str, Any], root: Path) -> str | None:
    was, now = plan["state"], repository_state(root)
    if (was["head"], was["branch"]) != (now["head"], now["branch"]):
        where = (now["branch"] or "a detached HEAD").removeprefix("refs/heads/")
        if was["head"] == now["head"]:
            return f"HEAD moved to {where}"
        return f"HEAD moved ({_short(was['head'])} -> {_short(now['head'])})"
    if was["stash"] != now["stash"]:
        return "a stash was made or dropped"
    return None


def _indexed(info: str) -> set[str]:
    return {line.split("\t", 1)[1] for line in info.splitlines() if "\t" in line}


def _others_changed(plan: dict[str, Any], root: Path) -> str | None:
    planned = {item["path"] for item in plan["files"]} | _indexed(plan["index"])
    temporaries = {
        f"{Path(path).parent / ('.' + Path(path).name + TEMPORARY_SUFFIX)}".removeprefix("./")
        for path in planned
    }
    status = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames")
    for item in filter(None, status.split("\0")):
        path = item[3:]
        if path not in planned and path not in temporaries:
            return f"{path} changed (not the update's)"
    return None


def _index_now(plan: dict[str, Any], root: Path) -> str:
    """``before``, ``after``, ``both`` (the update changes no index entry) or ``changed``: the
    index entries of the plan's paths."""
    now = index_info(index_entries(root, _indexed(plan["index"])))
    before, after = now == plan["rollback_index"], now == plan["index"]
    return "both" if before and after else "after" if after else "before" if before else "changed"


def _files_changed(plan: dict[str, Any], root: Path) -> str | None:
    """Each planned file as it was, or as the update writes it, in plan order."""
    states = []
    for item in plan["files"]:
        now = fingerprint(root / item["path"])
        if now not in (item["before"], item["after"]):
            return f"{item['path']} was edited"
        strict = now if item["before"] != item["after"] else None
        states.append("after" if strict == item["after"] else "before" if strict else "both")
    written = [number for number, state in enumerate(states) if state == "after"]
    unwritten = [number for number, state in enumerate(states) if state == "before"]
    if written and unwritten and written[-1] > unwritten[0]:
        return f"{plan['files'][unwritten[0]]['path']} was rewritten"
    index = _index_now(plan, root)
    if index == "changed":
        return "the index changed"  # git add, git rm or git restore --staged
    if index == "after" and "before" in states[:-1]:
        return "the files lag the staged update"
    if index == "before" and states and states[-1] == "after":
        return "the index dropped the update"
    return None


def changed_since(plan: dict[str, Any], root: Path) -> str | None:
    """What changed in the product since the plan was written (None: only the applier's own
    writes), in a few words for the refusal line."""
    return _moved(plan, root) or _others_changed(plan, root) or _files_changed(plan, root)


_KEYS = ("source", "files", "index", "rollback_index", "state", "report")


def load(plan_path: Path) -> dict[str, Any]:
    """The plan, or a refusal when it cannot be checked (unreadable, or written by an older
    paved-road that recorded no hashes): never finished blind."""
    try:
        plan = read_plan(plan_path)
        if not isinstance(plan, dict) or any(key not in plan for key in _KEYS):
            raise ValueError("an older format")
    except (OSError, ValueError) as error:
        why = error.strerror if isinstance(error, OSError) else str(error)
        raise Refused(f"stopped update unreadable ({why}): --abandon it") from None
    return plan


def describe(plan: dict[str, Any]) -> str:
    report = plan["report"]
    return f"template {report['old']} -> {report['new']}"
