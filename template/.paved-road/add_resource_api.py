"""The Python code of a new resource: model, migration operations, schemas, CRUD, API routes
and their test. Platform-owned (guarded); what it writes is the product's."""

from __future__ import annotations

from add_resource_spec import Spec, example


def model_module(spec: Spec) -> str:
    columns = {
        "str": "Mapped[str] = mapped_column(String(200))",
        "text": 'Mapped[str] = mapped_column(Text, default="")',
        "int": "Mapped[int] = mapped_column(Integer)",
    }
    lines = "\n".join(f"    {f.name}: {columns[f.kind]}" for f in spec.fields)
    return f'''"""{spec.label}: the table of the resource `make resource` added."""

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from {spec.package}.models.base import Base


class {spec.model}(Base):
    __tablename__ = "{spec.name}"
    # INSERT ... RETURNING brings the database's defaults back in the same statement.
    __mapper_args__ = {{"eager_defaults": True}}  # noqa: RUF012 - SQLAlchemy's own convention

    id: Mapped[int] = mapped_column(primary_key=True)
{lines}
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Who did what: the `sub` of whoever created and last changed it.
    created_by: Mapped[str] = mapped_column(String(255), default="", server_default="")
    updated_by: Mapped[str] = mapped_column(String(255), default="", server_default="")
'''


def migration_ops(spec: Spec) -> tuple[str, str]:
    types = {"str": "sa.String(length=200)", "text": "sa.Text()", "int": "sa.Integer()"}
    columns = "".join(
        f'        sa.Column("{f.name}", {types[f.kind]}, nullable=False),\n' for f in spec.fields
    )
    upgrade = f'''op.create_table(
        "{spec.name}",
        sa.Column("id", sa.Integer(), nullable=False),
{columns}        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("created_by", sa.String(length=255), server_default="", nullable=False),
        sa.Column("updated_by", sa.String(length=255), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_{spec.name}")),
    )'''
    return upgrade, f'op.drop_table("{spec.name}")'


def schema_module(spec: Spec) -> str:
    create = {
        "str": "Text = Field(min_length=1, max_length=200)",
        "text": 'Text = Field(default="", max_length=2000)',
        "int": "Integer",
    }
    update = {
        "str": "Text | None = Field(default=None, min_length=1, max_length=200)",
        "text": "Text | None = Field(default=None, max_length=2000)",
        "int": "Integer | None = None",
    }
    read = {"str": "str", "text": "str", "int": "int"}
    fields = spec.fields
    return f"""from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from {spec.package}.schemas.fields import Integer, PartialUpdate, Text


class {spec.model}Create(BaseModel):
{"".join(f"    {f.name}: {create[f.kind]}{chr(10)}" for f in fields)}

class {spec.model}Update(PartialUpdate):
{"".join(f"    {f.name}: {update[f.kind]}{chr(10)}" for f in fields)}

class {spec.model}Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
{"".join(f"    {f.name}: {read[f.kind]}{chr(10)}" for f in fields)}    created_at: datetime
    created_by: str
    updated_by: str
"""


def crud_module(spec: Spec) -> str:
    m, s = spec.model, spec.singular
    return f'''from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from {spec.package}.models import {m}
from {spec.package}.schemas.{s} import {m}Create, {m}Update


async def list_{spec.name}(
    session: AsyncSession, *, offset: int = 0, limit: int = 100
) -> Sequence[{m}]:
    result = await session.scalars(select({m}).order_by({m}.id).offset(offset).limit(limit))
    return result.all()


async def get_{s}(session: AsyncSession, {s}_id: int) -> {m} | None:
    return await session.get({m}, {s}_id)


async def add_{s}(session: AsyncSession, data: {m}Create, *, by: str) -> {m}:
    """Insert without committing; `by` is the subject (`sub`) of whoever creates it."""
    row = {m}(**data.model_dump(), created_by=by, updated_by=by)
    session.add(row)
    await session.flush()
    return row


async def create_{s}(session: AsyncSession, data: {m}Create, *, by: str) -> {m}:
    row = await add_{s}(session, data, by=by)
    await session.commit()
    return row


async def update_{s}(session: AsyncSession, row: {m}, data: {m}Update, *, by: str) -> {m}:
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(row, field, value)
    row.updated_by = by
    await session.commit()
    return row


async def delete_{s}(session: AsyncSession, row: {m}) -> None:
    await session.delete(row)
    await session.commit()
'''  # noqa: S608 - Python source, not SQL


def routes_module(spec: Spec) -> str:
    m, s, n = spec.model, spec.singular, spec.name
    return f'''"""The API of {spec.one.lower()}s: reading needs `{n}:read`, writing `{n}:write`."""

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse

from {spec.package}.api import idempotency
from {spec.package}.api.deps import SessionDep
from {spec.package}.api.params import IdPath, Limit, Offset
from {spec.package}.core.auth import Principal, requires
from {spec.package}.crud import {n} as crud
from {spec.package}.models import {m}
from {spec.package}.schemas.{s} import {m}Create, {m}Read, {m}Update

router = APIRouter(prefix="/api/{n}", tags=["{n}"])
logger = logging.getLogger(__name__)

Reader = Annotated[Principal, requires("{n}:read")]
Writer = Annotated[Principal, requires("{n}:write")]


async def _get_or_404(session: SessionDep, {s}_id: int) -> {m}:
    row = await crud.get_{s}(session, {s}_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="{spec.one.capitalize()} not found")
    return row


@router.get("", response_model=list[{m}Read])
async def list_{n}(
    _user: Reader, session: SessionDep, offset: Offset = 0, limit: Limit = 100
) -> list[{m}]:
    return list(await crud.list_{n}(session, offset=offset, limit=limit))


@router.post("", response_model={m}Read, status_code=status.HTTP_201_CREATED)
async def create_{s}(
    user: Writer,
    session: SessionDep,
    data: {m}Create,
    request: Request,
    idempotency_key: idempotency.KeyHeader = None,
) -> JSONResponse:
    """Create one. With an `Idempotency-Key`, a retry returns the first answer."""
    request_hash = idempotency.fingerprint(request, data.model_dump_json())
    if idempotency_key is not None:
        replayed = await idempotency.replay(session, idempotency_key, request_hash)
        if replayed is not None:
            return replayed
    row = await crud.add_{s}(session, data, by=user.subject)
    logger.info("{spec.one} created", extra={{"{s}_id": row.id}})
    answer = {m}Read.model_validate(row).model_dump(mode="json")
    # Relative (RFC 9110 allows it): an absolute URL would follow a forged Host header.
    location = request.url_for("read_{s}", {s}_id=row.id).path
    if idempotency_key is None:
        await session.commit()
        return JSONResponse(answer, status_code=201, headers={{"Location": location}})
    return await idempotency.commit_with_answer(
        session, idempotency_key, request_hash, answer, location
    )


@router.get("/{{{s}_id}}", response_model={m}Read)
async def read_{s}(_user: Reader, session: SessionDep, {s}_id: IdPath) -> {m}:
    return await _get_or_404(session, {s}_id)


@router.patch("/{{{s}_id}}", response_model={m}Read)
async def update_{s}(
    user: Writer, session: SessionDep, {s}_id: IdPath, data: {m}Update
) -> {m}:
    row = await _get_or_404(session, {s}_id)
    row = await crud.update_{s}(session, row, data, by=user.subject)
    logger.info("{spec.one} updated", extra={{"{s}_id": {s}_id}})
    return row


@router.delete("/{{{s}_id}}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_{s}(_user: Writer, session: SessionDep, {s}_id: IdPath) -> None:
    await crud.delete_{s}(session, await _get_or_404(session, {s}_id))
    logger.info("{spec.one} deleted", extra={{"{s}_id": {s}_id}})
'''


def api_test(spec: Spec) -> str:
    n = spec.name
    body = ", ".join(f'"{f.name}": {example(f)}' for f in spec.fields)
    first = spec.fields[0]
    changed = {"str": '"Renamed"', "text": '"Other words."', "int": "2"}[first.kind]
    return f'''"""The API of {spec.one}s, from creation to deletion. The platform's bad-input,
limits and idempotency cases run on every resource in tests/guarded/test_every_resource.py."""

from fastapi.testclient import TestClient

EXAMPLE = {{{body}}}


def test_{n}_full_crud(client: TestClient) -> None:
    assert client.get("/api/{n}").json() == []

    created = client.post("/api/{n}", json=EXAMPLE)
    assert created.status_code == 201, created.text
    row = created.json()
    assert {{key: row[key] for key in EXAMPLE}} == EXAMPLE
    assert created.headers["location"] == f"/api/{n}/{{row['id']}}"
    assert client.get(f"/api/{n}/{{row['id']}}").json() == row

    updated = client.patch(f"/api/{n}/{{row['id']}}", json={{"{first.name}": {changed}}})
    assert updated.status_code == 200
    assert updated.json()["{first.name}"] == {changed}
    assert [each["id"] for each in client.get("/api/{n}").json()] == [row["id"]]

    assert client.delete(f"/api/{n}/{{row['id']}}").status_code == 204
    assert client.get(f"/api/{n}/{{row['id']}}").status_code == 404


def test_missing_{spec.singular}_is_404(client: TestClient) -> None:
    assert client.patch("/api/{n}/999", json={{"{first.name}": {changed}}}).status_code == 404
    assert client.delete("/api/{n}/999").status_code == 404
'''
