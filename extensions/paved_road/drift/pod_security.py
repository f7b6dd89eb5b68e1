"""What every pod a product deploys must keep: the base's security settings, which are the Pod
Security Standard "restricted" profile plus the platform's own (read-only root, limits, the
product's own image).

A kustomize overlay is the product's and can patch any of these away while every guarded
file stays the template's, so they are checked on what the overlay builds.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import Any

# Where each kind of workload keeps its pod spec.
POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")
# The volume types the "restricted" profile allows (anything else reaches the node or beyond).
RESTRICTED_VOLUMES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
SECCOMP_TYPES = ("RuntimeDefault", "Localhost")


def pod_specs(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    path = POD_SPEC_PATHS.get(str(doc.get("kind")))
    if path is None:
        return
    node: Any = doc
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict):
        name = (doc.get("metadata") or {}).get("name", "?")
        yield f"{doc['kind']}/{name}", node


def containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for field in CONTAINER_LISTS:
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                yield container


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
    seccomp = (context.get("seccompProfile") or pod_context.get("seccompProfile") or {}).get("type")
    if seccomp not in SECCOMP_TYPES:
        problems.append(f"seccompProfile is {seccomp or 'not set'} (RuntimeDefault or Localhost)")
    if context.get("procMount", "Default") != "Default":
        problems.append(f"procMount: {context['procMount']}")
    if (context.get("windowsOptions") or {}).get("hostProcess") is True:
        problems.append("windowsOptions.hostProcess: true")
    problems += [
        f"port {port.get('containerPort', '?')} is a hostPort (reachable on the node's address)"
        for port in container.get("ports") or []
        if isinstance(port, dict) and port.get("hostPort")
    ]
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
    for volume in spec.get("volumes") or []:
        if not isinstance(volume, dict):
            continue
        kinds = [key for key in volume if key != "name"]
        if "hostPath" in kinds:
            problems.append(f"pod: volume {volume.get('name', '?')} mounts a hostPath")
        elif any(kind not in RESTRICTED_VOLUMES for kind in kinds):
            problems.append(
                f"pod: volume {volume.get('name', '?')} is of type {', '.join(kinds)} "
                "(the restricted profile allows only " + ", ".join(sorted(RESTRICTED_VOLUMES)) + ")"
            )
    pod_context = spec.get("securityContext") or {}
    if pod_context.get("sysctls"):
        problems.append("pod: sets sysctls (kernel settings shared with the node)")
    for container in containers(spec):
        where = f"container {container.get('name', '?')}"
        problems += [
            f"{where}: {problem}"
            for problem in _container_problems(container, pod_context, allowed_images, own)
        ]
    return problems
