import { AppBar, Container, Link, Toolbar } from "@mui/material";
import { Route, Link as RouterLink, Routes } from "react-router";
import { ColorModeToggle } from "./components/ColorModeToggle";
import { SignedIn } from "./components/SignedIn";
import { productName } from "./product";
import { ItemCreate } from "./screens/ItemCreate";
import { ItemEdit } from "./screens/ItemEdit";
import { ItemList } from "./screens/ItemList";

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
          <SignedIn />
          <ColorModeToggle />
        </Toolbar>
      </AppBar>
      <Container component="main" maxWidth="md" sx={{ py: 8 }}>
        <Routes>
          <Route path="/" element={<ItemList />} />
          <Route path="/items/new" element={<ItemCreate />} />
          <Route path="/items/:id/edit" element={<ItemEdit />} />
        </Routes>
      </Container>
    </>
  );
}
