"""`paved-road new` as a person meets it: the real prompt in an 80-column terminal (pexpect).

Bad answers say what is allowed in a line that fits; `@org/team` is taken for the platform's
org; Ctrl-C says "cancelled, nothing written"; the product is committed; the last lines say
what to type next.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from paved_road.answers import QUESTIONS, answer_error
from paved_road.platform import PLATFORM_CONSTANTS

from tests.support import REPO_ROOT, tool_env

COLUMNS = 80
ORG = PLATFORM_CONSTANTS["github_org"]
# Copier's own words before a validator's message (copier/_user_data.py, validate_answer).
PREFIX = "Validation error for question '{name}': "
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _spawn(destination: Path, template: Path, *extra: str) -> pexpect.spawn:
    env = tool_env(COLUMNS=str(COLUMNS), LINES="24", TERM="xterm")
    child = pexpect.spawn(
        str(Path(sys.executable).parent / "paved-road"),
        ["new", str(destination), "--template", str(template), "--vcs-ref", "HEAD", *extra],
        env=env, dimensions=(24, COLUMNS), encoding="utf-8", timeout=60,
        cwd=str(destination.parent),
    )  # fmt: skip
    return child


def _answer(child: pexpect.spawn, text: str) -> None:
    child.send("\x15")  # Ctrl-U: clear the default the prompt shows
    child.sendline(text)


def _expect_refusal(child: pexpect.spawn, name: str, allowed: str) -> None:
    """The whole line, copier's prefix and what is allowed, on the screen: a cut one is not."""
    line = PREFIX.format(name=name) + allowed
    assert len(line) <= COLUMNS, line
    child.expect_exact(line)


def _copier_yml() -> list[tuple[str, dict[str, object]]]:
    loaded = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    return [(name, spec) for name, spec in loaded.items() if not name.startswith("_")]


@pytest.mark.slow(reason="drives the real prompt, then copier and uv lock")
def test_the_prompt_refuses_in_a_line_that_fits_and_ends_with_the_next_steps(
    tmp_path: Path, template_repo: Path
) -> None:
    dst = tmp_path / "payments-api"
    child = _spawn(dst, template_repo, "--no-setup")
    transcript: list[str] = []
    child.logfile_read = _Collect(transcript)
    child.expect_exact("Product name")
    _answer(child, "Payments API")
    child.expect_exact("Slug")
    child.send("\x15")
    child.send("Payments")
    _expect_refusal(child, "project_slug", "a-z, 0-9, '-', like shop-api")
    _answer(child, "payments-api")
    child.expect_exact("Python package")
    child.sendline("")
    child.expect_exact("Description")
    child.sendline("")
    child.expect_exact("Owning team")
    child.send("\x15")
    child.send("@elsewhere/green-team")
    _expect_refusal(child, "owner_team", f"@{ORG}/TEAM or TEAM only")
    _answer(child, f"@{ORG}/green-team")
    # The rest are choices: Enter takes each default, until copier writes and commits.
    chosen = 0
    while child.expect_exact(["Use arrow keys", "Committed"], timeout=120) == 0:
        child.sendline("")
        chosen += 1
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.exitstatus == 0, "".join(transcript)[-3000:]

    screen = ANSI.sub("", "".join(transcript)).replace("\r", "")
    last = [line for line in screen.splitlines() if line.strip()][-4:]
    assert last == [
        f"  cd {dst}",
        "  make setup    # dependencies, git hooks, database",
        "  make dev      # serve it on http://127.0.0.1:8000",
        "  make check    # everything CI runs (make help lists the rest)",
    ]
    assert "AnswersMap" not in screen
    several = [name for name, spec in _copier_yml() if len(spec.get("choices") or ()) > 1]
    assert chosen == len(several), "only questions with a choice to make are asked"

    answers = yaml.safe_load((dst / ".copier-answers.yml").read_text())
    assert answers["owner_team"] == "green-team", "recorded as the team's slug"
    assert f"@{ORG}/green-team" in (dst / ".github" / "CODEOWNERS").read_text()
    log = _git(dst, "log", "--format=%s")
    assert log == "Create Payments API from the paved-road template\n"
    assert _git(dst, "status", "--porcelain") == "", "everything the template wrote is committed"


@pytest.mark.slow(reason="drives the real prompt")
@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "empty-folder"])
def test_ctrl_c_says_cancelled_and_writes_nothing(
    tmp_path: Path, template_repo: Path, existing: bool
) -> None:
    dst = tmp_path / "shop"
    if existing:
        dst.mkdir()
    child = _spawn(dst, template_repo, "--no-setup")
    child.expect_exact("Product name")
    _answer(child, "Shop")
    child.expect_exact("Slug")
    child.sendintr()
    child.expect(pexpect.EOF)
    output = ANSI.sub("", child.before or "")
    child.close()
    assert child.exitstatus == 130, output
    assert "paved-road new: cancelled, nothing written" in output
    assert "AnswersMap" not in output
    assert "Traceback" not in output
    assert (list(dst.iterdir()) == []) if existing else not dst.exists()


@pytest.mark.slow(reason="copier and uv lock, in a home without git identity")
def test_a_commit_without_a_git_identity_says_whose_it_is(
    tmp_path: Path, template_repo: Path
) -> None:
    """No user.name/user.email anywhere: the first commit is made all the same, and the screen
    says by whom and how to make it one's own."""
    home = tmp_path / "home"
    home.mkdir()
    dst = tmp_path / "shop"
    env = tool_env(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", XDG_CONFIG_HOME=str(home))
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                 "EMAIL", "GIT_CONFIG_GLOBAL"):  # fmt: skip
        env.pop(name, None)
    settings = home / "copier-settings.yml"
    settings.write_text("{}\n")
    env["COPIER_SETTINGS_PATH"] = str(settings)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "paved-road"), "new", str(dst), "--template",
         str(template_repo), "--vcs-ref", "HEAD", "--defaults", "--data", "product_name=Shop",
         "--no-setup"],
        env=env, capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "as paved-road <paved-road@localhost>" in result.stdout
    assert "git commit --amend --reset-author --no-edit" in result.stdout
    assert _git(dst, "log", "--format=%an <%ae>") == "paved-road <paved-road@localhost>\n"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("product_name", ""),
        ("product_name", " Shop"),
        ("product_name", "x" * 81),
        ("product_name", "a\x07b"),
        ("product_name", "two\nlines"),
        ("project_slug", "Payments"),
        ("project_slug", "x" * 41),
        ("project_slug", "yes"),
        ("project_slug", "kube-system"),
        ("project_slug", "fastapi"),
        ("package_name", "9lives"),
        ("package_name", "x" * 41),
        ("package_name", "class"),
        ("package_name", "app"),
        ("package_name", "build"),
        ("package_name", "__main__"),
        ("package_name", "json"),
        ("package_name", "click"),
        ("description", "x" * 201),
        ("description", "trailing "),
        ("owner_team", "The A Team"),
        ("owner_team", "@elsewhere/team"),
        ("owner_team", f"@{ORG}/Not A Slug"),
    ],
)
def test_every_prompt_message_fits_80_columns_allowed_first(name: str, value: str) -> None:
    message = answer_error(name, value, short=True)
    assert message, f"{value!r} is refused"
    assert len(PREFIX.format(name=name) + message) <= COLUMNS, message
    long = answer_error(name, value)
    assert long.split(" ")[0] == message.split(" ")[0], "both start with what is allowed"


def test_a_team_of_the_platforms_org_is_taken_as_its_slug() -> None:
    from paved_road.answers import answers_from_data  # noqa: PLC0415

    answers = answers_from_data(["product_name=Shop", f"owner_team=@{ORG}/green-team"])
    assert answers["owner_team"] == "green-team"
    assert not answer_error("owner_team", f"@{ORG}/green-team")


def test_no_question_with_one_choice_is_asked() -> None:
    """A question with one possible answer is decided, not asked: `when: false` with that
    answer as its default."""
    for name, spec in _copier_yml():
        choices = spec.get("choices")
        if choices is not None and len(choices) < 2:
            assert spec.get("when") is False, f"{name} has one choice and is asked"
    assert set(QUESTIONS) <= {name for name, _ in _copier_yml()}


class _Collect:
    """pexpect's logfile: keeps what the terminal received."""

    def __init__(self, into: list[str]) -> None:
        self.into = into

    def write(self, text: str) -> None:
        self.into.append(text)

    def flush(self) -> None:
        pass


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"},
    ).stdout  # fmt: skip
