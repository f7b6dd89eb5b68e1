"""The `paved-road` command line itself: a usage mistake is one line, exit 2, for every command."""

from __future__ import annotations

import pytest
from paved_road.cli import main


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["bogus"], "paved-road: argument COMMAND: invalid choice: 'bogus'"),
        (["new", "--bogus", "dest"], "paved-road: unrecognized arguments: --bogus"),
        (["new"], "paved-road new: the following arguments are required: destination"),
        (["drift", "--bogus"], "paved-road: unrecognized arguments: --bogus"),
        (["update", "--vcs-ref"], "paved-road update: argument --vcs-ref: expected one argument"),
        (["fleet"], "paved-road fleet: the following arguments are required: COMMAND"),
        (["fleet", "check"], "paved-road fleet check: the following arguments are required"),
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
    assert printed.endswith(f"(see `{hint}`)"), printed
