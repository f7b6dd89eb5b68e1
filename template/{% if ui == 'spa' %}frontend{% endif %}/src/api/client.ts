// What every resource's client shares: requests with the session cookie (same origin) and, on
// writes, the session's CSRF token; failures as ApiError, with the server's validation errors
// per form field, phrased as sentences for people.

import { getSession, signInUrl } from "./session";

/** Messages per form field: `{name: "Enter a value."}`. */
export type FieldErrors = Partial<Record<string, string>>;

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
  type?: string;
  ctx?: Record<string, unknown>;
}

// Pydantic's error types, and what to tell a person (as the server-rendered pages do).
const SENTENCES: Record<string, (ctx: Record<string, unknown>) => string> = {
  missing: () => "Enter a value.",
  string_too_short: (ctx) =>
    ctx.min_length === 1 ? "Enter a value." : `Use at least ${ctx.min_length} characters.`,
  string_too_long: (ctx) => `Use at most ${ctx.max_length} characters.`,
  int_parsing: () => "Enter a whole number, such as 3.",
  int_from_float: () => "Enter a whole number, such as 3.",
  int_type: () => "Enter a whole number, such as 3.",
  float_parsing: () => "Enter a number, such as 2.5.",
  greater_than_equal: (ctx) => `Enter a number of at least ${ctx.ge}.`,
  less_than_equal: (ctx) => `Enter a number of at most ${ctx.le}.`,
  value_error: (ctx) => {
    const words = String(ctx.error ?? "Enter a valid value").replace(/\.$/, "");
    return `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;
  },
};

/** One validation issue as a sentence: what to do, not what the validator saw. */
export function sentence(issue: ValidationIssue): string {
  const phrase = issue.type ? SENTENCES[issue.type] : undefined;
  return phrase ? phrase(issue.ctx ?? {}) : "Enter a valid value.";
}

/** FastAPI's 422 body (`{"detail": [{"loc": ["body", "name"], ...}]}`) -> field errors. */
export function fieldErrorsFrom(body: unknown, fields: readonly string[]): FieldErrors {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (!Array.isArray(detail)) return {};
  const errors: FieldErrors = {};
  for (const issue of detail as ValidationIssue[]) {
    const field = issue.loc?.at(-1);
    if (typeof field === "string" && fields.includes(field) && !errors[field]) {
      errors[field] = sentence(issue);
    }
  }
  return errors;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** A call to the API; `fields` names the form fields its validation errors may point at. */
export async function request<T>(
  path: string,
  init: RequestInit = {},
  fields: readonly string[] = [],
): Promise<T> {
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
    throw new ApiError(message, response.status, fieldErrorsFrom(body, fields));
  }
  return body as T;
}
