"""One GitHub issue per owner in the platform's repository, opened or refreshed each run with
the owner's digest, and closed once the owner has nothing left to do (``--owner-issues``).

Issues are found by their label and title, so a run never opens a second one for a team."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from .digests import title_of
from .pull_request import api, call

LABEL = "paved-road-digest"
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def valid_repo(repo: str) -> bool:
    return bool(_REPO.match(repo))


def _open_issues(repo: str, token: str) -> dict[str, dict[str, Any]]:
    query = urllib.parse.urlencode({"labels": LABEL, "state": "open", "per_page": 100})
    found = call(f"{api()}/repos/{repo}/issues?{query}", token)
    return {str(issue["title"]): issue for issue in found if "pull_request" not in issue}


def publish(repo: str, digests: dict[str | None, tuple[str, bool]], token: str) -> list[str]:
    """``digests``: owner -> (Markdown, anything to do). Opens, refreshes or closes each
    owner's issue; one line per issue touched."""
    issues = _open_issues(repo, token)
    done = []
    for owner, (body, todo) in digests.items():
        title = title_of(owner)
        issue = issues.get(title)
        if issue is None and todo:
            payload = {"title": title, "body": body, "labels": [LABEL]}
            made = call(f"{api()}/repos/{repo}/issues", token, payload)
            done.append(f"opened {made['html_url']}")
        elif issue is not None:
            url = f"{api()}/repos/{repo}/issues/{issue['number']}"
            change: dict[str, Any] = {"body": body} if todo else {"body": body, "state": "closed"}
            call(url, token, change, method="PATCH")
            done.append(f"{'refreshed' if todo else 'closed'} {issue['html_url']}")
    return done
