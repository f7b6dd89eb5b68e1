"""axe-core in the tests' Chromium pages: installed from npm at the version
tests/axe/package-lock.json pins, and its serious and critical findings."""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import Page

from tests.support import REPO_ROOT, run

AXE_DIR = REPO_ROOT / "tests" / "axe"


def axe_script(folder: Path) -> str:
    """axe.min.js, installed into ``folder`` with `npm ci`."""
    for name in ("package.json", "package-lock.json"):
        shutil.copy(AXE_DIR / name, folder / name)
    run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=folder)
    return (folder / "node_modules" / "axe-core" / "axe.min.js").read_text()


def serious(page: Page, axe: str) -> list[str]:
    """axe-core's serious and critical violations of the page as it is now."""
    page.add_script_tag(content=axe)
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['html'][:120]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
