"""What the product already has that the road brings its own of, how to resolve each conflict,
and what the road cannot take over by itself. Read from the product's files only."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .infer import dependency_text
from .merge import Item

_CI = (
    ".github/workflows/*.y*ml",
    ".gitlab-ci.yml",
    ".circleci/config.yml",
    "Jenkinsfile",
    ".travis.yml",
    "azure-pipelines.yml",
)
_LINT = (
    ".flake8",
    "setup.cfg",
    "tox.ini",
    ".pylintrc",
    "pylintrc",
    "mypy.ini",
    ".mypy.ini",
    "ruff.toml",
    ".ruff.toml",
    ".isort.cfg",
    ".pre-commit-config.yaml",
    ".pre-commit-config.yml",
)
_DEPS = ("requirements*.txt", "Pipfile", "poetry.lock", "setup.py")
_DEPLOY = (
    "k8s/**/*.y*ml",
    "helm/**/Chart.yaml",
    "charts/**/Chart.yaml",
    "Procfile",
    "docker-compose.y*ml",
    "app.yaml",
    "fly.toml",
)
_APP = re.compile(r"^\s*\w+\s*=\s*(FastAPI|Flask|Starlette|Quart|Sanic)\(", re.MULTILINE)
_SKIP = {".git", ".venv", "venv", "node_modules", "__pycache__"}


@dataclass(frozen=True)
class Overlap:
    piece: str  # what it is: "container build", "CI workflow", ...
    yours: str  # the product's files
    road: str  # the road's equivalent
    action: str  # what to do with yours


def _found(product: Path, patterns: tuple[str, ...], rendered: set[str]) -> list[str]:
    paths = {
        p.relative_to(product).as_posix()
        for pattern in patterns
        for p in product.glob(pattern)
        if p.is_file() and not _SKIP.intersection(p.relative_to(product).parts)
    }
    return sorted(paths - rendered)


def _python_files(product: Path) -> list[Path]:
    return [
        p
        for p in product.rglob("*.py")
        if not _SKIP.intersection(p.relative_to(product).parts) and p.is_file()
    ]


def app_files(product: Path, items: list[Item]) -> list[str]:
    """The product's own application objects (``app = FastAPI(...)``): files that are the
    road's byte for byte (a product copied from one) are the road's, not the product's."""
    roads = {item.path for item in items if item.action == "same"}
    found = []
    for path in _python_files(product):
        relative = path.relative_to(product).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        if relative not in roads and _APP.search(text):
            found.append(relative)
    return sorted(found)


def frameworks(product: Path, files: list[str]) -> set[str]:
    return {
        match[1]
        for relative in files
        for match in _APP.finditer(
            (product / relative).read_text(encoding="utf-8", errors="replace")
        )
    }


def _migrations(product: Path, package: str) -> list[str]:
    road = f"src/{package}/migrations/"
    return sorted(
        p.relative_to(product).as_posix()
        for p in product.rglob("env.py")
        if (p.parent / "script.py.mako").is_file() or p.parent.name in {"alembic", "migrations"}
        if not p.relative_to(product).as_posix().startswith(road)
        if not _SKIP.intersection(p.relative_to(product).parts)
    )


def overlaps(product: Path, rendered: set[str], package: str, items: list[Item]) -> list[Overlap]:
    """The product's own pieces beside (or merged into) the road's, each with what to do."""
    conflicted = {item.path for item in items if item.action == "conflict"}
    found: list[Overlap] = []

    def add(piece: str, yours: list[str], road: str, action: str) -> None:
        if yours:
            found.append(Overlap(piece, ", ".join(yours), road, action))

    dockerfiles = _found(
        product, ("**/Dockerfile*", "**/Containerfile*", "**/*.Dockerfile"), rendered
    )
    add(
        "container build",
        dockerfiles + sorted({"Dockerfile"} & conflicted),
        "Dockerfile",
        "the road's Dockerfile builds and runs the product (guarded); delete yours once its "
        "steps are covered",
    )
    workflows = _found(product, _CI, rendered)
    add(
        "CI",
        workflows + sorted({".github/workflows/ci.yml"} & conflicted),
        ".github/workflows/ci.yml (runs `make check`)",
        "move what yours runs into Makefile targets `make check` calls; delete yours "
        "(other workflows are not allowed beside the road's)",
    )
    add(
        "lint and type config",
        _found(product, _LINT, rendered),
        "[tool.ruff] and [tool.mypy] of pyproject.toml, .pre-commit-config.yaml",
        "the road's settings are guarded: drop yours "
        "(ruff replaces flake8, isort, pylint and black)",
    )
    pyproject = _toml_tables(product / "pyproject.toml")
    if pyproject & {"tool.black", "tool.isort", "tool.pylint", "tool.flake8", "tool.poetry"}:
        add(
            "pyproject.toml tables",
            sorted(
                pyproject
                & {"tool.black", "tool.isort", "tool.pylint", "tool.flake8", "tool.poetry"}
            ),
            "[project] and [tool.ruff] of the road's pyproject.toml",
            "carry your dependencies into [project].dependencies; drop the rest",
        )
    add(
        "dependencies",
        _found(product, _DEPS, rendered),
        "pyproject.toml [project] + uv.lock",
        "list your dependencies in pyproject.toml, run `uv lock`, then delete these",
    )
    apps = app_files(product, items)
    add(
        "app factory",
        apps,
        f"src/{package}/main.py (create_app)",
        "the road's container and tests run create_app(): include your routers in it (FastAPI), "
        "or mount your app in it (another framework: a WSGI/ASGI mount, docs/adopting.md)",
    )
    add(
        "migrations",
        _migrations(product, package),
        f"src/{package}/migrations/ + alembic.ini",
        "move your revisions into the road's versions/ folder after its 0002 revision (edit "
        "their down_revision), then delete your folder",
    )
    add(
        "deploy config",
        _found(product, _DEPLOY, rendered),
        "deploy/ (kustomize) or fly.toml",
        "port what differs into the road's overlays; delete yours",
    )
    return found


def _toml_tables(path: Path) -> set[str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (tomllib.TOMLDecodeError, OSError):
        return set()
    return {f"tool.{name}" for name in data.get("tool", {})}


def their_dependencies(product: Path) -> list[str]:
    """Requirement lines of the product (to carry into the road's pyproject.toml)."""
    names = []
    for raw in dependency_text(product).splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith(("-", "python")) and re.match(r"^[A-Za-z0-9]", line):
            names.append(line)
    return sorted(dict.fromkeys(names))


def advise(items: list[Item], product: Path, package: str) -> None:
    """Say how to resolve each conflict: the platform's files take the road's side, the
    product's own files keep theirs (``resolve``), with what to carry over."""
    for item in items:
        if item.action != "conflict":
            continue
        if item.ownership in {"guarded", "shared"}:
            item.resolve = "road"
            item.advice = "take the road's (`git checkout --theirs -- PATH`): " + (
                "the platform owns it"
                if item.ownership == "guarded"
                else "the road's parts are guarded"
            )
            if item.path == "pyproject.toml":
                deps = their_dependencies(product)
                item.advice += "; then add your dependencies to [project].dependencies" + (
                    f" ({', '.join(deps)})" if deps else ""
                )
            elif item.path == "Makefile":
                item.advice += "; then add your own targets below the road's"
        else:
            item.resolve = "yours"
            item.advice = (
                "keep yours (`git checkout --ours -- PATH`): the product owns it; take from "
                "the road's what you want"
            )
            if item.path == f"src/{package}/main.py":
                item.advice += " (its create_app(): the road's tests and container call it)"
        item.advice = item.advice.replace("PATH", item.path)


def limits(product: Path, package: str, answers: dict[str, object], items: list[Item]) -> list[str]:
    """What the road cannot take over automatically, in plain words."""
    out = []
    apps = app_files(product, items)
    names = frameworks(product, apps)
    other = sorted(names - {"FastAPI"})
    if other:
        out.append(
            f"Your app is {', '.join(other)} ({', '.join(apps)}): it keeps its code. The road "
            f"brings CI, the container, deploy config, the policy and the design tokens around "
            f"it, and its own FastAPI skeleton in src/{package}/ (what the container serves and "
            "the guarded tests exercise) until you port your routes to it"
        )
    elif apps:
        road_main = f"src/{package}/main.py"
        where = "keeps your code" if road_main in apps else "stays where it is"
        out.append(
            f"Your FastAPI app ({', '.join(apps)}) {where}; the road's container, its "
            f"tests/conftest.py and the guarded tests build the app with create_app() from "
            f"{road_main}: include your routers there (or add a create_app() to yours that "
            "installs the road's middleware), until then run your own tests on their own"
        )
    if package and (product / package / "__init__.py").is_file():
        out.append(
            f"Your package {package}/ sits at the root and the road's is src/{package}/: the "
            f"two shadow each other. Move yours into src/{package}/ (`git mv`) and resolve "
            "the files both then have"
        )
    if _migrations(product, package):
        out.append(
            "Your Alembic history is not merged into the road's: its revisions must be re-based "
            "onto the road's by hand (docs/adopting.md), and a production database stamped"
        )
    if _found(product, _DEPS, set()) or _toml_tables(product / "pyproject.toml") & {"tool.poetry"}:
        out.append(
            "Dependencies are not converted: list yours in pyproject.toml [project].dependencies "
            "and run `uv lock` (the road locks with uv)"
        )
    own_tests = [
        p
        for p in product.glob("tests/**/test_*.py")
        if not any(
            i.path == p.relative_to(product).as_posix() and i.action == "added" for i in items
        )
    ]
    if not own_tests:
        out.append(
            "The product has no tests of its own: the road's tests cover its skeleton only. "
            "Write tests for your routes before you move them"
        )
    if answers.get("database") == "postgres":
        out.append("Secrets (DATABASE_URL and others) are not moved: set them where you deploy")
    return out
