"""The server-rendered pages of a new resource (ui: server): routes, list and form templates,
and their test. Platform-owned (guarded); what it writes is the product's."""

from __future__ import annotations

from add_resource_spec import Spec, example

# The component library's name in a page ({% import "components.html" as ui %}), kept apart
# from the braces so that this file never reads as an unrendered template variable.
UI = "ui"


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
  {{% if rows %}}{{{{ {UI}.link_button("New {spec.one}", url_for("{s}_new").path) }}}}{{% endif %}}
</div>
{{% if notice %}}{{{{ {UI}.alert(notice, kind="success") }}}}{{% endif %}}
{{% if rows %}}
{{% set table = namespace(rows=[]) %}}
{{% for row in rows %}}
  {{% set edit = {UI}.link("Edit", url_for("{s}_edit", {s}_id=row.id).path, context=row.{title}) %}}
  {{% set table.rows = table.rows + [[{cells}, row.updated_by or row.created_by, edit]] %}}
{{% endfor %}}
{{{{ {UI}.table(caption="All {spec.one}s", headers=[{headers}, "Changed by", "Actions"],
             rows=table.rows) }}}}
{{% else %}}
{{{{ {UI}.empty_state(
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
            f'  {{{{ {UI}.field("{f.name}", "{f.label}", value=values.{f.name}, '
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
{{{{ {UI}.error_summary(errors, labels={{{labels}}}) }}}}
{{% call ui.card() %}}
{{#- novalidate: the server validates and explains; the browser's own bubbles would hide that. -#}}
<form class="form" method="post" action="{{{{ action }}}}" novalidate>
  {{% if csrf_token %}}
  <input type="hidden" name="csrf_token" value="{{{{ csrf_token }}}}">
  {{% endif %}}
{fields}
  <div class="form__actions">
    {{{{ {UI}.button(submit_label) }}}}
    {{{{ {UI}.link("Cancel", url_for("{spec.name}_list").path) }}}}
  </div>
</form>
{{% endcall %}}
{{% endblock %}}
"""


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
