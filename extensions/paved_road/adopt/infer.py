"""What a pre-road repository already says about itself, read as the template's answers.

Every guess names where it came from, and a guess the template would refuse (a package called
``app``, a Python the road does not support) is dropped with a note, so the question is asked
or takes its default instead. Nothing here runs the product's code: files are only read.
"""

from __future__ import annotations

import configparser
import contextlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..answers import PYTHON_VERSIONS, AnswerError, validate_answers

_POSTGRES = re.compile(r"psycopg|asyncpg|pg8000|postgres(ql)?(\+\w+)?://", re.IGNORECASE)
_SQLITE = re.compile(r"sqlite(\+\w+)?://|aiosqlite", re.IGNORECASE)
_SETTINGS_FILES = (
    ".env.example",
    ".env.sample",
    "settings.py",
    "config.py",
    "compose.yaml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "alembic.ini",
)
_CODEOWNERS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", "tests", "test", "docs"}


@dataclass(frozen=True)
class Guess:
    value: str
    source: str  # where it was read, for the plan: "pyproject.toml [project].name"


@dataclass
class Inferred:
    guesses: dict[str, Guess] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # guesses dropped, and why

    @property
    def answers(self) -> dict[str, str]:
        return {name: guess.value for name, guess in self.guesses.items()}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    except OSError:
        return ""


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError:
        return {}


def _setup_cfg(product: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(configparser.Error):
        parser.read_string(_read(product / "setup.cfg"))
    return parser


def dependency_text(product: Path) -> str:
    """Every place a Python product lists what it depends on, as one text to search."""
    pyproject = _toml(product / "pyproject.toml")
    names = [str(dep) for dep in pyproject.get("project", {}).get("dependencies", [])]
    poetry = pyproject.get("tool", {}).get("poetry", {})
    names += [str(name) for name in poetry.get("dependencies", {})]
    for requirements in sorted(product.glob("requirements*.txt")):
        names.append(_read(requirements))
    names.append(_setup_cfg(product).get("options", "install_requires", fallback=""))
    return "\n".join(names)


def _identity(product: Path, pyproject: dict[str, Any], found: Inferred) -> None:
    project = pyproject.get("project", {})
    poetry = pyproject.get("tool", {}).get("poetry", {})
    cfg = _setup_cfg(product)
    for table, source in ((project, "[project]"), (poetry, "[tool.poetry]")):
        if isinstance(table.get("name"), str):
            found.guesses["product_name"] = Guess(table["name"], f"pyproject.toml {source}.name")
            if isinstance(table.get("description"), str) and table["description"].strip():
                found.guesses["description"] = Guess(
                    table["description"].strip(), f"pyproject.toml {source}.description"
                )
            break
    else:
        if cfg.has_option("metadata", "name"):
            found.guesses["product_name"] = Guess(cfg["metadata"]["name"], "setup.cfg [metadata]")
    if "product_name" in found.guesses:
        name = found.guesses["product_name"]
        slug = _slug(name.value)
        if slug:
            found.guesses["project_slug"] = Guess(slug, name.source)
        # The name as people say it: the README's title, when it is the same name.
        title = _read(product / "README.md").partition("\n")[0]
        if title.startswith("# ") and _slug(title[2:]) == slug:
            found.guesses["product_name"] = Guess(title[2:].strip(), "README.md title")
    package = _package(product, poetry)
    if package is not None:
        found.guesses["package_name"] = package


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _package(product: Path, poetry: dict[str, Any]) -> Guess | None:
    for entry in poetry.get("packages", []):
        if isinstance(entry, dict) and isinstance(entry.get("include"), str):
            return Guess(entry["include"], "pyproject.toml [tool.poetry].packages")
    src = sorted(p.parent.name for p in product.glob("src/*/__init__.py"))
    if len(src) == 1:
        return Guess(src[0], f"the source layout (src/{src[0]}/)")
    flat = sorted(
        p.parent.name for p in product.glob("*/__init__.py") if p.parent.name not in _SKIP_DIRS
    )
    if len(flat) == 1:
        return Guess(flat[0], f"the source layout ({flat[0]}/)")
    return None


def _python(product: Path, pyproject: dict[str, Any]) -> Guess | None:
    pinned = _read(product / ".python-version").strip().splitlines()
    if pinned and (match := re.match(r"(3\.\d+)", pinned[0].strip())):
        return Guess(match[1], ".python-version")
    requires = pyproject.get("project", {}).get("requires-python")
    source = "pyproject.toml requires-python"
    if requires is None:
        deps = pyproject.get("tool", {}).get("poetry", {}).get("dependencies", {})
        requires, source = deps.get("python"), "pyproject.toml [tool.poetry.dependencies].python"
    if isinstance(requires, str) and (match := re.search(r"3\.(\d+)", requires)):
        # The lowest version the product allows that the road supports.
        lowest = int(match[1])
        for version in PYTHON_VERSIONS:
            if int(version.split(".")[1]) >= lowest:
                return Guess(version, source)
        return Guess(f"3.{lowest}", source)
    return None


def _database(product: Path) -> Guess | None:
    deps = dependency_text(product)
    if _POSTGRES.search(deps):
        return Guess("postgres", "a PostgreSQL driver in the dependencies")
    if _SQLITE.search(deps):
        return Guess("sqlite", "a SQLite driver in the dependencies")
    for name in _SETTINGS_FILES:
        for path in [product / name, *product.glob(f"*/{name}"), *product.glob(f"src/*/{name}")]:
            text = _read(path)
            if _POSTGRES.search(text):
                return Guess("postgres", f"a PostgreSQL URL in {path.relative_to(product)}")
            if _SQLITE.search(text):
                return Guess("sqlite", f"a SQLite URL in {path.relative_to(product)}")
    return None


def _ui(product: Path) -> Guess | None:
    for folder in ("frontend", "web", "client", "ui"):
        if (product / folder / "package.json").is_file():
            return Guess("spa", f"a frontend folder ({folder}/package.json)")
    for pattern in ("templates/*.html", "*/templates/*.html", "src/*/templates/*.html"):
        if found := sorted(product.glob(pattern)):
            return Guess("server", f"server templates ({found[0].relative_to(product).parent}/)")
    return Guess("none", "no templates or frontend folder")


def _deploy(product: Path) -> Guess:
    if (product / "fly.toml").is_file():
        return Guess("fly", "fly.toml")
    for pattern in ("**/kustomization.y*ml", "**/Chart.yaml", "k8s/*.y*ml", "deploy/**/*.y*ml"):
        found = [p for p in product.glob(pattern) if ".git" not in p.parts]
        if found:
            return Guess("kubernetes", f"Kubernetes manifests ({found[0].relative_to(product)})")
    return Guess("none", "no deploy manifests")


def _owner(product: Path) -> Guess | None:
    for name in _CODEOWNERS:
        for line in _read(product / name).splitlines():
            fields = line.split("#", 1)[0].split()
            teams = [f for f in fields[1:] if re.fullmatch(r"@[\w.-]+/[\w.-]+", f)]
            if fields and fields[0] in {"*", "/"} and teams:
                return Guess(teams[0].split("/", 1)[1].lower(), name)
    return None


def infer(product: Path) -> Inferred:
    found = Inferred()
    pyproject = _toml(product / "pyproject.toml")
    _identity(product, pyproject, found)
    for name, guess in (
        ("python_version", _python(product, pyproject)),
        ("database", _database(product)),
        ("ui", _ui(product)),
        ("deploy_target", _deploy(product)),
        ("owner_team", _owner(product)),
    ):
        if guess is not None:
            found.guesses[name] = guess
    for name, guess in list(found.guesses.items()):
        try:
            validate_answers({name: guess.value})
        except AnswerError as error:
            del found.guesses[name]
            found.notes.append(f"{name} {guess.value!r} (from {guess.source}) not used: {error}")
    return found
