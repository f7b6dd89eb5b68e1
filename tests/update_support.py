"""Template versions built from this repo's history, realistic product customisations, and
running ``paved-road update`` the way people and bots do (a subprocess, no terminal)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from packaging.version import Version
from paved_road.update.changelog import sections

from tests.cases import CHECK_CASES
from tests.drift_support import recorded_source
from tests.shared import Renders, built_once, run_root
from tests.support import (
    REPO_ROOT,
    commit_all,
    git,
    init_repo,
    run,
    snapshot_template,
    tool_env,
)

MIGRATION_SCRIPT = "template_migrations/move_files.py"
MOVED_FROM, MOVED_TO = "tests/test_items.py", "tests/api/test_items.py"
PAVED_ROAD = str(Path(sys.executable).parent / "paved-road")
COPIER = str(Path(sys.executable).parent / "copier")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


@dataclass(frozen=True)
class Versions:
    repo: Path
    old: str  # tag of the previous release
    new: str  # tag of this checkout, released with scripts/release


def _repo_git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def before_the_move() -> str:
    """The commit just before 0.1.0 moved tests/test_items.py: a synthetic previous release."""
    added = _repo_git("log", "--diff-filter=A", "--format=%H", "--", MIGRATION_SCRIPT)
    return _repo_git("rev-parse", f"{added.splitlines()[-1]}^")


def previous_release() -> tuple[str, str]:
    """(ref in this repo, tag name): the newest release tag behind HEAD, else the synthetic one."""
    head = _repo_git("rev-parse", "HEAD")
    tags = [t for t in _repo_git("tag", "--list", "v*", "--merged", "HEAD").split() if t]
    for tag in sorted(tags, key=lambda t: Version(t.removeprefix("v")), reverse=True):
        if _repo_git("rev-list", "-n", "1", tag) != head:
            return tag, tag
    return before_the_move(), "v0.0.1"


def _next_version(old_tag: str, changelog: str) -> str:
    """The version to release this checkout as: after the old tag and after every release
    CHANGELOG.md already names (once 0.1.0 is cut, a rehearsal is 0.1.1)."""
    released = [Version(section.name) for section in sections(changelog) if section.version]
    newest = max([Version(old_tag.removeprefix("v")), *released])
    if newest < Version("0.1.0"):
        return "0.1.0"
    return f"{newest.major}.{newest.minor}.{newest.micro + 1}"


def build_versions(dst: Path, old_ref: str, old_tag: str) -> Versions:
    """A template repo: ``old_ref`` of this repo tagged ``old_tag``, then this checkout as it is
    now, released with its own ``scripts/release`` (changelog moved, tag created)."""
    dst.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", old_ref], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout
    # tar(1), not tarfile: extractall(filter=...) is missing from early 3.11 patch releases.
    subprocess.run(["tar", "-x", "-C", str(dst)], input=archive, check=True)
    git(dst, "init", "--quiet", "--initial-branch=main")
    commit_all(dst, f"previous release ({old_ref[:12]})")
    git(dst, "tag", old_tag)
    for child in dst.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    staging = snapshot_template(dst.parent / f"{dst.name}-head")
    shutil.rmtree(staging / ".git")
    shutil.copytree(staging, dst, dirs_exist_ok=True)
    shutil.rmtree(staging)
    commit_all(dst, "this checkout")
    new = _next_version(old_tag, (dst / "CHANGELOG.md").read_text())
    release = run(
        [sys.executable, "scripts/release", new, "--test-command", "true"],
        cwd=dst,
        check=False,
        **GIT_IDENTITY,
    )
    if "Unreleased" in release.stderr and "empty" in release.stderr:
        git(dst, "tag", f"v{new}")  # nothing new in the changelog since the last release
    elif release.returncode != 0:
        raise AssertionError(f"scripts/release failed:\n{release.stdout}\n{release.stderr}")
    # Packed, as a template cloned from a server is: each clone an update makes of it (and of a
    # later_release cloned from it) then links one pack instead of every loose object.
    git(dst, "repack", "-a", "-d", "-q")
    return Versions(dst, old_tag, f"v{new}")


def later_release(
    base: Versions,
    where: Path,
    tag: str,
    edits: tuple[tuple[str, str, str], ...] = (),
    deletions: tuple[str, ...] = (),
    *,
    additions: dict[str, str] | None = None,
) -> Path:
    """A clone of ``base`` (at its new release) with more template changes, tagged ``tag``:
    ``edits`` are (path, old text, new text), ``deletions`` are paths removed, ``additions``
    are new files (path -> text)."""
    repo = where / "template"
    git(where, "clone", "--quiet", str(base.repo), str(repo))
    git(repo, "checkout", "--quiet", base.new)
    for path, old, new in edits:
        text = (repo / path).read_text()
        assert old in text, f"{old!r} not in {path}"
        (repo / path).write_text(text.replace(old, new))
    for path in deletions:
        (repo / path).unlink()
    write_files(repo, additions or {})
    commit_all(repo, f"template release {tag}")
    git(repo, "tag", tag)
    return repo


def copier_update(product: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Plain ``copier update``, as the docs and Renovate run it."""
    return subprocess.run(
        [COPIER, "update", "--trust", "--defaults"],
        cwd=product,
        env=_env(**env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


# The tests' templates are scratch clones on this machine: trusted as the documented flag
# trusts a template checkout (the platform's own source is the only one approved by default).
LOCAL = "--local-template"


def update(
    product: Path, *args: str, cwd: Path | None = None, trust: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    """``paved-road update`` as a bot runs it: no terminal on stdin."""
    return subprocess.run(
        [PAVED_ROAD, "update", *([LOCAL] if trust else []), *args],
        cwd=cwd or product,
        env=_env(**env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def drift(product: Path) -> subprocess.CompletedProcess[str]:
    # The scratch template stands in for the platform's: approved as CI approves that one.
    return subprocess.run(
        [PAVED_ROAD, "drift", str(product), "--approved-source", recorded_source(product) or ""],
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def _env(**extra: str) -> dict[str, str]:
    return tool_env(**GIT_IDENTITY, **extra)


def tree_state(product: Path) -> tuple[str, str]:
    """HEAD and the porcelain status: equal before and after means the product is unchanged."""
    head = git(product, "rev-parse", "HEAD").stdout.strip()
    status = git(product, "status", "--porcelain", "--untracked-files=all", "--ignored").stdout
    return head, status


def shared_versions(root: Path, key: str, old_ref: str, old_tag: str) -> Versions:
    """``build_versions`` once per run (``built_once``), shared by every worker: tests read and
    clone the repo (a later release is a clone of it), never commit or tag in it."""

    def build(target: Path) -> None:
        built = build_versions(target / "template", old_ref, old_tag)
        (target / "tags").write_text(f"{built.old} {built.new}\n")

    folder = built_once(root, key, build)
    old, new = (folder / "tags").read_text().split()
    return Versions(folder / "template", old, new)


@pytest.fixture(scope="session")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Versions:
    """The previous release and this checkout, released, in one template repo (once per run)."""
    ref, tag = previous_release()
    return shared_versions(run_root(tmp_path_factory) / "shared", "update-versions", ref, tag)


@pytest.fixture(scope="session")
def migration_versions(versions: Versions, tmp_path_factory: pytest.TempPathFactory) -> Versions:
    """A template repo that crosses the 0.1.0 move (the same as ``versions`` until a later
    release exists)."""
    if versions.old == "v0.0.1":
        return versions
    root = run_root(tmp_path_factory) / "shared"
    return shared_versions(root, "migration-versions", before_the_move(), "v0.0.1")


def _commit(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}").stdout.strip()


@dataclass(frozen=True)
class DefaultProducts:
    """The default product (tasks run: ``uv.lock`` made) of a release of a template repo,
    handed to each test as a copy of the run's one render (``Renders``).

    Many update tests render that same product from a ``later_release`` clone (or the repo
    itself) at one of its two releases, then change it. The render depends on the commit and
    the answers; the only trace of which repository it came from is ``_src_path`` in the
    answers file (``test_update_conflicts.py`` holds a copy equal to a real render). So the
    render is made once from the base repo and each copy gets its own template's path: a
    copy instead of copier's render and ``uv lock`` per test."""

    renders: Renders

    def copy(self, base: Versions, template: Path, ref: str, dst: Path) -> Path:
        """The default product of ``template`` at ``ref`` (a commit ``base.repo`` has too),
        at ``dst``, committed as ``init_repo`` commits a render."""
        commit = _commit(template, ref)
        assert commit == _commit(base.repo, ref), f"{ref} of {template} is not in {base.repo}"
        self.renders.product_copy(
            base.repo, dst, CHECK_CASES["default"], vcs_ref=ref, skip_tasks=False
        )
        answers = dst / ".copier-answers.yml"
        text = answers.read_text()
        recorded = yaml.safe_dump({"_src_path": str(base.repo)})
        assert text.count(recorded) == 1, text  # one line, as copier wrote it
        answers.write_text(text.replace(recorded, yaml.safe_dump({"_src_path": str(template)})))
        init_repo(dst)
        return dst


@pytest.fixture(scope="session")
def default_products(renders: Renders) -> DefaultProducts:
    """Default products rendered once per run, shared by every worker (``DefaultProducts``)."""
    return DefaultProducts(renders)


# A small template of two releases: a real `copier update` with a merge, a conflict, an added
# and a deleted file in seconds, for the tests that need many updates (kills at each write
# step, forks, debris) rather than the paved-road template's own content.
TINY_V1 = {
    "copier.yml": "_subdirectory: template\nname:\n  type: str\n  default: tiny\n",
    "template/{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml }}",
    "template/README.md.jinja": "# {{ name }}\n\nFrom the template.\n",
    "template/src/app.py": "LIMIT = 1\n",
    "template/gone.txt": "the template drops this in 2.0.0\n",
    "CHANGELOG.md": "# Changelog\n\n## Unreleased\n\n## 1.0.0 (2026-11-01)\n\n- First.\n",
}
TINY_V2 = {
    "template/README.md.jinja": "# {{ name }}\n\nFrom the template, version 2.\n",
    "template/src/app.py": "LIMIT = 2\n",
    "template/new.txt": "added in 2.0.0\n",
    "CHANGELOG.md": "# Changelog\n\n## Unreleased\n\n## 2.0.0 (2026-12-01)\n\n- Limit 2.\n\n"
    "## 1.0.0 (2026-11-01)\n\n- First.\n",
}


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def tiny_template(where: Path, v2: dict[str, str] | None = None) -> Path:
    """The small template, tagged v1.0.0 and v2.0.0 (``v2``: files of the second release)."""
    write_files(where, TINY_V1)
    init_repo(where, "tiny 1.0.0")
    git(where, "tag", "v1.0.0")
    write_files(where, TINY_V2 if v2 is None else v2)
    (where / "template/gone.txt").unlink()
    commit_all(where, "tiny 2.0.0")
    git(where, "tag", "v2.0.0")
    return where


def tiny_product(template: Path, where: Path) -> Path:
    """A product of the small template at v1.0.0, customised so that updating merges
    README.md, conflicts on src/app.py, adds new.txt and deletes gone.txt; committed."""
    run(
        [COPIER, "copy", "--trust", "--defaults", "--vcs-ref", "v1.0.0", str(template), str(where)],
        cwd=where.parent,
        **GIT_IDENTITY,
    )
    init_repo(where)
    readme = where / "README.md"
    readme.write_text("# tiny, by the product team\n" + readme.read_text().split("\n", 1)[1])
    (where / "src/app.py").write_text("LIMIT = 10\n")
    (where / "ours.txt").write_text("the product's own file\n")
    commit_all(where, "product work")
    return where


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small template (session-wide: never changed by a test)."""
    return tiny_template(tmp_path_factory.mktemp("tiny") / "template")
