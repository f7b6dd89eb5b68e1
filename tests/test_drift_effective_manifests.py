"""Effective configuration beyond the pods: what the whole overlay build deploys (issue 28).

Each case edits only the product's own production overlay (every guarded file stays the
template's) in a way kustomize accepts, and drift names what the build would deploy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy_support import git_copy
from tests.drift_support import drift
from tests.test_drift_enforcement_effective import OVERLAY, add_patch

PRODUCTION = "deploy/overlays/production"


@pytest.fixture
def product(rendered, tmp_path: Path) -> Path:
    return git_copy(rendered("kubernetes-sqlite"), tmp_path)


def add_resource(product: Path, name: str, text: str) -> None:
    (product / PRODUCTION / name).write_text(text)
    overlay = product / OVERLAY
    overlay.write_text(
        overlay.read_text().replace("  - ../../base\n", f"  - ../../base\n  - {name}\n")
    )


CLUSTER_ADMIN = """apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata:
  name: demo-shop-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: demo-shop
    namespace: demo-shop
"""

OPEN_POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all
spec:
  podSelector: {}
  policyTypes: ["Ingress"]
  ingress:
    - {}
"""

DELETE_POLICY = """patches:
  - patch: |-
      $patch: delete
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata:
        name: demo-shop
"""


def _policy_patch(product: Path, patch: str) -> None:
    add_patch(product, patch, kind="NetworkPolicy")


def _ingress_patch(product: Path, patch: str) -> None:
    add_patch(product, patch, kind="Ingress")


def _service_patch(product: Path, patch: str) -> None:
    add_patch(product, patch, kind="Service")


# What an overlay can do beside its pods: (edit, the part named, what drift says).
BYPASSES = {
    "cluster-admin binding": (
        lambda p: add_resource(p, "admin.yaml", CLUSTER_ADMIN.format(kind="ClusterRoleBinding")),
        "ClusterRoleBinding/demo-shop-admin",
        "is cluster-scoped",
    ),
    "namespaced cluster-admin": (
        lambda p: add_resource(p, "admin.yaml", CLUSTER_ADMIN.format(kind="RoleBinding")),
        "RoleBinding/demo-shop-admin",
        "binds the cluster role 'cluster-admin'",
    ),
    "network policy deleted": (
        lambda p: (p / OVERLAY).write_text(
            (p / OVERLAY).read_text().replace("patches:\n", DELETE_POLICY, 1)
        ),
        "NetworkPolicy/demo-shop",
        "is missing: the base's NetworkPolicy must hold",
    ),
    "network policy open to every namespace": (
        lambda p: _policy_patch(
            p, "- op: add\n  path: /spec/ingress/-\n  value: {from: [{namespaceSelector: {}}]}\n"
        ),
        "NetworkPolicy/demo-shop",
        "an ingress rule allows every namespace",
    ),
    "network policy egress anywhere": (
        lambda p: _policy_patch(
            p, "- op: add\n  path: /spec/egress/-\n  value: {to: [{ipBlock: {cidr: 0.0.0.0/0}}]}\n"
        ),
        "NetworkPolicy/demo-shop",
        "an egress rule allows every address (0.0.0.0/0)",
    ),
    "network policy stops restricting egress": (
        lambda p: _policy_patch(
            p, "- op: replace\n  path: /spec/policyTypes\n  value: [Ingress]\n"
        ),
        "NetworkPolicy/demo-shop",
        "no longer restricts Egress",
    ),
    "a second policy that allows everything": (
        lambda p: add_resource(p, "open.yaml", OPEN_POLICY),
        "NetworkPolicy/allow-all",
        "opens the app's pods beside the base's NetworkPolicy",
    ),
    "development settings": (
        lambda p: (p / OVERLAY).write_text(
            (p / OVERLAY).read_text().replace("ENVIRONMENT=production", "ENVIRONMENT=development")
        ),
        "Deployment/demo-shop",
        "container app: DEMO_SHOP_ENVIRONMENT is development, not production",
    ),
    "environment overridden in the container": (
        lambda p: add_patch(
            p,
            "- op: add\n  path: /spec/template/spec/containers/0/env\n"
            "  value: [{name: DEMO_SHOP_ENVIRONMENT, value: staging}]\n",
        ),
        "Deployment/demo-shop",
        "container app: DEMO_SHOP_ENVIRONMENT is staging, not production",
    ),
    "no seccomp profile": (
        lambda p: add_patch(
            p, "- op: remove\n  path: /spec/template/spec/securityContext/seccompProfile\n"
        ),
        "Deployment/demo-shop",
        "container app: seccompProfile is not set",
    ),
    "host port": (
        lambda p: add_patch(
            p,
            "- op: add\n  path: /spec/template/spec/containers/0/ports/0/hostPort\n  value: 8000\n",
        ),
        "Deployment/demo-shop",
        "container app: port 8000 is a hostPort",
    ),
    "node volume type": (
        lambda p: add_patch(
            p,
            "- op: add\n  path: /spec/template/spec/volumes/-\n"
            "  value: {name: disk, iscsi: {targetPortal: '10.0.0.1:3260', iqn: x, lun: 0}}\n",
        ),
        "Deployment/demo-shop",
        "pod: volume disk is of type iscsi",
    ),
    "plain HTTP ingress": (
        lambda p: _ingress_patch(p, "- op: remove\n  path: /spec/tls\n"),
        "Ingress/demo-shop",
        "serves demo-shop.example.com without TLS",
    ),
    "no HTTPS redirect": (
        lambda p: _ingress_patch(
            p,
            "- op: add\n  path: /metadata/annotations\n"
            "  value: {nginx.ingress.kubernetes.io/ssl-redirect: 'false'}\n",
        ),
        "Ingress/demo-shop",
        "nginx.ingress.kubernetes.io/ssl-redirect: 'false' serves plain HTTP",
    ),
    "load balancer": (
        lambda p: _service_patch(p, "- op: replace\n  path: /spec/type\n  value: LoadBalancer\n"),
        "Service/demo-shop",
        "is a LoadBalancer: it takes traffic past the ingress's TLS",
    ),
}


@pytest.mark.parametrize("bypass", BYPASSES)
def test_an_overlay_that_weakens_the_deploy_fails_naming_it(
    product: Path, bypass: str, capsys
) -> None:
    edit, part, expected = BYPASSES[bypass]
    edit(product)
    code, out, err = drift(capsys, product)
    assert code == 1, out + err
    assert f"FAIL   effective       {OVERLAY} [{part}]" in out, out
    assert expected in out, out
    assert "modified" not in out, "no guarded file changed"


@pytest.mark.parametrize("name", ["kustomization.yml", "Kustomization"])
def test_an_overlay_under_another_name_kustomize_accepts_is_built(
    product: Path, name: str, capsys
) -> None:
    add_patch(
        product,
        "- op: add\n  path: /spec/template/spec/containers/0/securityContext/privileged\n"
        "  value: true\n",
    )
    (product / OVERLAY).rename(product / PRODUCTION / name)
    code, out, _ = drift(capsys, product)
    assert code == 1, out
    assert f"FAIL   effective       {PRODUCTION}/{name} [Deployment/demo-shop]" in out
    assert "container app: privileged: true" in out


def test_a_staging_overlay_may_say_staging_but_never_development(product: Path, capsys) -> None:
    staging = product / "deploy/overlays/staging/kustomization.yaml"
    code, out, _ = drift(capsys, product)
    assert code == 0, out
    staging.write_text(staging.read_text().replace("ENVIRONMENT=staging", "ENVIRONMENT=test"))
    code, out, _ = drift(capsys, product)
    assert code == 1, out
    assert "DEMO_SHOP_ENVIRONMENT is test, not staging or production" in out
