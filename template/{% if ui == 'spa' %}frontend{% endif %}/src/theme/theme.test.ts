// @vitest-environment node
import { readFileSync } from "node:fs";
import type { CssVarsTheme } from "@mui/material/styles";
import { describe, expect, it } from "vitest";

import { theme as themeWithVars, toMs, toPx } from "./theme";
import { tokens } from "./tokens";

// createTheme types its result as the plain Theme; with cssVariables it also has the schemes.
const theme = themeWithVars as typeof themeWithVars & CssVarsTheme;

// The design system's source, read directly: the theme must show exactly these values.
const designTokens = JSON.parse(
  readFileSync(new URL("../../../design/tokens.json", import.meta.url), "utf8"),
);

describe("theme", () => {
  it("takes the primary colour of each scheme from design/tokens.json", () => {
    expect(theme.colorSchemes.light?.palette.primary.main).toBe(designTokens.color.primary.$value);
    expect(theme.colorSchemes.dark?.palette.primary.main).toBe(
      designTokens["color-dark"].primary.$value,
    );
  });

  it("takes text, background and error colours from the tokens", () => {
    const light = theme.colorSchemes.light?.palette;
    expect(light?.text.primary).toBe(tokens.light.colorText);
    expect(light?.background.default).toBe(tokens.light.colorBg);
    expect(light?.error.main).toBe(tokens.light.colorDanger);
    expect(light?.primary.contrastText).toBe(tokens.light.colorOnPrimary);
    expect(theme.colorSchemes.dark?.palette.background.default).toBe(tokens.dark.colorBg);
  });

  it("takes type, radius and spacing from the tokens", () => {
    expect(theme.typography.fontFamily).toBe(tokens.light.fontFamilySans);
    expect(theme.shape.borderRadius).toBe(toPx(tokens.light.radiusMd));
    expect(theme.spacing(1)).toContain(`${toPx(tokens.light.spacing1)}px`);
  });
});

describe("unit conversion", () => {
  it("reads rem, px and bare numbers as pixels", () => {
    expect(toPx("0.5rem")).toBe(8);
    expect(toPx("12px")).toBe(12);
    expect(toPx("0")).toBe(0);
    expect(() => toPx("1em")).toThrow('cannot turn the token value "1em" into pixels');
  });

  it("reads ms and s as milliseconds", () => {
    expect(toMs("120ms")).toBe(120);
    expect(toMs("0.2s")).toBe(200);
  });
});
