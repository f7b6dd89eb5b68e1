"""The delivery files run for real: the commands and settings the manifests and the image give
the product, executed with the product's own locked runtime (no container engine here).

- The SQLite init container's migration refuses to create a missing database in staging and
  production; only the first deploy's permission (deploy/release.sh --first-deploy) lets it.
- uvicorn started as the Dockerfile's CMD starts it believes `X-Forwarded-Proto` from the peers
  the Kubernetes settings trust, and from nobody else.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cases import CHECK_CASES
from tests.deploy_support import get, load_all_yaml, runtime_product, serve_as_the_image
from tests.support import PRODUCTION_SECRET_KEY, run

# What the Secret holds (the OIDC issuer, audience and client come from the ConfigMap).
SECRET = {"DEMO_SHOP_SECRET_KEY": PRODUCTION_SECRET_KEY, "DEMO_SHOP_OIDC_CLIENT_SECRET": "s" * 32}
pytestmark = pytest.mark.slow(
    reason="installs the product's locked runtime and serves it as the image does"
)


@pytest.fixture(scope="module")
def product(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default product (SQLite on Kubernetes), its runtime synced as the image has it."""
    answers = CHECK_CASES["default"]
    assert (answers["database"], answers["deploy_target"]) == ("sqlite", "kubernetes")
    return runtime_product(template_repo, tmp_path_factory.mktemp("runtime") / "p", answers)


def built(product: Path, overlay: str, *extra: str) -> dict[str, dict]:
    """kind -> object of the overlay as deploy/release.sh renders it."""
    command = ["bash", "deploy/release.sh", overlay, "--render-only", *extra]
    result = run(command, cwd=product, IMAGE="ghcr.io/acme/demo-shop@sha256:" + "0a" * 32)
    return {doc["kind"]: doc for doc in load_all_yaml(result.stdout)}


def migrate_as_the_init_container(
    product: Path, objects: dict[str, dict], database: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    """The init container's command with its environment: the ConfigMap, the Secret, its own
    env; only the file moves from the volume's /data to a scratch folder."""
    init = objects["Deployment"]["spec"]["template"]["spec"]["initContainers"][0]
    env = dict(objects["ConfigMap"]["data"]) | SECRET
    env |= {item["name"]: item["value"] for item in init.get("env", [])}
    env["DEMO_SHOP_DATABASE_URL"] = f"sqlite:///{database}"
    command = [str(product / ".venv/bin" / init["command"][0]), *init["command"][1:]]
    return run(command, cwd=product, check=False, **env, **extra)


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_the_migration_refuses_to_create_a_missing_database_outside_a_first_deploy(
    product: Path, overlay: str, tmp_path: Path
) -> None:
    database = tmp_path / "volume/demo_shop.db"
    database.parent.mkdir()
    release = built(product, overlay)

    refused = migrate_as_the_init_container(product, release, database)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stderr.strip() == (
        f"refusing to create a new empty database in {overlay}: {database} is missing. "
        "Restore the volume or a backup, or, on the first deploy only, run the migration "
        "with DEMO_SHOP_CREATE_DATABASE=true."
    )
    assert not database.exists(), "nothing half-written"
    # What a determined operator might try instead of the documented flag.
    for attempt in ({"DEMO_SHOP_CREATE_DATABASE": "false"}, {"CREATE_DATABASE": "true"}):
        again = migrate_as_the_init_container(product, release, database, **attempt)
        assert again.returncode == 2, attempt
    database.touch()  # an empty file is no database either
    assert migrate_as_the_init_container(product, release, database).returncode == 2

    first = migrate_as_the_init_container(
        product, built(product, overlay, "--first-deploy"), database
    )
    assert first.returncode == 0, first.stderr
    assert database.stat().st_size > 0
    later = migrate_as_the_init_container(product, release, database)
    assert later.returncode == 0, "an existing database migrates as before"

    database.unlink()  # the volume is lost after the first deploy
    lost = migrate_as_the_init_container(product, release, database)
    assert lost.returncode == 2 and not database.exists()


def test_development_still_creates_its_database(product: Path, tmp_path: Path) -> None:
    database = tmp_path / "dev.db"
    run(
        [str(product / ".venv/bin/alembic"), "upgrade", "head"],
        cwd=product,
        DEMO_SHOP_ENVIRONMENT="development",
        DEMO_SHOP_DATABASE_URL=f"sqlite:///{database}",
    )
    assert database.stat().st_size > 0


def test_uvicorn_as_the_image_runs_it_believes_the_ingress_and_nobody_else(
    product: Path, tmp_path: Path
) -> None:
    database = tmp_path / "demo_shop.db"
    config = built(product, "production")["ConfigMap"]["data"]
    env = config | SECRET | {"DEMO_SHOP_DATABASE_URL": f"sqlite:///{database}"}
    first_deploy = migrate_as_the_init_container(
        product, built(product, "production", "--first-deploy"), database
    )
    assert first_deploy.returncode == 0, first_deploy.stderr
    ingress = {
        "Host": "demo-shop.example.com",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.7",
    }
    # The trailing-slash redirect is built from the URL the app believes it was called by.
    for trusted, scheme in ((config["FORWARDED_ALLOW_IPS"], "https"), ("10.0.0.0/8", "http")):
        server, port = serve_as_the_image(product, env | {"FORWARDED_ALLOW_IPS": trusted})
        try:
            status, headers = get(port, "/api/items/", ingress)
        finally:
            server.terminate()
            server.communicate(timeout=10)
        assert status == 307, (trusted, status)
        assert headers["location"] == f"{scheme}://demo-shop.example.com/api/items", trusted
