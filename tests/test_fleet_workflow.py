"""The template repository's own fleet workflow: valid, hardened, pinned, and consistent with
what `paved-road fleet` and the products' CI produce."""

from __future__ import annotations

import re
from pathlib import Path

from paved_road.fleet.collect import REPORT_FILE

from tests.deploy_support import load_yaml, tool
from tests.support import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "fleet.yml"
APPROVED = REPO_ROOT / "template" / ".paved-road" / "actions.yml"
USES = re.compile(
    r"^\s*(?:-\s*)?uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)(?:\s+#\s*(?P<version>\S+))?"
)
PRODUCT_ARTIFACT = "paved-road-drift-report"


def test_actionlint_and_zizmor_find_nothing(tmp_path: Path) -> None:
    lint = tool("actionlint", "-no-color", str(WORKFLOW), cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = tool("zizmor", "--offline", "--no-progress", str(WORKFLOW), cwd=tmp_path)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings to report" in audit.stdout + audit.stderr


def test_every_action_is_pinned_to_a_commit_and_approved_ones_to_their_pin() -> None:
    approved = load_yaml(APPROVED)["actions"]
    pinned = [USES.match(line) for line in WORKFLOW.read_text().splitlines()]
    pinned = [match for match in pinned if match]
    assert len(pinned) >= 6
    for match in pinned:
        assert re.fullmatch(r"[0-9a-f]{40}", match["ref"]), match.group(0)
        assert match["version"], f"{match['action']}: name the pinned release in a comment"
        if match["action"] in approved:
            assert match["ref"] == approved[match["action"]]["sha"], match.group(0)
            assert match["version"] == str(approved[match["action"]]["version"])


def test_the_matrix_covers_every_shard_and_the_report_reads_what_the_shards_write() -> None:
    workflow = load_yaml(WORKFLOW)
    shards = int(workflow["env"]["SHARDS"])
    assert workflow["jobs"]["check"]["strategy"]["matrix"]["shard"] == list(range(1, shards + 1))
    text = WORKFLOW.read_text()
    assert '--shard "$SHARD/$SHARDS"' in text and "--drift-dir reports" in text
    assert "fleet collect reports" in text
    # The products' CI uploads its drift JSON as this artifact, holding this file.
    assert f"name={PRODUCT_ARTIFACT}" in text and REPORT_FILE == "drift-report.json"
