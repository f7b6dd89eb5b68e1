"""A local GitLab API (REST v4) for the tests: the few endpoints paved-road calls, answering
with GitLab's recorded response shapes (tests/data/gitlab/) and keeping what it was asked."""

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

SHAPES = Path(__file__).parent / "data" / "gitlab"
TOKEN = "glpat-test-token"


def shape(name: str) -> Any:
    return json.loads((SHAPES / f"{name}.json").read_text())


@dataclass
class FakeGitLab:
    """Projects by path; merge requests and statuses as GitLab would keep them."""

    url: str = ""
    projects: set[str] = field(default_factory=set)
    merge_requests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    users: dict[str, int] = field(default_factory=dict)  # username -> id

    @property
    def api(self) -> str:
        return f"{self.url}/api/v4"

    def answer(  # noqa: PLR0911, PLR0912 - one branch and return per endpoint, as GitLab has
        self, method: str, path: str, token: str | None, body: dict[str, Any]
    ):
        self.calls.append((method, path))
        if token != TOKEN:
            return 401, shape("errors")["401"]
        parts = urllib.parse.urlsplit(path)
        segments = parts.path.removeprefix("/api/v4/").split("/")
        if segments == ["users"] and method == "GET":
            username = dict(urllib.parse.parse_qsl(parts.query)).get("username")
            return 200, [self._user(username)] if username in self.users else []
        if len(segments) < 3 or segments[0] != "projects":
            return 404, {"error": "404 Not Found"}
        project = urllib.parse.unquote(segments[1])
        if project not in self.projects:
            return 404, shape("errors")["404"]
        mrs = self.merge_requests.setdefault(project, [])
        if segments[2] == "merge_requests" and len(segments) == 3:
            if method == "GET":
                query = dict(urllib.parse.parse_qsl(parts.query))
                if query.get("state") == "all":  # GitLab: any state
                    del query["state"]
                found = [
                    mr for mr in mrs if all(mr.get(key) == value for key, value in query.items())
                ]
                return 200, found
            if method == "POST":
                if any(
                    mr["state"] == "opened" and mr["source_branch"] == body["source_branch"]
                    for mr in mrs
                ):
                    return 409, shape("errors")["409"]
                mr = self._merge_request(project, len(mrs) + 1, body)
                mrs.append(mr)
                return 201, mr
        if segments[2] == "merge_requests" and len(segments) == 4 and method == "GET":
            mr = next((mr for mr in mrs if str(mr["iid"]) == segments[3]), None)
            return (200, mr) if mr is not None else (404, {"message": "404 Not found"})
        if segments[2] == "merge_requests" and len(segments) == 4 and method == "PUT":
            mr = next((mr for mr in mrs if str(mr["iid"]) == segments[3]), None)
            if mr is None:
                return 404, {"message": "404 Not found"}
            mr.update(self._fields(body))
            return 200, mr
        if segments[2] == "statuses" and len(segments) == 4 and method == "POST":
            status = shape("commit_status") | {
                "sha": segments[3],
                "status": body["state"],
                "name": body["name"],
                "description": body["description"],
            }
            self.statuses.append(status)
            return 201, status
        return 404, {"error": "404 Not Found"}

    def _user(self, username: str) -> dict[str, Any]:
        user = shape("users")[0]
        return user | {"id": self.users[username], "username": username}

    def _fields(self, body: dict[str, Any]) -> dict[str, Any]:
        fields = {key: body[key] for key in ("title", "description") if key in body}
        if "reviewer_ids" in body:
            by_id = {user_id: name for name, user_id in self.users.items()}
            fields["reviewers"] = [self._user(by_id[i]) for i in body["reviewer_ids"]]
        if body.get("state_event") == "close":
            fields["state"] = "closed"
        if "labels" in body:
            fields["labels"] = [label for label in body["labels"].split(",") if label]
        if "title" in body:
            draft = body["title"].startswith("Draft:")
            fields |= {"draft": draft, "work_in_progress": draft}
        return fields

    def _merge_request(self, project: str, iid: int, body: dict[str, Any]) -> dict[str, Any]:
        mr = copy.deepcopy(shape("merge_request"))
        mr |= {
            "iid": iid,
            "source_branch": body["source_branch"],
            "target_branch": body["target_branch"],
            "force_remove_source_branch": bool(body.get("remove_source_branch")),
            "reference": f"!{iid}",
            "references": {"short": f"!{iid}", "relative": f"!{iid}", "full": f"{project}!{iid}"},
            "web_url": f"{self.url}/{project}/-/merge_requests/{iid}",
        }
        return mr | self._fields(body)


@contextmanager
def fake_gitlab(*projects: str) -> Iterator[FakeGitLab]:
    gitlab = FakeGitLab(projects=set(projects))
    with serve_json(gitlab.answer, "PRIVATE-TOKEN", "application/json") as url:
        gitlab.url = url
        yield gitlab
