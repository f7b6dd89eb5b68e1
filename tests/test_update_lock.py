"""A release raises a dependency's lower bound above the product's pin: the lock follows.

The product pins sqlalchemy 2.0.36 (its own choice, in uv.lock); the release requires
sqlalchemy>=2.0.40. Copier merges uv.lock as text, which would keep the old pin; after plain
`copier update --trust --defaults` (the template's finish_update migration) and after
`paved-road update`, the lock must satisfy the new bound, be current for uv, and keep the
product's other pins. And uv locks once, in the product: not in copier's throwaway renders of
the two versions, nor before copier merges the product's changes (the template's task runs
when a product is created, not in an update).
"""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from packaging.version import Version

from tests.support import commit_all, run, tool_env
from tests.update_support import DefaultProducts, Versions, copier_update, later_release, update

PINNED, RAISED = "2.0.36", "2.0.40"


def _requirement(versions: Versions) -> str:
    """The template's sqlalchemy requirement today, quoted (extras included)."""
    text = (versions.repo / "template/pyproject.toml.jinja").read_text()
    found = re.search(r'"sqlalchemy(\[[^\]]*\])?>=[0-9.]+"', text)
    assert found, "no sqlalchemy requirement in the template"
    return found[0]


def _counting_uv(where: Path) -> tuple[dict[str, str], Path]:
    """PATH with a ``uv`` first that logs where it runs and what it is asked, then runs uv."""
    real = shutil.which("uv", path=tool_env()["PATH"])
    assert real is not None
    log = where / "uv-calls.log"
    shim = where / "shim" / "uv"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\necho "$PWD $*" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(0o755)
    return {"PATH": f"{shim.parent}:{tool_env()['PATH']}"}, log


def _locked(product: Path) -> dict[str, str]:
    lock = tomllib.loads((product / "uv.lock").read_text())
    return {package["name"]: package["version"] for package in lock["package"]}


@pytest.mark.slow(reason="real updates that re-lock with uv")
@pytest.mark.parametrize("tool", ["copier", "paved-road"])
def test_raised_lower_bound_is_locked(
    tool: str,
    versions: Versions,
    tmp_path: Path,
    default_products: DefaultProducts,
) -> None:
    template = later_release(
        versions,
        tmp_path,
        "v99.0.0",
        edits=(
            (
                "template/pyproject.toml.jinja",
                _requirement(versions),
                f'{_requirement(versions).split(">=")[0]}>={RAISED}"',
            ),
        ),
    )
    product = default_products.copy(versions, template, versions.new, tmp_path / "product")
    run(["uv", "lock", "--quiet", "--upgrade-package", f"sqlalchemy=={PINNED}"], cwd=product)
    commit_all(product, f"pin sqlalchemy {PINNED}")
    before = _locked(product)
    assert before["sqlalchemy"] == PINNED

    path, log = _counting_uv(tmp_path)
    if tool == "copier":
        result = copier_update(product, **path)
        assert "finish_update: uv.lock: re-locked" in result.stdout + result.stderr
        where = product  # the finish_update migration, in the product
    else:
        result = update(product, "--defaults", "--no-drift", **path)
        assert "uv.lock: re-locked" in result.stdout
        where = product / ".git/paved-road-update"  # its scratch clone of the product
    locks = [line for line in log.read_text().splitlines() if " lock" in line]
    assert len(locks) == 1 and locks[0].startswith(str(where)), locks

    assert result.returncode == 0, result.stdout + result.stderr
    after = _locked(product)
    assert Version(after["sqlalchemy"]) >= Version(RAISED), after["sqlalchemy"]
    run(["uv", "lock", "--locked"], cwd=product)  # current for the merged pyproject.toml
    assert after["fastapi"] == before["fastapi"]  # the product's other pins are kept
    assert "<<<<<<<" not in (product / "uv.lock").read_text()
