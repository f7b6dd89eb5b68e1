"""The pages in a real browser: tokens reach the screen, dark mode switches them, the create
form explains a mistake and then succeeds, and axe-core finds nothing serious."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import Screenshot, axe_violations

pytestmark = pytest.mark.browser

TOKENS = json.loads(
    (Path(__file__).resolve().parents[2] / "design" / "tokens.json").read_text(encoding="utf-8")
)


def token_rgb(name: str, color_scheme: str) -> str:
    """A colour token as the browser reports a computed colour: 'rgb(31, 95, 191)'."""
    group = TOKENS["color-dark" if color_scheme == "dark" else "color"]
    hex_value = group[name]["$value"].lstrip("#")
    red, green, blue = (int(hex_value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def computed(page: Page, selector: str, prop: str) -> str:
    value: str = page.locator(selector).first.evaluate(
        "(el, prop) => getComputedStyle(el).getPropertyValue(prop)", prop
    )
    return value


def test_primary_button_and_page_use_the_tokens(
    page: Page, color_scheme: str, screenshot: Screenshot
) -> None:
    page.goto("/items/new")
    expect(page.get_by_role("heading", name="New item")).to_be_visible()
    button = ".button--primary"
    assert computed(page, button, "background-color") == token_rgb("primary", color_scheme)
    assert computed(page, button, "color") == token_rgb("on-primary", color_scheme)
    assert computed(page, "body", "background-color") == token_rgb("bg", color_scheme)
    assert computed(page, "body", "color") == token_rgb("text", color_scheme)


def test_empty_list_offers_the_first_action(empty_page: Page, color_scheme: str) -> None:
    empty_page.goto("/")
    expect(empty_page.get_by_role("heading", name="No items yet")).to_be_visible()
    action = empty_page.get_by_role("link", name="New item").last
    assert computed(empty_page, ".empty-state .button--primary", "background-color") == token_rgb(
        "primary", color_scheme
    )
    assert axe_violations(empty_page) == []
    action.click()
    expect(empty_page).to_have_url(re.compile(r"/items/new$"))


def test_create_form_shows_a_field_error_then_succeeds(
    page: Page, color_scheme: str, screenshot: Screenshot
) -> None:
    page.goto("/items/new")
    page.get_by_label("Description").fill("Kept after the error")
    page.get_by_role("button", name="Create item").click()

    name = page.get_by_label("Name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name-error")).to_contain_text("Enter a value.")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_label("Description")).to_have_value("Kept after the error")
    assert computed(page, "#name-error", "color") == token_rgb("danger", color_scheme)
    screenshot("item-form-error")
    assert axe_violations(page) == []

    item_name = f"Lamp ({color_scheme})"
    name.fill(item_name)
    page.get_by_role("button", name="Create item").click()

    expect(page).to_have_url(re.compile(r"/\?notice=created$"))
    expect(page.get_by_role("status")).to_contain_text("Item created.")
    expect(page.get_by_role("cell", name=item_name, exact=True)).to_be_visible()
    screenshot("items-list")
    assert axe_violations(page) == []


def test_edit_page_saves_changes(page: Page) -> None:
    page.goto("/items/new")
    page.get_by_label("Name").fill("Chair")
    page.get_by_role("button", name="Create item").click()
    page.get_by_role("link", name="Edit Chair").first.click()

    expect(page.get_by_label("Name")).to_have_value("Chair")
    page.get_by_label("Name").fill("Armchair")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Item saved.")
    expect(page.get_by_role("cell", name="Armchair", exact=True).first).to_be_visible()
    assert axe_violations(page) == []


def test_pages_work_without_javascript(browser_without_js: Page) -> None:
    page = browser_without_js
    page.goto("/items/new")
    page.get_by_label("Name").fill("No script needed")
    page.get_by_role("button", name="Create item").click()
    expect(page.get_by_role("cell", name="No script needed", exact=True)).to_be_visible()
