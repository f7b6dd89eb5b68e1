"""A local GitHub REST API for the tests: the few endpoints `fleet update` calls, answering
with GitHub's response shapes (tests/data/github/) and keeping what it was asked.
`PAVED_ROAD_GITHUB_API_URL` points paved-road at it."""

from __future__ import annotations

import copy
import json
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fake_forge import serve_json

SHAPES = Path(__file__).parent / "data" / "github"
TOKEN = "github_pat_test_token"


def shape(name: str) -> Any:
    return json.loads((SHAPES / f"{name}.json").read_text())


@dataclass
class FakeGitHub:
    """Repositories (owner/name) and their pull requests, as GitHub keeps them."""

    url: str = ""
    repos: set[str] = field(default_factory=set)
    pulls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)  # commit -> combined state
    issues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def answer(  # noqa: PLR0911, PLR0912 - one return per endpoint and error, as GitHub answers
        self, method: str, path: str, token: str | None, body: dict[str, Any]
    ) -> tuple[int, Any]:
        self.calls.append((method, path))
        if token != f"Bearer {TOKEN}":
            return 401, shape("errors")["401"]
        parts = urllib.parse.urlsplit(path)
        segments = parts.path.strip("/").split("/")
        if len(segments) < 4 or segments[0] != "repos":
            return 404, shape("errors")["404"]
        repo = f"{segments[1]}/{segments[2]}"
        if repo not in self.repos:
            return 404, shape("errors")["404"]
        if segments[3] == "issues":
            return self._issues(repo, method, segments[4:], parts.query, body)
        if segments[3] == "commits" and len(segments) == 6 and segments[5] == "status":
            state = self.statuses.get(segments[4], "pending")
            return 200, shape("combined_status") | {"state": state, "sha": segments[4]}
        if segments[3] != "pulls":
            return 404, shape("errors")["404"]
        pulls = self.pulls.setdefault(repo, [])
        if len(segments) == 4 and method == "GET":
            query = dict(urllib.parse.parse_qsl(parts.query))
            return 200, [
                pull
                for pull in pulls
                if query.get("state", "open") in {"all", pull["state"]}
                and pull["head"]["label"] == query.get("head", pull["head"]["label"])
            ]
        if len(segments) == 4 and method == "POST":
            if any(p["state"] == "open" and p["head"]["ref"] == body["head"] for p in pulls):
                return 422, shape("errors")["422"]
            pull = self._pull(repo, len(pulls) + 1, body)
            pulls.append(pull)
            return 201, pull
        if len(segments) == 5 and method == "PATCH":
            pull = next((p for p in pulls if str(p["number"]) == segments[4]), None)
            if pull is None:
                return 404, shape("errors")["404"]
            pull.update({key: body[key] for key in ("state", "title", "body") if key in body})
            return 200, pull
        if len(segments) == 6 and segments[5] == "requested_reviewers" and method == "POST":
            pull = next((p for p in pulls if str(p["number"]) == segments[4]), None)
            if pull is None:
                return 404, shape("errors")["404"]
            pull["requested_teams"] = [
                {"slug": slug, "name": slug} for slug in body.get("team_reviewers", [])
            ]
            return 201, pull
        return 404, shape("errors")["404"]

    def _issues(
        self, repo: str, method: str, rest: list[str], query: str, body: dict[str, Any]
    ) -> tuple[int, Any]:
        issues = self.issues.setdefault(repo, [])
        if not rest and method == "GET":
            asked = dict(urllib.parse.parse_qsl(query))
            return 200, [
                issue
                for issue in issues
                if issue["state"] == asked.get("state", "open")
                and all(
                    label in [found["name"] for found in issue["labels"]]
                    for label in filter(None, asked.get("labels", "").split(","))
                )
            ]
        if not rest and method == "POST":
            issue = copy.deepcopy(shape("issue"))
            number = len(issues) + 1
            label = issue["labels"][0]
            issue |= {
                "number": number,
                "html_url": f"https://github.com/{repo}/issues/{number}",
                "title": body["title"],
                "body": body.get("body", ""),
                "labels": [label | {"name": name} for name in body.get("labels", [])],
            }
            issues.append(issue)
            return 201, issue
        if len(rest) == 1 and method == "PATCH":
            issue = next((i for i in issues if str(i["number"]) == rest[0]), None)
            if issue is None:
                return 404, shape("errors")["404"]
            issue.update({key: body[key] for key in ("title", "body", "state") if key in body})
            return 200, issue
        return 404, shape("errors")["404"]

    def _pull(self, repo: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
        owner = repo.split("/", maxsplit=1)[0]
        pull = copy.deepcopy(shape("pull_request"))
        pull |= {
            "number": number,
            "url": f"{self.url}/repos/{repo}/pulls/{number}",
            "html_url": f"https://github.com/{repo}/pull/{number}",
            "title": body["title"],
            "body": body["body"],
            "draft": bool(body.get("draft")),
        }
        pull["head"] |= {"ref": body["head"], "label": f"{owner}:{body['head']}"}
        pull["base"] |= {"ref": body["base"], "label": f"{owner}:{body['base']}"}
        return pull


@contextmanager
def fake_github(*repos: str) -> Iterator[FakeGitHub]:
    github = FakeGitHub(repos=set(repos))
    with serve_json(github.answer, "Authorization", "application/json; charset=utf-8") as url:
        github.url = url
        yield github
