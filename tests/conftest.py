from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import prewarm
from tests.cases import DEFAULTS

# Products rendered once per session for the delivery tests (rendered(case) -> path).
from tests.deploy_support import rendered  # noqa: F401

# Fixtures of a throwaway PostgreSQL 15 server (postgres_cluster, postgres_env_for).
from tests.postgres import postgres_cluster, postgres_env_for  # noqa: F401
from tests.shared import MypyCaches, Renders, built_once, run_root, seed_node_modules
from tests.support import snapshot_template

# Set-up versus call time and the costliest fixtures, printed after every run (scripts/test).
# The update tests' template releases (versions, migration_versions, tiny): registered once
# here, so a session fixture is built once per worker, not once per module that imports it.
# The longest tests start first under xdist, so the run does not end on one busy worker.
pytest_plugins = [
    "tests.suite_timing",
    "tests.update_support",
    "tests.suite_order",
    "tests.xdist_groups",
]


@pytest.fixture(scope="session", autouse=True)
def _isolated_copier_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Copier reads a user settings file; tests must not see (or crash on) the machine's own."""
    settings = tmp_path_factory.mktemp("copier-settings") / "settings.yml"
    settings.write_text("{}\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("COPIER_SETTINGS_PATH", str(settings))
    mp.setenv("UV_PYTHON_DOWNLOADS", "never")
    # No mypy cache shared between products: two products checked at once wrote one cache,
    # and mypy read one product's module data against another's (a false type error). Each
    # product gets its own copy of a warm one instead (mypy_caches).


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout as a committed git repo, tagged as a release (drift accepts products only
    from template releases). Made once per run and shared by the xdist workers: read it, never
    commit or tag in it (take a ``snapshot_template`` of your own for that)."""
    return built_once(
        run_root(tmp_path_factory) / "shared",
        "template",
        lambda target: snapshot_template(target, tag="v1.0.0"),
    )


@pytest.fixture(scope="session")
def renders(tmp_path_factory: pytest.TempPathFactory) -> Renders:
    """Pristine products rendered once per run (``renders.pristine``), and cheap copies of them
    for tests that change a product (``renders.product_copy``)."""
    return Renders(run_root(tmp_path_factory) / "renders")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's worker reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test leaves the fast tier (``-m "not slow"``) only saying why: the suite's tiers stay
    a decision someone can read (CONTRIBUTING.md), not an accident.

    Tests that share a module-scoped fixture (a locked product, a fleet, a served app) run on
    one worker (``--dist loadgroup`` in scripts/test), so the fixture is built once, not once
    per worker; every other test goes to whichever worker is free."""
    for item in items:
        if _uses_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    unexplained = sorted(
        item.nodeid
        for item in items
        if any(not marker.kwargs.get("reason") for marker in item.iter_markers("slow"))
    )
    if unexplained:
        raise pytest.UsageError(
            f'@pytest.mark.slow needs reason="why it is slow" on {unexplained[0]}'
            + (f" and {len(unexplained) - 1} more" if len(unexplained) > 1 else "")
        )


@pytest.fixture(scope="session")
def seed_npm(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], None]:
    """``seed_npm(product)``: the product's node_modules (server UI) or frontend/node_modules
    (SPA) from the run's one ``npm ci`` per lock file, so its ``make`` runs no ``npm ci``.
    Tests of setup itself (``make setup``, ``paved-road new``) leave it out and install for
    real."""
    root = run_root(tmp_path_factory) / "npm"

    def seed(product: Path) -> None:
        for package_dir in (product, product / "frontend"):
            if (package_dir / "package-lock.json").is_file():
                seed_node_modules(root, package_dir)

    return seed


def _uses_module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        definitions[-1].scope == "module"
        for name, definitions in info.name2fixturedefs.items()
        if definitions and name in item.fixturenames
    )


@pytest.fixture(scope="session")
def mypy_caches(
    tmp_path_factory: pytest.TempPathFactory, template_repo: Path, renders: Renders
) -> MypyCaches:
    """``mypy_caches.seed(product)`` before a product's ``make check``: its mypy starts from a
    real copy of the run's warm cache of the same Python version (tests/shared.py says why the
    verdict stays exact). The default version's is warmed here, in set-up, once per run;
    another version's only if a fixture calls ``mypy_caches.warm(version)`` (worth it when
    several checks read it) or a passed check offers its cache (``mypy_caches.keep``)."""
    caches = MypyCaches(run_root(tmp_path_factory) / "mypy", template_repo, renders)
    caches.warm(DEFAULTS["python_version"])
    return caches


@pytest.fixture(scope="session", autouse=True)
def _prewarm(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _isolated_copier_settings: None,
) -> Iterator[None]:
    """The run's ``npm ci`` of each lock file started in the background as the session
    begins, beside the default version's mypy warm-up instead of after it on the SPA case's
    clock (tests/prewarm.py). Only when a collected test seeds node_modules; the test that
    needs one still waits on its lock, or installs it itself."""
    items = request.session.items
    if not prewarm.wanted(items):
        yield
        return
    template = request.getfixturevalue("template_repo")
    processes = prewarm.start(items, run_root(tmp_path_factory), template)
    yield
    prewarm.stop(processes)
