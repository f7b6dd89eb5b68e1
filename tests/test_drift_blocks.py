"""Platform-managed blocks inside product files (issue 20): the block is the platform's, the
rest of the file the product's, and the blocks that instruct people and assistants cannot name
a make target or a path that is not there."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from paved_road.drift.blocks import find_blocks
from paved_road.drift.compare import compare_file
from paved_road.drift.policy import parse_policy
from paved_road.drift.references import makefile_targets, stale

from tests.cases import CHECK_CASES
from tests.drift_support import drift, sign_waivers
from tests.shared import Renders
from tests.support import commit_all, init_repo

POLICY = parse_policy(
    """
version: 1
shared:
  - path: Makefile
    blocks: [checks]
seeded:
  - path: AGENTS.md
    blocks: [agents]
"""
)
AGENTS = (
    "<!-- paved-road:begin agents -->\n# Rules\n\nRun `make check`.\n"
    "<!-- paved-road:end agents -->\n\n## Team notes\n"
)
MAKEFILE = (
    "UV_RUN := uv run\n\n# paved-road:begin checks\nlint:\n\truff check .\n\n"
    "check: lint\n# paved-road:end checks\n"
)


def _kinds(findings: list) -> list[tuple[str, str | None]]:
    return [(finding.kind.value, finding.part) for finding in findings]


def test_text_added_outside_a_block_is_the_products() -> None:
    mine = AGENTS.replace("## Team notes\n", "## Team notes\n\nWe deploy on Tuesdays.\n")
    mine = "Read this first.\n" + mine
    assert compare_file(POLICY, "AGENTS.md", AGENTS.encode(), mine.encode()) == []


def test_an_edited_block_is_a_violation_with_a_diff_of_the_block() -> None:
    mine = AGENTS.replace("Run `make check`.", "Run `make test` and ship it.")
    [finding] = compare_file(POLICY, "AGENTS.md", AGENTS.encode(), mine.encode())
    assert (finding.kind.value, finding.severity.value, finding.part) == (
        "block-modified",
        "error",
        "agents",
    )
    assert finding.ownership == "seeded"
    assert "-Run `make check`." in finding.diff and "+Run `make test` and ship it." in finding.diff
    assert "Team notes" not in finding.diff, "the diff is the block's, not the file's"


@pytest.mark.parametrize(
    ("mine", "why"),
    [
        ("## Team notes\n", "its begin or end marker is gone"),
        (AGENTS.replace("<!-- paved-road:end agents -->\n", ""), "has no end marker"),
        (AGENTS + AGENTS, "appears twice"),
    ],
)
def test_a_removed_or_broken_block_is_a_violation(mine: str, why: str) -> None:
    [finding] = compare_file(POLICY, "AGENTS.md", AGENTS.encode(), mine.encode())
    assert finding.kind.value == "block-modified"
    assert "platform-managed block agents is missing" in finding.message
    assert why in finding.message


def test_markers_in_each_comment_syntax_and_crlf() -> None:
    text = (
        "<!-- paved-road:begin a -->\r\nx\r\n<!-- paved-road:end a -->\r\n"
        "# paved-road:begin b\ny\n# paved-road:end b\n"
        "  // paved-road:begin c\nz\n  // paved-road:end c\n"
    )
    blocks, problems = find_blocks(text)
    assert problems == []
    assert sorted(blocks) == ["a", "b", "c"]
    assert blocks["a"].text == "<!-- paved-road:begin a -->\nx\n<!-- paved-road:end a -->\n"


def test_a_makefile_block_cannot_be_overridden_from_outside() -> None:
    # make keeps the last recipe and the last assignment: a later `lint:` would change `check`.
    ours = MAKEFILE.replace("UV_RUN := uv run\n", "") + "\nmine: lint\n\techo mine\n"
    assert _kinds(compare_file(POLICY, "Makefile", MAKEFILE.encode(), ours.encode())) == [
        ("shared-modified", None)
    ]
    overridden = MAKEFILE + "\nlint:\n\t@true\n"
    [finding] = compare_file(POLICY, "Makefile", MAKEFILE.encode(), overridden.encode())
    assert finding.kind.value == "block-modified"
    assert finding.message.startswith("lint of platform-managed block checks is defined again")


def test_stale_references_name_what_is_missing() -> None:
    block = (
        'Run `make check`, `make test-fast` and `make migration m="add orders"`.\n'
        "Models go in `src/shop/models/`; see `pyproject.toml`, `deploy/base/**`, `gone/**`.\n"
        "Not paths: `uv add x`, `var(--space-2)`, `[tool.ruff]`, `/api/items`, `3.12`.\n"
        "```sh\nmake setup   # then make nothing-here in a comment\n```\n"
    )
    targets = makefile_targets("check: lint\n\ttrue\nsetup css-lint test: x\nmigration:\n")
    present = {"src/shop/models", "pyproject.toml", "deploy/base"}
    assert stale(block, targets, present.__contains__) == [
        "`make test-fast`, but the Makefile has no target test-fast",
        "`gone/**`, which does not exist",
    ]


# --- end to end: a real product, `paved-road drift` ------------------------------------------


@pytest.fixture
def product(template_repo: Path, renders: Renders, tmp_path: Path) -> Path:
    made = renders.product_copy(
        template_repo, tmp_path / "product", CHECK_CASES["default"], vcs_ref="v1.0.0"
    )
    init_repo(made)
    return made


def _report(capsys: pytest.CaptureFixture[str], product: Path) -> tuple[int, list[dict]]:
    code, out, _ = drift(capsys, product, "--format", "json")
    return code, json.loads(out)["findings"]


def test_product_notes_pass_an_edited_block_fails_and_a_waiver_covers_it(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agents = product / "AGENTS.md"
    readme = product / "README.md"
    agents.write_text(agents.read_text() + "\nWe deploy on Tuesdays.\n")
    readme.write_text("Our intro.\n\n" + readme.read_text() + "\n## Our runbook\n")
    commit_all(product, "team notes around the blocks")
    code, findings = _report(capsys, product)
    assert code == 0, findings

    agents.write_text(agents.read_text().replace("follow them rather than", "ignore them or"))
    code, findings = _report(capsys, product)
    assert code == 1
    [finding] = [f for f in findings if f["severity"] == "error"]
    assert (finding["kind"], finding["path"], finding["part"]) == (
        "block-modified",
        "AGENTS.md",
        "agents",
    )
    assert (
        "+platform's checks (`make check`, `make drift`) enforce them, so ignore them or"
        in (finding["diff"])
    )

    today = dt.date.today()
    (product / ".paved-road/waivers.yml").write_text(
        "waivers:\n  - path: AGENTS.md\n    part: agents\n"
        "    reason: PLAT-7 trying new wording before it lands in the template\n"
        f"    expires: {(today + dt.timedelta(days=30)).isoformat()}\n"
        '    approved_by: "@acme/platform"\n'
        f"    approved_on: {today.isoformat()}\n"
    )
    sign_waivers(product)
    code, findings = _report(capsys, product)
    assert code == 0
    [waived] = [f for f in findings if f["kind"] == "block-modified"]
    assert waived["severity"] == "waived" and "PLAT-7" in waived["waiver"]


def test_a_removed_target_or_folder_the_agents_block_names_fails(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(product / "src/demo_shop/crud")
    (product / "src/demo_shop/schemas/fields.py").unlink()
    code, findings = _report(capsys, product)
    assert code == 1
    stale_paths = {f["message"].split("`")[1] for f in findings if f["kind"] == "stale-reference"}
    assert {"src/demo_shop/crud/", "src/demo_shop/schemas/fields.py"} <= stale_paths

    makefile = product / "Makefile"
    text = makefile.read_text()
    start = text.index(".PHONY: test-fast")
    end = text.index(".PHONY: migrations-check")
    makefile.write_text(text[:start] + text[end:])
    code, findings = _report(capsys, product)
    errors = {(f["kind"], f["path"], f["part"]) for f in findings if f["severity"] == "error"}
    assert ("block-modified", "Makefile", "checks") in errors
    assert ("stale-reference", "AGENTS.md", "agents") in errors
    assert any("has no target test-fast" in f["message"] for f in findings)
