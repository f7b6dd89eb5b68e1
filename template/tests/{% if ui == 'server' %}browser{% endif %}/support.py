"""Helpers of the browser tests: screenshots and axe-core."""

import os
from pathlib import Path

from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


class Screenshot:
    """Saves full-page screenshots to UI_SCREENSHOT_DIR, when it is set (docs, CI artifacts)."""

    def __init__(self, page: Page, color_scheme: str) -> None:
        self.page = page
        self.color_scheme = color_scheme
        folder = os.environ.get("UI_SCREENSHOT_DIR")
        self.folder = Path(folder) if folder else None

    def __call__(self, name: str) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=self.folder / f"{name}-{self.color_scheme}.png", full_page=True)


def axe_violations(page: Page) -> list[dict[str, object]]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not AXE_SCRIPT.is_file():
        raise RuntimeError(f"{AXE_SCRIPT} is missing: run `make setup` (npm ci)")
    page.add_script_tag(path=AXE_SCRIPT)
    violations: list[dict[str, object]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                              nodes: v.nodes.map((n) => n.target.join(" "))}));
        }"""
    )
    return violations
