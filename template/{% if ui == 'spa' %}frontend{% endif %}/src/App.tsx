import { AppBar, Container, Link, Stack, Toolbar } from "@mui/material";
import { Route, Link as RouterLink, Routes } from "react-router";
import { ColorModeToggle } from "./components/ColorModeToggle";
import { SignedIn } from "./components/SignedIn";
import { productName } from "./product";
import { resources } from "./resources";

export function App() {
  return (
    <>
      <AppBar
        position="static"
        color="inherit"
        elevation={0}
        component="header"
        sx={{ bgcolor: "background.paper", borderBottom: 1, borderColor: "divider" }}
      >
        <Toolbar component="nav" aria-label="Main" sx={{ justifyContent: "space-between" }}>
          <Link component={RouterLink} to="/" color="inherit" underline="none" variant="h2">
            {productName}
          </Link>
          <Stack direction="row" spacing={3}>
            {resources.map((resource) => (
              <Link key={resource.path} component={RouterLink} to={resource.path} color="inherit">
                {resource.label}
              </Link>
            ))}
          </Stack>
          <SignedIn />
          <ColorModeToggle />
        </Toolbar>
      </AppBar>
      <Container component="main" maxWidth="md" sx={{ py: 8 }}>
        <Routes>
          {resources.flatMap((resource) =>
            resource.routes.map((route) => (
              <Route key={route.path} path={route.path} element={route.element} />
            )),
          )}
        </Routes>
      </Container>
    </>
  );
}
