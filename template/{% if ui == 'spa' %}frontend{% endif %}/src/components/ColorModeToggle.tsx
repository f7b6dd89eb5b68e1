import { Button } from "@mui/material";
import { useColorScheme } from "@mui/material/styles";

/** Switches between the tokens' light and dark colour schemes (remembered in localStorage). */
export function ColorModeToggle() {
  const { mode, systemMode, setMode } = useColorScheme();
  const current = mode === "system" ? systemMode : mode;
  const dark = current === "dark";
  return (
    <Button
      color="inherit"
      variant="outlined"
      aria-pressed={dark}
      onClick={() => setMode(dark ? "light" : "dark")}
    >
      Dark mode
    </Button>
  );
}
