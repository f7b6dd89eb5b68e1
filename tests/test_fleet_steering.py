"""Steering `fleet check` and `fleet update`: `--only`, `--team`, `--tier`, `--wave N%`, draft
pull requests and reviewers from the owner, against a local server answering as GitHub's
REST API does (tests/github_api.py) and products in local bare repositories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from paved_road.cli import main
from paved_road.fleet.fleet_file import Fleet, Product
from paved_road.fleet.selection import place, select, selection

from tests.fleet_support import DEFAULT, publish, refs, release, show, update_on_github
from tests.github_api import fake_github
from tests.support import copy_product, snapshot_template

BRANCH = "paved-road/update-v1.1.0"


def _fleet(count: int = 200) -> Fleet:
    products = [
        Product(
            name=f"p{index}",
            repo=f"r{index}",
            url=f"file:///r{index}",
            team=("payments", "checkout", None)[index % 3],
            tier=str(index % 2 + 1),
        )
        for index in range(count)
    ]
    return Fleet(path="fleet.yml", products=products)


def _names(fleet: Fleet) -> set[str]:
    return {product.name for product in fleet.products}


def test_waves_are_nested_canary_first_and_stable() -> None:
    fleet = _fleet()
    waves = [_names(select(fleet, selection(wave=f"{n}%"))) for n in (5, 25, 50, 100)]
    assert waves[0] < waves[1] < waves[2] < waves[3] == _names(fleet)
    assert 3 <= len(waves[0]) <= 20  # about 5% of 200
    smaller = Fleet(path="fleet.yml", products=fleet.products[:150])  # products removed
    assert _names(select(smaller, selection(wave="25%"))) == waves[1] & _names(smaller)
    assert place("p7") == place("p7")


def test_only_team_and_tier_choose_products() -> None:
    fleet = _fleet(9)
    assert _names(select(fleet, selection(only=["p1,p2", "p4"]))) == {"p1", "p2", "p4"}
    # No fleet team (p2, p5, p8): kept, judged by the owner the product names once cloned.
    chosen = select(fleet, selection(teams=["payments"]))
    assert _names(chosen) == {"p0", "p3", "p6", "p2", "p5", "p8"}
    assert _names(select(fleet, selection(teams=["payments"], tiers=["1"]))) == {
        "p0",
        "p2",
        "p6",
        "p8",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--wave", "0%"], "--wave 0%: give a percentage from 1% to 100%, e.g. 10%"),
        (["--wave", "half"], "--wave half: give a percentage from 1% to 100%, e.g. 10%"),
        (["--only", "nosuch"], "--only nosuch: no product of {fleet} is named so"),
        (["--tier", "9"], "no product of {fleet} matches --only/--team/--tier/--wave"),
    ],
)
@pytest.mark.parametrize("command", ["check", "update"])
def test_a_bad_selection_exits_2_with_one_line_and_clones_nothing(
    command: str,
    args: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text("products:\n  - repo: forge/shop.git\n    tier: 1\n")
    cache = tmp_path / "cache"
    code = main(["fleet", command, str(fleet_file), "--cache-dir", str(cache), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"paved-road fleet: {message.format(fleet=fleet_file)}"), err
    assert len(err.splitlines()) == 1
    assert not cache.exists()


@pytest.fixture(scope="module")
def github_fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three products on v1.0.0 as GitHub would hold them (forge/acme/*.git): shop (team
    checkout), ledger (team payments), cart (no team in the fleet file; it names its own
    owner, the owner_team answer `shop-team`)."""
    root = tmp_path_factory.mktemp("github-fleet")
    template = snapshot_template(root / "template", tag="v1.0.0")
    work = root / "work"
    work.mkdir()
    behind = copy_product(template, work / "shop", DEFAULT, skip_tasks=True, vcs_ref="v1.0.0")
    release(template, "v1.1.0", "(fleet edition)")
    (root / "forge" / "acme").mkdir(parents=True)
    publish(behind, root / "forge" / "acme" / "shop.git")
    for name in ("ledger", "cart"):
        shutil.copytree(
            root / "forge" / "acme" / "shop.git", root / "forge" / "acme" / f"{name}.git"
        )
    (root / "fleet.yml").write_text(
        "products:\n"
        "  - repo: https://github.com/acme/shop.git\n    team: checkout\n"
        "  - repo: https://github.com/acme/ledger.git\n    team: payments\n"
        "  - repo: https://github.com/acme/cart.git\n"
    )
    return root


@pytest.mark.slow(reason="fleet update runs paved-road update (copier) on a product")
def test_a_team_update_opens_draft_pull_requests_for_the_owner_and_retries_a_refused_one(
    github_fleet: Path,
) -> None:
    root = github_fleet
    forge = root / "forge" / "acme"
    before = {name: refs(forge / f"{name}.git") for name in ("shop", "cart")}
    with fake_github() as github:  # the token cannot see acme/ledger yet
        args = ("--team", "payments", "--draft", "--request-review")
        first = update_on_github(root, github.url, *args)
        assert first.returncode == 1, first.stdout + first.stderr
        rows = {line.split()[0]: line for line in first.stdout.splitlines() if line[:1] != " "}
        assert set(rows) == {"cart", "ledger", "fleet"}  # shop (checkout) is not even cloned
        assert (
            rows["cart"].split()[1] == "skipped"
            and "owned by shop-team, not --team" in rows["cart"]
        )
        assert rows["ledger"].split()[1] == "failed"
        assert f"pushed {BRANCH}, but opened no pull request: HTTP Error 404" in rows["ledger"]
        assert "nothing pushed" not in rows["ledger"]
        assert "(fleet edition)" in show(forge / "ledger.git", f"refs/heads/{BRANCH}", "README.md")

        github.repos.add("acme/ledger")
        older = {"title": "t", "head": "paved-road/update-v1.0.1", "base": "main", "body": ""}
        github.pulls["acme/ledger"] = [github._pull("acme/ledger", 1, older)]  # superseded
        second = update_on_github(root, github.url, *args)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "pull request: https://github.com/acme/ledger/pull/2\n" in second.stdout
        assert "closed 1 superseded: paved-road/update-v1.0.1" in second.stdout
        superseded, pull = github.pulls["acme/ledger"]
        assert superseded["state"] == "closed"
        assert (pull["head"]["ref"], pull["base"]["ref"]) == (BRANCH, "main")
        assert pull["draft"] is True
        assert pull["title"] == "Update the paved-road template to v1.1.0"
        assert [team["slug"] for team in pull["requested_teams"]] == ["payments"]

        third = update_on_github(root, github.url, *args)  # open already: found, not opened twice
        assert third.returncode == 0, third.stdout + third.stderr
        assert "pull request: https://github.com/acme/ledger/pull/2\n" in third.stdout
        assert len(github.pulls["acme/ledger"]) == 2
    assert {name: refs(forge / f"{name}.git") for name in ("shop", "cart")} == before


@pytest.mark.parametrize(
    ("said", "row"),
    [
        (
            "paved-road update: the update stopped before it is written: run `paved-road update` "
            "again to finish it (it first checks that nothing changed since), or `paved-road "
            "update --abandon`",
            "paved-road update: the update stopped before it is written (fix it in the product, "
            "or run `paved-road fleet update` again)",
        ),
        (
            "paved-road update: cannot be checked (no git): nothing was done; `paved-road update "
            "--abandon` drops the plan",
            "paved-road update: cannot be checked (no git): nothing was done (fix it in the "
            "product, or run `paved-road fleet update` again)",
        ),
        (  # the one-line forms (issue 26)
            "paved-road update: writing stopped by SIGKILL: run again to finish, or --abandon",
            "paved-road update: writing stopped by SIGKILL (fix it in the product, or run "
            "`paved-road fleet update` again)",
        ),
        (
            "paved-road update: README.md was edited: --abandon the stopped update",
            "paved-road update: README.md was edited (fix it in the product, or run "
            "`paved-road fleet update` again)",
        ),
        (
            "paved-road update: _commit v0.9.0 is not in template x: restore .copier-answers.yml",
            "paved-road update: _commit v0.9.0 is not in template x: restore .copier-answers.yml",
        ),
        (
            "paved-road update: _commit v0.9.0 of .copier-answers.yml is not in the template",
            "paved-road update: _commit v0.9.0 of .copier-answers.yml is not in the template",
        ),
    ],
)
def test_advice_about_the_scratch_clone_becomes_the_fleets(said: str, row: str) -> None:
    """The scratch clone `paved-road update` ran in is gone: its "run it again here" advice
    would point nowhere."""
    from paved_road.fleet.updating import fleet_words  # noqa: PLC0415

    assert fleet_words(said) == row
