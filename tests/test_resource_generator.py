"""`make resource` in a product: a second resource, hardened like the sample, passing the
product's own `make check`; bad input refused in one line with nothing written."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cases import CHECK_CASES
from tests.shared import MypyCaches, Renders
from tests.support import commit_all, git, run

PACKAGE = "demo_shop"
FIELDS = "name:str water_every_days:int notes:text"


def product_for(renders: Renders, template: Path, dst: Path, ui: str, *, tasks: bool) -> Path:
    product = renders.product_copy(
        template, dst, {**CHECK_CASES["default"], "ui": ui}, skip_tasks=not tasks
    )
    git(product, "init", "--quiet", "--initial-branch=main")
    commit_all(product, "Initial product from the paved road")
    return product


# Each bad input, and the words its one line must hold.
BAD_INPUT = [
    (["Plants", FIELDS], "name: lower case letters, digits and _, e.g. name=plants"),
    (["", FIELDS], "name is required"),
    (["plant", FIELDS], "name must be plural"),
    (["items", FIELDS], "'items' is already a resource"),
    (["statics", FIELDS], "'static' is reserved"),
    (["classes", FIELDS], "'class' is reserved"),
    (["plants", "name:float"], "the type must be one of str, text, int"),
    (["plants", "name"], "the type must be one of str, text, int"),
    (["plants", ""], "fields are required"),
    (["plants", "id:int"], "field 'id' is reserved"),
    (["plants", "items:str"], "field 'items' is reserved"),
    (["plants", "name:str name:int"], "field 'name' is given twice"),
    (["plants", "Name:str"], "the name must be lower case"),
]


def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    renders: Renders, template_repo: Path, tmp_path: Path
) -> None:
    product = product_for(renders, template_repo, tmp_path / "product", "server", tasks=False)
    for args, message in BAD_INPUT:
        # Any Python refuses bad input: the product's environment is needed only to write.
        result = run(
            [sys.executable, ".paved-road/add_resource.py", *args], cwd=product, check=False
        )
        assert result.returncode == 2, (args, result.stdout + result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (args, result.stderr)
        assert lines[0].startswith("make resource: ") and message in lines[0], (args, lines[0])
        assert git(product, "status", "--porcelain").stdout == "", args


@pytest.mark.slow(reason="uv sync, make resource, then the product's whole make check")
@pytest.mark.parametrize("ui", ["server", "spa", "none"])
def test_a_generated_resource_passes_make_check(
    renders: Renders,
    template_repo: Path,
    tmp_path: Path,
    *,
    ui: str,
    seed_npm: Callable[[Path], None],
    mypy_caches: MypyCaches,
) -> None:
    product = product_for(renders, template_repo, tmp_path / "product", ui, tasks=True)
    seed_npm(product)
    alembic = ["uv", "run", "--locked", "alembic", "heads"]
    head = run(alembic, cwd=product).stdout.split()[0]
    added = run(["make", "resource", "name=plants", f"fields={FIELDS}"], cwd=product)
    assert "Added the resource plants." in added.stdout
    package = product / "src" / PACKAGE
    migration = next((package / "migrations" / "versions").glob("*_add_plants.py"))
    text = migration.read_text()
    # Alembic's normal chaining: the new migration revises the head before it, and is the head.
    assert re.search(rf'^down_revision: [^=]+= "{head}"$', text, re.MULTILINE), text[:600]
    revision = re.search(r'^revision: str = "(\w+)"$', text, re.MULTILINE)
    assert revision is not None, text[:600]
    assert run(alembic, cwd=product).stdout.split() == [revision[1], "(head)"]
    assert 'name="plants"' in (package / "resources.py").read_text()
    if ui == "server":
        form = (package / "templates" / "plants" / "form.html").read_text()
        assert 'type="number"' in form and "multiline=true" in form
    # The same name again is an existing resource: refused, nothing more written.
    git(product, "add", "-A")
    before = git(product, "status", "--porcelain").stdout
    again = run(["make", "resource", "name=plants", "fields=name:str"], cwd=product, check=False)
    assert again.returncode != 0
    assert "make resource: 'plants' is already a resource" in again.stderr
    assert git(product, "status", "--porcelain").stdout == before
    # The guarded tests find the new resource and run the platform's cases on it too.
    collected = run(
        ["uv", "run", "--locked", "pytest", "--collect-only", "-q", "tests/guarded"], cwd=product
    )
    assert "test_every_resource.py::test_a_body_over_the_limit_is_413" in collected.stdout
    assert "[plants]" in collected.stdout and "[items]" in collected.stdout
    mypy_caches.seed(product)  # a copy of a warm cache: mypy still checks this product's code
    checked = run(["make", "check"], cwd=product)
    mypy_caches.keep(product)
    assert "migrations-check: downgrade base: ok" in checked.stdout
