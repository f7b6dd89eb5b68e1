"""`paved-road fleet update` against local bare repositories: a branch per product behind,
conflicts pushed and listed, nothing pushed where the update fails."""

from __future__ import annotations

import pytest
import yaml

from tests.fleet_support import FleetSetup, build_update_fleet, fleet, refs, show

BRANCH = "refs/heads/paved-road/update-v1.1.0"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> FleetSetup:
    return build_update_fleet(tmp_path_factory.mktemp("fleet-update"))


def _lines(stdout: str) -> dict[str, str]:
    return {line.split()[0]: line for line in stdout.splitlines() if not line.startswith(" ")}


@pytest.mark.slow(reason="real updates of every product of a fleet, pushed")
def test_update_pushes_a_branch_to_each_product_behind_and_lists_conflicts(
    setup: FleetSetup,
) -> None:
    before = {name: refs(bare) for name, bare in setup.bare.items()}
    main_of = {name: show(bare, "main", "README.md") for name, bare in setup.bare.items()}

    result = fleet("update", str(setup.fleet_file), "--cache-dir", str(setup.root / "cache"))

    assert result.returncode == 1, result.stdout + result.stderr  # a conflict, a failure
    rows = _lines(result.stdout)
    assert rows["behind"].split()[1:5] == ["updated", "v1.0.0", "->", "v1.1.0"]
    assert "conflicts" in rows["edited"] and "README.md" in rows["edited"]
    assert "failed" in rows["broken"] and "nothing pushed" in rows["broken"]
    assert "v0.9.0" in rows["broken"]
    assert "current" in rows["current"]
    assert rows["forked"].split()[1] == "failed"
    assert rows["forked"].endswith(
        f"template source {setup.root / 'fork'} is not an approved paved-road template: nothing "
        "was run (restore _src_path, or approve it with --approved-source); nothing pushed"
    )
    assert "1 updated, 0 drift, 1 conflicts, 2 failed, 1 current" in result.stdout

    behind, edited = setup.bare["behind"], setup.bare["edited"]
    answers = yaml.safe_load(show(behind, BRANCH, ".copier-answers.yml"))
    assert answers["_commit"] == "v1.1.0"
    assert "(fleet edition)" in show(behind, BRANCH, "README.md")
    conflicted = show(edited, BRANCH, "README.md")
    assert "<<<<<<< before updating" in conflicted and "(our edition)" in conflicted
    for name, bare in setup.bare.items():  # main is never touched; only a branch is added
        assert show(bare, "main", "README.md") == main_of[name]
        added = set(refs(bare).splitlines()) - set(before[name].splitlines())
        expected = {"behind", "edited"}
        assert [line.split()[0] for line in added] == ([BRANCH] if name in expected else [])

    again = fleet("update", str(setup.fleet_file), "--cache-dir", str(setup.root / "cache"))
    rows = _lines(again.stdout)
    assert "exists" in rows["behind"] and "is already there" in rows["behind"]
    assert "exists" in rows["edited"]


@pytest.mark.slow(reason="builds a fleet of products from two template releases")
@pytest.mark.parametrize(
    ("to", "why"),
    [
        ("v9.9.9", "is not a release of the template (its newest is v1.1.0): nothing was cloned"),
        ("latest", "is not a release tag (vX.Y.Z): name one of the template's releases"),
    ],
)
def test_update_to_a_tag_that_is_no_release_fails_once_before_cloning(
    to: str, why: str, setup: FleetSetup, tmp_path
) -> None:
    before = {name: refs(bare) for name, bare in setup.bare.items()}
    cache = tmp_path / "c"
    result = fleet("update", str(setup.fleet_file), "--to", to, "--cache-dir", str(cache))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"paved-road fleet: --to {to} {why}\n"
    assert not cache.exists(), "a product was cloned"
    assert {name: refs(bare) for name, bare in setup.bare.items()} == before


def test_update_with_a_bad_fleet_file_exits_2(tmp_path) -> None:
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text("products:\n  - name: x\n")
    result = fleet("update", str(fleet_file))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"paved-road fleet: {fleet_file}:2: products[0].repo: Field required: see docs/fleet.md"
    )
