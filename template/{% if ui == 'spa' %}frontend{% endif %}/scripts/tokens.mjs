// Design tokens (W3C DTCG JSON) -> a typed TypeScript module the theme reads.
// Platform-owned: products get changes to this file with `copier update`.

/** @typedef {{ [key: string]: unknown }} Json */

const HEADER =
  "// Generated from design/tokens.json by scripts/build-theme.mjs. Do not edit:\n" +
  "// run `make frontend-theme` after a design-system update.\n";

/** "text-muted" -> "textMuted"; keys that are not kebab-case stay as they are. */
export function camelCase(name) {
  return name.replace(/-([a-z0-9])/g, (_, char) => char.toUpperCase());
}

function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function dimension(value, where) {
  if (typeof value === "string" || typeof value === "number") return String(value);
  if (isObject(value) && "value" in value && "unit" in value) return `${value.value}${value.unit}`;
  throw new TokenError(where, `expected a dimension, got ${JSON.stringify(value)}`);
}

function color(value, where) {
  if (typeof value === "string") return value.toLowerCase();
  if (isObject(value) && typeof value.hex === "string") return value.hex.toLowerCase();
  throw new TokenError(
    where,
    `expected a colour ("#rrggbb" or an object with hex), got ${JSON.stringify(value)}`,
  );
}

function fontFamily(value) {
  const names = Array.isArray(value) ? value : [value];
  return names.map((name) => (/^[\w-]+$/.test(name) ? name : `"${name}"`)).join(", ");
}

function shadow(value, where) {
  const layers = Array.isArray(value) ? value : [value];
  return layers
    .map((layer) => {
      const parts = [layer.offsetX, layer.offsetY, layer.blur, layer.spread].map((part) =>
        dimension(part, where),
      );
      return `${layer.inset ? "inset " : ""}${parts.join(" ")} ${color(layer.color, where)}`;
    })
    .join(", ");
}

export class TokenError extends Error {
  constructor(where, message) {
    super(`design/tokens.json: token ${where}: ${message}`);
  }
}

const CONVERTERS = {
  color,
  dimension,
  duration: dimension,
  fontFamily: (value) => fontFamily(value),
  fontWeight: (value) => value,
  number: (value) => value,
  cubicBezier: (value) => `cubic-bezier(${value.join(", ")})`,
  shadow,
};

/** Resolve a DTCG alias such as "{color.primary}" against the raw token tree. */
function resolveAlias(root, value, where, seen = new Set()) {
  if (typeof value !== "string" || !/^\{[^}]+\}$/.test(value)) return value;
  const path = value.slice(1, -1);
  if (seen.has(path)) throw new TokenError(where, `alias cycle through {${path}}`);
  let node = root;
  for (const key of path.split(".")) {
    node = isObject(node) ? node[key] : undefined;
  }
  if (!isObject(node) || !("$value" in node)) {
    throw new TokenError(where, `alias ${value} names no token`);
  }
  return resolveAlias(root, node.$value, where, new Set([...seen, path]));
}

/** The token tree with every token reduced to the CSS value it stands for. */
export function resolveTokens(root) {
  function walk(node, path, inheritedType) {
    const type = node.$type ?? inheritedType;
    if ("$value" in node) {
      const where = path.join(".");
      const convert = CONVERTERS[type];
      if (!convert) throw new TokenError(where, `unsupported $type ${JSON.stringify(type)}`);
      return convert(resolveAlias(root, node.$value, where), where);
    }
    const group = {};
    for (const [key, child] of Object.entries(node)) {
      if (key.startsWith("$")) continue;
      if (!isObject(child))
        throw new TokenError([...path, key].join("."), "is neither a token nor a group");
      group[camelCase(key)] = walk(child, [...path, key], type);
    }
    return group;
  }
  return walk(root, [], undefined);
}

/** Light and dark themes must name the same colours, or a dark-mode screen loses one. */
export function checkColorSchemes(resolved) {
  const light = Object.keys(resolved.color ?? {});
  const dark = Object.keys(resolved.colorDark ?? {});
  if (light.length === 0) throw new TokenError("color", "the light colour group is missing");
  const missing = light.filter((name) => !dark.includes(name));
  const extra = dark.filter((name) => !light.includes(name));
  if (missing.length || extra.length) {
    throw new TokenError(
      "color-dark",
      `must name the same colours as color (missing: ${missing.join(", ") || "none"}; extra: ${extra.join(", ") || "none"})`,
    );
  }
}

function literal(value, indent) {
  const pad = "  ".repeat(indent);
  if (isObject(value)) {
    const lines = Object.entries(value).map(([key, child]) => {
      const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
      return `${pad}  ${name}: ${literal(child, indent + 1)},`;
    });
    return `{\n${lines.join("\n")}\n${pad}}`;
  }
  return JSON.stringify(value);
}

/** The TypeScript module text for a parsed tokens.json. */
export function renderTokensModule(root) {
  const resolved = resolveTokens(root);
  checkColorSchemes(resolved);
  return (
    `${HEADER}\n` +
    `export const tokens = ${literal(resolved, 0)} as const;\n\n` +
    "export type DesignTokens = typeof tokens;\n" +
    "export type ColorName = keyof typeof tokens.color;\n" +
    "export type ColorScheme = { readonly [name in ColorName]: string };\n"
  );
}
