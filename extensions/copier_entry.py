"""What copier loads by path (``_jinja_extensions``): this checkout's ``paved_road`` extensions.

copier-template-extensions executes this file afresh for each render, but a plain import of
``paved_road`` would be served from ``sys.modules``: an update renders two template versions
in one process, and the new one would run the old version's code (or the installed CLI's).
So the package is imported from this folder with ``paved_road`` set aside, and whatever was
in ``sys.modules`` before is put back. Submodules are imported eagerly by ``paved_road.jinja``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)


def _is_ours(name: str) -> bool:
    return name == "paved_road" or name.startswith("paved_road.")


def _import_from_here(module: str):
    saved = {name: mod for name, mod in sys.modules.items() if _is_ours(name)}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, _HERE)
    try:
        return importlib.import_module(module)
    finally:
        sys.path.remove(_HERE)
        for name in [name for name in sys.modules if _is_ours(name)]:
            del sys.modules[name]
        sys.modules.update(saved)


_jinja = _import_from_here("paved_road.jinja")
PavedRoadFilters = _jinja.PavedRoadFilters
PavedRoadContext = _jinja.PavedRoadContext
