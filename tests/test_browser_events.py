"""Event markers drawn on the trend charts in a real browser (Playwright + /usr/bin/chromium).

The store is the seed bank (its own copy) plus two events loaded through the loader while
the app serves it (tests/eventseed.py): E1 全行服务提升 2025-05-01 bank-wide and E2 北京试点
2025-01-01 for branch B01. Both months are inside the trend window of 2025.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser_util import PLOTLY, AppServer, expect_charts_drawn, open_app
from tests.eventseed import EVENTS_CSV

pytestmark = pytest.mark.browser

YEAR_2025 = "from=2025-01-01&to=2025-12-31&lang=en"
MARKER_LINE = '.shapelayer path[style*="rgb(123, 94, 167)"]'  # ui.event_markers.EVENT_COLOR


def _load_events(server: AppServer) -> None:
    from metrics.load import load_file

    path = server.db.parent / "events.csv"
    path.write_text(EVENTS_CSV, encoding="utf-8")
    assert load_file(server.db, "events", path).ok


def test_trends_draw_the_events_in_scope(page: Page, fresh_app_server: AppServer) -> None:
    _load_events(fresh_app_server)
    open_app(page, f"{fresh_app_server.url}/satisfaction?{YEAR_2025}")
    assert expect_charts_drawn(page) >= 1
    plot = page.locator(PLOTLY).first  # the monthly satisfaction trend
    expect(plot.locator(".annotation-text", has_text="北京试点 (B01)")).to_have_count(1)
    expect(plot.locator(".annotation-text", has_text="全行服务提升")).to_have_count(1)
    # Each marker is a dotted vertical line in the event colour (#7b5ea7; the target line is
    # another shape, in red).
    expect(plot.locator(MARKER_LINE)).to_have_count(2)
    # With branch B02 selected, the B01 pilot is out of scope; the bank-wide launch stays.
    open_app(page, f"{fresh_app_server.url}/satisfaction?{YEAR_2025}&branch=B02")
    assert expect_charts_drawn(page) >= 1
    plot = page.locator(PLOTLY).first
    expect(plot.locator(".annotation-text", has_text="全行服务提升")).to_have_count(1)
    expect(plot.locator(".annotation-text", has_text="北京试点")).to_have_count(0)
    expect(plot.locator(MARKER_LINE)).to_have_count(1)


def test_the_impact_page_draws_its_chart(page: Page, fresh_app_server: AppServer) -> None:
    _load_events(fresh_app_server)
    open_app(page, f"{fresh_app_server.url}/impact?{YEAR_2025}")
    # The first event by date, E2 (B01, 2025-01-01); 180 days before it the surveys have not
    # started, so only the rates covered by their sources show a bar; the chart is drawn.
    assert expect_charts_drawn(page) == 1
    expect(page.get_by_text("Initiative impact: before and after an event")).to_be_visible()


def test_the_overview_downloads_the_brief(page: Page, fresh_app_server: AppServer) -> None:
    """The Overview's button gives the same brief as the CLI: month 2025-12 (the period's
    end), in the page's language, with the page's filters; its export is audited."""
    import subprocess
    from pathlib import Path

    from metrics import access

    open_app(page, f"{fresh_app_server.url}/?{YEAR_2025}&branch=B02")
    button = page.locator(".st-key-brief_pdf button")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "brief-2025-12-en.pdf"
    text = subprocess.run(["pdftotext", "-layout", download.path(), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "Board brief 2025-12" in text
    assert "Filters: branches B02 上海分行; tiers all" in text
    # B02's December NPL: 1.0 of 9.0 M = 11.1 % (tests/test_alerts.py); 11.11 - 1.50 = 9.61.
    assert "NPL ratio 11.1%, 9.6 pp above target" in text
    exports = [r for r in access.audit_records(access.admin_db_for(fresh_app_server.db))
               if r["action"] == "export"]  # fmt: skip
    assert any("brief-2025-12-en.pdf" in (r["detail"] or "") for r in exports)
    assert Path(download.path()).stat().st_size > 10_000
