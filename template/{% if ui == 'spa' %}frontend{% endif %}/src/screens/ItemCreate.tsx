import { Stack, Typography } from "@mui/material";
import { useNavigate } from "react-router";

import { itemsApi } from "../api/items";
import { ItemForm } from "./ItemForm";

export function ItemCreate() {
  const navigate = useNavigate();
  return (
    <Stack spacing={4}>
      <Typography variant="h1">New item</Typography>
      <ItemForm
        submitLabel="Create item"
        onSubmit={async (input) => {
          await itemsApi.create(input);
          await navigate("/");
        }}
      />
    </Stack>
  );
}
