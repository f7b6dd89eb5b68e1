// Build src/theme/tokens.ts from the product's design/tokens.json.
//   node scripts/build-theme.mjs          write the module
//   node scripts/build-theme.mjs --check  fail (exit 1) when the committed module is stale
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { renderTokensModule } from "./tokens.mjs";

const frontend = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(frontend, "..", "design", "tokens.json");
const target = join(frontend, "src", "theme", "tokens.ts");
const shown = (path) => relative(process.cwd(), path) || path;

function fail(message) {
  console.error(message);
  process.exit(1);
}

let expected;
try {
  expected = renderTokensModule(JSON.parse(readFileSync(source, "utf8")));
} catch (error) {
  fail(
    error.code === "ENOENT"
      ? `${shown(source)} not found: the SPA's theme is built from it`
      : error.message,
  );
}

if (process.argv.includes("--check")) {
  let actual = "";
  try {
    actual = readFileSync(target, "utf8");
  } catch {
    // A missing module is as stale as an old one.
  }
  if (actual !== expected) {
    fail(
      `${shown(target)} is stale: it does not match ${shown(source)}. Run \`make frontend-theme\` and commit it.`,
    );
  }
  console.log(`${shown(target)} is up to date with ${shown(source)}.`);
} else {
  writeFileSync(target, expected);
  console.log(`Wrote ${shown(target)} from ${shown(source)}.`);
}
