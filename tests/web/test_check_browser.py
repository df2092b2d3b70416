"""Check my register in a real browser: upload a register, read the findings, and a bad file."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from web_support import register_csv

from web_browser import open_browser, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser():
    with open_browser() as b:
        yield b


def test_a_learner_checks_their_own_register(browser, stack, tmp_path):
    register = tmp_path / "our-register.csv"
    register.write_bytes(register_csv())
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(stack.web + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check my register").click()
    expect(page.get_by_role("heading", name="Check my register")).to_be_visible()
    page.get_by_label("Register file (CSV or Excel)").set_input_files(str(register))
    page.get_by_label("Judge review dates as of").fill("2026-09-14")
    page.get_by_role("button", name="Check register").click()
    result = page.locator("#result")
    expect(result).to_contain_text("findings on", timeout=15_000)
    expect(result).to_contain_text("4 findings on 4 of 11 risks in our-register.csv")
    table = page.get_by_role("table", name="Findings, with a challenge for each")
    # exactly riverside's four visible flaws, one row each, and no row for a correct risk
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(4)
    shown = sorted((rows.nth(i).locator("td").nth(0).locator("strong").inner_text(),
                    rows.nth(i).locator("td").nth(1).inner_text()) for i in range(rows.count()))
    assert shown == [("R2", "issue logged as a risk"), ("R3", "score doesn't add up"),
                     ("R5", "vague description"), ("R9", "missing or vague response")]
    expect(table.locator("tbody tr", has_text="score doesn't add up")).to_contain_text(
        "“R3 is scored 7, but 3 x 4 is 12. Which is right?”")
    screenshot(page, "check.png")

    bad = tmp_path / "minutes.docx"
    bad.write_bytes(b"PK\x03\x04 not a register")
    page.get_by_label("Register file (CSV or Excel)").set_input_files(str(bad))
    page.get_by_role("button", name="Check register").click()
    expect(page.get_by_role("alert")).to_contain_text("minutes.docx: expected a .csv or .xlsx file")
    page.context.close()
