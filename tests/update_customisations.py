"""What a product team does to its product between two template releases, done for real.

A new route with its model and its own Alembic migration, an edited README, a dependency added
with ``uv add``, a changed setting in a shared file (the Makefile), a new test, and edits to the
file the template moves in 0.1.0. ``check_customised`` asserts every one survived an update.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import commit_all, run
from tests.update_support import MOVED_FROM, MOVED_TO

# A runtime dependency of the product's own; sorts after the template's, as `uv add` keeps it.
ADDED_DEPENDENCY = "zstandard"
README_NOTE = "## Orders\n\nOrders are the product's own resource: `/api/orders`.\n"
PORT_LINE = "PORT ?= 8080"
ITEMS_EDIT = ('"First"', '"Primero"')

ORDER_MODEL = '''"""Orders: the product's own resource."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from {pkg}.models.base import Base


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(default=1)
'''

ORDER_MIGRATION = '''"""Orders table.

Revision ID: 5b0e7a3c91d2
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b0e7a3c91d2"  # an id from `alembic revision`, never the template's numbering
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )


def downgrade() -> None:
    op.drop_table("orders")
'''

ORDER_ROUTE = '''"""Orders API: the product's own route."""

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from {pkg}.api.deps import SessionDep
from {pkg}.models.order import Order

router = APIRouter(prefix="/api/orders", tags=["orders"])


class OrderIn(BaseModel):
    reference: str = Field(min_length=1, max_length=40)
    quantity: int = Field(default=1, ge=1)


class OrderOut(OrderIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


@router.post("", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
def create_order(session: SessionDep, data: OrderIn) -> Order:
    order = Order(reference=data.reference, quantity=data.quantity)
    session.add(order)
    session.commit()
    session.refresh(order)
    return order
'''

ORDER_TEST = """from fastapi.testclient import TestClient


def test_orders_are_created(client: TestClient) -> None:
    response = client.post("/api/orders", json={"reference": "A-1", "quantity": 2})
    assert response.status_code == 201
    assert response.json() == {"reference": "A-1", "quantity": 2, "id": 1}
"""


def _rebase_migration(versions: Path) -> None:
    """Put the product's own migration on top of the template's newest one (one head)."""
    ours = versions / "0002_orders.py"
    revisions, parents = {}, set()
    for path in versions.glob("*.py"):
        if path == ours:
            continue
        text = path.read_text()
        revision = re.search(r'^revision: str = "([^"]+)"', text, re.MULTILINE)
        parent = re.search(r'^down_revision: str \| None = "([^"]+)"', text, re.MULTILINE)
        if revision:
            revisions[revision[1]] = path
        if parent:
            parents.add(parent[1])
    heads = sorted(set(revisions) - parents)
    assert len(heads) == 1, heads
    text = ours.read_text().replace(
        'down_revision: str | None = "0001"', f'down_revision: str | None = "{heads[0]}"'
    )
    ours.write_text(text.replace("Revises: 0001", f"Revises: {heads[0]}"))


def follow_upgrade_notes(product: Path, package: str) -> None:
    """What the changelog's Upgrade notes ask of the product's own code after the update: its
    migration goes on top of the template's new ones, its routes declare who may call them,
    and routes are ``async`` once the template's session is an ``AsyncSession``."""
    versions = product / "src" / package / "migrations" / "versions"
    if not any(versions.glob("merge_*.py")):  # the update already joined the two heads
        _rebase_migration(versions)
    _declare_access(product, package)
    _mount_router(product, package)
    deps = (product / "src" / package / "api" / "deps.py").read_text()
    if "AsyncSession" not in deps:
        return
    route = product / "src" / package / "api" / "routes" / "orders.py"
    text = route.read_text()
    for old, new in (
        ("def create_order(", "async def create_order("),
        ("    session.commit()", "    await session.commit()"),
        ("    session.refresh(order)", "    await session.refresh(order)"),
    ):
        assert old in text, f"{old!r} not in {route}"
        text = text.replace(old, new)
    route.write_text(text)


def _mount_router(product: Path, package: str) -> None:
    """A router that is not a CRUD resource is included after the registry's (resources.py)."""
    main = product / "src" / package / "main.py"
    routes = re.search(rf"^from {package}\.api\.routes import (.+)$", main.read_text(), re.M)
    assert routes, f"no import of the routes in {main}"
    _edit(main, routes[0], f"{routes[0]}, orders")
    _edit(
        main,
        "    mount_resources(app)\n",
        "    mount_resources(app)\n    app.include_router(orders.router)\n",
    )


def _declare_access(product: Path, package: str) -> None:
    """Identity: every route says who may call it (`make check` names one that does not)."""
    if not (product / "src" / package / "core" / "auth.py").exists():
        return
    route = product / "src" / package / "api" / "routes" / "orders.py"
    _edit(
        route,
        'router = APIRouter(prefix="/api/orders", tags=["orders"])',
        'router = APIRouter(prefix="/api/orders", tags=["orders"], dependencies=[requires()])',
    )
    _edit(
        route,
        f"from {package}.api.deps import SessionDep\n",
        f"from {package}.api.deps import SessionDep\nfrom {package}.core.auth import requires\n",
    )


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


def customise(product: Path, package: str) -> None:
    """Apply every customisation and commit, as the product team would."""
    src = product / "src" / package
    (src / "models" / "order.py").write_text(ORDER_MODEL.format(pkg=package))
    # An explicit re-export (`as Order`), not an edit of `__all__`, which releases change too.
    _edit(
        src / "models" / "__init__.py",
        f"from {package}.models.item import Item\n",
        f"from {package}.models.item import Item\n"
        f"from {package}.models.order import Order as Order\n",
    )
    (src / "migrations" / "versions" / "0002_orders.py").write_text(ORDER_MIGRATION)
    (src / "api" / "routes" / "orders.py").write_text(ORDER_ROUTE.format(pkg=package))
    # main.py is left alone: the release that moved routers into resources.py (issue 19)
    # rewrote every line a team could add a router beside; the upgrade notes mount it after.
    (product / "tests" / "test_orders.py").write_text(ORDER_TEST)
    # Below the introduction, where product teams write about their product.
    _edit(product / "README.md", "\n## Start\n", f"\n{README_NOTE}\n## Start\n")
    _edit(product / "Makefile", "PORT ?= 8000", PORT_LINE)
    items_tests = MOVED_FROM if (product / MOVED_FROM).exists() else MOVED_TO
    _edit(product / items_tests, *ITEMS_EDIT, count=-1)
    run(["uv", "add", "--quiet", "--no-sync", f"{ADDED_DEPENDENCY}>=0.23"], cwd=product)
    commit_all(product, f"product work: orders, README, {ADDED_DEPENDENCY}, port, tests")


# Paths the customisations touch: every other file must equal a fresh render of the new version.
CUSTOMISED = {
    "README.md",
    "Makefile",
    "pyproject.toml",
    "uv.lock",
    "tests/test_orders.py",
    MOVED_TO,
}


def customised_src(package: str) -> set[str]:
    base = f"src/{package}"
    return {
        f"{base}/models/order.py",
        f"{base}/models/__init__.py",
        f"{base}/migrations/versions/0002_orders.py",
        f"{base}/api/routes/orders.py",
    }


def check_customised(product: Path, package: str) -> None:
    """Every customisation is still there after the update."""
    src = product / "src" / package
    assert "class Order(Base)" in (src / "models" / "order.py").read_text()
    assert (
        f"from {package}.models.order import Order" in (src / "models" / "__init__.py").read_text()
    )
    assert (
        'down_revision: str | None = "0001"'
        in (src / "migrations" / "versions" / "0002_orders.py").read_text()
    )
    assert (product / "tests" / "test_orders.py").read_text() == ORDER_TEST
    assert README_NOTE in (product / "README.md").read_text()
    assert PORT_LINE in (product / "Makefile").read_text()
    project = (product / "pyproject.toml").read_text().split("[dependency-groups]")[0]
    assert f'"{ADDED_DEPENDENCY}>=0.23"' in project
    assert f'name = "{ADDED_DEPENDENCY}"' in (product / "uv.lock").read_text()
    moved = (product / MOVED_TO).read_text()
    assert ITEMS_EDIT[1] in moved and ITEMS_EDIT[0] not in moved
    assert not (product / MOVED_FROM).exists()
