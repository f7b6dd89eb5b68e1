"""`paved-road adopt` on a corpus of pre-road repositories (tests/adopt_support.py):
adopt, resolve the conflicts the way the report says, then the drift check lists what the
report listed, a later template release updates cleanly and the product's own tests pass."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.adopt_support import (
    adopt,
    advised,
    flask_no_tests,
    flat_fastapi,
    near_copy,
    poetry_src,
    resolve,
)
from tests.shared import built_once, run_root
from tests.support import commit_all, git, tool_env
from tests.update_support import PAVED_ROAD, update

pytestmark = pytest.mark.slow(
    reason="adopts four pre-road repositories (real copier renders, drift), then real updates"
)
SECURITY = "template/SECURITY.md.jinja"
LATER_LINE = "Report a vulnerability within a day of finding it."


@pytest.fixture(scope="session")
def template(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template at v1.0.0 (what products adopt) and a later v1.1.0 that changes a file
    the platform owns (what they update to); one per run, shared by the xdist workers."""

    def build(clone: Path) -> None:
        git(template_repo, "clone", "--quiet", str(template_repo), str(clone))
        with (clone / SECURITY).open("a") as security:
            security.write(f"\n{LATER_LINE}\n")
        commit_all(clone, "a later release")
        git(clone, "tag", "v1.1.0")

    return built_once(run_root(tmp_path_factory) / "shared", "adopt-template", build)


@dataclass
class Adopted:
    name: str
    product: Path
    template: Path
    code: int
    out: str
    report: str  # the Markdown report
    head_files: list[str]  # the product's files before adopting
    unmerged: set[str]  # conflicts git lists right after adopting
    own_tests: list[str]


def _files(product: Path) -> list[str]:
    return git(product, "ls-files").stdout.split()


CORPUS: dict[str, tuple[Callable[[Path, Path], Path], list[str], list[str]]] = {
    # name: (build(template, where), extra adopt arguments, the product's own tests)
    "flat-fastapi": (lambda _t, p: flat_fastapi(p), ["-d", "product_name=Inventory"],
                     ["tests/test_main.py"]),
    "poetry-src": (lambda _t, p: poetry_src(p), [], ["tests/test_orders.py"]),
    "flask-no-tests": (lambda _t, p: flask_no_tests(p), [], []),
    "near-copy": (lambda t, p: near_copy(t, p, "v1.0.0"), [], ["tests/test_health.py"]),
}  # fmt: skip


@pytest.fixture(scope="module", params=list(CORPUS))
def adopted(
    request: pytest.FixtureRequest, template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Adopted:
    """One corpus product, adopted at v1.0.0, then resolved as its report says and committed.
    Built once per run (whichever xdist worker needs it first); tests only read it (what
    changes a product works on a clone)."""
    build, extra, own_tests = CORPUS[request.param]

    def adopt_one(folder: Path) -> None:
        folder.mkdir(parents=True)
        product = build(template, folder / "product")
        head_files = _files(product)
        report = folder / "adoption.md"
        result = adopt(product, "--defaults", "--template", str(template), "--vcs-ref",
                       "v1.0.0", "--report", str(report), *extra)  # fmt: skip
        assert result.returncode in {1, 3}, result.stdout + result.stderr
        unmerged = sorted(
            {line.split("\t", 1)[1] for line in git(product, "ls-files", "-u").stdout.splitlines()}
        )
        resolve(product, advised(report.read_text()))
        commit_all(product, "adopt the paved road")
        seen = {"code": result.returncode, "out": result.stdout, "head_files": head_files,
                "unmerged": unmerged}  # fmt: skip
        (folder / "adopted.json").write_text(json.dumps(seen))

    folder = built_once(run_root(tmp_path_factory) / "adopted", request.param, adopt_one)
    seen = json.loads((folder / "adopted.json").read_text())
    return Adopted(request.param, folder / "product", template, seen["code"], seen["out"],
                   (folder / "adoption.md").read_text(), seen["head_files"],
                   set(seen["unmerged"]), own_tests)  # fmt: skip


def test_adoption_adds_merges_and_records_a_release(adopted: Adopted) -> None:
    answers = yaml.safe_load((adopted.product / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1.0.0"
    assert answers["_src_path"] == str(adopted.template)
    # Nothing of the product's was deleted.
    assert not [path for path in adopted.head_files if not (adopted.product / path).exists()]
    # The conflicts git listed are exactly those the report tells how to resolve.
    assert adopted.unmerged == set(advised(adopted.report)), adopted.report
    assert adopted.unmerged, "every corpus product has a README of its own"
    assert (adopted.code == 1) == bool(adopted.unmerged)
    assert "CONFLICTS" in adopted.out and "What the road cannot take over" in adopted.out
    # The road's guarded files are there.
    for path in (".github/workflows/ci.yml", "Dockerfile", ".paved-road/policy.yml"):
        assert (adopted.product / path).is_file(), path


def _drift(product: Path, template: Path) -> dict:
    result = subprocess.run(
        [PAVED_ROAD, "drift", str(product), "--approved-source", str(template), "--format", "json"],
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in {0, 1}, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_drift_after_resolving_lists_what_the_report_said(adopted: Adopted) -> None:
    listed = set(re.findall(r"^\d+\. \*\*([a-z-]+)\*\* `([^` \[]+)", adopted.report, re.MULTILINE))
    report = _drift(adopted.product, adopted.template)
    failing = {(f["kind"], f["path"]) for f in report["findings"] if f["severity"] == "error"}
    assert failing == listed, adopted.report
    # Each keeps its own README, so the road's platform-managed block in it is missing.
    readme = {("block-modified", "README.md")}
    expected = {
        "flat-fastapi": readme,
        "poetry-src": readme
        | {("added", ".github/workflows/tests.yml"), ("forbidden", "CODEOWNERS")},
        "flask-no-tests": readme,
        "near-copy": readme,
    }[adopted.name]
    assert failing == expected


def test_a_later_release_updates_cleanly(adopted: Adopted, tmp_path: Path) -> None:
    clone = tmp_path / "product"
    git(tmp_path, "clone", "--quiet", str(adopted.product), str(clone))
    result = update(clone, "--defaults", "--no-drift", "--approved-source", str(adopted.template))
    assert result.returncode in {0, 3}, result.stdout + result.stderr
    assert "Template v1.0.0 -> v1.1.0" in result.stdout
    assert "Conflicts: none" in result.stdout
    assert LATER_LINE in (clone / "SECURITY.md").read_text()
    assert not git(clone, "ls-files", "-u").stdout


def test_the_products_own_tests_still_pass(adopted: Adopted, tmp_path: Path) -> None:
    """Only the product's own tests, with only their own dependencies (the road's conftest
    needs the road's app factory, which adoption does not write for the product)."""
    if not adopted.own_tests:
        pytest.skip("this product has no tests of its own (the report says so)")
    # Not --offline: on a fresh machine uv's cache holds only what earlier tests happened to
    # install, and an unpinned `--with fastapi` resolves to the newest release, whose wheels
    # (pydantic-core's) no test may have fetched yet: the verdict depended on test order.
    if adopted.name == "near-copy":  # its own tests are the road's: its whole toolchain
        command = ["uv", "run", "--quiet", "pytest", "-q", *adopted.own_tests]
    else:
        command = ["uv", "run", "--quiet", "--no-project", "--with", "fastapi",
                   "--with", "httpx", "--with", "pytest", "pytest", "-q", "--noconftest",
                   "-p", "no:cacheprovider", *adopted.own_tests]  # fmt: skip
    clone = tmp_path / "product"  # uv writes .venv (and uv.lock): not into the shared product
    git(tmp_path, "clone", "--quiet", str(adopted.product), str(clone))
    result = subprocess.run(
        command,
        cwd=clone,
        env=tool_env(PYTHONPATH="src:."),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
