import {
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
} from "@mui/material";
import { useEffect, useState } from "react";
import { Link as RouterLink } from "react-router";

import { type Item, itemsApi } from "../api/items";

export function ItemList() {
  const [items, setItems] = useState<Item[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    itemsApi.list().then(setItems, (failure: Error) => setError(failure.message));
  }, []);

  return (
    <Stack spacing={4}>
      <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "center" }}>
        <Typography variant="h1">Items</Typography>
        <Button component={RouterLink} to="/items/new" variant="contained">
          New item
        </Button>
      </Stack>
      {error && <Alert severity="error">Could not load the items: {error}</Alert>}
      {items?.length === 0 && (
        <Paper variant="outlined" sx={{ p: 6, textAlign: "center" }}>
          <Typography variant="h2" gutterBottom>
            No items yet
          </Typography>
          <Typography color="text.secondary">Create the first one with “New item”.</Typography>
        </Paper>
      )}
      {items && items.length > 0 && (
        <TableContainer component={Paper} variant="outlined">
          <Table aria-label="Items">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Description</TableCell>
                <TableCell>Created</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {items.map((item) => (
                <TableRow key={item.id}>
                  <TableCell>
                    <Link component={RouterLink} to={`/items/${item.id}/edit`}>
                      {item.name}
                    </Link>
                  </TableCell>
                  <TableCell>{item.description}</TableCell>
                  <TableCell>{new Date(item.created_at).toLocaleDateString()}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
    </Stack>
  );
}
