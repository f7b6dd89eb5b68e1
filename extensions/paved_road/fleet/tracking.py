"""Reading back the update requests `fleet update` opened: for each product behind, the pull
or merge request of branch ``paved-road/update-v<newest>``: open, merged or closed, draft or
not, and how its checks went, shown in the next `fleet check` and on the dashboard.

A forge that does not answer costs that product its request row, never the check: the
failure is one line on stderr.
"""

from __future__ import annotations

import sys
import urllib.error
from concurrent import futures
from typing import Any

from ..forge.gitlab import GitLabError, api_url, gitlab_project, newest_merge_request
from .pull_request import github_repo, newest_pull_request
from .report import ProductResult, UpdateRequest
from .update_requests import Forges
from .updating import BRANCH_PREFIX

_GITHUB_CI = {"success": "success", "failure": "failure", "error": "failure", "pending": "pending"}
_GITLAB_CI = {"success": "success", "failed": "failure", "canceled": "failure"}
_GITLAB_STATE = {"opened": "open", "merged": "merged", "closed": "closed", "locked": "open"}


def _github(pull: dict[str, Any], branch: str) -> UpdateRequest:
    state = "merged" if pull.get("merged_at") else str(pull["state"])
    return UpdateRequest(
        url=str(pull["html_url"]),
        branch=branch,
        state=state,  # type: ignore[arg-type]
        draft=bool(pull.get("draft")),
        ci=_GITHUB_CI.get(str(pull.get("ci_state"))),  # type: ignore[arg-type]
    )


def _gitlab(mr: dict[str, Any], branch: str) -> UpdateRequest:
    pipeline = mr.get("head_pipeline") or {}
    status = str(pipeline.get("status")) if pipeline else None
    ci = _GITLAB_CI.get(status or "", "pending" if status else None)
    return UpdateRequest(
        url=str(mr["web_url"]),
        branch=branch,
        state=_GITLAB_STATE.get(str(mr["state"]), "closed"),  # type: ignore[arg-type]
        draft=bool(mr.get("draft")),
        ci=ci,  # type: ignore[arg-type]
    )


def request_of(row: ProductResult, url: str, forges: Forges) -> UpdateRequest | None:
    if not row.behind or not row.latest:
        return None
    branch = f"{BRANCH_PREFIX}v{row.latest}"  # release tags are vX.Y.Z (docs/releasing.md)
    if forges.github_token and github_repo(url):
        pull = newest_pull_request(url, branch=branch, token=forges.github_token)
        return _github(pull, branch) if pull else None
    gitlab = gitlab_project(url, forges.gitlab_instances)
    if forges.gitlab_token and gitlab is not None:
        instance, project = gitlab
        mr = newest_merge_request(
            api_url(instance), project, source=branch, token=forges.gitlab_token
        )
        return _gitlab(mr, branch) if mr else None
    return None


def track(rows: list[ProductResult], urls: dict[str, str], forges: Forges) -> None:
    """Fill in each row's update request, asking the forges a few at a time."""
    if not (forges.github_token or forges.gitlab_token):
        return
    wanted = [row for row in rows if row.behind and row.name in urls]
    with futures.ThreadPoolExecutor(max_workers=8) as pool:
        asked = {pool.submit(request_of, row, urls[row.name], forges): row for row in wanted}
        for future in futures.as_completed(asked):
            row = asked[future]
            try:
                row.update_request = future.result()
            except (GitLabError, urllib.error.URLError, ValueError, OSError, KeyError) as error:
                why = " ".join(str(error).split())[:200]
                print(
                    f"paved-road fleet: {row.name}: cannot read its update request: {why}",
                    file=sys.stderr,
                )
