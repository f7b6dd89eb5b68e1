"""The single-page app's screens of a new resource (ui: spa): a typed client, list, form,
create and edit screens, and the entry in frontend/src/resources.tsx that adds them to the
navigation and the routes. Platform-owned (guarded); what it writes is the product's."""

from __future__ import annotations

import subprocess
from pathlib import Path

from add_resource_spec import ROOT, BadInput, Spec, add_imports

TS_TYPES = {"str": "string", "text": "string", "int": "number"}


def spa_client(spec: Spec) -> str:
    m, n = spec.model, spec.name
    fields = ", ".join(f'"{f.name}"' for f in spec.fields)
    props = "".join(f"  {f.name}: {TS_TYPES[f.kind]};\n" for f in spec.fields)
    return f"""// Typed client of the `{n}` API (`/api/{n}`, see src/{spec.package}/api/routes/{n}.py).

import {{ request }} from "./client";

export const FIELDS = [{fields}] as const;

export interface {m} {{
  id: number;
{props}  created_at: string;
  created_by: string;
  updated_by: string;
}}

/** What the form sends: each field as typed (the server parses numbers and explains). */
export type {m}Input = Record<(typeof FIELDS)[number], string>;

export const {n}Api = {{
  list: () => request<{m}[]>("/api/{n}"),
  get: (id: number) => request<{m}>(`/api/{n}/${{id}}`),
  create: (input: {m}Input) =>
    request<{m}>("/api/{n}", {{ method: "POST", body: JSON.stringify(input) }}, FIELDS),
  update: (id: number, input: {m}Input) =>
    request<{m}>(`/api/{n}/${{id}}`, {{ method: "PATCH", body: JSON.stringify(input) }}, FIELDS),
}};
"""


def spa_form(spec: Spec) -> str:
    m, n = spec.model, spec.name
    empty = ", ".join(f'{f.name}: ""' for f in spec.fields)
    inputs = []
    for f in spec.fields:
        extra = {"str": "        required\n", "text": "        multiline\n        minRows={3}\n",
                 "int": "        required\n"}[f.kind]  # fmt: skip
        inputs.append(
            f"""      <TextField
        label="{f.label}"
        name="{f.name}"
        value={{values.{f.name}}}
        onChange={{(event) => setValues({{ ...values, {f.name}: event.target.value }})}}
        error={{Boolean(fieldErrors.{f.name})}}
        helperText={{fieldErrors.{f.name}}}
{extra}      />
"""
        )
    return f"""import {{ Alert, Button, Stack, TextField }} from "@mui/material";
import {{ type FormEvent, useState }} from "react";

import {{ ApiError, type FieldErrors }} from "../api/client";
import type {{ {m}Input }} from "../api/{n}";

const EMPTY: {m}Input = {{ {empty} }};

interface {m}FormProps {{
  initial?: {m}Input;
  submitLabel: string;
  /** Saves it; throws ApiError when the server refuses it. */
  onSubmit: (input: {m}Input) => Promise<unknown>;
}}

/** The create and edit form. Validation is the server's: its sentences show under each field. */
export function {m}Form({{ initial = EMPTY, submitLabel, onSubmit }}: {m}FormProps) {{
  const [values, setValues] = useState<{m}Input>(initial);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({{}});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {{
    event.preventDefault();
    setSaving(true);
    setFieldErrors({{}});
    setFormError(null);
    try {{
      await onSubmit(values);
    }} catch (error) {{
      if (error instanceof ApiError && Object.keys(error.fieldErrors).length > 0) {{
        setFieldErrors(error.fieldErrors);
      }} else {{
        setFormError(error instanceof Error ? error.message : "Saving failed");
      }}
    }} finally {{
      setSaving(false);
    }}
  }}

  return (
    <Stack component="form" noValidate onSubmit={{submit}} spacing={{4}} sx={{{{ maxWidth: "40rem" }}}}>
      {{formError && <Alert severity="error">{{formError}}</Alert>}}
{"".join(inputs)}      <Stack direction="row" spacing={{2}}>
        <Button type="submit" variant="contained" disabled={{saving}}>
          {{submitLabel}}
        </Button>
      </Stack>
    </Stack>
  );
}}
"""


def spa_list(spec: Spec) -> str:
    m, n, one = spec.model, spec.name, spec.one
    first, rest = spec.fields[0], spec.fields[1:]
    heads = "".join(f"                <TableCell>{f.label}</TableCell>\n" for f in spec.fields)
    cells = "".join(f"                  <TableCell>{{row.{f.name}}}</TableCell>\n" for f in rest)
    return f"""import {{
  Alert,
  Button,
  Link,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
}} from "@mui/material";
import {{ useEffect, useState }} from "react";
import {{ Link as RouterLink }} from "react-router";

import {{ type {m}, {n}Api }} from "../api/{n}";

export function {m}List() {{
  const [rows, setRows] = useState<{m}[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {{
    {n}Api.list().then(setRows, (failure: Error) => setError(failure.message));
  }}, []);

  return (
    <Stack spacing={{4}}>
      <Stack direction="row" sx={{{{ justifyContent: "space-between", alignItems: "center" }}}}>
        <Typography variant="h1">{spec.label}</Typography>
        <Button component={{RouterLink}} to="/{n}/new" variant="contained">
          New {one}
        </Button>
      </Stack>
      {{error && <Alert severity="error">Could not load the {one}s: {{error}}</Alert>}}
      {{rows?.length === 0 && (
        <Paper variant="outlined" sx={{{{ p: 6, textAlign: "center" }}}}>
          <Typography variant="h2" gutterBottom>
            No {one}s yet
          </Typography>
          <Typography color="text.secondary">Create the first one with “New {one}”.</Typography>
        </Paper>
      )}}
      {{rows && rows.length > 0 && (
        <TableContainer component={{Paper}} variant="outlined">
          <Table aria-label="{spec.label}">
            <TableHead>
              <TableRow>
{heads}              </TableRow>
            </TableHead>
            <TableBody>
              {{rows.map((row) => (
                <TableRow key={{row.id}}>
                  <TableCell>
                    <Link component={{RouterLink}} to={{`/{n}/${{row.id}}/edit`}}>
                      {{row.{first.name}}}
                    </Link>
                  </TableCell>
{cells}                </TableRow>
              ))}}
            </TableBody>
          </Table>
        </TableContainer>
      )}}
    </Stack>
  );
}}
"""


def spa_create(spec: Spec) -> str:
    m, n, one = spec.model, spec.name, spec.one
    return f"""import {{ Stack, Typography }} from "@mui/material";
import {{ useNavigate }} from "react-router";

import {{ {n}Api }} from "../api/{n}";
import {{ {m}Form }} from "./{m}Form";

export function {m}Create() {{
  const navigate = useNavigate();
  return (
    <Stack spacing={{4}}>
      <Typography variant="h1">New {one}</Typography>
      <{m}Form
        submitLabel="Create {one}"
        onSubmit={{async (input) => {{
          await {n}Api.create(input);
          await navigate("/{n}");
        }}}}
      />
    </Stack>
  );
}}
"""


def spa_edit(spec: Spec) -> str:
    m, n, one = spec.model, spec.name, spec.one
    initial = ", ".join(f"{f.name}: String(row.{f.name})" for f in spec.fields)
    return f"""import {{ Alert, CircularProgress, Stack, Typography }} from "@mui/material";
import {{ useEffect, useState }} from "react";
import {{ useNavigate, useParams }} from "react-router";

import {{ type {m}, {n}Api }} from "../api/{n}";
import {{ {m}Form }} from "./{m}Form";

export function {m}Edit() {{
  const id = Number(useParams().id);
  const navigate = useNavigate();
  const [row, setRow] = useState<{m} | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {{
    {n}Api.get(id).then(setRow, (failure: Error) => setError(failure.message));
  }}, [id]);

  return (
    <Stack spacing={{4}}>
      <Typography variant="h1">Edit {one}</Typography>
      {{error && <Alert severity="error">{{error}}</Alert>}}
      {{!row && !error && <CircularProgress aria-label="Loading the {one}" />}}
      {{row && (
        <{m}Form
          initial={{{{ {initial} }}}}
          submitLabel="Save changes"
          onSubmit={{async (input) => {{
            await {n}Api.update(id, input);
            await navigate("/{n}");
          }}}}
        />
      )}}
    </Stack>
  );
}}
"""


def spa_form_test(spec: Spec) -> str:
    m, n, one = spec.model, spec.name, spec.one
    first = spec.fields[0]
    typed = "".join(
        f'    await userEvent.type(screen.getByRole("textbox", {{ name: /^{f.label}(\\s*\\*)?$/ }}), "{i + 1}");\n'
        for i, f in enumerate(spec.fields)
    )
    expected = ", ".join(f'{f.name}: "{i + 1}"' for i, f in enumerate(spec.fields))
    return f"""import {{ ThemeProvider }} from "@mui/material/styles";
import {{ cleanup, render, screen }} from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import {{ afterEach, describe, expect, it }} from "vitest";

import {{ ApiError }} from "../api/client";
import type {{ {m}Input }} from "../api/{n}";
import {{ theme }} from "../theme/theme";
import {{ {m}Form }} from "./{m}Form";

afterEach(cleanup);

function renderForm(onSubmit: (input: {m}Input) => Promise<unknown>) {{
  render(
    <ThemeProvider theme={{theme}}>
      <{m}Form submitLabel="Create {one}" onSubmit={{onSubmit}} />
    </ThemeProvider>,
  );
}}

describe("{m}Form", () => {{
  it("shows the server's sentence under the field it refused", async () => {{
    renderForm(async () => {{
      throw new ApiError("Request failed (422)", 422, {{ {first.name}: "Enter a value." }});
    }});
    await userEvent.click(screen.getByRole("button", {{ name: "Create {one}" }}));
    expect(await screen.findByText("Enter a value.")).toBeTruthy();
    const field = screen.getByRole("textbox", {{ name: /^{first.label}(\\s*\\*)?$/ }});
    expect(field.getAttribute("aria-invalid")).toBe("true");
  }});

  it("submits what was typed", async () => {{
    const submitted: {m}Input[] = [];
    renderForm(async (input) => {{
      submitted.push(input);
    }});
{typed}    await userEvent.click(screen.getByRole("button", {{ name: "Create {one}" }}));
    expect(submitted).toEqual([{{ {expected} }}]);
  }});
}});
"""


SPA_MARKER = "  // make resource adds new resources above this line.\n"


def spa_plan(spec: Spec) -> tuple[dict[Path, str], dict[Path, str]]:
    """The new screens, and the registry with their entry."""
    m, n = spec.model, spec.name
    src = ROOT / "frontend" / "src"
    new = {
        src / "api" / f"{n}.ts": spa_client(spec),
        src / "screens" / f"{m}Form.tsx": spa_form(spec),
        src / "screens" / f"{m}List.tsx": spa_list(spec),
        src / "screens" / f"{m}Create.tsx": spa_create(spec),
        src / "screens" / f"{m}Edit.tsx": spa_edit(spec),
        src / "screens" / f"{m}Form.test.tsx": spa_form_test(spec),
    }
    registry = src / "resources.tsx"
    text = registry.read_text() if registry.is_file() else ""
    if SPA_MARKER not in text:
        raise BadInput(f"frontend/src/resources.tsx lacks the line {SPA_MARKER.strip()!r}")
    imports = [f'import {{ {m}{screen} }} from "./screens/{m}{screen}";'
               for screen in ("Create", "Edit", "List")]  # fmt: skip
    entry = f"""  {{
    label: "{spec.label}",
    path: "/{n}",
    routes: [
      {{ path: "/{n}", element: <{m}List /> }},
      {{ path: "/{n}/new", element: <{m}Create /> }},
      {{ path: "/{n}/:id/edit", element: <{m}Edit /> }},
    ],
  }},
"""
    text = add_imports(text, imports, "import { ").replace(SPA_MARKER, entry + SPA_MARKER)
    return new, {registry: text}


def format_spa(paths: list[Path]) -> None:
    """biome's format and import order, when the SPA's tools are installed (make setup)."""
    biome = ROOT / "frontend" / "node_modules" / ".bin" / "biome"
    if paths and biome.exists():
        relative = [str(path.relative_to(ROOT / "frontend")) for path in paths]
        subprocess.run(  # noqa: S603
            [str(biome), "check", "--write", *relative], check=True, cwd=ROOT / "frontend",
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
