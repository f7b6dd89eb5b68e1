from __future__ import annotations

from pathlib import Path

import pytest

# Products rendered once per session for the delivery tests (rendered(case) -> path).
from tests.deploy_support import rendered  # noqa: F401

# Fixtures of a throwaway PostgreSQL 15 server (postgres_cluster, postgres_env_for).
from tests.postgres import postgres_cluster, postgres_env_for  # noqa: F401
from tests.support import snapshot_template


@pytest.fixture(scope="session", autouse=True)
def _isolated_copier_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Copier reads a user settings file; tests must not see (or crash on) the machine's own."""
    settings = tmp_path_factory.mktemp("copier-settings") / "settings.yml"
    settings.write_text("{}\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("COPIER_SETTINGS_PATH", str(settings))
    mp.setenv("UV_PYTHON_DOWNLOADS", "never")


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout as a committed git repo (one per test session / xdist worker), tagged as a
    release: drift accepts products only from template releases."""
    return snapshot_template(tmp_path_factory.mktemp("template"), tag="v1.0.0")
