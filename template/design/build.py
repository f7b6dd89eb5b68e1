"""Build the design tokens (design/tokens.json, W3C DTCG format) into code.

    python design/build.py --css src/<package>/static/css/tokens.css   # write
    python design/build.py --css src/<package>/static/css/tokens.css --check   # fail if stale

Outputs: CSS custom properties (`--css`, light on :root, dark under prefers-color-scheme and
`data-theme="dark"`) and a typed TypeScript theme object (`--ts`). The build also refuses
token colour pairs the components use that miss WCAG AA contrast.
Platform-owned (guarded): products never edit this file or tokens.json. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOKENS = Path(__file__).resolve().parent / "tokens.json"
DARK_SUFFIX = "-dark"
# Group names that do not appear in CSS variable names (--font-size-md, not --typography-...).
UNPREFIXED_GROUPS = {"typography"}
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
DIMENSION = re.compile(r"^(?:0|-?\d*\.?\d+(?:px|rem|em|%))$")
DURATION = re.compile(r"^\d*\.?\d+m?s$")
ALIAS = re.compile(r"^\{([^{}]+)\}$")
GENERIC_FONTS = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}

AA_TEXT = 4.5
AA_NON_TEXT = 3.0
# (foreground, background, minimum ratio): every colour pair the components draw, checked in
# the light and the dark theme. A new component pairing gets a line here in the same release.
CONTRAST_PAIRS: tuple[tuple[str, str, float], ...] = (
    ("text", "bg", AA_TEXT),
    ("text", "surface", AA_TEXT),
    ("text-muted", "bg", AA_TEXT),
    ("text-muted", "surface", AA_TEXT),
    ("primary", "bg", AA_TEXT),
    ("primary", "surface", AA_TEXT),
    ("on-primary", "primary", AA_TEXT),
    ("on-primary", "primary-hover", AA_TEXT),
    ("danger", "bg", AA_TEXT),
    ("danger", "danger-surface", AA_TEXT),
    ("text", "danger-surface", AA_TEXT),
    ("on-danger", "danger", AA_TEXT),
    ("success", "success-surface", AA_TEXT),
    ("text", "success-surface", AA_TEXT),
    ("text", "info-surface", AA_TEXT),
    ("border", "bg", AA_NON_TEXT),
    ("focus", "bg", AA_NON_TEXT),
)


class TokenError(ValueError):
    """A problem in tokens.json, phrased as what to fix."""


@dataclass(frozen=True)
class Token:
    path: tuple[str, ...]
    type: str
    value: Any

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


# --------------------------------------------------------------------------- reading


def load(path: Path = TOKENS) -> dict[str, Token]:
    """Every token in the file by dotted path, aliases resolved and values validated."""
    try:
        tree = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise TokenError(f"{path.name} is not valid JSON: {error}") from error
    tokens = {token.dotted: token for token in _walk(tree, (), None)}
    resolved = {name: _resolve(token, tokens, set()) for name, token in tokens.items()}
    for token in resolved.values():
        _validate(token)
    return resolved


def _walk(node: dict[str, Any], path: tuple[str, ...], inherited: str | None) -> Iterator[Token]:
    kind = node.get("$type", inherited)
    if "$value" in node:
        if kind is None:
            raise TokenError(f"{'.'.join(path)}: no $type on the token or any group above it")
        yield Token(path, kind, node["$value"])
        return
    for key, child in node.items():
        if key.startswith("$"):
            continue
        if not isinstance(child, dict):
            raise TokenError(f"{'.'.join((*path, key))}: expected a group or a token object")
        yield from _walk(child, (*path, key), kind)


def _resolve(token: Token, tokens: dict[str, Token], seen: set[str]) -> Token:
    match = ALIAS.match(token.value) if isinstance(token.value, str) else None
    if match is None:
        return token
    target = match.group(1)
    if target not in tokens:
        raise TokenError(f"{token.dotted}: alias {token.value} names no token")
    if target in seen:
        raise TokenError(f"{token.dotted}: alias {token.value} is circular")
    return Token(token.path, token.type, _resolve(tokens[target], tokens, seen | {target}).value)


def _validate(token: Token) -> None:
    value = token.value
    ok: dict[str, Callable[[], object]] = {
        "color": lambda: isinstance(value, str) and HEX_COLOUR.match(value),
        "dimension": lambda: isinstance(value, str) and DIMENSION.match(value),
        "duration": lambda: isinstance(value, str) and DURATION.match(value),
        "fontFamily": lambda: isinstance(value, str | list) and value,
        "fontWeight": lambda: isinstance(value, int) and 1 <= value <= 1000,
        "number": lambda: isinstance(value, int | float),
        "cubicBezier": lambda: isinstance(value, list) and len(value) == 4,
        "shadow": lambda: isinstance(value, dict | list) and value,
    }
    expected = {
        "color": "a hex colour like #1f5fbf",
        "dimension": "a length like 1rem, 4px or 0",
        "duration": "a duration like 200ms",
        "fontFamily": "a font name or a list of them",
        "fontWeight": "a number from 1 to 1000",
        "number": "a number",
        "cubicBezier": "four numbers",
        "shadow": "a shadow object (color, offsetX, offsetY, blur, spread) or a list of them",
    }
    if token.type not in ok:
        raise TokenError(f"{token.dotted}: unsupported $type {token.type!r}")
    if not ok[token.type]():
        raise TokenError(f"{token.dotted}: $value must be {expected[token.type]}, got {value!r}")


# --------------------------------------------------------------------------- themes


def themes(tokens: dict[str, Token]) -> tuple[dict[str, str], dict[str, str]]:
    """(light, dark) CSS variables: the dark map holds the overrides from `<group>-dark`."""
    light: dict[str, str] = {}
    dark: dict[str, str] = {}
    for token in tokens.values():
        group = token.path[0]
        target = light
        if group.endswith(DARK_SUFFIX):
            group, target = group.removesuffix(DARK_SUFFIX), dark
        path = (group, *token.path[1:])
        if group in UNPREFIXED_GROUPS:
            path = path[1:]
        target["--" + "-".join(path)] = css_value(token)
    unknown = sorted(set(dark) - set(light))
    if unknown:
        raise TokenError(
            f"dark tokens without a light token of the same name: {', '.join(unknown)}"
        )
    return light, dark


def css_value(token: Token) -> str:
    value = token.value
    if token.type == "fontFamily":
        names = [value] if isinstance(value, str) else value
        return ", ".join(name if name in GENERIC_FONTS else f'"{name}"' for name in names)
    if token.type == "cubicBezier":
        return f"cubic-bezier({', '.join(str(n) for n in value)})"
    if token.type == "shadow":
        layers = value if isinstance(value, list) else [value]
        return ", ".join(
            f"{s['offsetX']} {s['offsetY']} {s['blur']} {s.get('spread', '0px')} {s['color']}"
            + (" inset" if s.get("inset") else "")
            for s in layers
        )
    return str(value).lower() if token.type == "color" else str(value)


def colours(theme: dict[str, str]) -> dict[str, str]:
    return {
        name.removeprefix("--color-"): v for name, v in theme.items() if name.startswith("--color-")
    }


# --------------------------------------------------------------------------- contrast


def relative_luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted(
        (relative_luminance(foreground), relative_luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def contrast_failures(tokens: dict[str, Token]) -> list[str]:
    light, dark = themes(tokens)
    failures = []
    for theme_name, theme in (("light", colours(light)), ("dark", colours(light) | colours(dark))):
        for foreground, background, minimum in CONTRAST_PAIRS:
            if foreground not in theme or background not in theme:
                failures.append(f"{theme_name}: pair {foreground} on {background} has no token")
                continue
            ratio = contrast_ratio(theme[foreground], theme[background])
            if ratio < minimum:
                failures.append(
                    f"{theme_name}: {foreground} {theme[foreground]} on {background} "
                    f"{theme[background]} is {ratio:.2f}:1, WCAG AA needs {minimum}:1"
                )
    return failures


# --------------------------------------------------------------------------- outputs

HEADER = "Generated from design/tokens.json by design/build.py. Do not edit: run `make design`."


def render_css(tokens: dict[str, Token]) -> str:
    light, dark = themes(tokens)

    def block(selector: str, variables: dict[str, str], indent: str = "") -> list[str]:
        body = [f"{indent}  {name}: {value};" for name, value in variables.items()]
        return [f"{indent}{selector} {{", *body, f"{indent}}}"]

    lines = [f"/* {HEADER} */", ""]
    lines += block(":root", {"color-scheme": "light dark", **light})
    lines += ["", "@media (prefers-color-scheme: dark) {"]
    lines += block(':root:not([data-theme="light"])', dark, indent="  ")
    lines += ["}", ""]
    lines += block(':root[data-theme="dark"]', dark)
    return "\n".join(lines) + "\n"


def render_ts(tokens: dict[str, Token]) -> str:
    light, dark = themes(tokens)

    def camel(name: str) -> str:
        head, *rest = name.removeprefix("--").split("-")
        return head + "".join(part[:1].upper() + part[1:] for part in rest)

    def entries(variables: dict[str, str]) -> list[str]:
        return [f"    {json.dumps(camel(k))}: {json.dumps(v)}," for k, v in variables.items()]

    return "\n".join(
        [
            f"// {HEADER}",
            "",
            "export const tokens = {",
            "  light: {",
            *entries(light),
            "  },",
            "  dark: {",
            *entries({**light, **dark}),
            "  },",
            "} as const;",
            "",
            "export type ThemeName = keyof typeof tokens;",
            "export type Theme = (typeof tokens)[ThemeName];",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tokens", type=Path, default=TOKENS, help="the DTCG tokens file")
    parser.add_argument("--css", type=Path, help="write CSS custom properties here")
    parser.add_argument("--ts", type=Path, help="write a typed TypeScript theme here")
    parser.add_argument("--check", action="store_true", help="fail if an output is stale")
    args = parser.parse_args(argv)
    try:
        tokens = load(args.tokens)
        failures = contrast_failures(tokens)
        if failures:
            raise TokenError("contrast below WCAG AA:\n  " + "\n  ".join(failures))
        outputs = [(p, r(tokens)) for p, r in ((args.css, render_css), (args.ts, render_ts)) if p]
    except (OSError, TokenError) as error:
        print(f"design tokens: {error}", file=sys.stderr)
        return 2
    stale = []
    for path, text in outputs:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(
            f"design tokens: stale build output {', '.join(stale)}: run `make design` "
            "(never edit generated files by hand)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
