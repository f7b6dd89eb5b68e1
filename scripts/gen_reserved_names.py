"""Write the names a product's package and slug must not take, from real interpreters and a lock.

- ``stdlib_modules.json``: the top-level standard-library modules of each Python the template
  supports, read from that interpreter (found with ``uv python find``), not from the Python
  running copier. ``sys.stdlib_module_names`` leaves out ``test`` (and a few more) that a plain
  ``import`` still finds before a product's own package, so the stdlib folders are listed too.
- ``dependency_names.json``: the distributions of the reference products' locked dependency
  closures (``scripts/reference-product-{postgres,sqlite}.uv.lock``) and the top-level modules
  they install, read from throwaway environments synced from those locks.

    python scripts/gen_reserved_names.py            # regenerate both from the committed lock
    python scripts/gen_reserved_names.py --relock   # lock the reference products afresh first
    python scripts/gen_reserved_names.py --check    # exit 1 when the committed files are stale
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "extensions" / "paved_road" / "data"
STDLIB_FILE = DATA / "stdlib_modules.json"
DEPENDENCY_FILE = DATA / "dependency_names.json"
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
DATABASES = ("postgres", "sqlite")
# The widest closure: a product per database (PostgreSQL adds psycopg, SQLite aiosqlite), each
# with a UI (Playwright), and the lowest Python, which keeps every version marker in the lock.
REFERENCE_ANSWERS = {
    "product_name": "Reference Product",
    "python_version": PYTHON_VERSIONS[0],
    "ui": "server",
    "deploy_target": "kubernetes",
}
REFERENCE_SLUG = "reference-product"


def reference_lock(database: str) -> Path:
    return ROOT / "scripts" / f"reference-product-{database}.uv.lock"


_LIST_STDLIB = """
import json, pkgutil, sys, sysconfig
paths = {sysconfig.get_path(key) for key in ("stdlib", "platstdlib")}
paths |= {path for path in sys.path if path.endswith("lib-dynload")}
names = set(sys.stdlib_module_names) | set(sys.builtin_module_names)
names |= {module.name for module in pkgutil.iter_modules(sorted(paths))}
print(json.dumps(sorted(names)))
"""
_LIST_IMPORTS = """
import json
from importlib.metadata import packages_distributions
print(json.dumps({name: sorted(set(dists)) for name, dists in packages_distributions().items()}))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    env.setdefault("PYENV_VERSION", "3.11.7:3.12.1:3.13.0")
    for leak in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH"):
        env.pop(leak, None)
    return env


def _run(command: list[str], cwd: Path | None = None) -> str:
    return subprocess.run(
        command, cwd=cwd, env=_env(), capture_output=True, text=True, check=True
    ).stdout


def _uv() -> str:
    return shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"


def normalize(name: str) -> str:
    """PEP 503: 'Pydantic_Settings' -> 'pydantic-settings'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def stdlib_modules() -> dict[str, list[str]]:
    result = {}
    for version in PYTHON_VERSIONS:
        python = _run([_uv(), "python", "find", "--no-project", version]).strip()
        result[version] = json.loads(_run([python, "-c", _LIST_STDLIB]))
    return result


def _render_reference(dst: Path, database: str) -> Path:
    import copier  # noqa: PLC0415 - only this step needs it (and its 0.6 s import)

    copier.run_copy(
        str(ROOT), dst, data={**REFERENCE_ANSWERS, "database": database}, vcs_ref="HEAD",
        defaults=True, unsafe=True, quiet=True, skip_tasks=True,
    )  # fmt: skip
    return dst


def relock(product: Path, lock: Path) -> None:
    (product / "uv.lock").unlink(missing_ok=True)
    _run([_uv(), "lock", "--quiet"], cwd=product)
    shutil.copyfile(product / "uv.lock", lock)


def lock_is_current(product: Path, lock: Path) -> bool:
    """Whether the reference lock still locks the template's dependencies as they are now."""
    shutil.copyfile(lock, product / "uv.lock")
    command = [_uv(), "lock", "--check", "--quiet"]
    result = subprocess.run(command, cwd=product, env=_env(), capture_output=True, check=False)
    return result.returncode == 0


def dependency_names(product: Path, lock: Path) -> tuple[set[str], set[str]]:
    """The closure's distribution names, and every top-level module they install here."""
    lock_text = lock.read_text()
    packages = tomllib.loads(lock_text)["package"]
    dists = {normalize(p["name"]) for p in packages if p["name"] != REFERENCE_SLUG}
    (product / "uv.lock").write_text(lock_text)
    _run([_uv(), "sync", "--frozen", "--all-groups", "--no-install-project", "--quiet"],
         cwd=product)  # fmt: skip
    installed = json.loads(_run([str(product / ".venv/bin/python"), "-c", _LIST_IMPORTS]))
    imports = {
        module.lower()
        for module, owners in installed.items()
        if module.isidentifier() and any(normalize(owner) in dists for owner in owners)
    }
    # A distribution not installed on this platform (colorama on Windows) still claims the
    # import name its own name suggests.
    imports |= {dist.replace("-", "_") for dist in dists}
    return dists, imports


def _dump(data: object) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main() -> int:
    arguments = sys.argv[1:]
    dists: set[str] = set()
    imports: set[str] = set()
    for database in DATABASES:
        lock = reference_lock(database)
        with tempfile.TemporaryDirectory() as scratch:
            product = _render_reference(Path(scratch) / REFERENCE_SLUG, database)
            if "--relock" in arguments:
                relock(product, lock)
            if "--check" in arguments and not lock_is_current(product, lock):
                print(
                    f"{lock.relative_to(ROOT)} no longer locks the template's dependencies:"
                    " run python scripts/gen_reserved_names.py --relock"
                )
                return 1
            more_dists, more_imports = dependency_names(product, lock)
        dists |= more_dists
        imports |= more_imports
    files = {
        STDLIB_FILE: _dump(stdlib_modules()),
        DEPENDENCY_FILE: _dump({"distributions": sorted(dists), "imports": sorted(imports)}),
    }
    if "--check" in arguments:
        stale = [path for path, text in files.items() if path.read_text() != text]
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run python scripts/gen_reserved_names.py")
        return 1 if stale else 0
    DATA.mkdir(exist_ok=True)
    for path, text in files.items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
