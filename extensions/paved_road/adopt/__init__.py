"""``paved-road adopt``: bring a product that was not made from the template onto the paved road.

Imported only when used (copier is heavy): ``register`` and ``run`` load ``command`` lazily.
Exit codes: 0 adopted and in policy; 1 adopted, conflicts to resolve; 2 refused, product
unchanged; 3 adopted without conflicts, but the drift check fails.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .command import register as register_command  # noqa: PLC0415 - see the docstring

    register_command(subparsers)


__all__ = ["register"]
