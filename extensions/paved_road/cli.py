"""The ``paved-road`` console script: one subcommand per module.

Each command module exposes ``register(subparsers)``, which adds its parser and sets
``handler`` (a function of the parsed arguments returning the exit code). Adding a command
means adding its module name to ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__

COMMANDS = (
    "paved_road.drift.command",
    "paved_road.update",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paved-road", description="The platform team's paved road for products."
    )
    parser.add_argument("--version", action="version", version=f"paved-road {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
