"""Kustomize builds kept in the cache folder (issue 23): reused only for the same deploy/
content and the same kubectl, never for a build that may read outside deploy/; a tampered
overlay is caught whatever was kept before."""

from __future__ import annotations

from pathlib import Path

import pytest
from paved_road.drift import effective, kustomize_cache
from paved_road.drift.rendering import clear_memory_cache

from tests.deploy_support import git_copy
from tests.drift_support import drift
from tests.test_drift_enforcement_effective import OVERLAY, add_patch

PRIVILEGED = (
    "- op: add\n  path: /spec/template/spec/containers/0/securityContext/privileged\n"
    "  value: true\n"
)
MINER = (  # a privileged workload, as test_drift_enforcement_effective adds one
    "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: miner\nspec:\n"
    "  selector:\n    matchLabels: {app: miner}\n  template:\n"
    "    metadata:\n      labels: {app: miner}\n    spec:\n      containers:\n"
    "        - name: miner\n          image: demo-shop\n"
    "          securityContext: {privileged: true}\n"
)
FINDING = "overlay production deploys Deployment/demo-shop with"


@pytest.fixture
def product(rendered, tmp_path: Path) -> Path:
    """A product whose own overlay differs from the render's (by a comment): a deploy/ that is
    the render's builds nothing at all (test_drift_effective_renders.py)."""
    product = git_copy(rendered("kubernetes-sqlite"), tmp_path)
    overlay = product / OVERLAY
    overlay.write_text(overlay.read_text() + "# ours\n")
    return product


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The kustomizations kubectl really builds (each check starts as a new process would)."""
    built: list[Path] = []
    original = effective._build

    def spy(tool: str, overlay: Path):  # type: ignore[no-untyped-def]
        built.append(overlay)
        return original(tool, overlay)

    monkeypatch.setattr(effective, "_build", spy)
    return built


def _check(capsys, product: Path, cache: Path) -> tuple[int, str]:
    clear_memory_cache()  # a new process: only the cache folder remembers
    code, out, err = drift(capsys, product, "--cache-dir", str(cache))
    return code, out + err


def test_a_tampered_overlay_is_caught_after_its_clean_build_was_kept(
    product: Path, tmp_path: Path, builds: list[Path], capsys
) -> None:
    cache = tmp_path / "cache"
    code, out = _check(capsys, product, cache)
    assert code == 0, out
    assert len(builds) == 3, builds  # the render's base and the two overlays
    assert len(list((cache / kustomize_cache.FOLDER).iterdir())) == 3
    builds.clear()
    code, out = _check(capsys, product, cache)
    assert (code, builds) == (0, []), out
    add_patch(product, PRIVILEGED)
    code, out = _check(capsys, product, cache)
    assert code == 1, out
    assert f"{FINDING} container app: privileged: true" in out
    # deploy/ changed, so every overlay of the product is built again (the render's base not).
    assert sorted(path.name for path in builds) == ["production", "staging"]
    builds.clear()
    code, out = _check(capsys, product, cache)
    assert code == 1, "the tampered build is kept and still judged"
    assert f"{FINDING} container app: privileged: true" in out
    assert builds == []


def test_another_kubectl_builds_again(
    product: Path, tmp_path: Path, builds: list[Path], capsys, monkeypatch
) -> None:
    cache = tmp_path / "cache"
    assert _check(capsys, product, cache)[0] == 0
    builds.clear()
    monkeypatch.setattr(kustomize_cache, "kubectl_identity", lambda tool: f"{tool}:another")
    assert _check(capsys, product, cache)[0] == 0
    assert len(builds) == 3


def test_a_kept_entry_for_other_inputs_is_never_used(
    product: Path, tmp_path: Path, builds: list[Path], capsys
) -> None:
    """Entries swapped around (each file now holds another key's build) or corrupted: each
    is refused and built again."""
    cache = tmp_path / "cache"
    assert _check(capsys, product, cache)[0] == 0
    entries = sorted((cache / kustomize_cache.FOLDER).iterdir())
    texts = [entry.read_text() for entry in entries]
    for index, entry in enumerate(entries):
        entry.write_text(texts[(index + 1) % len(texts)] if index else "{not json")
    builds.clear()
    assert _check(capsys, product, cache)[0] == 0
    assert len(builds) == 3


def test_an_overlay_reading_outside_deploy_is_built_every_time(
    product: Path, tmp_path: Path, builds: list[Path], capsys
) -> None:
    """A kustomization folder outside deploy/ (kustomize reads it): a change there is in no
    key, so the overlay is never reused and the change is caught."""
    extra = product / "extra"
    extra.mkdir()
    (extra / "kustomization.yaml").write_text("resources:\n  - extra.yaml\n")
    (extra / "extra.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: b\n"
    )
    overlay = product / OVERLAY
    overlay.write_text(
        overlay.read_text().replace("  - ../../base\n", "  - ../../base\n  - ../../../extra\n")
    )
    assert kustomize_cache.inputs_digest(product / "deploy") is None
    cache = tmp_path / "cache"
    assert _check(capsys, product, cache)[0] == 0
    (extra / "extra.yaml").write_text(MINER)
    builds.clear()
    code, out = _check(capsys, product, cache)
    assert code == 1, out
    assert "deploys DaemonSet/miner with container miner: privileged: true" in out
    assert sorted(path.name for path in builds) == ["production", "staging"]


@pytest.mark.parametrize(
    "reference",
    [
        "resources:\n  - https://github.com/org/repo//deploy?ref=v1\n",
        "resources:\n  - github.com/org/repo/deploy\n",  # remote, no scheme
        "resources:\n  - /etc/deploy\n",
        "resources:\n  - ../../../outside\n",
        "configMapGenerator:\n  - name: c\n    files:\n      - key=../../../secret.txt\n",
        "configMapGenerator:\n  - name: c\n    env: /etc/env\n",
        "patches:\n  - path: ../../../patch.yaml\n",
        "helmCharts:\n  - name: chart\n",
        "generators:\n  - generator.yaml\n",
        "a_field_kustomize_may_add_later: x\n",
        # PyYAML reads the second, a Go reader may read the first (or refuse both).
        "resources:\n  - ../../../outside\nresources:\n  - ../dev\n",
    ],
)
def test_what_may_read_outside_deploy_has_no_key(tmp_path: Path, reference: str) -> None:
    deploy = tmp_path / "product" / "deploy"
    (deploy / "overlays" / "dev").mkdir(parents=True)
    (deploy / "overlays" / "dev" / "kustomization.yaml").write_text("namespace: dev\n")
    assert kustomize_cache.inputs_digest(deploy) is not None
    (deploy / "overlays" / "dev" / "kustomization.yaml").write_text(reference)
    assert kustomize_cache.inputs_digest(deploy) is None


def test_a_symlink_under_deploy_has_no_key(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    (deploy / "kustomization.yaml").write_text("resources:\n  - a.yaml\n")
    (tmp_path / "a.yaml").write_text("kind: ConfigMap\n")
    (deploy / "a.yaml").symlink_to(tmp_path / "a.yaml")
    assert kustomize_cache.inputs_digest(deploy) is None
