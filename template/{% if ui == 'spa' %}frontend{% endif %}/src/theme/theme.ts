// The UI library's theme, built only from the design tokens (src/theme/tokens.ts).
// Platform-owned: screens take colours, type and spacing from this theme, never literals.
import { createTheme, type Shadows } from "@mui/material/styles";

import { type ColorScheme, tokens } from "./tokens";

const ROOT_FONT_SIZE_PX = 16;

/** "0.5rem" -> 8, "12px" -> 12: MUI wants pixel numbers for radius, spacing and font size. */
export function toPx(value: string): number {
  const number = Number.parseFloat(value);
  if (value.endsWith("rem")) return number * ROOT_FONT_SIZE_PX;
  if (value.endsWith("px") || /^[\d.]+$/.test(value)) return number;
  throw new Error(`cannot turn the token value ${JSON.stringify(value)} into pixels`);
}

/** "120ms" -> 120, "0.2s" -> 200. */
export function toMs(value: string): number {
  const number = Number.parseFloat(value);
  return value.endsWith("ms") ? number : number * 1000;
}

function palette(color: ColorScheme) {
  return {
    primary: { main: color.primary, dark: color.primaryHover, contrastText: color.onPrimary },
    error: { main: color.danger, contrastText: color.onDanger },
    success: { main: color.success },
    background: { default: color.bg, paper: color.surface },
    text: { primary: color.text, secondary: color.textMuted },
    divider: color.borderSubtle,
  };
}

const { typography, radius, spacing, shadow, motion } = tokens;

// MUI indexes 25 elevation levels; the design system has two shadows.
const shadows = [
  "none",
  ...Array.from({ length: 24 }, (_, level) => (level < 2 ? shadow.sm : shadow.md)),
] as Shadows;

export const theme = createTheme({
  cssVariables: { colorSchemeSelector: "data-color-scheme" },
  colorSchemes: {
    light: { palette: palette(tokens.color) },
    dark: { palette: palette(tokens.colorDark) },
  },
  typography: {
    fontFamily: typography.fontFamily.sans,
    fontSize: toPx(typography.fontSize.sm),
    htmlFontSize: ROOT_FONT_SIZE_PX,
    fontWeightRegular: typography.fontWeight.regular,
    fontWeightMedium: typography.fontWeight.semibold,
    fontWeightBold: typography.fontWeight.bold,
    h1: { fontSize: typography.fontSize.xl, fontWeight: typography.fontWeight.bold },
    h2: { fontSize: typography.fontSize.lg, fontWeight: typography.fontWeight.semibold },
    body1: { fontSize: typography.fontSize.md, lineHeight: typography.lineHeight.normal },
    body2: { fontSize: typography.fontSize.sm, lineHeight: typography.lineHeight.normal },
    button: { fontWeight: typography.fontWeight.semibold, textTransform: "none" },
  },
  spacing: toPx(spacing["1"]),
  shape: { borderRadius: toPx(radius.md) },
  shadows,
  transitions: {
    duration: {
      shortest: toMs(motion.duration.fast),
      shorter: toMs(motion.duration.fast),
      short: toMs(motion.duration.normal),
      standard: toMs(motion.duration.normal),
    },
    easing: { easeInOut: motion.easing.standard },
  },
  components: {
    MuiOutlinedInput: {
      styleOverrides: {
        notchedOutline: ({ theme }) => ({ borderColor: theme.vars.palette.text.secondary }),
      },
    },
  },
});
