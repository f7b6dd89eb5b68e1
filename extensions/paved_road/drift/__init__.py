"""``paved-road drift``: how far a product has moved from the template it was made from.

The check re-renders the template at the product's recorded commit with its recorded answers,
reads the ownership policy from that re-render (never from the product), and compares.
Exit codes: 0 in policy, 1 violations, 2 cannot check.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .check import run_check
    from .errors import CannotCheck
    from .report import Report

# name -> the submodule defining it. Loaded on first use, not with the package: importing any
# submodule (``drift.formats`` for the command's arguments, ``drift.answers_file`` for probe)
# runs this file first, and ``check`` pulls in pydantic, PyYAML and every finding's module
# (about 0.2 s), which a usage error or ``--help`` never needs.
_LAZY = {"run_check": ".check", "CannotCheck": ".errors", "Report": ".report"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name], __name__), name)


__all__ = ["CannotCheck", "Report", "run_check"]
