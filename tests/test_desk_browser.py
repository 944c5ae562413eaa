"""The desk in a real browser: open a manager's book, then the watchlist, and export it.

Playwright drives Debian's /usr/bin/chromium against `streamlit run app.py` on the desk bank
(tests/seed_desk/*.csv); expected rows are worked out in tests/test_desk.py. Period Q1 2026,
so the desk's day is 2026-03-31.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser_util import (
    NAV,
    AppServer,
    choose_in_multiselect,
    dataframe_rows,
    expect_no_exception,
    open_app,
    screenshot,
)
from tests.conftest import _run_server
from tests.deskstore import build_desk_store
from tests.test_browser import _read_export

pytestmark = pytest.mark.browser
Q1 = "from=2026-01-01&to=2026-03-31&lang=en"


@pytest.fixture(scope="module")
def desk_server() -> Iterator[AppServer]:
    """One app on the desk bank for this module (the one place to add a sign-in)."""
    workdir = Path(tempfile.mkdtemp(prefix="crm-desk-"))
    with _run_server(workdir, build_desk_store) as server:
        yield server
    shutil.rmtree(workdir, ignore_errors=True)


def _grid(page: Page, header: str, rows: int) -> list[dict[str, str]]:
    """The rows of the grid with a column `header`, once it shows `rows` rows."""
    grid = page.locator("[data-testid=stDataFrame]").filter(
        has=page.locator("th", has_text=re.compile(rf"^{re.escape(header)}$"))
    )
    grid.scroll_into_view_if_needed()
    expect(grid.locator("table tbody tr")).to_have_count(rows)
    return dataframe_rows(grid)


def test_open_a_book_then_the_watchlist_and_export_it(page: Page, desk_server: AppServer) -> None:
    open_app(page, f"{desk_server.url}/managers?{Q1}")
    expect(page.get_by_role("heading", name="Manager scorecards")).to_be_visible()
    # satisfaction 1/1, 1/2, 2/4 (tie by name), none: 周静 ranks first and her book opens
    assert [r["Manager"] for r in _grid(page, "Manager", 4)] == [
        "周静",
        "刘洋",
        "孙强",
        "Unassigned",
    ]
    assert [r["Customer id"] for r in _grid(page, "Customer id", 3)] == ["K03", "K10", "K06"]
    choose_in_multiselect(page, page.locator(".st-key-book_manager"), "孙强")
    # 孙强's active customers, most flags first: K05 (3 flags), K15 (1), then the unflagged
    # by balance: K07 2,500,000, K11 1,600,000, K04 780,000, K09 none (0)
    book = _grid(page, "Customer id", 6)
    assert [r["Customer id"] for r in book] == ["K05", "K15", "K07", "K11", "K04", "K09"]
    assert book[0]["Flags"] == "Past due, Open complaint, Low satisfaction"
    screenshot(page, "desk-managers", "en")

    page.locator(NAV).get_by_role("link", name="Watchlist", exact=True).click()
    expect(page.get_by_role("heading", name="Watchlist")).to_be_visible()
    rows = _grid(page, "Customer id", 8)
    assert [r["Customer id"] for r in rows] == [
        "K05",
        "K03",
        "K08",
        "K01",
        "K10",
        "K12",
        "K06",
        "K15",
    ]
    choose_in_multiselect(page, page.locator(".st-key-wl_flags"), "Open complaint")
    # complaint_open: K05 (3 flags), K08 (2), then K06 and K15 (balance 0, by id)
    assert [r["Customer id"] for r in _grid(page, "Customer id", 4)] == [
        "K05",
        "K08",
        "K06",
        "K15",
    ]
    button = page.locator(".st-key-t_watchlist_csv button")
    button.scroll_into_view_if_needed()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "crm_watchlist_20260101_20260331.csv"
    meta, exported = _read_export(Path(download.path()))
    assert meta[0] == "Watchlist 2026-03-31"
    assert [r["Customer id"] for r in exported] == ["K05", "K08", "K06", "K15"]
    assert exported[2]["What triggered them"] == "complaint Q01 open for 8 days"
    assert exported[0]["Outstanding"] == "500000.0"  # numbers stay numbers in the file
    expect_no_exception(page)
    screenshot(page, "desk-watchlist", "en")
