import { Box, Button, Typography } from "@mui/material";
import { useEffect, useState } from "react";

import { getSession, type Session } from "../api/session";

/** Who is signed in, and sign-out: a form POST with the CSRF token, so no other site can. */
export function SignedIn() {
  const [session, setSession] = useState<Session | null>(null);
  useEffect(() => {
    getSession().then(setSession);
  }, []);
  if (!session) return null;
  return (
    <Box
      component="form"
      method="post"
      action="/auth/logout"
      sx={{ display: "flex", gap: 2, alignItems: "center", ml: "auto", mr: 2 }}
    >
      <Typography component="span">
        Signed in as <strong>{session.name || session.subject}</strong>
      </Typography>
      <input type="hidden" name="csrf_token" value={session.csrf_token} />
      <Button type="submit" variant="outlined" size="small">
        Sign out
      </Button>
    </Box>
  );
}
