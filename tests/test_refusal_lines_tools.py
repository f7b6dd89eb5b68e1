"""Every refusal of `paved-road drift`, `update`, `fleet`, `waiver`, `probe`, `adopt` and
`gitlab-mr` is one line of at most 80 columns, program prefix included (issue 26).

Only a path's own length may push a line past 80: the measure below puts a short stand-in in
place of each path the test made (the product itself is named relative to the cwd, so it
counts in full). Each refusal runs the real CLI in this process (``paved_road.cli.main``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.drift_support import drift
from tests.test_drift import (  # noqa: F401 - fixtures
    _break,
    pristine_product,
    product,
    template_v1,
)

WIDTH = 80


# Files of a product that refusals name: paths, as the product's own path is.
PRODUCT_FILES = (".copier-answers.yml", ".paved-road/waivers.yml")


def columns(line: str, *paths: Path | str) -> int:
    """The line's width with each path counted as one column: each of ``paths``, with what
    follows it up to a space or colon (a file under a folder the test made)."""
    for path in sorted(map(str, paths), key=len, reverse=True):
        line = re.sub(re.escape(path) + r"[^\s:]*", "P", line)
    return len(line)


def assert_one_line(err: str, *paths: Path | str) -> str:
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    assert columns(lines[0], *paths) <= WIDTH, f"{columns(lines[0], *paths)} columns: {lines[0]}"
    return lines[0]


DRIFT_CASES = [
    "missing",
    "unparseable",
    "answers-not-utf8",
    "no-src-path",
    "no-commit",
    "impossible-commit-date",
    "commit-is-a-date",
    "unknown-commit",
    "unreachable",
    "bad-waivers",
    "impossible-waiver-date",
    "waivers-not-utf8",
    "summary-into-missing-folder",
    "cache-dir-is-a-file",
]


@pytest.mark.parametrize("how", DRIFT_CASES)
def test_drift_cannot_check_is_one_line_in_80_columns(
    how: str,
    product: Path,  # noqa: F811
    template_v1: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    says, extra = _break(product, template_v1, how)
    monkeypatch.chdir(product.parent)
    code, out, err = drift(capsys, product, *extra)
    assert (code, out) == (2, ""), err
    paths = (template_v1, template_v1.with_name("moved-away"), product.parent, *PRODUCT_FILES)
    line = assert_one_line(err, *paths, "product")
    assert line.startswith("paved-road drift: cannot check product: "), line  # as named from here
    assert says in line, line
