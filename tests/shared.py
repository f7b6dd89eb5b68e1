"""Expensive things the suite builds once per run and shares between tests and xdist workers.

A pytest-xdist worker is a process of its own, so a session fixture alone is built once per
worker. What is costly and read-only is built instead under the run's shared folder (the
parent of every worker's basetemp), under a file lock, by whichever worker needs it first;
the others wait for it and read it. What a test changes, it copies first (``product_copy``):
a rendered product is about 130 small files, a copy costs milliseconds, a render a second.

Shared here:
- pristine renders of a product, keyed by everything the render depends on (template commit,
  vcs ref, answers, tasks or not);
- node_modules trees, keyed by the lock file's content, copied into products with hard links
  (a product's ``make`` then sees them up to date and runs no ``npm ci``);
- the template snapshot itself (``template_repo``).

Not one mypy cache for the run: mypy does not guard it against two processes writing it at
once. Each product checked gets a real copy of a warm one instead (``MypyCaches``), warmed
once per Python version on a pristine product before the first check of that version.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

from tests import bytecode
from tests.cases import CHECK_CASES
from tests.support import copy_product, run


def run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every worker of this run shares (basetemp itself without xdist)."""
    base = tmp_path_factory.getbasetemp()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return base.parent if worker else base


def built_once(root: Path, key: str, build: Callable[[Path], None]) -> Path:
    """``root/key``, built by ``build(path)`` by the first caller of the run, under a lock.

    A build that fails leaves nothing behind, so the next caller tries again (and fails with
    the same assertion, in its own test)."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / key
    ready = root / f"{key}.ready"
    with FileLock(str(root / f"{key}.lock")):
        if not ready.exists():
            shutil.rmtree(target, ignore_errors=True)
            try:
                build(target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
            ready.touch()
    return target


def digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def head_commit(repo: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


class Renders:
    """Pristine products, rendered once per run by the real copier. Never write into one:
    take ``product_copy`` for a product a test changes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def pristine(
        self,
        template: Path,
        answers: dict[str, str],
        *,
        vcs_ref: str = "HEAD",
        skip_tasks: bool = True,
    ) -> Path:
        key = digest(str(template), head_commit(template), vcs_ref, answers, skip_tasks)

        def render(target: Path) -> None:
            copy_product(template, target, answers, vcs_ref=vcs_ref, skip_tasks=skip_tasks)

        return built_once(self.root, key, render)

    def product_copy(
        self,
        template: Path,
        dst: Path,
        answers: dict[str, str],
        *,
        vcs_ref: str = "HEAD",
        skip_tasks: bool = True,
    ) -> Path:
        """A product of its own for the test: a copy of the shared pristine render."""
        source = self.pristine(template, answers, vcs_ref=vcs_ref, skip_tasks=skip_tasks)
        shutil.copytree(source, dst, symlinks=True)
        return dst


def node_modules_for(root: Path, package_dir: Path) -> Path:
    """node_modules installed (npm ci) from ``package_dir``'s lock file, once per lock."""
    lock = (package_dir / "package-lock.json").read_bytes()

    def install(target: Path) -> None:
        target.mkdir(parents=True)
        shutil.copy2(package_dir / "package.json", target / "package.json")
        (target / "package-lock.json").write_bytes(lock)
        run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=target)

    return built_once(root, f"npm-{hashlib.sha256(lock).hexdigest()[:16]}", install) / (
        "node_modules"
    )


def seed_node_modules(root: Path, package_dir: Path) -> None:
    """Give ``package_dir`` the run's node_modules for its lock, as hard links (cp -al), newer
    than the lock file: the product's make rule for npm ci sees it up to date. Packages are
    read, never written, by the product's checks."""
    source = node_modules_for(root, package_dir)
    target = package_dir / "node_modules"
    subprocess.run(["cp", "-al", str(source), str(target)], check=True)
    # make compares the hidden lock's mtime with package-lock.json's; hard links share the
    # inode, so this touches the shared tree's copy too, which is harmless.
    (target / ".package-lock.json").touch()


class MypyCaches:
    """Warm mypy caches for the products whose ``make check`` a test runs, one per Python
    version, made before the first such check of that version needs one (``warm``).

    ``seed(product)`` gives a product a real copy (never links: mypy 2 writes its SQLite cache
    files in place) before its check. mypy's verdict stays exact: it trusts an entry only when
    the module's source has the recorded hash and every module it depends on has the recorded
    interface, and drops the whole cache when its own version, the options or a plugin's
    version differ. Another product's own modules (another package, other tests) are therefore
    checked again for real; the third-party libraries (FastAPI, SQLAlchemy, pydantic), most of
    the cold run, are not.

    With a ``template`` and its ``renders``, ``warm(version)`` makes a missing cache on a
    pristine product of the default answers at that Python version (``uv sync``, then mypy on
    it), once per run under a lock: the many products of the default version never pay a cold
    mypy (16 CPU-s under load against 1.7 warm), and two workers never both run one. A version
    only one product's check reads (3.11, 3.13: their ``test_product_check`` cases) is not
    warmed: that check's own cold mypy costs what the warm-up's would, without a second product
    to render, sync and collect. ``keep(product)`` offers a checked product's cache to the
    checks after it. The warm-up also hands that venv's bytecode to every venv made after it,
    through uv's cache (``tests/bytecode.py``)."""

    def __init__(
        self, root: Path, template: Path | None = None, renders: Renders | None = None
    ) -> None:
        self.root = root
        self.template = template
        self.renders = renders

    @staticmethod
    def python_version(product: Path) -> str:
        with (product / "pyproject.toml").open("rb") as config:
            return str(tomllib.load(config)["tool"]["mypy"]["python_version"])

    @staticmethod
    def _key(version: str) -> str:
        return f"mypy-cache-py{version}"

    def warm(self, version: str) -> bool:
        """Make the run's cache for ``version`` if it has none yet (a fixture's set-up calls
        this, so its cost is the set-up's, once per run). False when it cannot: no template."""
        key = self._key(version)
        if (self.root / f"{key}.ready").exists():
            return True
        if self.template is None or self.renders is None:
            return False
        template, renders = self.template, self.renders

        def check_pristine(target: Path) -> None:
            answers = {**CHECK_CASES["default"], "python_version": version}
            work = self.root / f"{key}-product"
            shutil.rmtree(work, ignore_errors=True)
            try:
                renders.product_copy(template, work, answers, skip_tasks=False)
                run(["uv", "run", "--locked", "mypy"], cwd=work)
                shutil.copytree(work / ".mypy_cache", target)
                # The same venv's bytecode, for every venv uv makes after it (tests/bytecode.py):
                # collecting the tests imports what a product's processes import.
                run(["uv", "run", "--locked", "pytest", "--collect-only", "-q"], cwd=work)
                bytecode.publish(work / ".venv")
            finally:
                shutil.rmtree(work, ignore_errors=True)

        built_once(self.root, key, check_pristine)
        return True

    def seed(self, product: Path) -> bool:
        """Copy the warm cache for the product's Python version in, when the run has one (the
        default version's is warmed in set-up; another version's only by ``warm`` or ``keep``).
        False when it has none: the product's mypy then runs cold, as the warm-up would have."""
        key = self._key(self.python_version(product))
        if not (self.root / f"{key}.ready").exists():
            return False
        shutil.copytree(self.root / key, product / ".mypy_cache", dirs_exist_ok=True)
        return True

    def keep(self, product: Path) -> None:
        """After the product's check passed: its cache becomes the warm one, if none is yet."""
        cache = product / ".mypy_cache"
        key = self._key(self.python_version(product))
        if cache.is_dir() and not (self.root / f"{key}.ready").exists():
            built_once(self.root, key, lambda target: shutil.copytree(cache, target))
