// Generated from design/tokens.json by scripts/build-theme.mjs. Do not edit:
// run `make frontend-theme` after a design-system update.

export const tokens = {
  color: {
    bg: "#ffffff",
    surface: "#f6f7f9",
    text: "#1a1d23",
    textMuted: "#545b66",
    border: "#767d89",
    borderSubtle: "#dde1e6",
    primary: "#1f5fbf",
    primaryHover: "#174a96",
    onPrimary: "#ffffff",
    focus: "#1f5fbf",
    danger: "#b42318",
    onDanger: "#ffffff",
    dangerSurface: "#fdecea",
    success: "#1e6b3a",
    successSurface: "#e7f4ec",
    infoSurface: "#e8f0fb",
  },
  colorDark: {
    bg: "#121418",
    surface: "#1c1f25",
    text: "#e8eaee",
    textMuted: "#a9b0bb",
    border: "#7d8591",
    borderSubtle: "#2e333b",
    primary: "#8cb8ff",
    primaryHover: "#b3d0ff",
    onPrimary: "#0b1a33",
    focus: "#8cb8ff",
    danger: "#ff9c94",
    onDanger: "#2b0603",
    dangerSurface: "#3a1512",
    success: "#7fd49b",
    successSurface: "#14301e",
    infoSurface: "#16263d",
  },
  typography: {
    fontFamily: {
      sans: "Inter, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif",
      mono: "\"JetBrains Mono\", SFMono-Regular, Menlo, Consolas, monospace",
    },
    fontSize: {
      sm: "0.875rem",
      md: "1rem",
      lg: "1.25rem",
      xl: "1.75rem",
    },
    fontWeight: {
      regular: 400,
      semibold: 600,
      bold: 700,
    },
    lineHeight: {
      tight: 1.25,
      normal: 1.5,
    },
  },
  spacing: {
    "0": "0",
    "1": "0.25rem",
    "2": "0.5rem",
    "3": "0.75rem",
    "4": "1rem",
    "6": "1.5rem",
    "8": "2rem",
    "12": "3rem",
  },
  radius: {
    sm: "0.25rem",
    md: "0.5rem",
    pill: "999px",
  },
  shadow: {
    sm: "0px 1px 2px 0px #1a1d2326",
    md: "0px 4px 12px 0px #1a1d2333",
  },
  motion: {
    duration: {
      fast: "120ms",
      normal: "200ms",
    },
    easing: {
      standard: "cubic-bezier(0.2, 0, 0, 1)",
    },
  },
} as const;

export type DesignTokens = typeof tokens;
export type ColorName = keyof typeof tokens.color;
export type ColorScheme = { readonly [name in ColorName]: string };
