// Typed client of the sample `items` API (`/api/items`, see src/<package>/api/routes/items.py).
// Calls carry the session cookie (same origin) and, on writes, the session's CSRF token.

import { getSession, signInUrl } from "./session";

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

export type FieldErrors = Partial<Record<keyof ItemInput, string>>;

/** A failed API call; `fieldErrors` holds the server's validation messages per form field. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fieldErrors: FieldErrors = {},
  ) {
    super(message);
  }
}

interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
}

/** FastAPI's 422 body (`{"detail": [{"loc": ["body", "name"], "msg": ...}]}`) -> field errors. */
export function fieldErrorsFrom(body: unknown): FieldErrors {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (!Array.isArray(detail)) return {};
  const errors: FieldErrors = {};
  for (const issue of detail as ValidationIssue[]) {
    const field = issue.loc?.at(-1);
    if ((field === "name" || field === "description") && !errors[field]) {
      errors[field] = issue.msg;
    }
  }
  return errors;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const session = await getSession();
  const method = (init.method ?? "GET").toUpperCase();
  const csrf: Record<string, string> =
    session && !SAFE_METHODS.has(method) ? { "X-CSRF-Token": session.csrf_token } : {};
  const response = await fetch(path, {
    ...init,
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      ...csrf,
      ...init.headers,
    },
  });
  if (response.status === 401) {
    window.location.assign(signInUrl(window.location.pathname + window.location.search));
  }
  const body: unknown = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const detail = (body as { detail?: unknown } | null)?.detail;
    const message = typeof detail === "string" ? detail : `Request failed (${response.status})`;
    throw new ApiError(message, response.status, fieldErrorsFrom(body));
  }
  return body as T;
}

export const itemsApi = {
  list: () => request<Item[]>("/api/items"),
  get: (id: number) => request<Item>(`/api/items/${id}`),
  create: (input: ItemInput) =>
    request<Item>("/api/items", { method: "POST", body: JSON.stringify(input) }),
  update: (id: number, input: ItemInput) =>
    request<Item>(`/api/items/${id}`, { method: "PATCH", body: JSON.stringify(input) }),
};
