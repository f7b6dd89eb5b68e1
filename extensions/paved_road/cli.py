"""The ``paved-road`` console script: one subcommand per module, imported only when run.

Each command module exposes ``register(subparsers)``, which adds its parser and sets
``handler`` (a function of the parsed arguments returning the exit code). Adding a command
means adding one line to ``COMMANDS``: its name, its module and a one-line help.

Only the module of the command being run is imported. The others appear in ``--help`` from
their line in ``COMMANDS`` alone, so ``paved-road drift`` never pays for copier's import
(about 0.5 s) unless it renders, and a new command costs the others nothing. Keep command
modules cheap to import for the same reason: heavy imports go inside the handler.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import difflib
import gc
import importlib
import os
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import __version__

# name -> (module with register(subparsers), help shown by `paved-road --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "new": (
        "paved_road.new",
        "create a product from the template (checks every answer first)",
    ),
    "drift": (
        "paved_road.drift.command",
        "report how far a product drifted from its template",
    ),
    "update": (
        "paved_road.update",
        "update a product to a newer template version, safely",
    ),
    "adopt": (
        "paved_road.adopt",
        "bring a product that predates the paved road onto it",
    ),
    "waiver": (
        "paved_road.drift.waiver_command",
        "sign a waiver with the platform's key (platform team only)",
    ),
    "probe": (
        "paved_road.probe.command",
        "serve a product's app and probe it black-box, as the platform",
    ),
    "fleet": (
        "paved_road.fleet.command",
        "drift and updates across every product of a fleet",
    ),
    "gitlab-mr": (
        "paved_road.forge.command",
        "open or refresh the merge request of a branch on GitLab",
    ),
}


class _Formatter(argparse.HelpFormatter):
    """argparse measures command names one indent short, so a name longer than the others
    has its help pushed to the next line; measure them where they are printed."""

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        subcommands = isinstance(action, argparse._SubParsersAction)
        if subcommands and action.help is not argparse.SUPPRESS:
            for subaction in self._iter_indented_subactions(action):
                length = len(self._format_action_invocation(subaction)) + self._current_indent
                self._action_max_length = max(self._action_max_length, length)


class OneLineParser(argparse.ArgumentParser):
    """Usage mistakes are one line on stderr, exit 2, saying where the usage is (argparse
    prints the whole usage first). Subcommand parsers are of the same class."""

    help_hint: str | None = None  # default: this parser's own --help

    def error(self, message: str) -> NoReturn:
        hint = self.help_hint or f"{self.prog} --help"
        message = _plainer(message)
        line = f"{self.prog}: {message} (see `{hint}`)"
        if len(line) > LINE_WIDTH:  # the command is named already: its --help will do
            line = f"{self.prog}: {message} (see --help)"
        if len(line) > LINE_WIDTH:  # the line says what to fix; the hint is a courtesy
            line = f"{self.prog}: {message}"
        self.exit(2, f"{line}\n")


LINE_WIDTH = 80
_INVALID = re.compile(r"^argument (?P<arg>\S+): invalid (?P<type>\w+) value: (?P<value>.*)$")
_TYPE_WORDS = {"fromisoformat": "a YYYY-MM-DD date", "int": "a whole number", "float": "a number"}
_CHOICE = re.compile(
    r"^argument (?P<arg>\S+): invalid choice: (?P<value>.*?) \(choose from (?P<choices>.*)\)$"
)


def _plainer(message: str) -> str:
    """argparse's words, shorter: an invalid choice names the closest choices, not all of them
    (a mistyped command listed every command, past the terminal's width)."""
    if message.startswith("the following arguments are required: "):
        return "missing " + message.removeprefix("the following arguments are required: ")
    if (match := re.match(r"^argument (\S+): expected one argument$", message)) is not None:
        return f"{match[1]} needs a value"
    if (match := _INVALID.match(message)) is not None:  # a value its type refused
        what = _TYPE_WORDS.get(match["type"], "a valid value")
        return f"{match['arg']} {match['value']} is not {what}"
    if (match := _CHOICE.match(message)) is None:
        return message
    choices = [choice.strip(" '") for choice in match["choices"].split(",")]
    value = match["value"].strip("'")
    shown = repr(value if len(value) <= 20 else f"{value[:17]}...")
    what = "a command" if match["arg"] == "COMMAND" else f"a choice of {match['arg']}"
    if len(", ".join(choices)) <= 30:
        return f"{match['arg']} {shown} is not one of {', '.join(choices)}"
    close = difflib.get_close_matches(value, choices, n=2)
    hint = f": did you mean {' or '.join(close)}?" if close else ""
    return f"{shown} is not {what}{hint}"


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (options only come before it)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser, with the full arguments of the chosen command only (``argv``)."""
    parser = OneLineParser(
        prog="paved-road",
        description="The platform team's paved road for products.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"paved-road {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = _chosen(argv)
    if chosen in COMMANDS:
        parser.help_hint = f"paved-road {chosen} --help"
    for name, (module, help_line) in COMMANDS.items():
        if name == chosen:
            importlib.import_module(module).register(subparsers)
        else:
            subparsers.add_parser(name, help=help_line)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    as_script = argv is None  # the console script; a caller passing arguments gets a return
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    one_shot = as_script and getattr(args, "one_shot", False)
    if one_shot:
        # A process that does one short job and ends: the cyclic garbage collector's youngest
        # generation collected every 100,000 allocations instead of 700 (imports, Jinja's
        # parser and pydantic allocate millions). It then holds at most 100,000 objects: a
        # cold check of the default product peaked 0.2 MB higher, for 5% less CPU.
        gc.set_threshold(100_000, *gc.get_threshold()[1:])
    code = int(args.handler(args))
    if one_shot:
        exit_at_once(code)
    return code


def exit_at_once(code: int) -> None:
    """End the process now that its work is done and said: the exit handlers run (they
    remove the scratch folders: ``multiprocessing.util.Finalize``, ``atexit``), the output
    is flushed, and the interpreter's teardown (freeing every module and object, a tenth of
    a second or more after a cold ``drift``) is left to the system. Returns, for the usual
    exit, while another thread runs or when the output cannot be flushed (the usual exit
    then reports it)."""
    threading = sys.modules.get("threading")  # a thread is started through it
    if threading is not None and threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()  # what the interpreter's exit runs first
    with contextlib.suppress(OSError, ValueError):  # a handler's output, as the usual exit
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
