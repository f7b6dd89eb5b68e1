"""Effective configuration: a seeded kustomize overlay cannot undo the guarded base.

Every guarded file stays the template's; only the product's own overlay changes. drift builds
the overlays with the real kubectl and names what would deploy insecurely.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy_support import DEPLOY_CASES, KUBERNETES_CASES, git_copy
from tests.drift_support import drift

OVERLAY = "deploy/overlays/production/kustomization.yaml"


@pytest.fixture
def product(rendered, tmp_path: Path) -> Path:
    """A git copy of the Kubernetes/SQLite product (the shared render stays untouched)."""
    return git_copy(rendered("kubernetes-sqlite"), tmp_path)


def add_patch(product: Path, patch: str, kind: str = "Deployment") -> None:
    """Append a JSON patch for the product's `kind` to the production overlay."""
    overlay = product / OVERLAY
    text = overlay.read_text()
    indented = "\n".join(f"      {line}" for line in patch.strip().splitlines())
    overlay.write_text(
        text.rstrip("\n")
        + f"\n  - target:\n      kind: {kind}\n      name: demo-shop\n    patch: |-\n{indented}\n"
    )


@pytest.mark.parametrize("case", KUBERNETES_CASES)
def test_fresh_overlays_satisfy_the_base(rendered, case: str, capsys) -> None:
    code, out, err = drift(capsys, rendered(case), "--format", "json")
    assert code == 0, out + err
    assert '"kind": "effective"' not in out
    assert DEPLOY_CASES[case]["deploy_target"] == "kubernetes"


PRIVILEGED = """
- op: add
  path: /spec/template/spec/containers/0/securityContext/privileged
  value: true
"""

# What an overlay can do to the pods it deploys, and what drift then says about it.
BYPASSES = {
    "privileged": (PRIVILEGED, "container app: privileged: true"),
    "privilege escalation": (
        "- op: replace\n  path: /spec/template/spec/containers/0/securityContext/"
        "allowPrivilegeEscalation\n  value: true\n",
        "container app: allowPrivilegeEscalation is not false",
    ),
    "root": (
        "- op: replace\n  path: /spec/template/spec/securityContext/runAsNonRoot\n  value: false\n"
        "- op: add\n  path: /spec/template/spec/securityContext/runAsUser\n  value: 0\n"
        "- op: remove\n  path: /spec/template/spec/containers/0/securityContext/runAsNonRoot\n",
        "container app: runAsNonRoot is not true",
    ),
    "writable root": (
        "- op: remove\n  path: /spec/template/spec/containers/0/securityContext/"
        "readOnlyRootFilesystem\n",
        "container app: readOnlyRootFilesystem is not true",
    ),
    "capabilities": (
        "- op: add\n  path: /spec/template/spec/containers/0/securityContext/capabilities/add\n"
        "  value: [NET_ADMIN]\n",
        "container app: capabilities add ['NET_ADMIN']",
    ),
    "no limits": (
        "- op: remove\n  path: /spec/template/spec/containers/0/resources/limits\n",
        "container app: no memory limit",
    ),
    "host network": (
        "- op: add\n  path: /spec/template/spec/hostNetwork\n  value: true\n",
        "pod: hostNetwork: true",
    ),
    "foreign image": (
        "- op: replace\n  path: /spec/template/spec/containers/0/image\n"
        "  value: docker.io/someone/else:latest\n",
        "container app: image 'docker.io/someone/else:latest' is not from the product's own "
        "ghcr.io/acme/demo-shop",
    ),
}


@pytest.mark.parametrize("bypass", BYPASSES)
def test_an_overlay_that_weakens_the_pod_fails_naming_it(
    product: Path, bypass: str, capsys
) -> None:
    patch, expected = BYPASSES[bypass]
    add_patch(product, patch)
    code, out, err = drift(capsys, product)
    assert code == 1, out + err
    assert f"FAIL   effective       {OVERLAY} [Deployment/demo-shop]" in out
    assert f"overlay production deploys Deployment/demo-shop with {expected}" in out
    assert "staging" not in out, "only the overlay that was changed"
    assert "modified" not in out, "no guarded file changed"


def test_a_privileged_workload_added_by_an_overlay_fails(product: Path, capsys) -> None:
    (product / "deploy/overlays/production/miner.yaml").write_text(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: miner\nspec:\n"
        "  selector:\n    matchLabels: {app: miner}\n  template:\n"
        "    metadata:\n      labels: {app: miner}\n    spec:\n      containers:\n"
        "        - name: miner\n          image: demo-shop\n"
        "          securityContext: {privileged: true}\n"
    )
    overlay = product / OVERLAY
    overlay.write_text(
        overlay.read_text().replace("  - ../../base\n", "  - ../../base\n  - miner.yaml\n")
    )
    code, out, _ = drift(capsys, product)
    assert code == 1
    assert (
        "overlay production deploys DaemonSet/miner with container miner: privileged: true" in out
    )


def test_an_overlay_that_does_not_build_fails(product: Path, capsys) -> None:
    overlay = product / OVERLAY
    overlay.write_text(overlay.read_text().replace("../../base", "../../no-such-base"))
    code, out, _ = drift(capsys, product)
    assert code == 1
    assert "overlay production does not build:" in out


def test_the_products_own_image_and_tuning_are_fine(product: Path, capsys) -> None:
    add_patch(
        product,
        "- op: replace\n  path: /spec/template/spec/containers/0/resources/limits/memory\n"
        "  value: 1Gi\n",
    )
    overlay = product / OVERLAY
    overlay.write_text(
        overlay.read_text()
        + "images:\n  - name: demo-shop\n    newName: ghcr.io/acme/demo-shop\n    newTag: v1.2.3\n"
    )
    code, out, err = drift(capsys, product)
    assert code == 0, out + err
