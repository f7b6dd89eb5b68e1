"""`paved-road new`: every bad input is refused in one line, exit 2, before anything is written;
good input gives a product (and `make setup` runs unless told not to)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paved_road.answers import QUESTIONS
from paved_road.cli import main
from paved_road.new import Refused, given_answers

from tests.support import REPO_ROOT, free_port, run, tool_env


def new(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run `paved-road new` in this process; (exit code, what it printed on stderr)."""
    try:
        code = main(["new", *argv])
    except SystemExit as exit_:  # argparse's own errors
        code = int(exit_.code or 0)
    return code, capsys.readouterr().err


def assert_refused(code: int, err: str, says: str) -> None:
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("paved-road new: "), err
    assert says in lines[0], err
    assert "Traceback" not in err


@pytest.fixture
def template(template_repo: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The options every in-process run gets, in the environment the CLI gets from a shell."""
    for name, value in tool_env().items():
        monkeypatch.setenv(name, value)
    return ["--template", str(template_repo), "--vcs-ref", "HEAD", "--no-setup"]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (["product_name=Null", "project_slug=null"], "Invalid project_slug 'null'"),
        (["product_name=X", "package_name=click"], "'click': not a dependency's module"),
        (["product_name=X", "package_name=pipes"], "'pipes': not a standard library module"),
        (["product_name=X", "github_org=evil"], "github_org is set by the platform"),
        (["product_name=X", "platform_team=evil"], "platform_team is set by the platform"),
        (["product_name=X", "databse=postgres"], "'databse' is not a question"),
        (["product_name"], "--data 'product_name' is not QUESTION=ANSWER"),
        (["product_name=" + "x" * 300], "...': at most 80 chars (has 300)"),
        (["description=A product"], "--defaults needs a product name"),
    ],
)
def test_bad_answers_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, template: list[str], data, says: str
) -> None:
    dst = tmp_path / "product"
    argv = [str(dst), "--defaults", *template, *[f"--data={item}" for item in data]]
    code, err = new(capsys, *argv)
    assert_refused(code, err, says)
    assert "x" * 40 not in err, "a long answer is not echoed back"
    assert not dst.exists()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("product_name: Shop\ndescription:\n", "Invalid description (empty): text expected"),
        ("product_name: null\n", "Invalid product_name null: text expected, not empty"),
        ("product_name: [a, b]\n", "Invalid product_name [a, b]: text expected"),
        ("product_name: yes\n", "Invalid product_name yes: text expected"),
        ("product_name: 2026-12-01\n", "Invalid product_name 2026-12-01: text expected"),
        ("product_name: Shop\nprojct_slug: shop\n", "'projct_slug' is not a question (did you"),
        (
            "product_name: Shop\npython_version: 3.12\n",
            "Invalid python_version 3.12: text expected",
        ),
        ('product_name: "Shop\n', "line 2: does not parse as YAML: it ends too early"),
        ("- product_name\n", "must map questions to answers"),
        ("product_name: Shop\ngithub_org: evil\n", "github_org is set by the platform"),
    ],
)
def test_bad_data_files_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, template: list[str], content, says
) -> None:
    data_file = tmp_path / "answers.yml"
    data_file.write_text(content)
    dst = tmp_path / "product"
    code, err = new(capsys, str(dst), "--defaults", "--data-file", str(data_file), *template)
    assert_refused(code, err, says)
    assert not dst.exists()


def test_missing_data_file_and_template_say_they_do_not_exist(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, template: list[str]
) -> None:
    dst = tmp_path / "product"
    missing = tmp_path / "nope.yml"
    code, err = new(capsys, str(dst), "--defaults", "--data-file", str(missing), *template)
    assert_refused(code, err, f"data file {missing} does not exist")
    code, err = new(capsys, str(dst), "--defaults", "--data=product_name=X",
                    "--template", str(tmp_path / "no-template"))  # fmt: skip
    assert_refused(code, err, f"template {tmp_path / 'no-template'} does not exist")
    code, err = new(capsys, str(dst), "--defaults", "--data=product_name=X",
                    "--template", str(tmp_path))  # fmt: skip
    assert_refused(code, err, "is not a copier template (it has no copier.yml)")
    code, err = new(capsys, str(dst), "--defaults", "--data=product_name=X",
                    "--template", f"file://{tmp_path}/absent.git")  # fmt: skip
    assert_refused(code, err, "does not appear to be a git repository")
    assert not dst.exists()


def test_bad_destinations_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, template: list[str]
) -> None:
    answers = ["--defaults", "--data=product_name=Shop", *template]
    a_file = tmp_path / "a-file"
    a_file.write_text("mine\n")
    code, err = new(capsys, str(a_file), *answers)
    assert_refused(code, err, f"destination {a_file} is a file")
    code, err = new(capsys, str(tmp_path / "missing" / "product"), *answers)
    assert_refused(code, err, f"parent folder {tmp_path / 'missing'} does not exist")
    code, err = new(capsys, str(a_file / "product"), *answers)
    assert_refused(code, err, f"parent {a_file} is a file, not a folder")
    assert a_file.read_text() == "mine\n"


@pytest.mark.skipif(not shutil.which("chattr"), reason="needs chattr (e2fsprogs)")
def test_read_only_destination_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, template: list[str]
) -> None:
    """An immutable folder: not even root can write into it, as on a read-only mount."""
    locked = tmp_path / "locked"
    locked.mkdir()
    if subprocess.run(["chattr", "+i", str(locked)], check=False).returncode != 0:
        pytest.skip("this file system has no immutable attribute")
    try:
        answers = ["--defaults", "--data=product_name=Shop", *template]
        code, err = new(capsys, str(locked / "product"), *answers)
        assert_refused(code, err, f"{locked} is read-only")
        code, err = new(capsys, str(locked), *answers)
        assert_refused(code, err, f"destination {locked} is read-only")
    finally:
        subprocess.run(["chattr", "-i", str(locked)], check=True)
    assert list(locked.iterdir()) == []


def test_non_empty_destination_is_refused_and_left_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, template: list[str]
) -> None:
    dst = tmp_path / "existing"
    dst.mkdir()
    (dst / "README.md").write_text("mine\n")
    code, err = new(capsys, str(dst), "--defaults", "--data=product_name=Shop", *template)
    assert_refused(code, err, f"destination {dst} is not empty (1 entry)")
    assert [p.name for p in dst.iterdir()] == ["README.md"]
    assert (dst / "README.md").read_text() == "mine\n"


def test_no_terminal_and_no_defaults_is_refused(tmp_path: Path, template_repo: Path) -> None:
    """Copier would ask questions nobody can answer; the console script refuses first."""
    dst = tmp_path / "product"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "paved-road"), "new", str(dst), "--template",
         str(template_repo), "--data", "product_name=Shop"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=tool_env(), check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "paved-road new: no terminal to ask the questions on: pass --defaults and --data"
    ]
    assert not dst.exists()


def test_creates_a_product_with_the_answers_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, template: list[str]
) -> None:
    dst = tmp_path / "payments"
    data_file = tmp_path / "answers.yml"
    data_file.write_text("product_name: Payments API\ndatabase: postgres\n")
    code, err = new(capsys, str(dst), "--defaults", "--data-file", str(data_file),
                    "--data", "database=sqlite", *template)  # fmt: skip
    assert code == 0, err
    recorded = yaml.safe_load((dst / ".copier-answers.yml").read_text())
    assert recorded["product_name"] == "Payments API"
    assert recorded["project_slug"] == "payments-api"
    assert recorded["database"] == "sqlite", "--data overrides the data file"
    assert (dst / "uv.lock").is_file(), "the template's task ran"
    assert "@acme/product" in (dst / ".github" / "CODEOWNERS").read_text()


def test_overwrite_writes_into_a_non_empty_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, template: list[str]
) -> None:
    dst = tmp_path / "existing"
    dst.mkdir()
    (dst / "notes.txt").write_text("mine\n")
    code, err = new(capsys, str(dst), "--defaults", "--data=product_name=Shop", "--overwrite",
                    *template)  # fmt: skip
    assert code == 0, err
    assert (dst / "notes.txt").read_text() == "mine\n"
    assert (dst / "pyproject.toml").is_file()


@pytest.mark.slow(reason="paved-road new then make setup (uv sync, npm ci, pre-commit)")
def test_new_then_make_setup_gives_a_working_product(tmp_path: Path, template_repo: Path) -> None:
    """The README's command as a user runs it: the console script, then `make setup`."""
    dst = tmp_path / "shop"
    result = run(
        ["paved-road", "new", str(dst), "--template", str(template_repo), "--vcs-ref", "HEAD",
         "--defaults", "--data", "product_name=Shop"],
        cwd=tmp_path,
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    assert (dst / ".venv" / "bin" / "python").is_file(), "make setup ran"
    run(["make", "lint"], cwd=dst)


@pytest.mark.slow(reason="README's scripts/demo: bootstraps, makes and serves a product")
def test_readme_demo_command_serves_a_product(tmp_path: Path) -> None:
    """README's first command, as written: scripts/demo makes a product with `paved-road new`
    and serves it; /healthz answers. A second run serves the same product again."""
    dest = tmp_path / "build" / "demo-product"
    output = _demo_serves(dest)
    assert "Committed " in output, output[-4000:]
    assert (dest / ".git").is_dir()
    again = _demo_serves(dest)
    assert f"Restarting the product in {dest}" in again, again[-4000:]


def _demo_serves(dest: Path) -> str:
    """Run scripts/demo until /healthz answers, stop it; what it printed."""
    port = free_port()
    demo = subprocess.Popen(
        [str(REPO_ROOT / "scripts" / "demo"), str(dest)],
        cwd=REPO_ROOT, env=tool_env(PORT=str(port)), start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        body = _wait_for_healthz(port, demo)
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        output = demo.communicate(timeout=60)[0]
    assert body is not None, output[-4000:]
    return output


def _wait_for_healthz(port: int, process: subprocess.Popen[str]) -> str | None:
    """The body of /healthz once the server answers (None if the demo stopped first)."""
    deadline = time.monotonic() + 600  # creating and setting up a product on a loaded machine
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                return answer.read().decode()
        except OSError:
            time.sleep(0.2)  # a finer poll: the test goes on as soon as the server answers
    return None


ANY_YAML_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(), inner, max_size=3)
    ),
    max_leaves=5,
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(
        st.dictionaries(st.sampled_from([*QUESTIONS, "github_org", "other"]), ANY_YAML_VALUE),
        ANY_YAML_VALUE,
    )
)
def test_any_data_file_is_accepted_or_refused_in_one_line(tmp_path: Path, content: object) -> None:
    """Whatever a data file holds, reading and validating it ends in answers or one line."""
    data_file = tmp_path / "answers.yml"
    data_file.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    try:
        answers = given_answers(data_file, [])
    except Refused as refusal:
        assert "\n" not in str(refusal)
        assert len(str(refusal)) < 300, "a long answer is not echoed back whole"
        return
    assert set(answers) <= set(QUESTIONS)
    assert all(isinstance(value, str) for value in answers.values())
