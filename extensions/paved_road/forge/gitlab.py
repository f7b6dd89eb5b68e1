"""GitLab's REST API (v4), the calls paved-road makes: find the open merge request of a
branch, open or refresh it (with reviewers, found by username), close superseded ones, read
one back, and mark a commit failed.

``fleet update`` opens merge requests with them, and the template-update pipeline of a
``ci: gitlab`` product opens or refreshes its merge request through ``paved-road gitlab-mr``
(the same code, so both write the same merge request). The token is a project
(or group) access token with the ``api`` scope: GitLab accepts it in the ``PRIVATE-TOKEN``
header. Response shapes: docs.gitlab.com/api/merge_requests and /api/commits.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..one_line import cut

# What a message may take of an 80-column line after "paved-road gitlab-mr: ".
ROOM = 58

GITLAB_COM = "https://gitlab.com"
TIMEOUT_SECONDS = 60
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")


class GitLabError(Exception):
    """GitLab refused or could not be reached: one line saying which call and why."""


@dataclass(frozen=True)
class MergeRequest:
    iid: int
    web_url: str
    created: bool  # False: an open one was refreshed


def gitlab_project(repo_url: str, instances: Sequence[str] = ()) -> tuple[str, str] | None:
    """(instance URL, project path) of a repository on gitlab.com or on one of ``instances``
    (self-managed base URLs such as ``https://gitlab.acme.internal``); None for any other host.

    Takes what a fleet file or ``_src_path`` holds: ``gl:group/sub/name``, https and ssh URLs,
    scp-like ``git@host:group/name.git``; subgroups are part of the path."""
    ssh = repo_url.startswith("ssh://") or "://" not in repo_url  # ssh: any port, same host
    if repo_url.startswith("gl:"):
        host, path = "gitlab.com", repo_url.removeprefix("gl:")
    elif "://" in repo_url:
        parts = urllib.parse.urlsplit(repo_url)
        host = (parts.hostname or "").lower() + (f":{parts.port}" if parts.port and not ssh else "")
        path = parts.path
    elif (match := _SCP.match(repo_url)) is not None:
        host, path = match["host"].lower(), match["path"]
    else:
        return None
    path = path.strip("/").removesuffix(".git").split("/-/", 1)[0].removesuffix(".git")
    if path.count("/") < 1:
        return None
    for instance in (GITLAB_COM, *instances):
        base = urllib.parse.urlsplit(instance.rstrip("/"))
        name = (base.hostname or "").lower()
        if host == (name if ssh or not base.port else f"{name}:{base.port}"):
            return instance.rstrip("/"), path
    return None


def api_url(instance: str) -> str:
    return f"{instance.rstrip('/')}/api/v4"


def _call(api: str, method: str, path: str, token: str, data: dict[str, Any] | None = None):
    url = f"{api.rstrip('/')}/{path}"
    request = urllib.request.Request(  # noqa: S310 - the instance's URL, given by the caller
        url,
        data=None if data is None else json.dumps(data).encode(),
        headers={
            "PRIVATE-TOKEN": token,
            "Content-Type": "application/json",
            "User-Agent": "paved-road",
        },
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as error:
        # The API path (a path: its own length only) and GitLab's words, cut to the line.
        said = f"GitLab refused {method} {path}: {error.code} "
        room = max(ROOM - len(said) + len(path) - 1, 24)
        raise GitLabError(said + cut(_why(error), room)) from None
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as error:
        why = str(getattr(error, "reason", None) or error)
        said = f"GitLab at {api} did not answer: "
        raise GitLabError(said + cut(why, max(ROOM - len(said) + len(api) - 1, 24))) from None


def _why(error: urllib.error.HTTPError) -> str:
    """GitLab's own message ({"message": ...} or {"error": ...}), else the status text."""
    try:
        body = json.loads(error.read() or b"{}")
    except ValueError:
        body = {}
    message = body.get("message") or body.get("error") if isinstance(body, dict) else None
    if isinstance(message, list):  # GitLab lists validation errors ({"message": [...]})
        message = "; ".join(str(item) for item in message)
    return " ".join(str(message).split())[:300] if message else str(error.reason)


def _project(project: str) -> str:
    """A project's id, or its path URL-encoded (``group/sub/name`` -> ``group%2Fsub%2Fname``)."""
    return urllib.parse.quote(project, safe="")


def open_or_refresh_merge_request(
    api: str,
    project: str,
    *,
    source: str,
    target: str,
    title: str,
    description: str,
    token: str,
    labels: Sequence[str] = (),
    refresh: bool = True,
    reviewers: Callable[[], Sequence[int]] | None = None,
) -> MergeRequest:
    """The open merge request of ``source`` into ``target`` with this title and description:
    refreshed if there is one (left as it is with ``refresh=False``), opened otherwise, asking
    the users whose ids ``reviewers()`` gives to review a new one (asked only then: an open
    one's reviewers are its team's business). A title starting with ``Draft:`` makes it a
    draft, which GitLab does not merge."""
    base = f"projects/{_project(project)}/merge_requests"
    query = urllib.parse.urlencode(
        {"source_branch": source, "target_branch": target, "state": "opened"}
    )
    found = _call(api, "GET", f"{base}?{query}", token)
    fields: dict[str, Any] = {"title": title, "description": description}
    if labels:
        fields["labels"] = ",".join(labels)
    if isinstance(found, list) and found:
        iid = int(found[0]["iid"])
        if not refresh:
            return MergeRequest(iid, str(found[0]["web_url"]), created=False)
        refreshed = _call(api, "PUT", f"{base}/{iid}", token, fields)
        return MergeRequest(iid, str(refreshed["web_url"]), created=False)
    if reviewers is not None and (ids := list(reviewers())):
        fields["reviewer_ids"] = ids
    opened = _call(
        api,
        "POST",
        base,
        token,
        {"source_branch": source, "target_branch": target, "remove_source_branch": True, **fields},
    )
    return MergeRequest(int(opened["iid"]), str(opened["web_url"]), created=True)


def user_ids(api: str, usernames: Sequence[str], *, token: str) -> dict[str, int]:
    """The ids of the users named (GitLab asks reviewers by id): ``GET /users?username=``, one
    call each; a name with no active user (a group's, a typo) is left out."""
    found = {}
    for username in usernames:
        query = urllib.parse.urlencode({"username": username.removeprefix("@")})
        users = _call(api, "GET", f"users?{query}", token)
        active = [u for u in users if u.get("state") == "active"] if isinstance(users, list) else []
        if active:
            found[username] = int(active[0]["id"])
    return found


def fail_commit(
    api: str, project: str, sha: str, *, name: str, description: str, token: str
) -> None:
    """A failed external status ``name`` on commit ``sha``: it shows on the merge request, and
    blocks it where the project requires pipelines to succeed."""
    _call(
        api,
        "POST",
        f"projects/{_project(project)}/statuses/{sha}",
        token,
        {"state": "failed", "name": name, "description": description[:255]},
    )


def newest_merge_request(
    api: str, project: str, *, source: str, token: str
) -> dict[str, Any] | None:
    """The newest merge request of branch ``source`` in any state, with its head pipeline
    (``head_pipeline``), or None: what `fleet check` shows of an update's merge request."""
    base = f"projects/{_project(project)}/merge_requests"
    query = urllib.parse.urlencode({"source_branch": source, "state": "all"})
    found = _call(api, "GET", f"{base}?{query}", token)
    if not isinstance(found, list) or not found:
        return None
    newest = max(found, key=lambda mr: int(mr["iid"]))
    detail = _call(api, "GET", f"{base}/{int(newest['iid'])}", token)  # the list has no pipeline
    return detail if isinstance(detail, dict) else newest


def close_merge_requests(
    api: str, project: str, *, prefix: str, keep: str, token: str
) -> list[str]:
    """Close the open merge requests of branches starting with ``prefix``, except ``keep``'s:
    the update requests a newer one supersedes. Their source branches, closed."""
    base = f"projects/{_project(project)}/merge_requests"
    found = _call(api, "GET", f"{base}?{urllib.parse.urlencode({'state': 'opened'})}", token)
    closed = []
    for mr in found if isinstance(found, list) else []:
        source = str(mr.get("source_branch", ""))
        if source.startswith(prefix) and source != keep:
            _call(api, "PUT", f"{base}/{int(mr['iid'])}", token, {"state_event": "close"})
            closed.append(source)
    return closed
