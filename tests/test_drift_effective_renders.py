"""What the platform ships deploys nothing a product would be blamed for (issues 23 and 25).

drift builds no overlay of a product whose deploy/ is the render's, byte for byte and
self-contained: it then deploys exactly what the platform shipped for its answers. That is
sound only while every render's overlays, built for real, hold the base's invariants: this
holds every answer combination to it, so a template release breaking them never ships. The
hypothesis-drawn names of test_hostile_answers.py are held to it too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from paved_road.drift import effective
from paved_road.drift.rendering import clear_memory_cache

from tests.cases import ALL_CASES, tiered
from tests.deploy_support import git_copy
from tests.drift_support import drift
from tests.shared import Renders
from tests.test_drift_effective_build_cache import FINDING, PRIVILEGED
from tests.test_drift_enforcement_effective import OVERLAY, add_patch

KUBERNETES = {
    name: answers for name, answers in ALL_CASES.items() if answers["deploy_target"] == "kubernetes"
}


@pytest.mark.parametrize(
    "case", tiered(KUBERNETES, "builds the overlays of every Kubernetes answer combination")
)
def test_every_render_s_overlays_hold_the_base_s_invariants(
    case: str, template_repo: Path, renders: Renders
) -> None:
    render = renders.pristine(template_repo, KUBERNETES[case], vcs_ref="v1.0.0")
    assert [path.parent.name for path in effective.overlays(render)] == ["production", "staging"]
    # Built for real and judged against its own base, as a product's changed overlay is.
    assert effective.built_findings(render, render) == []


@pytest.fixture
def kubectl_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A log of every kubectl process drift starts: a kubectl that writes its arguments and
    runs the real one (the one ``effective.kubectl()`` finds), as a new process would."""
    real = effective.kubectl()
    log = tmp_path / "kubectl-starts.log"
    wrapper = tmp_path / "bin" / "kubectl"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setattr(effective, "kubectl", lambda: str(wrapper))
    log.write_text("")
    clear_memory_cache()  # no build kept from an earlier test of this process
    return log


def _starts(log: Path) -> list[str]:
    return [Path(line.split()[-1]).name for line in log.read_text().splitlines()]


def test_a_product_deploying_what_the_platform_shipped_starts_no_kubectl(
    rendered, tmp_path: Path, kubectl_starts: Path, capsys
) -> None:
    product = git_copy(rendered("kubernetes-sqlite"), tmp_path)
    code, out, err = drift(capsys, product)
    assert code == 0, out + err
    assert _starts(kubectl_starts) == []


def test_a_product_whose_deploy_differs_in_one_byte_is_built_and_judged(
    rendered, tmp_path: Path, kubectl_starts: Path, capsys
) -> None:
    product = git_copy(rendered("kubernetes-sqlite"), tmp_path)
    overlay = product / OVERLAY
    overlay.write_text(overlay.read_text() + "# ours\n")
    code, out, err = drift(capsys, product)
    assert code == 0, out + err
    # The render's base and both overlays, each its own kubectl.
    assert sorted(_starts(kubectl_starts)) == ["base", "production", "staging"]
    add_patch(product, PRIVILEGED)
    code, out, err = drift(capsys, product)
    assert code == 1, out + err
    assert f"{FINDING} container app: privileged: true" in out


def test_a_symlink_in_an_otherwise_identical_deploy_is_built(
    rendered, tmp_path: Path, kubectl_starts: Path, capsys
) -> None:
    """Same names and bytes, but a file that is a link: kustomize may read elsewhere."""
    product = git_copy(rendered("kubernetes-sqlite"), tmp_path)
    overlay = product / OVERLAY
    (tmp_path / "elsewhere.yaml").write_bytes(overlay.read_bytes())
    overlay.unlink()
    overlay.symlink_to(tmp_path / "elsewhere.yaml")
    assert not effective.ships_unchanged(rendered("kubernetes-sqlite"), product)
    drift(capsys, product)
    assert "production" in _starts(kubectl_starts)
