"""Data is text on every page (issue 9, row 13): hostile names never become links, bold or HTML.

Branch, customer, manager and survey texts crafted as markdown, LaTeX and HTML go into a
real store through the real CLI; a file with a hostile name and header goes through the
upload page. Every page is then read in a real browser: the DOM must hold no link to the
hostile address, no bold made from data, no script, no LaTeX, and Plotly must draw the
branch name as its literal characters.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.browser_util import AppServer, expect_no_exception, open_app, wait_for_app
from tests.conftest import REPO_ROOT
from tests.test_browser import PAGES, YEAR_2025

pytestmark = pytest.mark.browser

EVIL = "https://evil.example/"
BRANCH_ID = f"[BRL]({EVIL})"
BRANCH_NAME = f'<b>Bold</b> <a href="{EVIL}">Link</a>'
CUSTOMER_NAME = "**Strong** <script>alert(1)</script> $x^2$"
MANAGER = f"[RM]({EVIL})"
FILE_NAME = f"**Strongfile** [f]({EVIL}) $y$.csv"
HEADER = f"[hdr]({EVIL}) <b>Boldhdr</b>"
DATA_WORDS = ("Bold", "Strong", "Strongfile", "Boldhdr", "BRL", "RM", "hdr", "f")


def cli_load(db: Path, table: str, path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "metrics", "load", table, str(path), "--db", str(db)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr


def write(path: Path, lines: list[list[str]]) -> Path:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(lines)
    return path


def shows(page: Page, text: str) -> bool:
    """The page's visible text holds `text` (ui.safe's invisible word joiners aside)."""
    visible = page.evaluate("() => document.body.innerText.replaceAll('\\u2060', '')")
    return text in str(visible)


def assert_inert(page: Page) -> None:
    """No link to the hostile site, no bold/italic made of a data word, no script, no LaTeX."""
    # A link that leaves the app for the hostile host; the app's own page links carry the
    # view (the hostile branch id too, URL-encoded) and stay on the app's origin.
    links = page.eval_on_selector_all(
        'a[href*="evil.example"]',
        "els => els.filter(e => new URL(e.href, location.href).origin !== location.origin)"
        ".map(e => (e.closest('[data-testid]') || e.parentElement).outerHTML.slice(0, 600))",
    )
    assert links == [], links
    expect(page.locator("script", has_text="alert(1)")).to_have_count(0)
    expect(page.locator(".katex, .katex-display")).to_have_count(0)
    emphasised = page.eval_on_selector_all(
        "strong, b, em, i, [data-testid=stMarkdownContainer] a",
        "els => els.map(e => e.textContent.trim())",
    )
    assert not set(emphasised) & set(DATA_WORDS), emphasised
    # Plotly draws <b> as a bold tspan and <a> as an SVG link: neither from data.
    expect(page.locator(".js-plotly-plot svg a")).to_have_count(0)
    bold = page.eval_on_selector_all(
        ".js-plotly-plot svg tspan",
        "els => els.filter(e => (e.getAttribute('style') || '').includes('bold'))"
        ".map(e => e.textContent.trim())",
    )
    assert not set(bold) & set(DATA_WORDS), bold


def test_hostile_names_are_shown_literally_on_every_page(
    page: Page, fresh_app_server: AppServer, tmp_path: Path
) -> None:
    db = fresh_app_server.db
    cli_load(
        db,
        "branches",
        write(
            tmp_path / "b.csv",
            [
                ["branch_id", "branch_name", "region"],
                [BRANCH_ID, BRANCH_NAME, "<i>R</i>"],
            ],
        ),
    )
    cli_load(
        db,
        "customers",
        write(
            tmp_path / "c.csv",
            [
                [
                    "customer_id",
                    "customer_name",
                    "branch_id",
                    "credit_rating",
                    "onboard_date",
                    "relationship_manager",
                ],
                ["C90", CUSTOMER_NAME, BRANCH_ID, "AAA", "2025-03-01", MANAGER],
            ],
        ),
    )
    cli_load(
        db,
        "surveys",
        write(
            tmp_path / "s.csv",
            [
                ["response_id", "customer_id", "survey_date", "overall_score", "comment"],
                ["SX90", "C90", "2025-06-01", "5", "<b>Bold</b> [c](https://evil.example/)"],
            ],
        ),
    )
    branch_q = f"branch={quote(BRANCH_ID)}&branch=B01"
    for case in PAGES:
        open_app(page, f"{fresh_app_server.url}/{case.path}?{YEAR_2025}&lang=en&{branch_q}")
        expect_no_exception(page)
        if case.name not in ("glossary", "upload"):
            # The filter caption names the hostile branch id as its characters.
            assert shows(page, BRANCH_ID), case.name
        assert_inert(page)
    # The satisfaction page's by-branch chart labels the branch with its literal name.
    open_app(page, f"{fresh_app_server.url}/satisfaction?{YEAR_2025}&lang=en")
    labels = page.eval_on_selector_all(
        ".js-plotly-plot svg text", "els => els.map(e => e.textContent)"
    )
    assert any("<b>Bold</b>" in x for x in labels), labels
    assert_inert(page)

    # The upload page: a hostile file name and header, shown as typed.
    open_app(page, f"{fresh_app_server.url}/upload?lang=en")
    body = (
        "response_id,customer_id,survey_date,overall_score," + f'"{HEADER}"' + "\n"
        "SX91,C90,2025-06-02,4,x\n"
    )
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        files=[FilePayload(name=FILE_NAME, mimeType="text/csv", buffer=body.encode())]
    )
    wait_for_app(page)
    expect_no_exception(page)
    assert shows(page, FILE_NAME)
    assert shows(page, "not part of surveys")
    assert_inert(page)
