"""Sign-in and branch scope in a real browser: the form first, lockout, a manager's whole tour.

Seed branches: B01 北京分行, B02 上海分行, B03 广州分行. B01's customers are C01 星辰科技,
C02 华远制造, C03 明达物流, C09 金桥电子, C13 华夏纺织 (managers 王伟, 李娜); OTHER lists
everything of B02 and B03: their ids, names, customers and relationship managers.
B01 over 2025: satisfaction S01 5, S02 4 -> 2/2 = "100.0%"; active on 12-31 = 4.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from metrics import access
from tests.browser_util import (
    NAV,
    PLOTLY,
    SIGN_IN_NAME,
    AppServer,
    expect_no_exception,
    go_to,
    metric_value,
    open_app,
    sign_in,
    wait_for_app,
)
from tests.seedstore import NOT_B01
from tests.signin import ensure_account

pytestmark = pytest.mark.browser

YEAR_2025 = "from=2025-01-01&to=2025-12-31"
MANAGER, MANAGER_PW = "mgr-b01", "manager-b01-pw"
OTHER = NOT_B01  # everything of B02 and B03
CUSTOMER_NAMES = ("星辰科技", "华远制造", "明达物流", "金桥电子", "华夏纺织", *OTHER[7::2])
# (English title, URL path) of every page a manager has, in navigation order
TOUR = (
    ("Overview", ""),
    ("Satisfaction & service", "satisfaction"),
    ("Retention", "retention"),
    ("Conversion funnel", "funnel"),
    ("Lending & risk", "lending"),
    ("Tiers & relationships", "tiers"),
    ("Value", "value"),
    ("Initiative impact", "impact"),
    ("Relationship managers", "managers"),
    ("Watchlist", "watchlist"),
    ("Cross-sell whitespace", "whitespace"),
    ("Glossary", "glossary"),
)


def _manager(server: AppServer) -> None:
    ensure_account(server.db, MANAGER, "manager", ("B01",), MANAGER_PW)


def _shown_text(page: Page) -> str:
    """What the page shows: its text, every chart's data (hover labels included), every grid."""
    body = page.locator("body").inner_text()
    charts: list[str] = page.evaluate(
        f"() => [...document.querySelectorAll('{PLOTLY}')].map(el => JSON.stringify("
        "(el.data || []).map(t => [t.x, t.y, t.text, t.hovertext, t.customdata, t.name, "
        "t.labels, t.ids, t.hovertemplate])))"
    )
    grids: list[str] = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stDataFrame] table')]"
        ".map(t => t.textContent)"
    )
    return "\n".join([body, *charts, *grids])


def _leaks(text: str) -> list[str]:
    return [name for name in OTHER if name in text]


def _file_text(path: Path, name: str) -> str:
    if name.endswith(".xlsx"):
        wb = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
        cells = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                 for c in row if c is not None]  # fmt: skip
        return "\n".join(cells)
    text = path.read_bytes().decode("utf-8-sig")
    return "\n".join(",".join(r) for r in csv.reader(io.StringIO(text)))


def test_before_sign_in_the_form_and_no_data(page: Page, app_server: AppServer) -> None:
    page.goto(f"{app_server.url}/satisfaction?{YEAR_2025}&lang=en")
    wait_for_app(page)
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()
    expect(page.get_by_role("textbox", name="Password")).to_have_attribute("type", "password")
    expect(page.locator(PLOTLY)).to_have_count(0)
    expect(page.locator("[data-testid=stMetric]")).to_have_count(0)
    expect(page.locator("[data-testid=stDataFrame]")).to_have_count(0)
    text = page.locator("body").inner_text()
    assert not [n for n in CUSTOMER_NAMES if n in text]
    assert "北京分行" not in text and not _leaks(text)
    expect_no_exception(page)


def test_wrong_password_is_refused(page: Page, app_server: AppServer) -> None:
    page.goto(f"{app_server.url}/?{YEAR_2025}&lang=en")
    wait_for_app(page)
    sign_in(page, "tester", "not-the-password")
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    expect(page.locator("[data-testid=stMetric]")).to_have_count(0)
    expect(page.locator(SIGN_IN_NAME)).to_be_visible()


def test_five_wrong_passwords_lock_the_account(page: Page, app_server: AppServer) -> None:
    ensure_account(app_server.db, "lock-me", "analyst", (), "lock-me-password")
    page.goto(f"{app_server.url}/?lang=en")
    wait_for_app(page)
    for _ in range(4):
        sign_in(page, "lock-me", "wrong-password")
        expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    sign_in(page, "lock-me", "wrong-password")
    locked = page.get_by_text("this account is locked until", exact=False)
    expect(locked).to_be_visible()
    sign_in(page, "lock-me", "lock-me-password")  # the right password, 15 minutes too early
    expect(locked).to_be_visible()
    expect(page.locator("[data-testid=stMetric]")).to_have_count(0)


def test_a_b01_manager_sees_only_b01_on_every_page_and_in_every_export(
    page: Page, app_server: AppServer
) -> None:
    """/satisfaction?branch=B02 as B01's manager: B01 only, with a note; then every page of the
    navigation and every download on it (CSV and Excel, opened) has nothing of B02 or B03."""
    _manager(app_server)
    open_app(
        page,
        f"{app_server.url}/satisfaction?{YEAR_2025}&branch=B02&lang=en",
        name=MANAGER,
        password=MANAGER_PW,
    )
    # the sidebar rewrites the URL to what is shown: B02 is gone (B01 is the manager's "all")
    expect(page).to_have_url(re.compile(rf"^{re.escape(app_server.url)}/satisfaction\?"))
    assert "branch=" not in page.url
    note = page.get_by_text("You can see B01 only. The link asked for B02", exact=False)
    expect(note).to_be_visible()
    expect(page.get_by_text("Period 2025-01-01 to 2025-12-31; branches: B01;")).to_be_visible()
    expect(metric_value(page, "Satisfaction rate")).to_have_text("100.0%")
    nav = page.locator(NAV)
    expect(nav.get_by_role("link")).to_have_count(len(TOUR))  # no upload, no accounts page
    downloads: list[str] = []
    for title, path in TOUR:
        go_to(page, title, path)
        expect_no_exception(page)
        expect(note).to_have_count(0)  # the note was for the page the link opened
        leaks = _leaks(_shown_text(page))
        assert not leaks, (title, leaks)
        buttons = page.locator("[data-testid=stDownloadButton] button")
        for i in range(buttons.count()):
            button = buttons.nth(i)
            if not button.is_visible():  # a table in a tab that is not open
                continue
            with page.expect_download() as info:
                button.click()
            name = info.value.suggested_filename
            text = _file_text(Path(info.value.path()), name)
            assert "branches: B01;" in text, name  # the file says which filters made it
            assert not _leaks(text), (name, _leaks(text))
            downloads.append(name)
    assert len(downloads) >= 10  # every page with tables offers CSV and Excel
    assert any(n.startswith("crm_churned_customers") for n in downloads)
    # the drill-downs show the whole selection by default (issue 10): all of B01 for her
    assert any(n.startswith("crm_customers_surveyed_branch_all") for n in downloads)
    events = access.audit_rows(access.admin_db_for(app_server.db), user=MANAGER)
    exported = [json.loads(d)["file"] for d in events[events["action"] == "export"]["detail"]]
    assert sorted(exported) == sorted(downloads)  # each export is in the audit, with its file
    details = [json.loads(d) for d in events[events["action"] == "export"]["detail"]]
    assert all("branches: B01;" in d["filters"] and d["rows"] >= 0 for d in details)


def test_a_manager_has_no_upload_page(page: Page, app_server: AppServer) -> None:
    _manager(app_server)
    open_app(page, f"{app_server.url}/upload?lang=en", name=MANAGER, password=MANAGER_PW)
    expect(page.locator("[data-testid=stFileUploader]")).to_have_count(0)
    expect(page.get_by_role("heading", name="Load extracts")).to_have_count(0)
    expect(page.locator(".st-key-upload_undo button")).to_have_count(0)
    nav = page.locator(NAV)
    expect(nav.get_by_role("link", name="Data: upload & history")).to_have_count(0)


def test_sign_out(page: Page, app_server: AppServer) -> None:
    open_app(page, f"{app_server.url}/?{YEAR_2025}&lang=en")
    expect(metric_value(page, "Active customers")).to_have_text("11")
    page.locator(".st-key-auth_sign_out button").click()
    wait_for_app(page)
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.locator(SIGN_IN_NAME)).to_be_visible()
    expect(page.locator("[data-testid=stMetric]")).to_have_count(0)
