"""The run's background prewarm (tests/prewarm.py) builds what the tests then look up."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import prewarm
from tests.cases import CHECK_CASES
from tests.shared import Renders


@pytest.mark.parametrize("ui", ["spa", "server"])
def test_the_prewarmed_npm_lock_is_the_one_a_product_gets(
    renders: Renders, template_repo: Path, ui: str
) -> None:
    """node_modules are keyed by the lock's bytes: the prewarm's npm ci is the one a product's
    seed_npm finds only if a product's lock file is the template's, byte for byte."""
    product = renders.pristine(template_repo, {**CHECK_CASES["default"], "ui": ui})
    package_dir = product / "frontend" if ui == "spa" else product
    assert any(
        (template_repo / lock).read_bytes() == (package_dir / "package-lock.json").read_bytes()
        and (template_repo / package).read_bytes() == (package_dir / "package.json").read_bytes()
        for package, lock in prewarm.NPM_PACKAGES
    )


def test_only_a_run_that_seeds_node_modules_installs_them(request: pytest.FixtureRequest) -> None:
    """A run of fast tests starts nothing; one with a test that seeds node_modules installs
    both of the template's lock files."""
    assert not prewarm.jobs([request.node], Path("/run"), Path("/template"))
    case = SimpleNamespace(fixturenames=["seed_npm"])  # what prewarm reads of a collected test
    locks = [job[2] for job in prewarm.jobs([request.node, case], Path("/run"), Path("/t"))]
    assert locks == [f"/t/{lock}" for _, lock in prewarm.NPM_PACKAGES]
