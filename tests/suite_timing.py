"""Where the suite's time goes: set-up versus calls, the test files and the fixtures that cost
the most.

``scripts/test`` prints pytest's 25 slowest phases (``--durations=25``); this plugin adds the
totals per phase, per test file and the most expensive fixture set-ups, so a slow run says
which files to work on, and whether tests are slow or the things they share are built too
often. With ``PAVED_ROAD_SUITE_REPORT=FILE`` it
also writes the figures as JSON (``benchmarks/bench_suite.py`` reads them).

Under pytest-xdist each worker times its own fixtures and sends them to the controller with
``workeroutput``; phase durations come from the test reports, which the controller sees anyway.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from pathlib import Path

import pytest

TOP = 12


class SuiteTiming:
    def __init__(self) -> None:
        self.phases: dict[str, float] = defaultdict(float)
        self.tests = 0
        # test file -> [tests, seconds of set-up, call and teardown]
        self.files: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        # (fixture name, scope) -> [count, seconds]
        self.fixtures: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])

    def add_fixture(self, name: str, scope: str, seconds: float, count: int = 1) -> None:
        entry = self.fixtures[(name, scope)]
        entry[0] += count
        entry[1] += seconds

    def as_json(self) -> dict:
        return {
            "tests": self.tests,
            "phases": dict(self.phases),
            "files": sorted(
                (
                    {"file": name, "tests": int(tests), "seconds": round(secs, 3)}
                    for name, (tests, secs) in self.files.items()
                ),
                key=lambda row: -row["seconds"],
            ),
            "fixtures": sorted(
                (
                    {"name": name, "scope": scope, "count": int(count), "seconds": round(secs, 3)}
                    for (name, scope), (count, secs) in self.fixtures.items()
                ),
                key=lambda row: -row["seconds"],
            ),
        }


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SuiteTimingPlugin(config), "paved-road-suite-timing")


class SuiteTimingPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.timing = SuiteTiming()
        self.worker = hasattr(config, "workerinput")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):
        start = time.perf_counter()
        yield
        self.timing.add_fixture(fixturedef.argname, fixturedef.scope, time.perf_counter() - start)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.worker:
            return
        self.timing.phases[report.when] += report.duration
        entry = self.timing.files[report.nodeid.split("::")[0]]
        entry[1] += report.duration
        if report.when == "call" or (report.when == "setup" and report.skipped):
            self.timing.tests += 1
            entry[0] += 1

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.worker:
            self.config.workeroutput["paved_road_fixtures"] = json.dumps(
                self.timing.as_json()["fixtures"]
            )

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:  # pytest-xdist's controller hook
        rows = json.loads(getattr(node, "workeroutput", {}).get("paved_road_fixtures", "[]"))
        for row in rows:
            self.timing.add_fixture(row["name"], row["scope"], row["seconds"], row["count"])

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.worker:
            return
        phases = self.timing.phases
        if not phases:  # nothing ran (--collect-only, or every test deselected)
            return
        total = sum(phases.values()) or 1.0
        write = terminalreporter.write_line
        terminalreporter.section("where the time went")
        write(
            "test time (summed over workers): "
            + ", ".join(
                f"{phase} {phases.get(phase, 0.0):.0f} s ({phases.get(phase, 0.0) / total:.0%})"
                for phase in ("setup", "call", "teardown")
            )
        )
        files = self.timing.as_json()["files"]
        write(f"costliest test files (tests, seconds summed over workers, share of {total:.0f} s):")
        for row in files[:TOP]:
            share = row["seconds"] / total
            write(f"  {row['file']:<48} {row['tests']:>5} {row['seconds']:8.0f} {share:6.1%}")
        costly = [row for row in self.timing.as_json()["fixtures"] if row["seconds"] >= 0.1]
        if costly:
            write("costliest fixture set-ups (name, scope: times built, seconds in all):")
            for row in costly[:TOP]:
                built = f"{row['count']:>4}x {row['seconds']:8.1f}"
                write(f"  {row['name']:<32} {row['scope']:<8} {built}")
        target = os.environ.get("PAVED_ROAD_SUITE_REPORT")
        if target:
            Path(target).write_text(json.dumps(self.timing.as_json(), indent=2) + "\n")
