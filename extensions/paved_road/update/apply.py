"""The one step that changes the product: copy the finished update from the scratch clone.

``prepare`` (in ``paved-road update``) compares the scratch clone with ``HEAD``, copies the
git objects its index needs into the product's repository (adding objects changes nothing a
user sees) and writes ``plan.json``. ``apply_plan`` then runs in a child process of its own
session with SIGINT, SIGTERM and SIGHUP blocked (inherited from the parent), so killing
``paved-road update`` (any signal, SIGKILL too) or closing its terminal cannot stop it: it
writes every changed file (each by rename), the index entries (unmerged stages included),
and ``.copier-answers.yml`` last, then removes the run folder. If it fails it puts the product
back to ``HEAD`` (the update starts only on a clean tree). If it is itself killed, the
``applying`` marker stays and the next ``paved-road update`` finishes the same plan first.

Run by ``spawn`` as ``python -m paved_road.update.apply PLAN``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from . import stages
from .interrupts import HANDLED
from .product import Refused, git

PLAN_FILE, MARKER = "plan.json", "applying"
NO_OBJECT = "0" * 40


def _z(output: str) -> list[str]:
    return [item for item in output.split("\0") if item]


def _index_entries(repo: Path, paths: set[str]) -> dict[str, list[str]]:
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


def _index_info(entries: dict[str, list[str]]) -> str:
    """Input for ``git update-index --index-info``: drop each path, then add its entries."""
    lines = []
    for path, stages_of_path in sorted(entries.items()):
        lines.append(f"0 {NO_OBJECT}\t{path}")
        lines += stages_of_path
    return "".join(line + "\n" for line in lines)


def _copy_objects(scratch: Path, root: Path, entries: dict[str, list[str]]) -> None:
    for line in (line for lines in entries.values() for line in lines):
        sha = line.split()[1]
        known = subprocess.run(
            ["git", "cat-file", "-e", sha], cwd=root, capture_output=True, check=False
        )
        if known.returncode == 0:
            continue
        blob = subprocess.run(
            ["git", "cat-file", "blob", sha], cwd=scratch, capture_output=True, check=True
        ).stdout
        written = subprocess.run(
            ["git", "hash-object", "-w", "--no-filters", "--stdin"],
            cwd=root,
            input=blob,
            capture_output=True,
            check=True,
        )
        if written.stdout.decode().strip() != sha:
            raise Refused(f"could not copy git object {sha} into the product's repository")


def prepare(scratch_folder: Path, scratch: Path, root: Path, answers: str) -> Path:
    """Write the plan for turning the product (clean, at HEAD) into the scratch clone's state;
    ``answers`` is the answers file's path from the repository root."""
    status = _z(
        git(scratch, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames")
    )
    changed = {item[3:] for item in status}
    staged = set(_z(git(scratch, "diff-index", "--cached", "--name-only", "-z", "HEAD")))
    staged |= {line.split("\t", 1)[1] for line in _z(git(scratch, "ls-files", "-u", "-z"))}
    entries = _index_entries(scratch, staged)
    _copy_objects(scratch, root, entries)
    files = [
        {"path": path, "write": os.path.lexists(scratch / path)}
        for path in sorted(changed, key=lambda path: (path == answers, path))
    ]
    plan = {
        "root": str(root),
        "source": str(scratch),
        "files": files,
        "index": _index_info(entries),
        "rollback_index": _index_info(_head_entries(root, staged)),
    }
    path = scratch_folder / PLAN_FILE
    path.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    return path


def _write(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.paved-road-tmp")
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


def apply_plan(plan_path: Path) -> None:
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    root, source = Path(plan["root"]), Path(plan["source"])
    (plan_path.parent / MARKER).touch()
    *files, last = plan["files"] or [None]
    for number, item in enumerate(files):
        target = root / item["path"]
        _write(source / item["path"], target) if item["write"] else _delete(root, target)
        if number == 0:
            stages.reached("apply")
    _update_index(root, plan["index"])
    if last is not None:  # the answers file when the version changed: the last write
        target = root / last["path"]
        _write(source / last["path"], target) if last["write"] else _delete(root, target)
    shutil.rmtree(plan_path.parent, ignore_errors=True)


def roll_back(plan_path: Path) -> None:
    """Put the product back to HEAD: it was clean there when the update started."""
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    root = Path(plan["root"])
    _update_index(root, plan["rollback_index"])
    for item in plan["files"]:
        path = item["path"]
        shown = subprocess.run(["git", "cat-file", "-e", f"HEAD:{path}"], cwd=root, check=False)
        if shown.returncode == 0:
            git(root, "checkout", "HEAD", "--", path)
        else:
            _delete(root, root / path)


def spawn(plan_path: Path, lock_fd: int) -> int:
    """Run the applier to its end. Call with signals deferred: the child inherits the block,
    and this process must not stop waiting for it."""
    child = subprocess.Popen(
        [sys.executable, "-m", "paved_road.update.apply", str(plan_path)],
        start_new_session=True,  # no terminal signals, and it outlives this process if killed
        pass_fds=(lock_fd,),  # holds the update lock until the product is complete
    )
    return child.wait()


def main(argv: list[str]) -> int:
    signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)  # also when started by hand
    plan_path = Path(argv[0])
    try:
        apply_plan(plan_path)
    except (OSError, subprocess.CalledProcessError, Refused) as error:
        try:
            roll_back(plan_path)
        except (OSError, subprocess.CalledProcessError, Refused) as again:
            print(
                f"paved-road update: writing the update failed ({error}) and so did putting "
                f"the product back ({again}): `git reset --hard && git clean -fd` restores HEAD",
                file=sys.stderr,
            )
            return 3
        shutil.rmtree(plan_path.parent, ignore_errors=True)
        print(
            f"paved-road update: writing the update failed ({error}); the product is back at "
            "HEAD, unchanged",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
