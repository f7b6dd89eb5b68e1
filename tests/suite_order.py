"""The longest work starts first, so a parallel run does not end with one worker busy.

pytest-xdist's ``--dist loadgroup`` hands out whole scopes (an ``xdist_group``, else a single
test) in the order the workers collected them (``--no-loadscope-reorder`` in scripts/test;
by default it would sort scopes by their number of tests, and a group of 30 one-second tests
would go before a 90 s ``make check``). A run that ends on a 90 s test started last keeps one
core busy and the others idle for that long. Here each scope is ordered by its expected
seconds, longest first (longest-processing-time scheduling), from ``tests/suite_durations.json``:
each test's wall seconds (set-up, call and teardown) in a recent whole run, recorded by
``benchmarks/bench_suite.py --record-durations``. A test not in it (new since) is estimated
from its file's average, else from its ``slow`` marker. Tests of a scope keep their order.

Only pytest-xdist workers reorder (the controller takes their collection order): a run in
one process (``-n 0``) keeps file order, which is easier to read.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

from tests.suite_timing import plain_nodeid

DURATIONS = Path(__file__).with_name("suite_durations.json")
# Another durations file (the suite's own tests of this ordering use one).
DURATIONS_ENV = "PAVED_ROAD_SUITE_DURATIONS"
# Estimates for a test the durations file does not know, nor any test of its file.
SLOW_DEFAULT_S = 30.0
FAST_DEFAULT_S = 0.5


def load_durations(path: Path) -> tuple[dict[str, float], dict[str, float]]:
    """(seconds per test id, average seconds per test of each file).

    A file's average is its ``files`` entry when there is one (a run whose report had only
    per-file figures), else the average of its tests."""
    if not path.is_file():
        return {}, {}
    document = json.loads(path.read_text())
    tests: dict[str, float] = document.get("tests", {})
    per_file: dict[str, list[float]] = defaultdict(list)
    for test, seconds in tests.items():
        per_file[test.split("::")[0]].append(seconds)
    averages = {name: sum(times) / len(times) for name, times in per_file.items()}
    return tests, {**averages, **document.get("files", {})}


def estimate(item: pytest.Item, tests: dict[str, float], files: dict[str, float]) -> float:
    test = plain_nodeid(item.nodeid)
    if test in tests:
        return tests[test]
    if test.split("::")[0] in files:
        return files[test.split("::")[0]]
    return SLOW_DEFAULT_S if item.get_closest_marker("slow") else FAST_DEFAULT_S


def scope_of(item: pytest.Item) -> str:
    """The unit xdist's loadgroup scheduler hands out: the test's group, else the test."""
    groups = sorted(
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    )
    return "group:" + "_".join(groups) if groups else item.nodeid


def longest_first(items: list[pytest.Item], path: Path) -> list[pytest.Item]:
    tests, files = load_durations(path)
    scopes: dict[str, list[pytest.Item]] = {}
    for item in items:
        scopes.setdefault(scope_of(item), []).append(item)
    cost = {
        scope: sum(estimate(item, tests, files) for item in members)
        for scope, members in scopes.items()
    }
    # sorted() is stable: scopes of equal cost keep collection order.
    ordered = sorted(scopes, key=lambda scope: -cost[scope])
    return [item for scope in ordered for item in scopes[scope]]


@pytest.hookimpl(trylast=True)  # after the groups are marked and pytest's own reordering
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):
        items[:] = longest_first(items, Path(os.environ.get(DURATIONS_ENV, DURATIONS)))
