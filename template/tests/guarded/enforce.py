"""pytest plugin of the guarded tests (platform-owned; CI loads it with `-p`).

The run fails unless every collected guarded test ran and passed: a skip, an expected failure
or an empty run is a failure here, whatever made it happen.
"""

import pytest

_collected: list[str] = []
_passed: set[str] = set()
_not_passed: dict[str, str] = {}


def pytest_collection_finish(session: pytest.Session) -> None:
    _collected[:] = [item.nodeid for item in session.items]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.passed:
        _not_passed.setdefault(report.nodeid, report.outcome)
    elif report.when == "call":
        _passed.add(report.nodeid)


def _all_passed() -> bool:
    return bool(_collected) and all(
        nodeid in _passed and nodeid not in _not_passed for nodeid in _collected
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if exitstatus == pytest.ExitCode.OK and not _all_passed():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _collected:
        terminalreporter.write_line("guarded tests: none ran: tests/guarded/ must hold them")
    for nodeid in _collected:
        if nodeid in _not_passed or nodeid not in _passed:
            outcome = _not_passed.get(nodeid, "not run")
            terminalreporter.write_line(f"guarded tests: {nodeid} {outcome}: it must run and pass")
