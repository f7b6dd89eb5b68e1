"""Opening the pull request of an update branch on GitHub: the one call to GitHub.

GitLab's merge requests are ``paved_road.forge.gitlab`` (tested against a local server that
answers as GitLab does); another forge (Gitea, Bitbucket) means another function of this shape.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

API = "https://api.github.com"
_GITHUB_REPO = re.compile(
    r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/|gh:)"
    r"(?P<owner>[^/]+)/(?P<name>[^/]+?)(?:\.git)?/?$"
)


def github_repo(url: str) -> tuple[str, str] | None:
    """(owner, name) of a github.com repository URL; None for anything else."""
    match = _GITHUB_REPO.match(url)
    return (match["owner"], match["name"]) if match else None


def open_pull_request(
    repo_url: str,
    *,
    branch: str,
    base: str,
    title: str,
    body: str,
    token: str,
    draft: bool = False,
    team_reviewer: str | None = None,
    refresh: bool = False,
) -> str:
    """Open a pull request from ``branch`` into ``base`` and return its web address.

    Needs a token allowed to create pull requests on the repository (fine-grained:
    "Pull requests: read and write"). Raises ValueError for a repository not on github.com and
    urllib.error.HTTPError when GitHub refuses. One already open for the branch (an earlier run
    opened it) is returned, its title and body made this update's with ``refresh`` (the branch
    was made again), as it is otherwise.
    """
    repo = github_repo(repo_url)
    if repo is None:
        raise ValueError(f"{repo_url} is not a github.com repository")
    owner, name = repo
    pulls = f"{api()}/repos/{owner}/{name}/pulls"
    payload = {"title": title, "head": branch, "base": base, "body": body, "draft": draft}
    try:
        pull = call(pulls, token, payload)
    except urllib.error.HTTPError as error:
        if error.code != 422:  # 422: one is open already (an earlier run opened it)
            raise
        query = urllib.parse.urlencode({"head": f"{owner}:{branch}", "state": "open"})
        found = call(f"{pulls}?{query}", token)
        if not found:
            raise
        if refresh:  # its reviewers and draft state are the team's business
            update = {"title": title, "body": body}
            call(f"{pulls}/{found[0]['number']}", token, update, method="PATCH")
        return str(found[0]["html_url"])
    if team_reviewer:
        reviewers = {"team_reviewers": [team_reviewer]}
        call(f"{pulls}/{pull['number']}/requested_reviewers", token, reviewers)
    return str(pull["html_url"])


def api() -> str:
    """GitHub's REST API: api.github.com, or GitHub Enterprise Server's
    (``PAVED_ROAD_GITHUB_API_URL=https://github.acme.internal/api/v3``)."""
    return os.environ.get("PAVED_ROAD_GITHUB_API_URL", API).rstrip("/")


def call(
    url: str, token: str, payload: dict[str, Any] | None = None, *, method: str | None = None
) -> Any:
    request = urllib.request.Request(  # noqa: S310 - a fixed https:// URL
        url,
        data=json.dumps(payload).encode() if payload is not None else None,
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "paved-road-fleet",
        },
        method=method or ("POST" if payload is not None else "GET"),
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.load(response)


def newest_pull_request(repo_url: str, *, branch: str, token: str) -> dict[str, Any] | None:
    """The newest pull request of ``branch`` in any state, with the combined commit status of
    its head under ``ci_state`` (success, failure, pending), or None."""
    repo = github_repo(repo_url)
    if repo is None:
        raise ValueError(f"{repo_url} is not a github.com repository")
    owner, name = repo
    query = urllib.parse.urlencode({"head": f"{owner}:{branch}", "state": "all"})
    found = call(f"{api()}/repos/{owner}/{name}/pulls?{query}", token)
    if not found:
        return None
    pull: dict[str, Any] = max(found, key=lambda p: int(p["number"]))
    status = call(f"{api()}/repos/{owner}/{name}/commits/{pull['head']['sha']}/status", token)
    pull["ci_state"] = status.get("state") if isinstance(status, dict) else None
    return pull


def close_pull_requests(repo_url: str, *, prefix: str, keep: str, token: str) -> list[str]:
    """Close the open pull requests of branches starting with ``prefix``, except ``keep``'s:
    the update requests a newer one supersedes. Their head branches, closed."""
    repo = github_repo(repo_url)
    if repo is None:
        raise ValueError(f"{repo_url} is not a github.com repository")
    owner, name = repo
    pulls = f"{api()}/repos/{owner}/{name}/pulls"
    closed = []
    for pull in call(
        f"{pulls}?{urllib.parse.urlencode({'state': 'open', 'per_page': 100})}", token
    ):
        head = str(pull["head"]["ref"])
        if head.startswith(prefix) and head != keep:
            call(f"{pulls}/{pull['number']}", token, {"state": "closed"}, method="PATCH")
            closed.append(head)
    return closed
