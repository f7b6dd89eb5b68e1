"""Opening the pull request of an update branch on GitHub: the one call to GitHub.

GitLab's merge requests are ``paved_road.forge.gitlab`` (tested against a local server that
answers as GitLab does); another forge (Gitea, Bitbucket) means another function of this shape.
"""

from __future__ import annotations

import json
import re
import urllib.request

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
    repo_url: str, *, branch: str, base: str, title: str, body: str, token: str
) -> str:
    """Open a pull request from ``branch`` into ``base`` and return its web address.

    Needs a token allowed to create pull requests on the repository (fine-grained:
    "Pull requests: read and write"). Raises ValueError for a repository not on github.com and
    urllib.error.HTTPError when GitHub refuses (422: a pull request for the branch exists).
    """
    repo = github_repo(repo_url)
    if repo is None:
        raise ValueError(f"{repo_url} is not a github.com repository")
    owner, name = repo
    request = urllib.request.Request(  # noqa: S310 - a fixed https:// URL
        f"{API}/repos/{owner}/{name}/pulls",
        data=json.dumps({"title": title, "head": branch, "base": base, "body": body}).encode(),
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "paved-road-fleet",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return str(json.load(response)["html_url"])
