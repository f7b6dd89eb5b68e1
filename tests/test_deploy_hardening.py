"""What the Kubernetes delivery enforces before the first production deploy (issue 26): the
namespace's Pod Security profile, replicas spread over failure domains, limits on every
container, an Ingress bound to its controller, and a release script that takes an image by
digest and writes its reference as a string, whatever it looks like."""

from __future__ import annotations

import tomllib

import pytest

from tests.deploy_support import (
    DEPLOY_CASES,
    KUBERNETES_CASES,
    built_overlay,
    dockerfile_cmd,
    dockerfile_env,
    load_all_yaml,
)
from tests.test_deploy import tool_bash

DIGEST = "sha256:" + "0123456789abcdef" * 4
OVERLAYS = ("staging", "production")


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("case", KUBERNETES_CASES)
def test_the_namespace_enforces_the_restricted_pod_security_profile(
    rendered, case: str, overlay: str
) -> None:
    built = built_overlay(rendered(case), overlay)
    namespace = built["Namespace"]
    assert namespace["metadata"]["name"] == built["Deployment"]["metadata"]["namespace"]
    labels = namespace["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted", mode
    # Applied first, with the settings (deploy/release.sh applies by component).
    assert labels["app.kubernetes.io/component"] == "config"


@pytest.mark.parametrize("case", KUBERNETES_CASES)
def test_every_container_has_cpu_and_memory_limits(rendered, case: str) -> None:
    for overlay in OVERLAYS:
        built = built_overlay(rendered(case), overlay)
        for kind in ("Deployment", "Job"):
            if kind not in built:
                continue
            pod = built[kind]["spec"]["template"]["spec"]
            for container in pod.get("initContainers", []) + pod["containers"]:
                limits = container["resources"]["limits"]
                assert {"cpu", "memory"} <= set(limits), (overlay, kind, container["name"])


@pytest.mark.parametrize("case", KUBERNETES_CASES)
def test_replicas_spread_over_nodes_and_zones(rendered, case: str) -> None:
    built = built_overlay(rendered(case), "production")
    pod = built["Deployment"]["spec"]["template"]
    spread = pod["spec"].get("topologySpreadConstraints", [])
    if DEPLOY_CASES[case]["database"] == "sqlite":
        assert built["Deployment"]["spec"]["replicas"] == 1 and not spread, "one pod: no spread"
        return
    assert built["HorizontalPodAutoscaler"]["spec"]["minReplicas"] >= 2
    keys = {constraint["topologyKey"] for constraint in spread}
    assert keys == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    for constraint in spread:
        # The selector finds this Deployment's own pods.
        selected = constraint["labelSelector"]["matchLabels"]
        assert selected.items() <= pod["metadata"]["labels"].items()


@pytest.mark.parametrize("case", KUBERNETES_CASES)
def test_the_ingress_names_its_class(rendered, case: str) -> None:
    for overlay in OVERLAYS:
        ingress = built_overlay(rendered(case), overlay)["Ingress"]
        assert ingress["spec"]["ingressClassName"] == "nginx"


def released_images(stdout: str) -> set[str]:
    return {
        container["image"]
        for doc in load_all_yaml(stdout)
        if doc["kind"] in {"Deployment", "Job"}
        for key in ("containers", "initContainers")
        for container in doc["spec"]["template"]["spec"].get(key, [])
    }


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/acme/demo-shop:1.10",  # YAML would read 1.1 unquoted
        "ghcr.io/acme/demo-shop:1234567",  # and a number
        "ghcr.io/acme/demo-shop:0123abc",
        "registry.example:5000/acme/demo-shop:true",
        f"ghcr.io/acme/demo-shop@{DIGEST}",
        f"ghcr.io/acme/demo-shop:v2@{DIGEST}",
    ],
)
def test_staging_releases_the_image_exactly_as_named(rendered, image: str) -> None:
    product = rendered("kubernetes-postgres")
    release = tool_bash(product, "deploy/release.sh", "staging", "--render-only", IMAGE=image)
    assert release.returncode == 0, release.stderr
    expected = image.split(":v2@", maxsplit=1)[0] + "@" + DIGEST if ":v2@" in image else image
    assert released_images(release.stdout) == {expected}


@pytest.mark.parametrize("case", KUBERNETES_CASES)
def test_production_releases_only_an_image_pinned_by_digest(rendered, case: str) -> None:
    product = rendered(case)
    pinned = f"ghcr.io/acme/demo-shop@{DIGEST}"
    release = tool_bash(product, "deploy/release.sh", "production", "--render-only", IMAGE=pinned)
    assert release.returncode == 0, release.stderr
    assert released_images(release.stdout) == {pinned}
    tagged = tool_bash(
        product, "deploy/release.sh", "production", "--render-only",
        IMAGE="ghcr.io/acme/demo-shop:0123abc",
    )  # fmt: skip
    assert tagged.returncode == 2
    assert tagged.stderr.strip() == (
        "production takes an image pinned by digest (IMAGE=name@sha256:...): "
        "ghcr.io/acme/demo-shop:0123abc"
    )


@pytest.mark.parametrize(
    ("image", "refusal"),
    [
        ("ghcr.io/acme/demo-shop", "IMAGE must name a tag or a digest"),
        ("registry.example:5000/demo-shop", "IMAGE must name a tag or a digest"),
        ("ghcr.io/acme/demo-shop:", "IMAGE is not an image name with a tag or digest"),
        ("ghcr.io/acme/demo-shop:1 # x", "IMAGE is not an image name with a tag or digest"),
        ("ghcr.io/acme/demo-shop:a\nnewName: evil", "IMAGE is not an image name"),
        ("ghcr.io/acme/demo-shop@sha256:abc", "IMAGE is not an image name"),
        ("GHCR.io/Acme/App:1", "IMAGE is not an image name"),
    ],
)
def test_the_release_refuses_an_image_it_cannot_pin(rendered, image: str, refusal: str) -> None:
    product = rendered("kubernetes-sqlite")
    release = tool_bash(product, "deploy/release.sh", "staging", "--render-only", IMAGE=image)
    assert release.returncode == 2, release.stdout
    assert release.stderr.startswith(refusal), release.stderr
    assert not release.stdout


def test_the_deploy_workflow_releases_the_digest_it_pushed(rendered) -> None:
    workflow = (rendered("kubernetes-postgres") / ".github/workflows/deploy.yml").read_text()
    assert "docker inspect --format '{{ index .RepoDigests 0 }}'" in workflow
    assert 'echo "image=$pinned" >> "$GITHUB_OUTPUT"' in workflow


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_the_image_runs_in_production_unless_told_otherwise(rendered, case: str) -> None:
    """Started without settings, the container is production (no tracebacks in answers, the
    unsafe-settings refusals apply), and serves with the header-bounded protocol."""
    product = rendered(case)
    assert dockerfile_env(product)["DEMO_SHOP_ENVIRONMENT"] == "production"
    command = dockerfile_cmd(product)
    assert command[command.index("--http") + 1] == (
        "demo_shop.core.http_protocol:HeaderBoundedH11Protocol"
    )
    assert command[command.index("--h11-max-incomplete-event-size") + 1] == "16384"
    assert command[command.index("--timeout-keep-alive") + 1] == "5"
    if DEPLOY_CASES[case]["deploy_target"] == "fly":
        # SQLite's machine migrates its file first, then runs the image's server command.
        processes = tomllib.loads((product / "fly.toml").read_text()).get("processes", {})
        if "app" in processes:
            assert " ".join(command[1:]) in processes["app"]
