"""The one step that changes the product: copy the finished update from the scratch clone.

``prepare`` (in ``paved-road update``) compares the scratch clone with ``HEAD``, copies the
git objects its index needs into the product's repository (adding objects changes nothing a
user sees) and writes ``plan.json``: every file to write or delete, with a content hash of
what is there now (``before``) and of what the update puts there (``after``), the index
entries before and after, ``HEAD`` and ``refs/stash`` (``recovery`` checks them before it
finishes a plan whose applier was killed), and what to print when done (``report``).

``apply_plan`` then runs in a child process of its own session with SIGINT, SIGTERM and
SIGHUP blocked (inherited from the parent), so killing ``paved-road update`` (any signal,
SIGKILL too) or closing its terminal cannot stop it: it writes every changed file in plan
order (each by rename), the index entries (unmerged stages included), and
``.copier-answers.yml`` last, then renames the run folder to ``done-*`` (the plan is gone in
one step) and removes it. If it fails it puts the product back to ``HEAD`` (the update starts
only on a clean tree). If it is itself killed, the ``applying`` marker stays and the next
``paved-road update`` finishes the same plan, if nothing changed in between.

Nothing in the plan is an absolute path: the product's root is an argument, so a copy of the
product (``.git`` included) holds a plan that still means the same.

Run by ``spawn`` as ``python -m paved_road.update.apply PLAN ROOT``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..one_line import cut
from . import stages
from .interrupts import HANDLED
from .product import Refused, git
from .scratch import discard

PLAN_FILE, MARKER = "plan.json", "applying"
TEMPORARY_SUFFIX = ".paved-road-tmp"  # a file being written; never left once renamed
NO_OBJECT = "0" * 40
# Where the applier is between its writes (the test-only pause hook, ``stages``): started,
# first file written, index written, answers file written (clean-up left).
WRITE_STEPS = ("apply-start", "apply", "apply-index", "apply-written")


def _z(output: str) -> list[str]:
    return [item for item in output.split("\0") if item]


def fingerprint(path: Path) -> str | None:
    """A content hash of what is at ``path`` (None: nothing), with its executable bit (an
    update may change only that). A symlink is its target."""
    if path.is_symlink():
        return f"link:{path.readlink()}"
    if path.is_dir():
        return "folder"
    try:
        executable = "+x" if path.stat().st_mode & 0o111 else ""
        return hashlib.sha256(path.read_bytes()).hexdigest() + executable
    except FileNotFoundError:
        return None


def index_entries(repo: Path, paths: set[str] | list[str]) -> dict[str, list[str]]:
    """``git ls-files -s`` lines (``mode sha stage\\tpath``) of ``paths``, every stage."""
    entries: dict[str, list[str]] = {path: [] for path in paths}
    for line in _z(git(repo, "ls-files", "-s", "-z")):
        path = line.split("\t", 1)[1]
        if path in entries:
            entries[path].append(line)
    return entries


def _head_entries(repo: Path, paths: set[str]) -> dict[str, list[str]]:
    """The same, for ``HEAD``'s tree: what the product's index holds before the update."""
    entries: dict[str, list[str]] = {path: [] for path in paths}
    for line in _z(git(repo, "ls-tree", "-r", "--full-tree", "-z", "HEAD")):
        meta, path = line.split("\t", 1)
        if path in entries:
            mode, _kind, sha = meta.split()
            entries[path].append(f"{mode} {sha} 0\t{path}")
    return entries


def index_info(entries: dict[str, list[str]]) -> str:
    """Input for ``git update-index --index-info``: drop each path, then add its entries."""
    lines = []
    for path, stages_of_path in sorted(entries.items()):
        lines.append(f"0 {NO_OBJECT}\t{path}")
        lines += stages_of_path
    return "".join(line + "\n" for line in lines)


def _missing(repo: Path, shas: list[str]) -> list[str]:
    """The objects of ``shas`` that ``repo`` lacks: one ``git cat-file --batch-check``."""
    checked = subprocess.run(
        ["git", "cat-file", "--batch-check=%(objectname)"],
        cwd=repo,
        input="".join(sha + "\n" for sha in shas).encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [line.split()[0] for line in checked.splitlines() if line.endswith(" missing")]


def _copy_objects(scratch: Path, root: Path, entries: dict[str, list[str]]) -> None:
    """Copy the objects the scratch clone made (copier's merges) into the product's
    repository. Batched, because a large update has hundreds: three git processes, not three
    per object (the scratch clone shares the product's objects, so only new ones move).

    They arrive as one pack (``index-pack``, as ``git fetch`` keeps a large fetch), not as
    loose objects: ``unpack-objects`` compressed and wrote each object as a file of its own,
    about 0.1 CPU-s for the 125 objects of a default product's update, index-pack 0.01. No
    delta search (``--window=0``): the pack lives until git's next repack, which does it."""
    shas = sorted({line.split()[1] for lines in entries.values() for line in lines})
    if not shas or not (missing := _missing(root, shas)):
        return
    pack = subprocess.run(
        ["git", "pack-objects", "--stdout", "-q", "--window=0"],
        cwd=scratch,
        input="".join(sha + "\n" for sha in missing).encode(),
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(
        ["git", "index-pack", "--stdin"], cwd=root, input=pack, capture_output=True, check=True
    )
    if still := _missing(root, missing):
        raise Refused(f"could not copy git object {still[0][:12]} into the product")


def repository_state(root: Path) -> dict[str, str | None]:
    """What moves when a person commits, checks out, resets or stashes."""
    return {
        "head": git(root, "rev-parse", "--verify", "--quiet", "HEAD").strip(),
        "branch": git(root, "symbolic-ref", "--quiet", "HEAD", check=False).strip() or None,
        "stash": git(root, "rev-parse", "--verify", "--quiet", "refs/stash", check=False).strip()
        or None,
    }


def _stage_merged(scratch: Path, changed: set[str], conflicts: set[str]) -> None:
    """Stage every change but the conflicts: the update arrives as what the next commit holds
    (drift compares guarded files as git commits them, from the index), and what is left
    unstaged or unmerged is exactly what the engineer must still resolve."""
    unmerged = {line.split("\t", 1)[1] for line in _z(git(scratch, "ls-files", "-u", "-z"))}
    if paths := sorted(changed - unmerged - conflicts):
        add = ["add", "--all", "--pathspec-from-file=-", "--pathspec-file-nul"]
        subprocess.run(
            ["git", "--literal-pathspecs", *add],
            cwd=scratch,
            input="\0".join(paths).encode(),
            capture_output=True,
            check=True,
        )


def prepare(
    scratch_folder: Path, scratch: Path, root: Path, answers: str, report: dict[str, Any]
) -> Path:
    """Write the plan for turning the product (clean, at HEAD) into the scratch clone's state;
    ``answers`` is the answers file's path from the repository root, ``report`` what to
    print once the plan is written (also when a later run finishes it)."""
    status = _z(
        git(scratch, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames")
    )
    changed = {item[3:] for item in status}
    _stage_merged(scratch, changed, set(report["outcome"]["conflicts"]))
    staged = set(_z(git(scratch, "diff-index", "--cached", "--name-only", "-z", "HEAD")))
    staged |= {line.split("\t", 1)[1] for line in _z(git(scratch, "ls-files", "-u", "-z"))}
    # Every path the plan touches, staged or not: the index of each must be as before or as
    # after for a later run to finish the plan (a `git add` in between is a change).
    touched = changed | staged
    entries = index_entries(scratch, touched)
    _copy_objects(scratch, root, entries)
    files = [
        {
            "path": path,
            "write": os.path.lexists(scratch / path),
            "before": fingerprint(root / path),
            "after": fingerprint(scratch / path),
        }
        for path in sorted(changed, key=lambda path: (path == answers, path))
    ]
    plan = {
        "source": scratch.relative_to(scratch_folder).as_posix(),
        "files": files,
        "index": index_info(entries),
        "rollback_index": index_info(_head_entries(root, touched)),
        "state": repository_state(root),
        "report": report,
    }
    path = scratch_folder / PLAN_FILE
    path.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    return path


def read_plan(plan_path: Path) -> dict[str, Any]:
    plan: dict[str, Any] = json.loads(plan_path.read_text(encoding="utf-8"))
    return plan


def _write(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}{TEMPORARY_SUFFIX}")
    temporary.unlink(missing_ok=True)
    if source.is_symlink():
        temporary.symlink_to(source.readlink())
    else:
        shutil.copyfile(source, temporary)
        temporary.chmod(source.stat().st_mode & 0o7777)
    temporary.replace(target)  # one rename: the file is either the old or the new one


def _delete(root: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    parent = target.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _update_index(root: Path, info: str) -> None:
    subprocess.run(
        ["git", "update-index", "--index-info"],
        cwd=root,
        input=info.encode(),
        capture_output=True,
        check=True,
    )


def _put(root: Path, source: Path, item: dict[str, Any]) -> None:
    target = root / item["path"]
    if fingerprint(target) == item["after"]:
        return  # already written (a plan finished by a later run)
    _write(source / item["path"], target) if item["write"] else _delete(root, target)


def _drop_temporaries(root: Path, plan: dict[str, Any]) -> None:
    """A write killed between copy and rename leaves its temporary file: the applier's own."""
    for item in plan["files"]:
        target = root / item["path"]
        target.with_name(f".{target.name}{TEMPORARY_SUFFIX}").unlink(missing_ok=True)


def apply_plan(plan_path: Path, root: Path) -> None:
    plan = read_plan(plan_path)
    source = plan_path.parent / plan["source"]
    (plan_path.parent / MARKER).touch()
    stages.reached("apply-start")
    _drop_temporaries(root, plan)
    *files, last = plan["files"] or [None]
    for number, item in enumerate(files):
        _put(root, source, item)
        if number == 0:
            stages.reached("apply")
    _update_index(root, plan["index"])
    stages.reached("apply-index")
    if last is not None:  # the answers file when the version changed: the last write
        _put(root, source, last)
    stages.reached("apply-written")
    discard(plan_path.parent)


def roll_back(plan_path: Path, root: Path) -> None:
    """Put back what the applier changed: the product was clean at HEAD when it started.
    Only files that differ from what was there before are touched."""
    plan = read_plan(plan_path)
    _drop_temporaries(root, plan)
    _update_index(root, plan["rollback_index"])
    changed = [
        item["path"] for item in plan["files"] if fingerprint(root / item["path"]) != item["before"]
    ]
    in_head = set(_z(git(root, "ls-tree", "-r", "--full-tree", "--name-only", "-z", "HEAD")))
    if restore := [path for path in changed if path in in_head]:
        git(root, "checkout", "HEAD", "--", *restore)
    for path in changed:
        if path not in in_head:
            _delete(root, root / path)


def spawn(plan_path: Path, root: Path, lock_fd: int) -> int:
    """Run the applier to its end. Call with signals deferred: the child inherits the block,
    and this process must not stop waiting for it."""
    child = subprocess.Popen(
        [sys.executable, "-m", "paved_road.update.apply", str(plan_path), str(root)],
        start_new_session=True,  # no terminal signals, and it outlives this process if killed
        pass_fds=(lock_fd,),  # holds the update lock until the product is complete
    )
    return child.wait()


def _why(error: BaseException) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        said = (error.stderr or b"").decode(errors="replace").strip().splitlines()
        command = " ".join(str(part) for part in error.cmd[:2])
        return f"{command}: {said[0].removeprefix('fatal: ')}" if said else command
    return str(error)


def main(argv: list[str]) -> int:
    signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)  # also when started by hand
    plan_path, root = Path(argv[0]), Path(argv[1])
    try:
        apply_plan(plan_path, root)
    except (OSError, subprocess.CalledProcessError, Refused) as error:
        try:
            roll_back(plan_path, root)
        except (OSError, subprocess.CalledProcessError, Refused) as again:
            print(
                f"paved-road update: writing failed, undoing too ({cut(_why(again), 20)}): "
                "git reset --hard; git clean -fd",
                file=sys.stderr,
            )
            return 3
        discard(plan_path.parent)
        print(
            f"paved-road update: writing failed ({cut(_why(error), 30)}): product unchanged",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
