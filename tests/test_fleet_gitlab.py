"""The fleet and the template update speak GitLab: `paved-road gitlab-mr` and `fleet
update` open (and refresh) merge requests through a local server answering as GitLab's API
does, and `fleet check` reads `gl:` shortcuts and GitLab addresses (git's `insteadOf` sends
their clones to local bare repositories)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from paved_road.fleet.fleet_file import load_fleet
from paved_road.forge.gitlab import gitlab_project

from tests.fleet_support import (
    DEFAULT,
    PAVED_ROAD,
    by_name,
    publish,
    read_json,
    release,
    show,
)
from tests.gitlab_api import TOKEN, fake_gitlab
from tests.support import copy_product, git, snapshot_template, tool_env

BRANCH = "paved-road/update-v1.1.0"


def paved_road(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PAVED_ROAD, *args],
        cwd=cwd,
        env=tool_env(**env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def rewrite(**hosts: Path) -> dict[str, str]:
    """git configuration (as environment) sending each URL prefix to a local folder."""
    env = {"GIT_CONFIG_COUNT": str(len(hosts))}
    for index, (prefix, folder) in enumerate(hosts.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = f"url.{folder.as_uri()}/.insteadOf"
        env[f"GIT_CONFIG_VALUE_{index}"] = prefix
    return env


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("gl:acme/shop", ("https://gitlab.com", "acme/shop")),
        ("https://gitlab.com/acme/team/shop.git", ("https://gitlab.com", "acme/team/shop")),
        ("git@gitlab.com:acme/shop.git", ("https://gitlab.com", "acme/shop")),
        ("https://gitlab.acme.test/acme/web/-/tree/main", ("https://gitlab.acme.test", "acme/web")),
        ("ssh://git@gitlab.acme.test:2222/acme/web.git", ("https://gitlab.acme.test", "acme/web")),
        ("https://github.com/acme/shop.git", None),
        ("https://gitlab.com/shop", None),
        ("/srv/git/acme/shop.git", None),
    ],
)
def test_gitlab_projects_are_recognised_by_their_instance(url: str, expected) -> None:
    assert gitlab_project(url, ["https://gitlab.acme.test"]) == expected


def test_a_gitlab_web_address_in_the_fleet_file_is_its_repository_and_branch(tmp_path) -> None:
    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text(
        "products:\n  - gl:acme/payments/ledger\n"
        "  - https://gitlab.acme.test/acme/web/-/tree/stable\n"
        "  - repo: https://gitlab.acme.test/acme/api/-/tree/main\n    branch: release\n"
    )
    products = load_fleet(fleet_file).products
    assert [(p.name, p.url, p.branch) for p in products] == [
        ("ledger", "https://gitlab.com/acme/payments/ledger.git", None),
        ("web", "https://gitlab.acme.test/acme/web.git", "stable"),
        ("api", "https://gitlab.acme.test/acme/api.git", "release"),
    ]


def test_merge_request_opens_then_refreshes_and_fails_the_commit(tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text("```\nUpdated to v1.1.0.\n```\n")
    with fake_gitlab("acme/shop") as gitlab:
        ci = {
            "CI_API_V4_URL": gitlab.api,
            "CI_PROJECT_ID": "acme/shop",
            "CI_DEFAULT_BRANCH": "main",
        }
        args = ["gitlab-mr", "--source-branch", "paved-road/template-update"]
        args += ["--body-file", str(body), "--label", "template-update"]
        title = "Update from the paved-road template"

        opened = paved_road(
            *args, "--title", title, cwd=tmp_path, **ci, TEMPLATE_UPDATE_TOKEN=TOKEN
        )
        assert opened.returncode == 0, opened.stderr
        assert opened.stdout == (
            f"merge request !1 opened: {gitlab.url}/acme/shop/-/merge_requests/1\n"
        )
        (mr,) = gitlab.merge_requests["acme/shop"]
        assert (mr["source_branch"], mr["target_branch"]) == ("paved-road/template-update", "main")
        assert (mr["title"], mr["description"]) == (title, body.read_text())
        assert mr["labels"] == ["template-update"] and mr["draft"] is False

        body.write_text("```\nconflicts in README.md\n```\n")
        refreshed = paved_road(
            *args,
            "--title",
            f"Draft: [conflicts] {title}",
            "--fail-commit",
            "a" * 40,
            "--fail-description",
            "paved-road update exit 1",
            cwd=tmp_path,
            **ci,
            TEMPLATE_UPDATE_TOKEN=TOKEN,
        )
        assert refreshed.returncode == 0, refreshed.stderr
        assert refreshed.stdout.startswith("merge request !1 refreshed: ")
        (mr,) = gitlab.merge_requests["acme/shop"]  # still one: the same request, refreshed
        assert mr["draft"] is True and mr["description"] == body.read_text()
        (status,) = gitlab.statuses
        assert (status["sha"], status["status"], status["name"]) == (
            "a" * 40,
            "failed",
            "paved-road/template-update",
        )
        assert gitlab.calls[-3:] == [
            ("GET", "/api/v4/projects/acme%2Fshop/merge_requests?source_branch=paved-road%2F"
             "template-update&target_branch=main&state=opened"),
            ("PUT", "/api/v4/projects/acme%2Fshop/merge_requests/1"),
            ("POST", f"/api/v4/projects/acme%2Fshop/statuses/{'a' * 40}"),
        ]  # fmt: skip

        refused = paved_road(*args, "--title", title, cwd=tmp_path, **ci, TEMPLATE_UPDATE_TOKEN="x")
        assert refused.returncode == 2
        assert refused.stderr.startswith("paved-road gitlab-mr: GitLab refused GET ")
        assert refused.stderr.endswith(": 401 401 Unauthorized\n")

    unset = paved_road(*args, "--title", title, cwd=tmp_path, **ci)
    assert (unset.returncode, unset.stderr) == (
        2,
        "paved-road gitlab-mr: give TEMPLATE_UPDATE_TOKEN, a project access token with scope api\n",
    )


@pytest.fixture(scope="module")
def gitlab_fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template at v1.0.0 and v1.1.0; shop (v1.1.0) and billing (v1.0.0, in a subgroup) in
    bare repositories under forge/, laid out as GitLab paths."""
    root = tmp_path_factory.mktemp("gitlab-fleet")
    template = snapshot_template(root / "template", tag="v1.0.0")
    work = root / "work"
    work.mkdir()
    billing = copy_product(template, work / "billing", DEFAULT, skip_tasks=True, vcs_ref="v1.0.0")
    release(template, "v1.1.0", "(fleet edition)")
    shop = copy_product(template, work / "shop", DEFAULT, skip_tasks=True, vcs_ref="v1.1.0")
    (root / "forge/acme/team").mkdir(parents=True)
    publish(shop, root / "forge/acme/shop.git")
    publish(billing, root / "forge/acme/team/billing.git")
    return root


@pytest.mark.slow(reason="fleet check renders the template for its products")
def test_fleet_check_reads_gl_shortcuts_and_gitlab_addresses(gitlab_fleet: Path) -> None:
    root = gitlab_fleet
    fleet_file = root / "check.yml"
    fleet_file.write_text(
        "products:\n  - gl:acme/shop\n  - https://gitlab.acme.test/acme/team/billing/-/tree/main\n"
    )
    env = rewrite(
        **{"https://gitlab.com/": root / "forge", "https://gitlab.acme.test/": root / "forge"}
    )
    result = paved_road(
        "fleet", "check", str(fleet_file), "--approved-source", str(root / "template"),
        "--cache-dir", str(root / "cache"), "--json", str(root / "report.json"),
        cwd=root, **env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    products = by_name(read_json(root / "report.json"))
    assert products["shop"]["status"] == "ok"
    assert products["shop"]["repo"] == "gl:acme/shop"
    assert products["billing"]["status"] == "ok"
    assert (products["billing"]["release"], products["billing"]["behind"]) == ("1.0.0", 1)


@pytest.mark.slow(reason="fleet update runs paved-road update (copier) on a product")
def test_fleet_update_opens_a_merge_request_on_a_self_managed_gitlab(gitlab_fleet: Path) -> None:
    root = gitlab_fleet
    with fake_gitlab("acme/team/billing", "acme/shop") as gitlab:
        fleet_file = root / "update.yml"
        fleet_file.write_text(
            f"products:\n  - {gitlab.url}/acme/team/billing.git\n  - {gitlab.url}/acme/shop\n"
        )
        env = rewrite(**{f"{gitlab.url}/": root / "forge"})
        result = paved_road(
            "fleet", "update", str(fleet_file), "--approved-source", str(root / "template"),
            "--cache-dir", str(root / "update-cache"), "--gitlab-url", gitlab.url,
            cwd=root, **env, PAVED_ROAD_GITLAB_TOKEN=TOKEN,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        web_url = f"{gitlab.url}/acme/team/billing/-/merge_requests/1"
        assert f"merge request: {web_url}\n" in result.stdout
        assert "1 updated, 0 drift, 0 conflicts, 0 failed, 1 current" in result.stdout
        (mr,) = gitlab.merge_requests["acme/team/billing"]
        assert (mr["source_branch"], mr["target_branch"]) == (BRANCH, "main")
        assert mr["title"] == "Update the paved-road template to v1.1.0"
        assert mr["description"].startswith(
            "Updates the paved-road template from v1.0.0 to v1.1.0 (made by `paved-road fleet "
            "update`)."
        )
        assert mr["labels"] == ["template-update"]
        assert gitlab.merge_requests.get("acme/shop", []) == []  # current: nothing to open
    bare = root / "forge/acme/team/billing.git"
    assert "(fleet edition)" in show(bare, f"refs/heads/{BRANCH}", "README.md")


@pytest.mark.slow(reason="fleet update runs paved-road update (copier) on a product")
def test_a_refused_merge_request_after_the_push_says_so_and_the_next_run_opens_it(
    gitlab_fleet: Path, tmp_path: Path
) -> None:
    """GitLab refuses the first call (the token cannot see the project yet): the branch is
    pushed and the row says so, not "nothing pushed"; the next run finds the branch and opens
    the merge request. Output of the product's tools (`uv lock`'s warnings) is named."""
    root = gitlab_fleet
    bare = root / "forge/acme/retry/billing.git"
    bare.parent.mkdir(parents=True)
    git(root, "clone", "--quiet", "--bare", str(root / "work" / "billing"), str(bare))
    fake_uv = tmp_path / "bin" / "uv"
    fake_uv.parent.mkdir()
    fake_uv.write_text("#!/bin/sh\necho 'warning: offline, nothing locked (fake uv)' >&2\n")
    fake_uv.chmod(0o755)
    path = f"{fake_uv.parent}:{tool_env()['PATH']}"
    with fake_gitlab() as gitlab:
        fleet_file = root / "retry.yml"
        fleet_file.write_text(f"products:\n  - {gitlab.url}/acme/retry/billing.git\n")
        env = rewrite(**{f"{gitlab.url}/": root / "forge"})

        def update() -> subprocess.CompletedProcess[str]:
            return paved_road(
                "fleet", "update", str(fleet_file), "--approved-source", str(root / "template"),
                "--cache-dir", str(tmp_path / "cache"), "--gitlab-url", gitlab.url,
                cwd=root, **env, PAVED_ROAD_GITLAB_TOKEN=TOKEN, PATH=path,
            )  # fmt: skip

        first = update()
        assert first.returncode == 1, first.stdout + first.stderr
        [row] = [line for line in first.stdout.splitlines() if line.startswith("billing")]
        assert row.split()[1] == "failed"
        assert f"pushed {BRANCH}" in row and "but opened no merge request: GitLab refused" in row
        assert "(the branch is there: the next `fleet update` opens it)" in row
        assert "nothing pushed" not in row
        assert str(tmp_path / "cache") not in first.stdout + first.stderr
        uv_lines = [line for line in first.stderr.splitlines() if "(fake uv)" in line]
        assert uv_lines and all(line.startswith("billing: warning:") for line in uv_lines)
        assert "(fleet edition)" in show(bare, f"refs/heads/{BRANCH}", "README.md")

        gitlab.projects.add("acme/retry/billing")
        older = {"source_branch": "paved-road/update-v1.0.1", "target_branch": "main", "title": "t"}
        superseded = gitlab._merge_request("acme/retry/billing", 1, older)
        gitlab.merge_requests["acme/retry/billing"] = [superseded]
        second = update()
        assert second.returncode == 0, second.stdout + second.stderr
        web_url = f"{gitlab.url}/acme/retry/billing/-/merge_requests/2"
        assert f"merge request: {web_url}\n" in second.stdout
        assert "0 failed" in second.stdout and "1 exists" in second.stdout
        assert "closed 1 superseded: paved-road/update-v1.0.1" in second.stdout
        assert superseded["state"] == "closed"
        mr = gitlab.merge_requests["acme/retry/billing"][1]
        assert mr["source_branch"] == BRANCH and mr["title"].startswith("Draft: Update")

        third = update()  # open already: left as it is, not opened twice
        assert third.returncode == 0 and len(gitlab.merge_requests["acme/retry/billing"]) == 2


def test_review_is_asked_of_the_owners_gitlab_user_found_by_username() -> None:
    """GitLab asks users, by id: the owner's username is looked up (`GET /users?username=`);
    an owner that is no user (a group) opens the request without reviewer, and says so."""
    from paved_road.fleet.update_requests import Forges, with_request  # noqa: PLC0415
    from paved_road.fleet.updating import UpdateOutcome  # noqa: PLC0415

    with fake_gitlab("acme/shop", "acme/ledger") as gitlab:
        gitlab.users = {"payments-lead": 3147}
        forges = Forges(gitlab_token=TOKEN, gitlab_instances=(gitlab.url,), request_review=True)
        outcomes = {}
        for product, owner in (("shop", "payments-lead"), ("ledger", "payments")):
            outcome = UpdateOutcome(
                product, "updated", "pushed", "1.0.0", "1.1.0", "paved-road/update-v1.1.0"
            )
            url = f"{gitlab.url}/acme/{product}.git"
            outcomes[product] = with_request(outcome, url, forges, "main", "ok", team=owner)
        shop, ledger = (gitlab.merge_requests[f"acme/{name}"][0] for name in ("shop", "ledger"))
        lookups = [call for call in gitlab.calls if call[1].startswith("/api/v4/users")]
        again = UpdateOutcome(
            "shop", "updated", "pushed", "1.0.0", "1.1.0", "paved-road/update-v1.1.0"
        )
        with_request(again, f"{gitlab.url}/acme/shop.git", forges, "main", "ok", team="x")
        # Open already: refreshed, its reviewers left to the team (nobody looked up).
        assert [call for call in gitlab.calls if call[1].startswith("/api/v4/users")] == lookups
        assert "no review asked" not in again.detail
    assert outcomes["shop"].status == "updated" and outcomes["shop"].pull_request
    assert [reviewer["username"] for reviewer in shop["reviewers"]] == ["payments-lead"]
    assert ("GET", "/api/v4/users?username=payments-lead") in gitlab.calls
    assert outcomes["ledger"].status == "updated" and outcomes["ledger"].pull_request
    assert ledger["reviewers"] == []
    assert "no review asked: payments is no GitLab user" in outcomes["ledger"].detail
