"""``paved-road gitlab-mr``: open or refresh the merge request of a branch on GitLab.

The template-update pipeline of a ``ci: gitlab`` product runs it after pushing its branch, so
the merge request says what the GitHub pull request says (the same body file) and a
conflicted or out-of-policy update is a draft with a failed ``paved-road/template-update``
status. Defaults come from GitLab's predefined CI variables, so the pipeline passes only what
differs. Exit 0 done, 2 bad input or GitLab refused (one line on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_BAD_INPUT = 2


def register(subparsers) -> None:  # type: ignore[no-untyped-def]
    parser = subparsers.add_parser(
        "gitlab-mr",
        help="open or refresh the merge request of a branch on GitLab",
        description="Open the merge request of --source-branch into --target-branch, or "
        "refresh the open one (title, description, labels). Defaults: GitLab CI's "
        "CI_API_V4_URL, CI_PROJECT_ID and CI_DEFAULT_BRANCH.",
    )
    parser.add_argument("--source-branch", required=True, metavar="BRANCH")
    parser.add_argument("--target-branch", metavar="BRANCH", help="default: $CI_DEFAULT_BRANCH")
    parser.add_argument("--title", required=True)
    parser.add_argument("--body-file", required=True, type=Path, metavar="FILE")
    parser.add_argument("--label", action="append", default=[], help="repeatable")
    parser.add_argument("--api", metavar="URL", help="GitLab API base (default: $CI_API_V4_URL)")
    parser.add_argument("--project", help="project id or path (default: $CI_PROJECT_ID)")
    parser.add_argument(
        "--token-env",
        default="TEMPLATE_UPDATE_TOKEN",
        metavar="VAR",
        help="environment variable holding a project access token, scope api "
        "(default: TEMPLATE_UPDATE_TOKEN)",
    )
    parser.add_argument(
        "--fail-commit",
        metavar="SHA",
        help="also mark this commit failed (status paved-road/template-update)",
    )
    parser.add_argument("--fail-description", default="paved-road update needs a person")
    parser.set_defaults(handler=run)


def _fail(message: str) -> int:
    print(f"paved-road gitlab-mr: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run(args: argparse.Namespace) -> int:
    from .gitlab import GitLabError, fail_commit, open_or_refresh_merge_request  # noqa: PLC0415

    api = args.api or os.environ.get("CI_API_V4_URL")
    project = args.project or os.environ.get("CI_PROJECT_ID")
    target = args.target_branch or os.environ.get("CI_DEFAULT_BRANCH")
    token = os.environ.get(args.token_env, "")
    missing = [
        what
        for value, what in (
            (api, "--api (or CI_API_V4_URL)"),
            (project, "--project (or CI_PROJECT_ID)"),
            (target, "--target-branch (or CI_DEFAULT_BRANCH)"),
            (token, f"{args.token_env}, a project access token with scope api"),
        )
        if not value
    ]
    if missing or not (api and project and target):
        return _fail(f"give {missing[0]}")
    try:
        description = args.body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"cannot read {args.body_file}: {getattr(error, 'strerror', None) or error}")
    try:
        merge_request = open_or_refresh_merge_request(
            api,
            project,
            source=args.source_branch,
            target=target,
            title=args.title,
            description=description,
            token=token,
            labels=args.label,
        )
        if args.fail_commit:
            fail_commit(
                api,
                project,
                args.fail_commit,
                name="paved-road/template-update",
                description=args.fail_description,
                token=token,
            )
    except GitLabError as error:
        return _fail(str(error))
    verb = "opened" if merge_request.created else "refreshed"
    print(f"merge request !{merge_request.iid} {verb}: {merge_request.web_url}")
    return 0
