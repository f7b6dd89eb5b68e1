"""Every refusal of an answer is one line of at most 80 columns, program prefix included, that
shows the answer as it was typed and says what to fix (issue 26).

The hostile classes go through each entry point's own code in this process: `paved-road new
--data` and `--data-file` (``given_answers``), `paved-road update --data` (``answers_from_data``
at update's width) and `copier copy --data` / `--data-file` (the template's context hook, which
copier prints bare). One real run per entry point checks the whole path: exit code, stderr.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from paved_road.answers import QUESTIONS, AnswerError, answers_from_data
from paved_road.jinja import _check
from paved_road.new import Refused, given_answers
from paved_road.yaml_file import parse

from tests.support import tool_env
from tests.test_answer_classes import REFUSED as CLASSES
from tests.test_bad_input import BAD_DATA
from tests.test_hostile_answers import OUTER_SPACES, REFUSED_PACKAGES, REFUSED_SLUGS
from tests.test_new import assert_refused, new, template  # noqa: F401 - template: a fixture
from tests.test_update_bad_input import old_product, product  # noqa: F401 - fixtures
from tests.update_support import update

WIDTH = 80
NEW, UPDATE = "paved-road new: ", "paved-road update: "
LONG = "x" * 300
# (question, answer as typed on the command line): one or more of every class refused.
TYPED = [
    *[("project_slug", slug) for slug in REFUSED_SLUGS],
    *[("package_name", name) for name in REFUSED_PACKAGES],
    *[(question, text) for question in ("product_name", "description") for text in OUTER_SPACES],
    *[(question, answer) for question, answer, _ in CLASSES],
    *[tuple(item.partition("=")[::2]) for item, _ in BAD_DATA],
    ("project_slug", "-" + LONG), ("project_slug", "a" * 41), ("package_name", "P" * 41),
    ("package_name", "9lives"), ("package_name", "lambda"), ("product_name", LONG),
    ("product_name", ""), ("product_name", "two\nlines"), ("description", "bell\x07"),
    ("description", LONG), ("owner_team", "@other/payments"), ("owner_team", "@" + LONG),
    ("owner_team", "Team A"), ("python_version", "3.1"), ("ci", "yes"), ("auth", "off"),
    ("database", LONG), ("python_version", LONG),
]  # fmt: skip
# What YAML reads as something other than text, written unquoted in a data file.
UNQUOTED = ["yes", "off", "True", "null", "~", "2026-12-02", "3.10", "12", "1.5e+3", "0x1F",
            "[a, b]", "{a: 1}", ""]  # fmt: skip
UNKNOWN = ["projct_slug", "pakage_name", "packge", "colour", "_copier_conf", "k" * 200, "Ünï 🎉"]
PYTHON_REPRS = re.compile(r"datetime\.|\bTrue\b|\bFalse\b|\bNone\b|Traceback")


def _one_line(line: str, prefix: str, what: str, path: str = "") -> None:
    """One line, at most 80 columns (more only by the length of a path it names)."""
    assert "\n" not in line, line
    assert len(prefix + line) <= WIDTH + len(path), f"{len(prefix + line)} columns: {prefix}{line}"
    assert what in line, f"does not show {what!r}: {line}"


def _copier_line(answers: dict[str, object]) -> str:
    """What `copier copy` prints for these answers: the context hook's message, bare."""
    from copier.errors import UserMessageError  # noqa: PLC0415

    with pytest.raises(UserMessageError) as refused:
        _check.__wrapped__(tuple(answers.items()))  # uncached: lists are not hashable
    return str(refused.value)


def _shown(answer: str) -> str:
    """Enough of a typed answer that a message must quote (a long one is cut)."""
    return repr(answer)[:5]


@pytest.mark.parametrize(("question", "answer"), TYPED, ids=[f"{q}={a!r:.30}" for q, a in TYPED])
def test_a_refused_answer_is_one_line_in_80_columns_through_every_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, question: str, answer: str
) -> None:
    data = ["product_name=Shop", f"{question}={answer}"]
    with pytest.raises(Refused) as refused:
        given_answers(None, data)
    _one_line(str(refused.value), NEW, f"Invalid {question} {_shown(answer)}")
    with pytest.raises(AnswerError) as refused_update:
        answers_from_data(data)  # update's width: the longest prefix
    _one_line(str(refused_update.value), UPDATE, f"Invalid {question} {_shown(answer)}")
    answers = {"product_name": "Shop", question: answer}
    _one_line(_copier_line(answers), "", f"Invalid {question} {_shown(answer)}")
    monkeypatch.chdir(tmp_path)
    Path("answers.yml").write_text(yaml.safe_dump(answers, allow_unicode=True), "utf-8")
    try:
        given_answers(Path("answers.yml"), [])
    except Refused as from_file:
        _one_line(str(from_file), NEW, "", path="answers.yml")
        assert not PYTHON_REPRS.search(str(from_file)), from_file
    else:
        raise AssertionError("the data file was accepted")


@pytest.mark.parametrize("typed", UNQUOTED)
@pytest.mark.parametrize("question", ["product_name", "python_version", "ci"])
def test_an_unquoted_value_is_shown_as_typed_not_as_python_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, question: str, typed: str
) -> None:
    monkeypatch.chdir(tmp_path)
    text = f"product_name: Shop\n{question}: {typed}\n"
    Path("answers.yml").write_text(text, "utf-8")
    with pytest.raises(Refused) as refused:
        given_answers(Path("answers.yml"), [])
    line = str(refused.value)
    loaded = parse(text.encode(), "answers.yml")
    as_typed = repr(typed) if isinstance(loaded[question], str) else typed or "(empty)"
    _one_line(line, NEW, f"Invalid {question} {as_typed}: ")
    if not isinstance(loaded[question], str):
        assert "quote it" in line or "empty" in line, line
    assert not PYTHON_REPRS.search(line.replace(f" {typed}: ", " ")), line
    # Plain copier has only what YAML made of it: said in YAML's words, never Python's.
    line = _copier_line(loaded)
    _one_line(line, "", f"Invalid {question} ")
    assert not PYTHON_REPRS.search(line), line
    if isinstance(loaded[question], bool):
        assert f"Invalid {question} (a yes/no word): " in line, line
    if isinstance(loaded[question], dt.date):
        assert f"Invalid {question} {typed}: " in line, line


@pytest.mark.parametrize("name", UNKNOWN)
def test_an_unknown_question_names_the_closest_not_every_one(name: str) -> None:
    with pytest.raises(AnswerError) as refused:
        answers_from_data([f"{name}=x"])
    line = str(refused.value)
    _one_line(line, UPDATE, "is not a question")
    assert sum(question in line for question in QUESTIONS) <= 2, line
    if name in ("projct_slug", "pakage_name"):
        assert re.search(r"did you mean (project_slug|package_name)\?", line), line
    if name == "colour":
        assert "see docs/questions.md" in line, line


def test_a_malformed_data_item_and_a_platform_constant_fit_too() -> None:
    for item, says in [(LONG, "is not QUESTION=ANSWER"), ("github_org=x", "set by the platform")]:
        with pytest.raises(AnswerError) as refused:
            answers_from_data([item])
        _one_line(str(refused.value), UPDATE, says)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("product_name: [unclosed\n", "does not parse as YAML"),
        ("? [a]\n: b\n", "a key is a list or a mapping: use a name"),
        ("product_name: !!python/name:os.system x\n", "a tag (!...) is not allowed"),
        ("owner_team: @acme/payments\n", "quote values that start with @"),
        ("product_name: 2026-02-30\n", "2026-02-30 is not a real date"),
        ("product_name: bell\x07\n", "U+0007 is not allowed in YAML"),
        ("- product_name\n", "must map questions to answers"),
        ("product_name: Shop: the API\n", "a value holding ': ' needs quotes"),
    ],
)
def test_a_broken_data_file_is_one_line_naming_the_path_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "answers.yml").write_text(text, "utf-8")
    for given in (Path("in/answers.yml"), tmp_path / "in" / "answers.yml"):
        with pytest.raises(Refused) as refused:
            given_answers(given, [])
        line = str(refused.value)
        assert line.startswith("data file in/answers.yml"), line  # relative to the cwd
        _one_line(line, NEW, says, path="in/answers.yml")


# --- one real run of each entry point ------------------------------------------------------


def test_paved_road_new_data_and_data_file(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    template: list[str],  # noqa: F811
) -> None:
    dst = str(tmp_path / "product")
    code, err = new(capsys, dst, "--defaults", "-d", "product_name=Shop", "-d",
                    f"package_name={LONG}", *template)  # fmt: skip
    assert_refused(code, err, "Invalid package_name 'xxx")
    assert len(err.rstrip("\n")) <= WIDTH, err
    monkeypatch.chdir(tmp_path)
    Path("answers.yml").write_text("product_name: Shop\nci: yes\n", "utf-8")
    code, err = new(capsys, dst, "--defaults", "--data-file", "answers.yml", *template)
    assert_refused(code, err, "Invalid ci yes: text expected")
    assert len(err.rstrip("\n")) <= WIDTH, err
    assert not Path(dst).exists()


def _copier(repo: Path, dst: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet",
               "-r", "HEAD", "--skip-tasks", *args, str(repo), str(dst)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=tool_env(), check=False)


def test_copier_copy_data_and_data_file(template_repo: Path, tmp_path: Path) -> None:
    data_file = tmp_path / "answers.yml"
    data_file.write_text("product_name: Shop\nproject_slug: on\n", "utf-8")
    for args, says in [
        (["--data", "product_name=Shop", "--data", f"description={LONG}"],
         "Invalid description 'xxx"),
        (["--data-file", str(data_file)], "Invalid project_slug (a yes/no word): text expected"),
    ]:  # fmt: skip
        result = _copier(template_repo, tmp_path / "product", *args)
        lines = result.stderr.splitlines()
        assert result.returncode == 1, result.stderr
        assert len(lines) == 1 and lines[0].startswith(says), result.stderr
        assert len(lines[0]) <= WIDTH, lines[0]
        assert not (tmp_path / "product").exists()


def test_paved_road_update_data(product: Path) -> None:  # noqa: F811
    result = update(product, "--defaults", f"--data=product_name= {LONG}")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and len(lines[0]) <= WIDTH, result.stderr
    assert lines[0].startswith(f"{UPDATE}Invalid product_name ' xxx"), lines[0]
    assert lines[0].endswith(": no spaces at start or end"), lines[0]
