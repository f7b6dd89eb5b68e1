"""The pull or merge request of an update branch: opened (or found, when an earlier run opened
it), a draft when asked or when the update needs work, reviewed by the owning team if asked.
A request refused after the push leaves the branch; the row says so, and the next run, finding
the branch, opens the request."""

from __future__ import annotations

import urllib.error
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..forge.gitlab import (
    GitLabError,
    api_url,
    close_merge_requests,
    gitlab_project,
    open_or_refresh_merge_request,
    user_ids,
)
from .pull_request import close_pull_requests, github_repo, open_pull_request

if TYPE_CHECKING:
    from .updating import UpdateOutcome

MERGE_REQUEST_LABELS = ("template-update",)


@dataclass(frozen=True)
class Forges:
    """Tokens for the forges' APIs (None: push branches only) and the self-managed GitLab
    instances, whose products are recognised by their URL's host."""

    github_token: str | None = None
    gitlab_token: str | None = None
    gitlab_instances: tuple[str, ...] = ()
    draft: bool = False  # every request a draft, not only conflicted or drifted ones
    # Ask the owner to review: GitHub's team of that slug, GitLab's user of that username.
    request_review: bool = False


def body_of(outcome: UpdateOutcome, printed: str) -> str:
    lines = [
        f"Updates the paved-road template from {outcome.version} to {outcome.target} "
        "(made by `paved-road fleet update`).",
        "",
    ]
    if outcome.conflicts:
        lines += ["**Conflicts to resolve** (marked in the files):", ""]
        lines += [f"- `{path}`" for path in outcome.conflicts] + [""]
    lines += ["What `paved-road update` said (changes, changelog, drift):", "", "```", printed]
    return "\n".join([*lines, "```", ""])


def with_request(
    outcome: UpdateOutcome,
    url: str,
    forges: Forges,
    base: str,
    printed: str,
    *,
    team: str | None,
    refresh: bool = True,
) -> UpdateOutcome:
    """The outcome with its pull or merge request. A refused request after a push is a failure
    that says the branch is there (the next run, finding the branch, opens the request)."""
    try:
        outcome.pull_request = _open_request(
            url, forges, base, outcome, printed, team=team, refresh=refresh
        )
        if outcome.pull_request is not None and outcome.branch is not None:
            closed = close_superseded(url, forges, outcome.branch)
            outcome.superseded = closed
            if closed:
                outcome.detail += f"; closed {len(closed)} superseded: {', '.join(closed)}"
    except (GitLabError, urllib.error.URLError, ValueError, OSError) as error:
        kind = "merge request" if gitlab_project(url, forges.gitlab_instances) else "pull request"
        why = " ".join(str(error).split())[:300]
        outcome.status = "failed"
        outcome.detail = (
            f"{outcome.detail}, but opened no {kind}: {why} (the branch is there: the next "
            "`fleet update` opens it)"
        )
    return outcome


def _open_request(
    url: str,
    forges: Forges,
    base: str,
    outcome: UpdateOutcome,
    printed: str,
    *,
    team: str | None,
    refresh: bool = True,
) -> str | None:
    """The web address of the branch's pull or merge request, opened if a token allows."""
    body, branch = body_of(outcome, printed), str(outcome.branch)
    title = f"Update the paved-road template to {outcome.target}"
    draft = forges.draft or outcome.status != "updated"
    if forges.github_token and github_repo(url):
        return open_pull_request(
            url,
            branch=branch,
            base=base,
            title=title,
            body=body,
            token=forges.github_token,
            draft=draft,
            team_reviewer=team if forges.request_review else None,
            refresh=refresh,
        )
    gitlab = gitlab_project(url, forges.gitlab_instances)
    if forges.gitlab_token and gitlab is not None:
        instance, project = gitlab
        # A conflicted or drifted update is a draft: GitLab does not merge it as it is.
        merge_request = open_or_refresh_merge_request(
            api_url(instance),
            project,
            source=branch,
            target=base,
            title=f"Draft: {title}" if draft else title,
            description=body,
            token=forges.gitlab_token,
            labels=MERGE_REQUEST_LABELS,
            refresh=refresh,
            reviewers=lambda: _gitlab_reviewers(api_url(instance), forges, team, outcome),
        )
        return merge_request.web_url
    return None


def _gitlab_reviewers(
    api: str, forges: Forges, team: str | None, outcome: UpdateOutcome
) -> list[int]:
    """GitLab asks users, by id, to review: the owner's, when the owner is a username. An owner
    with no such user (a group) gets no reviewer, and the row says so."""
    if not (forges.request_review and team and forges.gitlab_token):
        return []
    found = user_ids(api, [team], token=forges.gitlab_token)
    if not found:
        outcome.detail += (
            f"; no review asked: {team} is no GitLab user (GitLab asks users; for a group, "
            "use an approval rule or CODEOWNERS)"
        )
    return list(found.values())


def close_superseded(url: str, forges: Forges, branch: str) -> list[str]:
    """Close the requests of older update branches than ``branch`` (they would merge an older
    release over it); their branches, closed. ``paved-road/update-`` is the prefix of all."""
    prefix = branch.rsplit("-", 1)[0] + "-"
    if forges.github_token and github_repo(url):
        return close_pull_requests(url, prefix=prefix, keep=branch, token=forges.github_token)
    gitlab = gitlab_project(url, forges.gitlab_instances)
    if forges.gitlab_token and gitlab is not None:
        instance, project = gitlab
        return close_merge_requests(
            api_url(instance), project, prefix=prefix, keep=branch, token=forges.gitlab_token
        )
    return []
