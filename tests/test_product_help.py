"""A product's `make help`: every line fits 80 columns, and the URL `make dev` serves on is
spelled out, as this run's HOST and PORT make it (issue 19)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

COLUMNS = 80


def _help(product: Path, *overrides: str) -> list[str]:
    result = subprocess.run(
        ["make", "--no-print-directory", "help", *overrides],
        cwd=product, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.splitlines()


@pytest.mark.parametrize("case", ["kubernetes-sqlite", "kubernetes-postgres", "fly-sqlite"])
def test_make_help_fits_80_columns_and_spells_out_the_url(
    rendered: Callable[[str], Path], case: str
) -> None:
    product = rendered(case)
    lines = _help(product)
    assert lines, "make help lists the targets"
    assert [line for line in lines if len(line) > COLUMNS] == []
    assert "$(" not in "\n".join(lines)
    dev = next(line for line in lines if line.split()[0] == "dev")
    assert dev.endswith("http://127.0.0.1:8000")
    assert any(line.split()[0] == "test-fast" for line in lines)
    moved = next(line for line in _help(product, "PORT=9000") if line.split()[0] == "dev")
    assert moved.endswith("http://127.0.0.1:9000")
    readme = (product / "README.md").read_text()
    assert "| `make dev` | Serve the app with reload on http://127.0.0.1:8000 |" in readme
