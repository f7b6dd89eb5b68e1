"""What a built overlay must keep beyond its pods: the base's NetworkPolicy (present, not
widened), no cluster-wide permissions, the production environment in production, and HTTPS
only. Each is checked on the objects ``kubectl kustomize`` prints, held to the template's own
base built the same way, so a setting the platform ships is never a finding.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from .pod_security import containers, pod_specs

# Kinds that act on the whole cluster: an overlay of one product must not add them.
CLUSTER_KINDS = frozenset(
    {
        "ClusterRole",
        "ClusterRoleBinding",
        "Namespace",
        "CustomResourceDefinition",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "PersistentVolume",
        "StorageClass",
        "PriorityClass",
        "RuntimeClass",
        "IngressClass",
        "APIService",
        "PodSecurityPolicy",
        "CSIDriver",
    }
)
DEPLOYED_ENVIRONMENTS = ("staging", "production")
PLAIN_SERVICE_TYPES = ("NodePort", "LoadBalancer")
SSL_REDIRECT_ANNOTATIONS = (
    "nginx.ingress.kubernetes.io/ssl-redirect",
    "nginx.ingress.kubernetes.io/force-ssl-redirect",
)
PSS_LABEL = "pod-security.kubernetes.io/"

Problem = tuple[str, str]  # (the object, what is wrong with it)


def ref(doc: dict[str, Any]) -> str:
    return f"{doc.get('kind', '?')}/{(doc.get('metadata') or {}).get('name', '?')}"


def _of(docs: list[dict[str, Any]], kind: str) -> Iterator[dict[str, Any]]:
    return (doc for doc in docs if doc.get("kind") == kind)


def environment_key(base: list[dict[str, Any]]) -> str | None:
    """The app's environment setting (``<PREFIX>ENVIRONMENT``) as the base's settings name it."""
    keys = [key for doc in _of(base, "ConfigMap") for key in (doc.get("data") or {})]
    return next((key for key in keys if key.endswith("_ENVIRONMENT")), None)


def manifest_problems(
    built: list[dict[str, Any]], base: list[dict[str, Any]], overlay: str
) -> list[Problem]:
    return [
        *cluster_problems(built, base),
        *network_policy_problems(built, base),
        *environment_problems(built, base, overlay),
        *https_problems(built, base),
    ]


def cluster_problems(built: list[dict[str, Any]], base: list[dict[str, Any]]) -> list[Problem]:
    """Cluster-scoped objects the base does not have, and bindings to cluster roles (a
    RoleBinding to ``cluster-admin`` makes the service account admin of the namespace)."""
    shipped = {doc.get("kind") for doc in base}
    problems = [
        (ref(doc), "is cluster-scoped: one product's deploy must not change the whole cluster")
        for doc in built
        if doc.get("kind") in CLUSTER_KINDS and doc.get("kind") not in shipped
    ]
    problems += [
        (ref(doc), f"binds the cluster role {role.get('name', '?')!r}")
        for doc in _of(built, "RoleBinding")
        if (role := doc.get("roleRef") or {}).get("kind") == "ClusterRole"
    ]
    for namespace in _of(base, "Namespace"):
        labels = (namespace.get("metadata") or {}).get("labels") or {}
        for doc in _of(built, "Namespace"):
            mine = (doc.get("metadata") or {}).get("labels") or {}
            problems += [
                (ref(doc), f"label {key} is {mine.get(key)!r}, the base's is {value!r}")
                for key, value in labels.items()
                if key.startswith(PSS_LABEL) and mine.get(key) != value
            ]
    return problems


def _selects(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    """Whether a pod selector may select pods with these labels (expressions: assume so)."""
    if selector.get("matchExpressions"):
        return True
    match = selector.get("matchLabels") or {}
    return all(labels.get(key) == value for key, value in match.items())


def _open_peer(peer: Any) -> str | None:
    if not isinstance(peer, dict):
        return None
    if "namespaceSelector" in peer and not (peer["namespaceSelector"] or {}):
        return "every namespace (namespaceSelector: {})"
    block = peer.get("ipBlock") or {}
    if block:
        try:
            network = ipaddress.ip_network(str(block.get("cidr")), strict=False)
        except ValueError:
            return f"ipBlock {block.get('cidr')!r}"
        if network.prefixlen == 0:
            return f"every address ({network})"
    return None


def _rule_problems(policy: dict[str, Any], base_rules: list[Any], direction: str) -> list[str]:
    peers_key = "from" if direction == "ingress" else "to"
    problems = []
    for rule in (policy.get("spec") or {}).get(direction) or []:
        if not isinstance(rule, dict):
            continue
        peers = rule.get(peers_key)
        if not peers and rule not in base_rules:
            problems.append(f"an {direction} rule has no `{peers_key}`: it allows every peer")
        problems += [
            f"an {direction} rule allows {what}"
            for peer in peers or []
            if (what := _open_peer(peer))
        ]
    return problems


def network_policy_problems(
    built: list[dict[str, Any]], base: list[dict[str, Any]]
) -> list[Problem]:
    """The base's NetworkPolicy, present and not widened; no other policy that opens the
    app's pods (NetworkPolicies add up: any one allowing a peer lets it in)."""
    problems: list[Problem] = []
    policies = list(_of(built, "NetworkPolicy"))
    kept: list[int] = []
    for wanted in _of(base, "NetworkPolicy"):
        spec = wanted.get("spec") or {}
        selector = spec.get("podSelector")
        index = next(
            (
                i
                for i, doc in enumerate(policies)
                if (doc.get("spec") or {}).get("podSelector") == selector
            ),
            None,
        )
        if index is None:
            problems.append((ref(wanted), "is missing: the base's NetworkPolicy must hold"))
            continue
        kept.append(index)
        policy = policies[index]
        types = set((policy.get("spec") or {}).get("policyTypes") or [])
        problems += [
            (ref(policy), f"no longer restricts {kind}")
            for kind in spec.get("policyTypes") or []
            if kind not in types
        ]
        for direction in ("ingress", "egress"):
            problems += [
                (ref(policy), problem)
                for problem in _rule_problems(policy, spec.get(direction) or [], direction)
            ]
    app_labels = [
        (doc.get("spec") or {}).get("template", {}).get("metadata", {}).get("labels") or {}
        for doc in built
        if any(True for _ in pod_specs(doc))
    ]
    for index, policy in enumerate(policies):
        spec = policy.get("spec") or {}
        if index in kept or not (spec.get("ingress") or spec.get("egress")):
            continue
        selector = spec.get("podSelector") or {}
        if any(_selects(selector, labels) for labels in app_labels):
            problems.append((ref(policy), "opens the app's pods beside the base's NetworkPolicy"))
    return problems


def _environment(
    container: dict[str, Any], maps: dict[str, dict[str, Any]], key: str
) -> str | None:
    """The value the container sees for KEY: envFrom in order (later wins), then env; a value
    drift cannot see (a Secret, a field reference) is ``"<unknown>"``."""
    value = None
    for source in container.get("envFrom") or []:
        if not isinstance(source, dict):
            continue
        prefix = str(source.get("prefix") or "")
        if "configMapRef" in source:
            data = maps.get(str((source["configMapRef"] or {}).get("name")), {})
            value = next((str(v) for k, v in data.items() if prefix + k == key), value)
    for entry in container.get("env") or []:
        if isinstance(entry, dict) and entry.get("name") == key:
            value = str(entry["value"]) if "value" in entry else "<unknown>"
    return value


def environment_problems(
    built: list[dict[str, Any]], base: list[dict[str, Any]], overlay: str
) -> list[Problem]:
    key = environment_key(base)
    if key is None:
        return []
    maps = {
        str((doc.get("metadata") or {}).get("name")): doc.get("data") or {}
        for doc in _of(built, "ConfigMap")
    }
    wanted = ("production",) if overlay == "production" else DEPLOYED_ENVIRONMENTS
    problems = []
    for doc in built:
        for where, spec in pod_specs(doc):
            for container in containers(spec):
                value = _environment(container, maps, key)
                if value not in wanted:
                    problems.append(
                        (
                            where,
                            f"container {container.get('name', '?')}: {key} is "
                            f"{value or 'not set (the app then runs as development)'}, "
                            f"not {' or '.join(wanted)}",
                        )
                    )
    return problems


def https_problems(built: list[dict[str, Any]], base: list[dict[str, Any]]) -> list[Problem]:
    """Traffic reaches the app over HTTPS only: every Ingress host has TLS and keeps the
    redirect, and no Service opens a port on the nodes or a load balancer."""
    problems: list[Problem] = []
    shipped_types = {(doc.get("spec") or {}).get("type") for doc in _of(base, "Service")}
    for service in _of(built, "Service"):
        kind = (service.get("spec") or {}).get("type")
        if kind in PLAIN_SERVICE_TYPES and kind not in shipped_types:
            problems.append((ref(service), f"is a {kind}: it takes traffic past the ingress's TLS"))
    for ingress in _of(built, "Ingress"):
        spec = ingress.get("spec") or {}
        secured = {
            host
            for entry in spec.get("tls") or []
            if isinstance(entry, dict)
            for host in entry.get("hosts") or []
        }
        for rule in spec.get("rules") or []:
            host = rule.get("host") if isinstance(rule, dict) else None
            if host not in secured:
                problems.append((ref(ingress), f"serves {host or 'every host'} without TLS"))
        if spec.get("defaultBackend") and not secured:
            problems.append((ref(ingress), "has a default backend without TLS"))
        annotations = (ingress.get("metadata") or {}).get("annotations") or {}
        problems += [
            (ref(ingress), f"{name}: {annotations[name]!r} serves plain HTTP")
            for name in SSL_REDIRECT_ANNOTATIONS
            if str(annotations.get(name, "true")).lower() == "false"
        ]
    return problems
