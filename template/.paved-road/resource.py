"""Add a resource: `make resource name=plants fields="name:str water_every_days:int"`.

Writes the model, its migration (chained on the current head, through alembic's own
script.py.mako and post-write hooks), the schemas, CRUD, API routes, the pages of the product's
UI, tests, and the entry in resources.py that mounts it, lists it in the navigation and hands
it to the guarded tests. Platform-owned (guarded): the code it writes is the product's.

Field types: str (a line of text, required), text (free text, optional), int (a whole number).
Bad input is one line on stderr, exit 2, and nothing written.
"""

from __future__ import annotations

import keyword
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TYPES = ("str", "text", "int")
NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# Names the product's package, URLs, tables or the platform already use.
RESERVED = {
    "api", "assets", "auth", "base", "core", "crud", "deps", "docs", "fields", "forms",
    "health", "healthz", "idempotency", "idempotency_keys", "main", "migrations", "models",
    "openapi", "pages", "params", "readyz", "redoc", "rendering", "resources", "schemas",
    "sign_ins", "spa", "static", "alembic_version", "tests", "users", "sessions", "tokens",
}  # fmt: skip
# Columns every resource has, and the names its routes take for themselves.
RESERVED_FIELDS = {"id", "created_at", "created_by", "updated_by", "request", "user", "session"}


class BadInput(Exception):
    """What to fix, in one line."""


@dataclass(frozen=True)
class Field:
    name: str
    kind: str

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Spec:
    package: str
    name: str  # plural: plants
    singular: str  # plant
    fields: tuple[Field, ...]
    ui: str  # server, spa or none

    @property
    def model(self) -> str:
        return "".join(part.capitalize() for part in self.singular.split("_"))

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()

    @property
    def one(self) -> str:
        return self.singular.replace("_", " ")


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
        if field in RESERVED_FIELDS | {f"{singular}_id", "notice"}:
            raise BadInput(f"field {field!r} is reserved: every resource has it already")
        if field in {f.name for f in parsed}:
            raise BadInput(f"field {field!r} is given twice")
        parsed.append(Field(field, kind))
    ui = "server" if (ROOT / "src" / package / "pages").is_dir() else "none"
    if (ROOT / "frontend").is_dir():
        ui = "spa"
    return Spec(package, name, singular, tuple(parsed), ui)


def example(field: Field) -> str:
    return {"str": f'"{field.label} 1"', "text": '"A few words."', "int": "1"}[field.kind]


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


def pages_module(spec: Spec) -> str:
    m, s, n = spec.model, spec.singular, spec.name
    params = "".join(f'    {f.name}: FormField = "",\n' for f in spec.fields)
    values = ", ".join(f'"{f.name}": {f.name}' for f in spec.fields)
    blank = ", ".join(f'"{f.name}": ""' for f in spec.fields)
    current = ", ".join(f'"{f.name}": str(row.{f.name})' for f in spec.fields)
    title = spec.fields[0].name
    one = spec.one.capitalize()
    return f'''"""Pages of {spec.one}s: list, create, edit. Plain HTML forms that post back
here; the server validates and explains. Reading needs `{n}:read` and writing `{n}:write`."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from {spec.package}.api.deps import SessionDep
from {spec.package}.api.params import IdPath
from {spec.package}.core.auth import Principal, requires
from {spec.package}.crud import {n} as crud
from {spec.package}.models import {m}
from {spec.package}.pages.forms import UNPROCESSABLE, FormField, field_errors
from {spec.package}.pages.rendering import templates, who
from {spec.package}.schemas.{s} import {m}Create, {m}Update

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, requires("{n}:read")]
Writer = Annotated[Principal, requires("{n}:write")]

# Messages shown after a redirect (post/redirect/get), chosen by a query parameter.
NOTICES = {{"created": "{one} created.", "saved": "{one} saved."}}


def _form_page(
    request: Request,
    user: Principal,
    *,
    heading: str,
    action: str,
    submit_label: str,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "{n}/form.html",
        {{
            "heading": heading,
            "action": action,
            "submit_label": submit_label,
            "values": values,
            "errors": errors or {{}},
            **who(request, user),
        }},
        status_code=UNPROCESSABLE if errors else status.HTTP_200_OK,
    )


async def _get_or_404(session: SessionDep, {s}_id: int) -> {m}:
    row = await crud.get_{s}(session, {s}_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="{spec.one.capitalize()} not found")
    return row


@router.get("/{n}", response_class=HTMLResponse, name="{n}_list")
async def list_page(
    request: Request, user: Reader, session: SessionDep, notice: str = ""
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "{n}/list.html",
        {{
            "rows": await crud.list_{n}(session, limit=100),
            "notice": NOTICES.get(notice),
            **who(request, user),
        }},
    )


@router.get("/{n}/new", response_class=HTMLResponse, name="{s}_new")
async def new_page(request: Request, user: Writer) -> HTMLResponse:
    return _form_page(
        request,
        user,
        heading="New {spec.one}",
        action=request.url_for("{s}_create").path,
        submit_label="Create {spec.one}",
        values={{{blank}}},
    )


@router.post("/{n}/new", name="{s}_create", response_model=None)
async def create(
    request: Request,
    user: Writer,
    session: SessionDep,
{params}) -> Response:
    values = {{{values}}}
    try:
        data = {m}Create.model_validate(values)
    except ValidationError as error:
        return _form_page(
            request,
            user,
            heading="New {spec.one}",
            action=request.url_for("{s}_create").path,
            submit_label="Create {spec.one}",
            values=values,
            errors=field_errors(error),
        )
    await crud.create_{s}(session, data, by=user.subject)
    return RedirectResponse(
        f"{{request.url_for('{n}_list').path}}?notice=created",
        status_code=status.HTTP_303_SEE_OTHER,
    )


@router.get("/{n}/{{{s}_id}}/edit", response_class=HTMLResponse, name="{s}_edit")
async def edit_page(
    request: Request, user: Writer, session: SessionDep, {s}_id: IdPath
) -> HTMLResponse:
    row = await _get_or_404(session, {s}_id)
    return _form_page(
        request,
        user,
        heading=f"Edit {{row.{title}}}",
        action=request.url_for("{s}_update", {s}_id=row.id).path,
        submit_label="Save",
        values={{{current}}},
    )


@router.post("/{n}/{{{s}_id}}/edit", name="{s}_update", response_model=None)
async def update(
    request: Request,
    user: Writer,
    session: SessionDep,
    {s}_id: IdPath,
{params}) -> Response:
    row = await _get_or_404(session, {s}_id)
    values = {{{values}}}
    try:
        data = {m}Update.model_validate(values)
    except ValidationError as error:
        return _form_page(
            request,
            user,
            heading=f"Edit {{row.{title}}}",
            action=request.url_for("{s}_update", {s}_id=row.id).path,
            submit_label="Save",
            values=values,
            errors=field_errors(error),
        )
    await crud.update_{s}(session, row, data, by=user.subject)
    return RedirectResponse(
        f"{{request.url_for('{n}_list').path}}?notice=saved",
        status_code=status.HTTP_303_SEE_OTHER,
    )
'''


def list_page(spec: Spec) -> str:
    s = spec.singular
    title = spec.fields[0].name
    headers = ", ".join(f'"{f.label}"' for f in spec.fields)
    cells = ", ".join(f"row.{f.name}" for f in spec.fields)
    return f"""{{% extends "base.html" %}}
{{% import "components.html" as ui %}}
{{% block title %}}{spec.label}{{% endblock %}}
{{% block content %}}
<div class="page-header">
  <h1 class="page-header__title">{spec.label}</h1>
  {{% if rows %}}{{{{ ui.link_button("New {spec.one}", url_for("{s}_new").path) }}}}{{% endif %}}
</div>
{{% if notice %}}{{{{ ui.alert(notice, kind="success") }}}}{{% endif %}}
{{% if rows %}}
{{% set table = namespace(rows=[]) %}}
{{% for row in rows %}}
  {{% set edit = ui.link("Edit", url_for("{s}_edit", {s}_id=row.id).path, context=row.{title}) %}}
  {{% set table.rows = table.rows + [[{cells}, row.updated_by or row.created_by, edit]] %}}
{{% endfor %}}
{{{{ ui.table(caption="All {spec.one}s", headers=[{headers}, "Changed by", "Actions"],
             rows=table.rows) }}}}
{{% else %}}
{{{{ ui.empty_state(
    "No {spec.one}s yet",
    "{spec.label} you create appear here.",
    action_label="New {spec.one}",
    action_href=url_for("{s}_new").path,
) }}}}
{{% endif %}}
{{% endblock %}}
"""


def form_page(spec: Spec) -> str:
    labels = ", ".join(f'"{f.name}": "{f.label}"' for f in spec.fields)
    inputs = []
    for f in spec.fields:
        extra = {
            "str": ", required=true",
            "text": ", multiline=true",
            "int": ', type="number", required=true',
        }[f.kind]
        inputs.append(
            f'  {{{{ ui.field("{f.name}", "{f.label}", value=values.{f.name}, '
            f'error=errors.get("{f.name}"){extra}) }}}}'
        )
    fields = "\n".join(inputs)
    return f"""{{% extends "base.html" %}}
{{% import "components.html" as ui %}}
{{% block title %}}{{{{ heading }}}}{{% endblock %}}
{{% block content %}}
<div class="page-header">
  <h1 class="page-header__title">{{{{ heading }}}}</h1>
</div>
{{{{ ui.error_summary(errors, labels={{{labels}}}) }}}}
{{% call ui.card() %}}
{{#- novalidate: the server validates and explains; the browser's own bubbles would hide that. -#}}
<form class="form" method="post" action="{{{{ action }}}}" novalidate>
  {{% if csrf_token %}}
  <input type="hidden" name="csrf_token" value="{{{{ csrf_token }}}}">
  {{% endif %}}
{fields}
  <div class="form__actions">
    {{{{ ui.button(submit_label) }}}}
    {{{{ ui.link("Cancel", url_for("{spec.name}_list").path) }}}}
  </div>
</form>
{{% endcall %}}
{{% endblock %}}
"""


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


def pages_test(spec: Spec) -> str:
    n = spec.name
    form = ", ".join(
        f'"{f.name}": {example(f) if f.kind != "int" else chr(34) + "1" + chr(34)}'
        for f in spec.fields
    )
    bad = ", ".join(f'"{f.name}": ""' for f in spec.fields)
    first = spec.fields[0]
    message = "Enter a whole number, such as 3." if first.kind == "int" else "Enter a value."
    return f'''"""The pages of {spec.one}s over HTTP, as a browser without JavaScript uses them."""

from fastapi.testclient import TestClient


def test_the_list_is_in_the_navigation_and_starts_empty(client: TestClient) -> None:
    response = client.get("/{n}")
    assert response.status_code == 200
    assert "No {spec.one}s yet" in response.text
    assert 'href="/{n}"' in client.get("/").text


def test_a_form_with_mistakes_explains_them_then_creates(client: TestClient) -> None:
    invalid = client.post("/{n}/new", data={{{bad}}})
    assert invalid.status_code == 422
    assert 'aria-invalid="true"' in invalid.text
    assert "{message}" in invalid.text
    assert client.get("/api/{n}").json() == []

    created = client.post("/{n}/new", data={{{form}}}, follow_redirects=False)
    assert created.status_code == 303
    assert created.headers["location"] == "/{n}?notice=created"
    assert len(client.get("/api/{n}").json()) == 1
    row = client.get("/api/{n}").json()[0]
    edit = client.get(f"/{n}/{{row['id']}}/edit")
    assert edit.status_code == 200
    saved = client.post(
        f"/{n}/{{row['id']}}/edit", data={{{form}}}, follow_redirects=False
    )
    assert saved.headers["location"] == "/{n}?notice=saved"
'''


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


def add_imports(text: str, imports: list[str], after: str) -> str:
    """The imports after the last line starting with `after` (ruff sorts them afterwards)."""
    lines = text.splitlines(keepends=True)
    last = max((i for i, line in enumerate(lines) if line.startswith(after)), default=-1)
    if last < 0:
        raise BadInput(f"found no line starting with {after!r} to add imports after")
    return "".join([*lines[: last + 1], *(f"{line}\n" for line in imports), *lines[last + 1 :]])


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
    changed = {registry: registry_text.replace(MARKER, entry + MARKER)}
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


def write_migration(spec: Spec, head: str) -> Path:
    from alembic.util import rev_id

    upgrade, downgrade = migration_ops(spec)
    revision = scripts().generate_revision(
        rev_id(), f"add {spec.name}", head=head, upgrades=upgrade, downgrades=downgrade, imports=""
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
    if spec.ui == "spa":
        print("The SPA's screens are yours to add in frontend/src (the API is ready).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
