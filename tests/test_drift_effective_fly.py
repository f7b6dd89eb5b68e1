"""Effective configuration of a Fly.io product: fly.toml's build, env and services (issue 28).

fly.toml is shared; only its [deploy], [checks] and [http_service] are guarded parts. Each
case edits the rest in a way `fly deploy` accepts, and drift names what would deploy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy_support import git_copy
from tests.drift_support import drift


@pytest.fixture
def product(rendered, tmp_path: Path) -> Path:
    return git_copy(rendered("fly-sqlite"), tmp_path)


def edit(product: Path, old: str, new: str) -> None:
    fly = product / "fly.toml"
    text = fly.read_text()
    assert old in text
    fly.write_text(text.replace(old, new, 1))


TCP_SERVICE = """
[[services]]
internal_port = 8000
protocol = "tcp"

[[services.ports]]
port = 8080
"""

EDITS = {
    "another Dockerfile": (
        ('dockerfile = "Dockerfile"', 'dockerfile = "Dockerfile.fast"'),
        "build.dockerfile",
        "[build] dockerfile = 'Dockerfile.fast' (the template's: 'Dockerfile')",
    ),
    "a prebuilt image": (
        ('dockerfile = "Dockerfile"', 'image = "docker.io/someone/else:latest"'),
        "build.image",
        "[build] image = 'docker.io/someone/else:latest' (the template's: None): fly would "
        "build or run something other than the guarded Dockerfile",
    ),
    "development settings": (
        ('DEMO_SHOP_ENVIRONMENT = "production"', 'DEMO_SHOP_ENVIRONMENT = "development"'),
        "env.DEMO_SHOP_ENVIRONMENT",
        "[env] DEMO_SHOP_ENVIRONMENT is 'development', not 'production'",
    ),
    "no environment": (
        ('DEMO_SHOP_ENVIRONMENT = "production"\n', ""),
        "env.DEMO_SHOP_ENVIRONMENT",
        "[env] DEMO_SHOP_ENVIRONMENT is None, not 'production'",
    ),
    "a plain TCP service": (
        ("[[vm]]", TCP_SERVICE + "\n[[vm]]"),
        "services.0",
        "[[services]] port 8080 serves plain TCP: only HTTPS is served",
    ),
}


@pytest.mark.parametrize("case", EDITS)
def test_a_fly_toml_that_changes_what_deploys_fails(product: Path, case: str, capsys) -> None:
    (old, new), part, expected = EDITS[case]
    edit(product, old, new)
    code, out, err = drift(capsys, product)
    assert code == 1, out + err
    assert f"FAIL   effective       fly.toml [{part}]" in out, out
    assert expected in out, out


def test_an_https_service_and_the_products_own_tuning_are_fine(product: Path, capsys) -> None:
    edit(product, 'primary_region = "ams"', 'primary_region = "fra"')
    edit(
        product,
        "[[vm]]",
        '[[services]]\ninternal_port = 8000\nprotocol = "tcp"\n\n[[services.ports]]\n'
        'port = 443\nhandlers = ["tls", "http"]\n\n[[services.ports]]\nport = 80\n'
        'handlers = ["http"]\nforce_https = true\n\n[[vm]]',
    )
    code, out, err = drift(capsys, product)
    assert code == 0, out + err
