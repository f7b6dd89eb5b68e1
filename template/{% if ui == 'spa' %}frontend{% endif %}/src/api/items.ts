// Typed client of the sample `items` API (`/api/items`, see src/<package>/api/routes/items.py).
// Requests, errors and their sentences are shared: ./client.ts.

import { request } from "./client";

export interface Item {
  id: number;
  name: string;
  description: string;
  created_at: string;
  created_by: string;
  updated_by: string;
}

export interface ItemInput {
  name: string;
  description: string;
}

const FIELDS = ["name", "description"] as const;

export const itemsApi = {
  list: () => request<Item[]>("/api/items"),
  get: (id: number) => request<Item>(`/api/items/${id}`),
  create: (input: ItemInput) =>
    request<Item>("/api/items", { method: "POST", body: JSON.stringify(input) }, FIELDS),
  update: (id: number, input: ItemInput) =>
    request<Item>(`/api/items/${id}`, { method: "PATCH", body: JSON.stringify(input) }, FIELDS),
};
