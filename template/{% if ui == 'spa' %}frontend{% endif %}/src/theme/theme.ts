// The UI library's theme, built only from the design tokens: src/theme/tokens.ts, which
// `make design` generates from design/tokens.json. Platform-owned: screens take colours, type
// and spacing from this theme (palette names, theme.spacing), never literals.
import { createTheme, type Shadows } from "@mui/material/styles";

import { type Theme as DesignTheme, tokens } from "./tokens";

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

function palette(scheme: DesignTheme) {
  return {
    primary: {
      main: scheme.colorPrimary,
      dark: scheme.colorPrimaryHover,
      contrastText: scheme.colorOnPrimary,
    },
    error: { main: scheme.colorDanger, contrastText: scheme.colorOnDanger },
    success: { main: scheme.colorSuccess },
    background: { default: scheme.colorBg, paper: scheme.colorSurface },
    text: { primary: scheme.colorText, secondary: scheme.colorTextMuted },
    divider: scheme.colorBorderSubtle,
  };
}

// Type, spacing, shape and motion are the same in both schemes.
const base = tokens.light;
const weight = (value: string) => Number(value);

// MUI indexes 25 elevation levels; the design system has two shadows.
const shadows = [
  "none",
  ...Array.from({ length: 24 }, (_, level) => (level < 2 ? base.shadowSm : base.shadowMd)),
] as Shadows;

export const theme = createTheme({
  cssVariables: { colorSchemeSelector: "data-color-scheme" },
  colorSchemes: {
    light: { palette: palette(tokens.light) },
    dark: { palette: palette(tokens.dark) },
  },
  typography: {
    fontFamily: base.fontFamilySans,
    fontSize: toPx(base.fontSizeSm),
    htmlFontSize: ROOT_FONT_SIZE_PX,
    fontWeightRegular: weight(base.fontWeightRegular),
    fontWeightMedium: weight(base.fontWeightSemibold),
    fontWeightBold: weight(base.fontWeightBold),
    h1: { fontSize: base.fontSizeXl, fontWeight: weight(base.fontWeightBold) },
    h2: { fontSize: base.fontSizeLg, fontWeight: weight(base.fontWeightSemibold) },
    body1: { fontSize: base.fontSizeMd, lineHeight: Number(base.lineHeightNormal) },
    body2: { fontSize: base.fontSizeSm, lineHeight: Number(base.lineHeightNormal) },
    button: { fontWeight: weight(base.fontWeightSemibold), textTransform: "none" },
  },
  spacing: toPx(base.spacing1),
  shape: { borderRadius: toPx(base.radiusMd) },
  shadows,
  transitions: {
    duration: {
      shortest: toMs(base.motionDurationFast),
      shorter: toMs(base.motionDurationFast),
      short: toMs(base.motionDurationNormal),
      standard: toMs(base.motionDurationNormal),
    },
    easing: { easeInOut: base.motionEasingStandard },
  },
  components: {
    MuiOutlinedInput: {
      styleOverrides: {
        // Field borders take the border token (3:1 against the background).
        notchedOutline: ({ theme }) => ({
          borderColor: tokens.light.colorBorder,
          ...theme.applyStyles("dark", { borderColor: tokens.dark.colorBorder }),
        }),
      },
    },
  },
});
