"""Every product tells coding assistants the truth (issue 20). Every answer combination is
checked by tests/test_render.py (``check_agent_files``, on the product it already renders);
here, what one product's Makefile block holds."""

from __future__ import annotations

from pathlib import Path

from tests.agents_support import block, check_agent_files
from tests.cases import CHECK_CASES
from tests.drift_support import product_policy
from tests.shared import Renders


def test_the_makefile_blocks_hold_check_drift_update_and_the_checks(
    template_repo: Path, renders: Renders
) -> None:
    product = renders.pristine(template_repo, CHECK_CASES["default"], vcs_ref="v1.0.0")
    check_agent_files(product)
    [makefile] = [entry for entry in product_policy(product).shared if entry.path == "Makefile"]
    assert makefile.blocks == ["settings", "checks"]
    assert "\nUV_RUN := uv run --locked\n" in block(product, "Makefile", "settings")
    checks = block(product, "Makefile", "checks")
    for target in ("check", "drift", "update", "test-fast", "lint", "types", "test"):
        assert f"\n{target}:" in checks
    for check in ("design-check", "css-lint", "lint", "types", "test", "migrations-check"):
        assert check in checks.split("\ncheck:")[1].split("\n")[0], "make check runs it"
    assert "test-fast: ## Run the tests except the browser tests" in checks
    assert '$(UV_RUN) pytest -m "not browser"' in checks
    # `make update` installs paved-road from the platform's repository, as CI's drift job does.
    assert "PAVED_ROAD_SOURCE := https://github.com/acme/paved-road.git" in checks
