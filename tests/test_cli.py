"""The `paved-road` command line itself: a usage mistake is one line, exit 2, for every command."""

from __future__ import annotations

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
