"""The design tokens and their build: DTCG shape, CSS output, freshness, contrast, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.design_support import DESIGN_DIR, build_cli, load_build
from tests.support import REPO_ROOT, run

build = load_build()
TOKENS = json.loads((DESIGN_DIR / "tokens.json").read_text())


def _write_tokens(tmp_path: Path, tree: dict) -> Path:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(tree))
    return path


def _minimal(**colour_overrides: str) -> dict:
    """The real tokens with some light colours replaced."""
    tree = json.loads(json.dumps(TOKENS))
    for name, value in colour_overrides.items():
        tree["color"][name]["$value"] = value
    return tree


def test_tokens_cover_every_category_in_dtcg_format() -> None:
    for group in ("color", "color-dark", "typography", "spacing", "radius", "shadow", "motion"):
        assert group in TOKENS, group
    tokens = build.load(DESIGN_DIR / "tokens.json")
    types = {token.type for token in tokens.values()}
    assert {"color", "dimension", "fontFamily", "shadow", "duration", "cubicBezier"} <= types
    # The dark theme names a subset of the light colours, never a new one.
    assert set(TOKENS["color-dark"]) - {"$type"} <= set(TOKENS["color"]) - {"$type"}


def test_committed_token_outputs_are_fresh() -> None:
    """The template's built CSS and typed theme match its tokens (scripts/design-tokens)."""
    result = run([str(REPO_ROOT / "scripts/design-tokens"), "--check"], cwd=REPO_ROOT, check=False)
    assert result.returncode == 0, result.stderr


def test_css_has_light_and_dark_custom_properties() -> None:
    css = build.render_css(build.load(DESIGN_DIR / "tokens.json"))
    primary = TOKENS["color"]["primary"]["$value"]
    dark_primary = TOKENS["color-dark"]["primary"]["$value"]
    assert f"--color-primary: {primary};" in css
    assert "@media (prefers-color-scheme: dark)" in css
    assert ':root[data-theme="dark"]' in css
    assert css.count(f"--color-primary: {dark_primary};") == 2
    assert "--font-family-sans: " in css
    assert "--spacing-4: 1rem;" in css
    assert "--shadow-sm: 0px 1px 2px 0px" in css
    assert "--motion-easing-standard: cubic-bezier(0.2, 0, 0, 1);" in css


def test_typescript_theme_has_both_themes() -> None:
    ts = build.render_ts(build.load(DESIGN_DIR / "tokens.json"))
    assert '"colorPrimary": "' + TOKENS["color"]["primary"]["$value"] in ts
    assert "} as const;" in ts
    assert "export type Theme" in ts


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_component_colour_pair_meets_wcag_aa(theme: str) -> None:
    colours = {k: v["$value"] for k, v in TOKENS["color"].items() if k != "$type"}
    if theme == "dark":
        colours |= {k: v["$value"] for k, v in TOKENS["color-dark"].items() if k != "$type"}
    for foreground, background, minimum in build.CONTRAST_PAIRS:
        ratio = build.contrast_ratio(colours[foreground], colours[background])
        assert ratio >= minimum, f"{theme}: {foreground} on {background} is {ratio:.2f}:1"


def test_contrast_formula_matches_reference_values() -> None:
    assert build.contrast_ratio("#000", "#fff") == pytest.approx(21.0)
    assert build.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_check_fails_on_stale_output_and_names_it(tmp_path: Path) -> None:
    out = tmp_path / "tokens.css"
    out.write_text("/* edited by hand */\n")
    result = build_cli(REPO_ROOT, "--css", str(out), "--check")
    assert result.returncode == 1
    assert f"stale build output {out}" in result.stderr
    assert "make design" in result.stderr
    assert out.read_text() == "/* edited by hand */\n"  # --check never writes


def test_build_writes_then_check_passes(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "tokens.css"
    assert build_cli(REPO_ROOT, "--css", str(out)).returncode == 0
    assert build_cli(REPO_ROOT, "--css", str(out), "--check").returncode == 0


@pytest.mark.parametrize(
    ("tree_change", "message"),
    [
        (
            lambda t: t["color"]["primary"].update({"$value": "blue"}),
            "color.primary: $value must be a hex colour like #1f5fbf, got 'blue'",
        ),
        (
            lambda t: t["spacing"]["4"].update({"$value": "1 rem"}),
            "spacing.4: $value must be a length like 1rem, 4px or 0",
        ),
        (
            lambda t: t["color"]["text"].update({"$value": "{color.nope}"}),
            "color.text: alias {color.nope} names no token",
        ),
        (
            lambda t: t["color-dark"].update({"brand": {"$value": "#000000"}}),
            "dark tokens without a light token of the same name: --color-brand",
        ),
        (
            lambda t: t["color"]["on-primary"].update({"$value": "#8ab4f8"}),
            "light: on-primary #8ab4f8 on primary #1f5fbf is",
        ),
    ],
    ids=["bad-colour", "bad-dimension", "dangling-alias", "dark-only-token", "low-contrast"],
)
def test_bad_tokens_get_one_clear_error_and_no_output(
    tmp_path: Path, tree_change, message: str
) -> None:
    tree = _minimal()
    tree_change(tree)
    out = tmp_path / "tokens.css"
    result = build_cli(REPO_ROOT, "--tokens", str(_write_tokens(tmp_path, tree)), "--css", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith("design tokens: ")
    assert message in result.stderr
    assert not out.exists()


def test_aliases_resolve_to_the_target_value(tmp_path: Path) -> None:
    tree = _minimal()
    tree["color"]["focus"]["$value"] = "{color.primary}"
    tokens = build.load(_write_tokens(tmp_path, tree))
    assert tokens["color.focus"].value == TOKENS["color"]["primary"]["$value"]
