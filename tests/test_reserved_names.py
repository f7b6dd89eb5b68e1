"""The names a slug or package must not take are what the real interpreters and the reference
locks (one per database) say today, and those locks still lock the template's dependencies."""

from __future__ import annotations

import sys

import pytest
from paved_road.reserved import dependency_distributions, dependency_modules, stdlib_modules

from tests.support import REPO_ROOT, run


@pytest.mark.slow(reason="uv syncs both reference locks to list their modules")
def test_generated_names_match_the_interpreters_and_the_reference_lock() -> None:
    """Regenerates both lists (uv python find; uv sync of each reference lock) and compares;
    also fails when the template's dependencies moved away from a reference lock."""
    result = run(
        [sys.executable, "scripts/gen_reserved_names.py", "--check"], REPO_ROOT, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_lists_hold_what_the_issue_names() -> None:
    versions = stdlib_modules()
    assert sorted(versions) == ["3.11", "3.12", "3.13"]
    assert all("test" in names and "json" in names for names in versions.values())
    assert "pipes" in versions["3.12"]
    assert "pipes" not in versions["3.13"]
    assert {"fastapi", "pytest", "click", "uvicorn"} <= dependency_distributions()
    assert {"click", "yaml", "dotenv", "multipart", "_pytest"} <= dependency_modules()
    assert {"psycopg", "aiosqlite"} <= dependency_modules(), "both databases' closures"
