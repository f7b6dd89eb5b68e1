// Who is signed in, from the backend (backend-for-frontend: the backend signs people in and
// keeps the session in an HttpOnly cookie; this app never sees or stores a token).

export interface Session {
  subject: string;
  name: string;
  permissions: string[];
  /** Sent back as the X-CSRF-Token header on every write. */
  csrf_token: string;
}

let current: Promise<Session | null> | undefined;

/** The sign-in page, coming back to `path` afterwards. */
export function signInUrl(path: string): string {
  return `/auth/login?next=${encodeURIComponent(path)}`;
}

/**
 * The signed-in session; null when the product has no sign-in (auth=none: /auth/me is 404).
 * Not signed in: the browser goes to the sign-in page and comes back here.
 */
export function getSession(): Promise<Session | null> {
  current ??= fetch("/auth/me", { headers: { Accept: "application/json" } }).then(
    async (response) => {
      if (response.status === 401) {
        window.location.assign(signInUrl(window.location.pathname + window.location.search));
        return new Promise<null>(() => {}); // leaving the page: never settles
      }
      return response.ok ? ((await response.json()) as Session) : null;
    },
  );
  return current;
}
