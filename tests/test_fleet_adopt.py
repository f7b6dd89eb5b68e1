"""The fleet sees the roadless: a repository without answers file is a row of its own, counted
on the dashboard, and `fleet adopt` pushes an adoption branch for it (as `fleet update` does)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.adopt_support import flat_fastapi
from tests.cases import CHECK_CASES
from tests.fleet_support import by_name, fleet, publish, read_json, refs, show
from tests.support import copy_product, git


@pytest.fixture(scope="module")
def roadless_fleet(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`shop` made from the template, `inventory` from before the road; returns the fleet file."""
    root = tmp_path_factory.mktemp("roadless")
    template = root / "template"
    git(root, "clone", "--quiet", str(template_repo), str(template))
    (root / "work").mkdir()
    (root / "forge").mkdir()
    shop = copy_product(template, root / "work" / "shop", CHECK_CASES["default"],
                        skip_tasks=True, vcs_ref="v1.0.0")  # fmt: skip
    publish(shop, root / "forge" / "shop.git")
    inventory = flat_fastapi(root / "work" / "inventory-src")
    git(root, "clone", "--quiet", "--bare", str(inventory), str(root / "forge" / "inventory.git"))
    fleet_file = root / "fleet.yml"
    fleet_file.write_text(
        "products:\n  - repo: forge/shop.git\n    team: shop-team\n"
        "  - repo: forge/inventory.git\n    team: stock-keepers\n"
    )
    return fleet_file


def test_a_repository_without_answers_file_is_not_on_the_paved_road(
    roadless_fleet: Path, tmp_path: Path
) -> None:
    outputs = {kind: tmp_path / f"fleet.{kind}" for kind in ("json", "markdown", "html")}
    written = [arg for kind, path in outputs.items() for arg in (f"--{kind}", str(path))]
    result = fleet("check", str(roadless_fleet), "--cache-dir", str(tmp_path / "cache"), *written)
    assert result.returncode == 1, result.stderr
    report = read_json(outputs["json"])
    rows = by_name(report)
    assert rows["inventory"]["status"] == "roadless"
    assert "paved-road adopt" in rows["inventory"]["error"]
    assert rows["shop"]["status"] == "ok"
    assert report["summary"]["roadless"] == 1
    assert report["summary"]["errors"] == 0
    assert {"label": "not on the paved road", "products": 1} in report["adoption"]
    assert "1 not on the paved road" in result.stdout
    assert "🚧 not on the road" in outputs["markdown"].read_text()
    html = outputs["html"].read_text()
    assert '<dd id="sum-roadless">1</dd>' in html
    assert 'data-release="not on the paved road"' in html  # the release filter finds it


@pytest.mark.slow(reason="fleet adopt clones, adopts (a real render) and pushes, twice")
def test_fleet_adopt_pushes_an_adoption_branch_per_roadless_product(
    roadless_fleet: Path, tmp_path: Path
) -> None:
    template = roadless_fleet.parent / "template"
    forge = roadless_fleet.parent / "forge"
    shop_refs = refs(forge / "shop.git")
    args = ("adopt", str(roadless_fleet), "--cache-dir", str(tmp_path / "cache"),
            "--template", str(template), "--jobs", "1")  # fmt: skip
    unapproved = fleet(*args)
    assert unapproved.returncode == 2
    assert "is not an approved paved-road template: nothing was run" in unapproved.stderr
    assert "paved-road/adopt" not in refs(forge / "inventory.git")

    result = fleet(*args, "--approved-source", str(template))
    assert result.returncode == 1, result.stdout + result.stderr  # conflicts to resolve
    assert "fleet adopt: 0 adopted, 0 drift, 1 conflicts, 0 failed, 1 on-road" in result.stdout
    assert refs(forge / "shop.git") == shop_refs  # on the road already: untouched
    answers = yaml.safe_load(
        show(forge / "inventory.git", "paved-road/adopt", ".copier-answers.yml")
    )
    assert answers["_commit"] == "v1.0.0"
    assert answers["product_name"] == "inventory"  # the fleet's name: the repository has none
    assert answers["owner_team"] == "stock-keepers"
    report = show(forge / "inventory.git", "paved-road/adopt", "ADOPTION.md")
    assert "### Conflicts: 2" in report
    assert "<<<<<<< yours" in show(forge / "inventory.git", "paved-road/adopt", "README.md")

    again = fleet(*args, "--approved-source", str(template))
    assert "exists" in again.stdout and "branch paved-road/adopt is already there" in again.stdout
