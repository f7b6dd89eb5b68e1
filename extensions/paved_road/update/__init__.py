"""``paved-road update``: a safe ``copier update`` for people and bots.

Refuses anything it cannot do cleanly before touching the product, runs copier with inline
conflicts in a scratch clone of the product, writes the finished result into the product in
one step that a signal cannot stop half-way, then says plainly what changed, which conflicts
remain, what the template's changelog says between the two versions, and whether the product
is within policy (drift).

Exit codes: 0 updated and in policy; 1 updated, but conflicts remain to resolve; 2 refused or
failed, product unchanged; 3 updated without conflicts, but the drift check fails.

The command is imported only when used: the template's migrations import
``paved_road.update.lockfile`` with nothing but copier's own Python packages installed.
A signal during that import is one line, exit 2, like a signal at any later moment before the
product is changed, never a traceback. Copier itself (about half a second) is imported by the
run once it gets to the render, so ``--help``, a usage mistake or a refusal never pays for it.
"""

from __future__ import annotations

import argparse
import sys

from .interrupts import Interrupted, signals_interrupt


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    try:
        with signals_interrupt():
            from .command import register as register_command  # noqa: PLC0415 - see above
    except (Interrupted, KeyboardInterrupt) as error:
        name = error.name if isinstance(error, Interrupted) else "SIGINT"
        print(
            f"paved-road update: interrupted by {name} while starting: nothing was done",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    register_command(subparsers)


def run(args: argparse.Namespace) -> int:
    from .command import run as run_command  # noqa: PLC0415 - see the docstring

    return run_command(args)


__all__ = ["register", "run"]
