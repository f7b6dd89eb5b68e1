import { Alert, CircularProgress, Stack, Typography } from "@mui/material";
import { useEffect, useState } from "react";
import { useNavigate, useParams } from "react-router";

import { type Item, itemsApi } from "../api/items";
import { ItemForm } from "./ItemForm";

export function ItemEdit() {
  const id = Number(useParams().id);
  const navigate = useNavigate();
  const [item, setItem] = useState<Item | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    itemsApi.get(id).then(setItem, (failure: Error) => setError(failure.message));
  }, [id]);

  return (
    <Stack spacing={4}>
      <Typography variant="h1">Edit item</Typography>
      {error && <Alert severity="error">{error}</Alert>}
      {!item && !error && <CircularProgress aria-label="Loading the item" />}
      {item && (
        <ItemForm
          initial={{ name: item.name, description: item.description }}
          submitLabel="Save changes"
          onSubmit={async (input) => {
            await itemsApi.update(id, input);
            await navigate("/");
          }}
        />
      )}
    </Stack>
  );
}
