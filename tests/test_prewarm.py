"""The run's background prewarm (tests/prewarm.py) builds what the tests then look up."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import prewarm
from tests.cases import CHECK_CASES, DEFAULTS
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


def test_only_what_the_collected_tests_use_is_prewarmed(request: pytest.FixtureRequest) -> None:
    """A run of fast tests starts nothing; a make check case warms its own version's mypy
    cache, a test of the default cache the default's; seeding node_modules installs the locks."""
    assert not prewarm.wanted([request.node])
    case = SimpleNamespace(  # what prewarm reads of a collected make check case
        fixturenames=["warm_mypy", "seed_npm"],
        callspec=SimpleNamespace(params={"answers": CHECK_CASES["python_version=3.13"]}),
    )
    assert prewarm.mypy_versions([case]) == ["3.13"]
    default = SimpleNamespace(fixturenames=["mypy_caches"])
    assert prewarm.mypy_versions([case, default]) == sorted(["3.13", DEFAULTS["python_version"]])
    kinds = [job[0] for job in prewarm.jobs([case], Path("/run"), Path("/template"))]
    assert kinds == ["npm", "npm", "mypy"]
