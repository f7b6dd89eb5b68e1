"""Add a resource: `make resource name=plants fields="name:str water_every_days:int"`.

Writes the model, its migration (chained on the current head, through alembic's own
script.py.mako and post-write hooks), the schemas, CRUD, API routes, the pages of the product's
UI, tests, and the entry in resources.py that mounts it, lists it in the navigation and hands
it to the guarded tests. Platform-owned (guarded): the code it writes is the product's.

Field types: str (a line of text, required), text (free text, optional), int (a whole number).
Bad input is one line on stderr, exit 2, and nothing written.
"""

from __future__ import annotations

import contextlib
import keyword
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from add_resource_api import (
    api_test,
    crud_module,
    migration_ops,
    model_module,
    routes_module,
    schema_module,
)
from add_resource_pages import form_page, list_page, pages_module, pages_test
from add_resource_spa import format_spa, spa_plan
from add_resource_spec import ROOT, BadInput, Field, Spec, add_imports, example

TYPES = ("str", "text", "int")
NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# Names the product's package, URLs, tables or the platform already use.
RESERVED = {
    "api", "assets", "auth", "base", "core", "crud", "deps", "docs", "fields", "forms",
    "health", "healthz", "idempotency", "idempotency_keys", "main", "migrations", "models",
    "openapi", "pages", "params", "readyz", "redoc", "rendering", "resources", "schemas",
    "sign_ins", "spa", "static", "alembic_version", "tests", "users", "sessions", "tokens",
}  # fmt: skip
# Columns every resource has, the names its routes and pages take for themselves, and names
# SQLAlchemy, pydantic or a Jinja dict (`values.items`) already mean something by.
RESERVED_FIELDS = {
    "id", "created_at", "created_by", "updated_by", "request", "user", "session", "notice",
    "values", "data", "row", "error", "errors", "metadata", "registry", "items", "keys", "get",
    "pop", "update", "copy", "clear", "setdefault", "json", "dict", "validate", "schema",
    "construct", "fields",
}  # fmt: skip


def singular_of(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "xes", "ches", "shes", "zes")):
        return name[:-2]
    return name[:-1]


def package_name() -> str:
    packages = [p.name for p in (ROOT / "src").iterdir() if (p / "__init__.py").is_file()]
    if len(packages) != 1:
        raise BadInput(f"src/ must hold exactly one package, found {packages or 'none'}")
    return packages[0]


def parse(name: str, fields: str, singular: str = "") -> Spec:
    package = package_name()
    if not name:
        raise BadInput('name is required: make resource name=plants fields="name:str"')
    if not NAME.match(name) or len(name) > 40:
        raise BadInput(f"name: lower case letters, digits and _, e.g. name=plants (got {name!r})")
    if not name.endswith("s"):
        raise BadInput(f"name must be plural (ending in s), e.g. name=plants (got {name!r})")
    singular = singular or singular_of(name)
    if not NAME.match(singular) or singular == name:
        raise BadInput(f"singular must differ from name and be lower case (got {singular!r})")
    for word in (name, singular):
        if keyword.iskeyword(word) or word in RESERVED or word == package:
            raise BadInput(f"{word!r} is reserved (a Python keyword or a name the product uses)")
    words = fields.split()
    if not words:
        raise BadInput('fields are required: fields="name:str water_every_days:int"')
    parsed: list[Field] = []
    for word in words:
        field, _, kind = word.partition(":")
        if kind not in TYPES:
            raise BadInput(f"field {word!r}: the type must be one of {', '.join(TYPES)}")
        if not NAME.match(field) or keyword.iskeyword(field) or len(field) > 40:
            raise BadInput(f"field {word!r}: the name must be lower case letters, digits, _")
        if field in RESERVED_FIELDS or field == f"{singular}_id" or field.startswith("model_"):
            raise BadInput(f"field {field!r} is reserved: the resource or its code uses the name")
        if field in {f.name for f in parsed}:
            raise BadInput(f"field {field!r} is given twice")
        parsed.append(Field(field, kind))
    ui = "server" if (ROOT / "src" / package / "pages").is_dir() else "none"
    if (ROOT / "frontend").is_dir():
        ui = "spa"
    return Spec(package, name, singular, tuple(parsed), ui)


def registry_entry(spec: Spec) -> tuple[list[str], str]:
    p, n = spec.package, spec.name
    imports = [f"from {p}.api.routes import {n}"]
    body = ", ".join(f'"{f.name}": {example(f)}' for f in spec.fields)
    lines = [
        "    Resource(",
        f'        name="{n}",',
        f"        api={n}.router,",
        f"        example={{{body}}},",
    ]
    if spec.ui == "server":
        imports.append(f"from {p}.pages import {n} as {n}_pages")
        lines.append(f"        pages={n}_pages.router,")
        lines.append(f'        nav=(("{spec.label}", "{n}_list"),),')
    lines.append("    ),")
    return imports, "\n".join(lines) + "\n"


MARKER = "    # make resource adds new resources above this line.\n"


def plan(spec: Spec) -> dict[Path, str]:
    """Every file to write or change, with its whole new text (nothing is written yet)."""
    package = ROOT / "src" / spec.package
    new = {
        package / "models" / f"{spec.singular}.py": model_module(spec),
        package / "schemas" / f"{spec.singular}.py": schema_module(spec),
        package / "crud" / f"{spec.name}.py": crud_module(spec),
        package / "api" / "routes" / f"{spec.name}.py": routes_module(spec),
        ROOT / "tests" / "api" / f"test_{spec.name}.py": api_test(spec),
    }
    if spec.ui == "server":
        new[package / "pages" / f"{spec.name}.py"] = pages_module(spec)
        new[package / "templates" / spec.name / "list.html"] = list_page(spec)
        new[package / "templates" / spec.name / "form.html"] = form_page(spec)
        new[ROOT / "tests" / f"test_{spec.name}_pages.py"] = pages_test(spec)
    changed: dict[Path, str] = {}
    if spec.ui == "spa":
        screens, changed = spa_plan(spec)
        new.update(screens)
    registry = package / "resources.py"
    registry_text = registry.read_text()
    if f'name="{spec.name}"' in registry_text:
        raise BadInput(f"{spec.name!r} is already a resource (src/{spec.package}/resources.py)")
    for path in new:
        if path.exists():
            raise BadInput(f"{path.relative_to(ROOT)} exists already: {spec.name!r} is taken")
    if MARKER not in registry_text:
        raise BadInput(f"resources.py lacks the line {MARKER.strip()!r} that marks where to add")
    imports, entry = registry_entry(spec)
    registry_text = add_imports(registry_text, imports, f"from {spec.package}.")
    changed[registry] = registry_text.replace(MARKER, entry + MARKER)
    models = package / "models" / "__init__.py"
    models_text = add_imports(
        models.read_text(),
        [f"from {spec.package}.models.{spec.singular} import {spec.model}"],
        f"from {spec.package}.models.",
    )
    listed = re.search(r"__all__ = \[([^\]]*)\]", models_text)
    if listed is None:
        raise BadInput(f"src/{spec.package}/models/__init__.py has no __all__ list to add to")
    names = sorted({*re.findall(r'"(\w+)"', listed.group(1)), spec.model})
    all_line = "__all__ = [" + ", ".join(f'"{name}"' for name in names) + "]"
    changed[models] = models_text.replace(listed.group(0), all_line)
    return {**new, **changed}


def scripts() -> Any:
    """The product's Alembic scripts. Imported only here: bad input is refused (exit 2) by any
    Python, before the product's environment is needed."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))


def head_revision() -> str:
    heads: list[str] = scripts().get_heads()
    if len(heads) != 1:
        raise BadInput(
            f"the migrations have {len(heads)} heads ({', '.join(heads)}): merge them first "
            '(uv run alembic merge heads -m "merge")'
        )
    return heads[0]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Alembic's progress lines and its post-write hooks' output (ruff, a subprocess) away from
    the terminal: the list of files written says it all."""
    sys.stdout.flush()
    saved = os.dup(1)
    with Path(os.devnull).open("wb") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def write_migration(spec: Spec, head: str) -> Path:
    from alembic.util import rev_id

    upgrade, downgrade = migration_ops(spec)
    with quiet():
        revision = scripts().generate_revision(
            rev_id(),
            f"add {spec.name}",
            head=head,
            upgrades=upgrade,
            downgrades=downgrade,
            imports="",
        )
    assert revision is not None
    return Path(revision.path)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print('usage: make resource name=plants fields="name:str size:int"', file=sys.stderr)
        return 2
    try:
        spec = parse(*argv)
        files = plan(spec)
        head = head_revision()
    except BadInput as problem:
        print(f"make resource: {problem}", file=sys.stderr)
        return 2
    originals = {path: path.read_text() if path.exists() else None for path in files}
    written: list[Path] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
        written.append(write_migration(spec, head))
        python = [str(p) for p in written if p.suffix == ".py"]
        ruff = [sys.executable, "-m", "ruff"]
        subprocess.run([*ruff, "check", "--fix", "--quiet", *python], check=True, cwd=ROOT)  # noqa: S603
        subprocess.run([*ruff, "format", "--quiet", *python], check=True, cwd=ROOT)  # noqa: S603
        format_spa([p for p in written if p.suffix in {".ts", ".tsx"}])
    except BaseException:
        # Nothing half-written: put every file back as it was.
        for path in written:
            if originals.get(path) is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(originals[path] or "")
        raise
    for path in sorted(written):
        print(f"  wrote {path.relative_to(ROOT)}")
    print(f"Added the resource {spec.name}. Next: make migrate, then make check.")
    if spec.ui == "spa" and not (ROOT / "frontend" / "node_modules").is_dir():
        print("Then make frontend-fmt: the SPA's tools were not installed to format its screens.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
