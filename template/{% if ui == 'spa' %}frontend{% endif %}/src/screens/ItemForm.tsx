import { Alert, Button, Stack, TextField } from "@mui/material";
import { type FormEvent, useState } from "react";

import { ApiError, type FieldErrors } from "../api/client";
import type { ItemInput } from "../api/items";

interface ItemFormProps {
  initial?: ItemInput;
  submitLabel: string;
  /** Saves the item; throws ApiError when the server refuses it. */
  onSubmit: (input: ItemInput) => Promise<unknown>;
}

/** The create and edit form. Validation is the server's: its messages show under each field. */
export function ItemForm({
  initial = { name: "", description: "" },
  submitLabel,
  onSubmit,
}: ItemFormProps) {
  const [values, setValues] = useState<ItemInput>(initial);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaving(true);
    setFieldErrors({});
    setFormError(null);
    try {
      await onSubmit(values);
    } catch (error) {
      if (error instanceof ApiError && Object.keys(error.fieldErrors).length > 0) {
        setFieldErrors(error.fieldErrors);
      } else {
        setFormError(error instanceof Error ? error.message : "Saving failed");
      }
    } finally {
      setSaving(false);
    }
  }

  return (
    <Stack component="form" noValidate onSubmit={submit} spacing={4} sx={{ maxWidth: "40rem" }}>
      {formError && <Alert severity="error">{formError}</Alert>}
      <TextField
        label="Name"
        name="name"
        value={values.name}
        onChange={(event) => setValues({ ...values, name: event.target.value })}
        error={Boolean(fieldErrors.name)}
        helperText={fieldErrors.name}
        required
      />
      <TextField
        label="Description"
        name="description"
        value={values.description}
        onChange={(event) => setValues({ ...values, description: event.target.value })}
        error={Boolean(fieldErrors.description)}
        helperText={fieldErrors.description}
        multiline
        minRows={3}
      />
      <Stack direction="row" spacing={2}>
        <Button type="submit" variant="contained" disabled={saving}>
          {submitLabel}
        </Button>
      </Stack>
    </Stack>
  );
}
