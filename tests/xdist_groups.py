"""Tests marked ``xdist_group`` really run on one worker under ``--dist loadgroup``.

pytest-xdist's worker names each grouped test ``<node id>@<group>``, and the controller hands
out whole groups by that suffix. pytest-xdist 3.8 writes it to ``item._nodeid``, but pytest
9.2 reads a node's id from ``item._id``: the suffix was silently lost and every grouped test
went to whichever worker was free (pytest-xdist#1386, open). Each module-scoped fixture (a
template snapshot, a locked product, a served app, a fleet) was then built once on every
worker that ran one of its tests instead of once, and ``tests/conftest.py``'s groups did
nothing. Here the suffix is set where pytest reads it, with the name xdist gives it, so the
scheduling, the reports and ``suite_timing.plain_nodeid`` read it as they always did.
Where xdist's own suffix takes (older pytest), this changes nothing.
"""

from __future__ import annotations

import pytest

try:
    from _pytest.nodeid import NodeId  # pytest 9.2+: a node's id is structured
except ImportError:  # older pytest reads item._nodeid, where xdist's suffix works
    NodeId = None  # type: ignore[assignment,misc]


@pytest.hookimpl(trylast=True)  # after pytest-xdist's worker has added its suffix, or not
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if NodeId is None or not getattr(config.option, "loadgroup", False):  # xdist workers only
        return
    for item in items:
        groups = sorted({_group_name(mark) for mark in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(groups)
        if groups and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)  # type: ignore[attr-defined]


def _group_name(mark: pytest.Mark) -> str:
    """The group's name as pytest-xdist reads it from the mark."""
    return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
