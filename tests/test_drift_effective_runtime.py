"""kubectl builds with its garbage collector held back (issue 23, the fleet's marginal cost):
the manifests are the same as a default build's, a tampered overlay is still caught through
the tuned build, and an operator's own Go runtime settings win."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from paved_road.drift import effective

from tests.deploy_support import git_copy
from tests.drift_support import drift
from tests.test_drift_effective_build_cache import FINDING, PRIVILEGED
from tests.test_drift_enforcement_effective import OVERLAY, add_patch


@pytest.fixture
def product(rendered, tmp_path: Path) -> Path:
    return git_copy(rendered("kubernetes-sqlite"), tmp_path)


def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds as before this change: the Go runtime's defaults."""
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    monkeypatch.setattr(effective, "build_environment", lambda: dict(os.environ))


def test_the_tuned_build_prints_what_a_default_build_prints(
    product: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_patch(product, PRIVILEGED)  # a tampered overlay: its output must not change either
    tool = effective.kubectl()
    for overlay in ("deploy/overlays/production", "deploy/overlays/staging", "deploy/base"):
        tuned = effective._build(tool, product / overlay)
        with monkeypatch.context() as plain:
            _plain(plain)
            default = effective._build(tool, product / overlay)
        assert tuned[0], (overlay, tuned[1])
        assert tuned == default, overlay


def test_a_tampered_overlay_is_caught_through_the_tuned_build(product: Path, capsys) -> None:
    code, out, err = drift(capsys, product)
    assert code == 0, out + err
    add_patch(product, PRIVILEGED)
    code, out, err = drift(capsys, product)
    assert code == 1, out + err
    assert f"{FINDING} container app: privileged: true" in out + err
    assert OVERLAY in out + err


def _recording_kubectl(tmp_path: Path) -> tuple[Path, Path]:
    """A kubectl that writes the Go settings it was started with, and builds nothing."""
    seen = tmp_path / "seen"
    tool = tmp_path / "kubectl"
    tool.write_text(f'#!/bin/sh\necho "GOGC=$GOGC GOMEMLIMIT=$GOMEMLIMIT" > {seen}\necho "[]"\n')
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return tool, seen


def test_the_build_runs_without_routine_collection_unless_the_operator_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool, seen = _recording_kubectl(tmp_path)
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    effective._build(str(tool), tmp_path)
    assert seen.read_text().split() == ["GOGC=off", "GOMEMLIMIT=256MiB"]
    monkeypatch.setenv("GOGC", "100")  # a runner short of memory sets its own
    effective._build(str(tool), tmp_path)
    assert seen.read_text().split() == ["GOGC=100", "GOMEMLIMIT=256MiB"]
