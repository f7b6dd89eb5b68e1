"""The `paved-road` command line itself: a usage mistake is one line, exit 2, for every command."""

from __future__ import annotations

import subprocess
import sys

import pytest
from paved_road.cli import main


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["bogus"], "paved-road: 'bogus' is not a command"),
        (["updat"], "paved-road: 'updat' is not a command: did you mean update?"),
        (["new", "--bogus", "dest"], "paved-road: unrecognized arguments: --bogus"),
        (["new"], "paved-road new: missing destination"),
        (["drift", "--bogus"], "paved-road: unrecognized arguments: --bogus"),
        (["update", "--vcs-ref"], "paved-road update: --vcs-ref needs a value"),
        (["fleet"], "paved-road fleet: missing COMMAND"),
        (["fleet", "check"], "paved-road fleet check: missing"),
    ],
)
def test_usage_mistakes_are_one_line_naming_the_help(
    capsys: pytest.CaptureFixture[str], argv: list[str], line: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [printed] = captured.err.splitlines()
    assert printed.startswith(line), printed
    commands = {"new", "drift", "update", "fleet", "check"}
    command = " ".join(arg for arg in argv[:2] if arg in commands)
    hint = f"paved-road {command} --help" if command else "paved-road --help"
    assert printed.endswith((f"(see `{hint}`)", "(see --help)")), printed
    assert len(printed) <= 80, printed  # a mistyped command names the closest, not every one


_WITHOUT_HEAVY_LIBRARIES = """
import sys

class Refuse:  # what a command's arguments never need: importing it is the failure
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"copier", "pydantic", "jinja2", "plumbum"}:
            raise ImportError(f"{name} imported before the command ran")

sys.meta_path.insert(0, Refuse())
from paved_road.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("argv", "code", "first_line"),
    [
        (["--version"], 0, "paved-road "),
        (["--help"], 0, "usage: paved-road"),
        (["drift", "--help"], 0, "usage: paved-road drift"),
        (["drift", "--format", "nope"], 2, "paved-road drift: --format 'nope' is not one of"),
        (["update", "--help"], 0, "usage: paved-road update"),
        (["update", "--vcs-ref"], 2, "paved-road update: --vcs-ref needs a value"),
    ],
)
def test_version_help_and_usage_mistakes_answer_before_any_heavy_import(
    argv: list[str], code: int, first_line: str
) -> None:
    """They answer at once: copier, pydantic, Jinja and plumbum load only when a command runs
    (a fresh process, those libraries refused, still answers as usual)."""
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_HEAVY_LIBRARIES, *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == code, result.stderr
    assert (result.stdout or result.stderr).startswith(first_line), result.stdout + result.stderr
