// @vitest-environment node
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { renderTokensModule, resolveTokens } from "./tokens.mjs";

const color = (light: object, dark: object = light) => ({
  color: { $type: "color", ...light },
  "color-dark": { $type: "color", ...dark },
});

describe("resolveTokens", () => {
  it("turns DTCG tokens into CSS values under camelCase names", () => {
    const resolved = resolveTokens({
      ...color({ "on-primary": { $value: "#FFFFFF" } }),
      font: { $type: "fontFamily", sans: { $value: ["Segoe UI", "Arial", "sans-serif"] } },
      size: { $type: "dimension", md: { $value: { value: 1, unit: "rem" } } },
      easing: { $type: "cubicBezier", standard: { $value: [0.2, 0, 0, 1] } },
      shadow: {
        $type: "shadow",
        sm: {
          $value: {
            color: "#0000001a",
            offsetX: "0px",
            offsetY: "1px",
            blur: "2px",
            spread: "0px",
          },
        },
      },
    });
    expect(resolved.color.onPrimary).toBe("#ffffff");
    expect(resolved.font.sans).toBe('"Segoe UI", Arial, sans-serif');
    expect(resolved.size.md).toBe("1rem");
    expect(resolved.easing.standard).toBe("cubic-bezier(0.2, 0, 0, 1)");
    expect(resolved.shadow.sm).toBe("0px 1px 2px 0px #0000001a");
  });

  it("follows aliases to the token they name", () => {
    const resolved = resolveTokens(
      color({ primary: { $value: "#1f5fbf" }, focus: { $value: "{color.primary}" } }),
    );
    expect(resolved.color.focus).toBe("#1f5fbf");
  });

  it("names the token whose alias points nowhere", () => {
    expect(() => resolveTokens(color({ focus: { $value: "{color.nope}" } }))).toThrow(
      "design/tokens.json: token color.focus: alias {color.nope} names no token",
    );
  });

  it("refuses a type it cannot turn into CSS", () => {
    expect(() => resolveTokens({ odd: { $type: "gradient", a: { $value: [] } } })).toThrow(
      'token odd.a: unsupported $type "gradient"',
    );
  });
});

describe("renderTokensModule", () => {
  it("refuses a dark scheme that lacks a light colour", () => {
    const tokens = color(
      { bg: { $value: "#fff" }, text: { $value: "#000" } },
      { bg: { $value: "#000" } },
    );
    expect(() => renderTokensModule(tokens)).toThrow("missing: text");
  });

  it("is what the committed src/theme/tokens.ts holds", () => {
    const source = JSON.parse(
      readFileSync(new URL("../../design/tokens.json", import.meta.url), "utf8"),
    );
    const committed = readFileSync(new URL("../src/theme/tokens.ts", import.meta.url), "utf8");
    expect(renderTokensModule(source)).toBe(committed);
  });
});
