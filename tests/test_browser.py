"""What only a real browser proves: pages draw their charts, filters and URLs work, files move.

Playwright drives Debian's /usr/bin/chromium against `streamlit run app.py` on the seed store
(tests/seed/*.csv). Every expected number is worked out by hand from those CSVs in a comment.
Period of interest: 2025-01-01..2025-12-31.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Locator, Page, expect

from tests.browser_util import (
    EXCEPTION,
    PLOTLY,
    AppServer,
    choose_in_multiselect,
    dataframe_rows,
    expect_charts_drawn,
    expect_no_exception,
    go_to,
    metric_value,
    open_app,
    screenshot,
    sign_in,
    wait_for_app,
)
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.browser

YEAR_2025 = "from=2025-01-01&to=2025-12-31"


@dataclass(frozen=True)
class PageCase:
    """One page of the app: its name, its title in both languages, whether it has charts."""

    name: str
    zh: str
    en: str
    charts: bool

    @property
    def path(self) -> str:
        """The URL path st.navigation serves the page at (the default page has none)."""
        return "" if self.name == "overview" else self.name


PAGES: tuple[PageCase, ...] = (
    PageCase("overview", "总览", "Overview", True),  # the default page, served at "/"
    PageCase("satisfaction", "满意度与服务", "Satisfaction & service", True),
    PageCase("retention", "客户保持", "Retention", True),
    PageCase("funnel", "转化漏斗", "Conversion funnel", True),
    PageCase("lending", "贷款与风险", "Lending & risk", True),
    PageCase("tiers", "分层与关系", "Tiers & relationships", True),
    PageCase("value", "客户价值", "Value", True),
    PageCase("impact", "举措成效", "Initiative impact", False),  # the seed has no events
    PageCase("managers", "客户经理", "Relationship managers", False),
    PageCase("watchlist", "预警客户", "Watchlist", False),
    PageCase("whitespace", "交叉销售机会", "Cross-sell whitespace", True),
    PageCase("glossary", "指标说明", "Glossary", False),
    PageCase("upload", "数据导入与记录", "Data: upload & history", False),
)

# Active customers on 2025-12-31 (active: onboard_date <= d and churn empty or > d):
#   B01: C01, C02, C09, C13 (C03 churned 2025-01-01)             -> 4
#   B02: C04, C06, C11, C14 (C05 churned 2025-12-31, not > d)     -> 4
#   B03: C07, C08, C12      (C10 churned 2024-06-30)              -> 3
#   all branches: 4 + 4 + 3                                       -> 11
# New lending in 2025 (loans disbursed 2025-01-01..2025-12-31):
#   L02 C01/B01 6,000,000 (2025-03-01); L05 C04/B02 1,000,000 (2025-09-01);
#   L06 C08/B03 3,000,000 (2025-04-01)  -> all 10,000,000 = "¥10.00M"; B01 6,000,000 = "¥6.00M"
ACTIVE = "Active customers"
NEW_LENDING = "New lending"


def _url(server: AppServer, path: str, query: str) -> str:
    return f"{server.url}/{path}?{query}"


PAGE_RUNS: tuple[tuple[str, PageCase], ...] = tuple(
    (lang, case) for lang in ("zh", "en") for case in PAGES
)


@pytest.fixture(scope="module")
def tabs(
    browser: Browser, browser_context_args: dict[str, Any], app_server: AppServer
) -> Iterator[Callable[[str], Page]]:
    """One open app session per language, reused while the tests walk the pages.

    Switching pages inside a session is what a user does, and it spares each page the
    reload of Streamlit's and Plotly's scripts (seconds each on 2 cores).
    """
    opened: dict[str, Page] = {}
    contexts: list[BrowserContext] = []

    def tab(lang: str) -> Page:
        page = opened.get(lang)
        if page is None or page.is_closed():
            context = browser.new_context(**browser_context_args)
            contexts.append(context)
            page = context.new_page()
            # the first page of a session after sign-in is the coldest: a longer wait
            open_app(page, _url(app_server, "", f"{YEAR_2025}&lang={lang}"), 60_000)
            opened[lang] = page
        return page

    yield tab
    for context in contexts:
        context.close()


@pytest.mark.parametrize(
    ("lang", "case"), PAGE_RUNS, ids=[f"{case.name}-{lang}" for lang, case in PAGE_RUNS]
)
def test_page_opens_with_charts_drawn(
    tabs: Callable[[str], Page], app_server: AppServer, lang: str, case: PageCase
) -> None:
    """Each page, reached from the sidebar in each language, renders without an exception box,
    with its charts drawn, at its own URL path with the filters kept; a screenshot is saved."""
    page = tabs(lang)
    try:
        go_to(page, case.zh if lang == "zh" else case.en, case.path)
        expect(page).to_have_url(re.compile(rf"\?.*from=2025-01-01&to=2025-12-31.*lang={lang}"))
        expect_no_exception(page)
        expect(page.get_by_role("dialog")).to_have_count(0)  # e.g. "Page not found"
        expect(page.locator("h1").first).to_be_visible()
        if case.charts:
            assert expect_charts_drawn(page) >= 1
        else:
            expect(page.locator(PLOTLY)).to_have_count(0)
    finally:
        screenshot(page, case.name, lang)  # also of a failing page, to see what went wrong
    expect_no_exception(page)


def test_branch_filter_changes_kpi_cards(page: Page, app_server: AppServer) -> None:
    """Picking branch B01 in the sidebar recomputes the cards (hand counts above)."""
    open_app(page, _url(app_server, "", f"{YEAR_2025}&lang=en"))
    expect(metric_value(page, ACTIVE)).to_have_text("11")
    expect(metric_value(page, NEW_LENDING)).to_have_text("¥10.00M")

    branches = page.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]").first
    choose_in_multiselect(page, branches, "B01 北京分行")

    expect(metric_value(page, ACTIVE)).to_have_text("4")
    expect(metric_value(page, NEW_LENDING)).to_have_text("¥6.00M")
    expect(page).to_have_url(re.compile(r"[?&]branch=B01(&|$)"))
    expect_no_exception(page)


def test_url_query_opens_with_filters_applied(page: Page, app_server: AppServer) -> None:
    """?branch=B02&tier=B&lang=en opens in English with those filters in the widgets and cards.

    Tier B in B02: C04 (stored B); C05 derived B (rating A but assets 200M < 1bn, not C);
    C11 derived B (BBB, 600M); not C06 (CCC -> C) nor C14 (A, 1.1bn -> A).
    Active on 2025-12-31: C04, C11 (C05 churned that day) -> 2.
    New lending 2025: L05 of C04, 1,000,000 -> "¥1.00M".
    """
    open_app(page, _url(app_server, "", f"{YEAR_2025}&branch=B02&tier=B&lang=en"))
    expect_no_exception(page)
    expect(
        page.get_by_text("Period 2025-01-01 to 2025-12-31; branches: B02; tiers: B")
    ).to_be_visible()
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.locator("[data-testid=stMultiSelect]").first).to_contain_text("B02 上海分行")
    expect(sidebar.locator("[data-testid=stMultiSelect]").nth(1)).to_contain_text("Tier B")
    expect(metric_value(page, ACTIVE)).to_have_text("2")
    expect(metric_value(page, NEW_LENDING)).to_have_text("¥1.00M")


def _read_export(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """An exported CSV: its metadata lines (before the empty line) and its table rows."""
    text = path.read_bytes().decode("utf-8-sig")
    meta, _, table = text.partition("\r\n\r\n")
    return meta.splitlines(), list(csv.DictReader(io.StringIO(table)))


def test_export_downloads_the_rows_shown(page: Page, app_server: AppServer) -> None:
    """The churned-customers table exports as CSV with exactly the churned customers.

    Churned in 2025 = onboarded before 2025-01-01 with churn_date in 2025:
    C05 南山食品 (2025-12-31) and C03 明达物流 (2025-01-01), latest churn first.
    C10 churned 2024-06-30 and is not in the period.
    """
    open_app(page, _url(app_server, "retention", f"{YEAR_2025}&lang=en"))
    button = page.locator(".st-key-t_churned_csv button")
    button.scroll_into_view_if_needed()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "crm_churned_customers_20250101_20251231.csv"
    meta, rows = _read_export(Path(download.path()))
    assert "Period 2025-01-01 to 2025-12-31; branches: all branches; tiers: all tiers" in meta
    ids = [next(iter(r.values())) for r in rows]
    assert ids == ["C05", "C03"]
    assert any("南山食品" in v for v in rows[0].values())
    assert any("2025-01-01" in v for v in rows[1].values())
    expect_no_exception(page)


def _upload(page: Page, name: str, body: str) -> None:
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        files=[FilePayload(name=name, mimeType="text/csv", buffer=body.encode("utf-8"))]
    )
    wait_for_app(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)


CUSTOMER_HEADER = (
    "customer_id,customer_name,branch_id,industry,company_size,credit_rating,total_assets,"
    "tier,onboard_date,acquisition_channel,referred_by,relationship_manager,churn_date\n"
)
GOOD_ROW = "C15,新星材料,B01,materials,small,A,150000000,,2025-06-01,branch,,李娜,\n"


def test_upload_good_file_changes_kpis(page: Page, fresh_app_server: AppServer) -> None:
    """Appending one new B01 customer onboarded 2025-06-01 adds one active customer.

    Active on 2025-12-31 before: 11 (see above); after: 11 + C15 = 12. The upload page
    compares the latest month (December 2025, ending on the same day) before and after.
    """
    open_app(page, _url(fresh_app_server, "", f"{YEAR_2025}&lang=en"))
    expect(metric_value(page, ACTIVE)).to_have_text("11")

    go_to(page, "Data: upload & history", "upload")
    _upload(page, "new_customers.csv", CUSTOMER_HEADER + GOOD_ROW)
    expect(page.get_by_text("Checked: 1 row can be loaded.")).to_be_visible()
    load = page.locator(".st-key-upload_load button")
    expect(load).to_be_enabled()
    load.click()
    wait_for_app(page)
    expect(page.get_by_text("new_customers.csv → customers: 1 row added")).to_be_visible()
    expect_no_exception(page)
    grid = page.locator("[data-testid=stDataFrame]").filter(
        has=page.locator("th", has_text=re.compile(r"^After$"))
    )
    compared = {r["KPI"]: (r["Before"], r["After"]) for r in dataframe_rows(grid)}
    assert compared[ACTIVE] == ("11", "12")
    screenshot(page, "upload-loaded", "en")

    go_to(page, "Overview", "")
    expect(metric_value(page, ACTIVE)).to_have_text("12")


def test_upload_bad_file_reports_row_and_column(page: Page, app_server: AppServer) -> None:
    """A bad credit rating on the second data row (spreadsheet row 3) is named with its column.

    Row 1 is the header; C15 (row 2) is valid; C16 (row 3) has credit_rating "ZZZ": one
    problem in one of two rows. Nothing can be loaded and the store keeps 11 active customers.
    """
    body = (
        CUSTOMER_HEADER
        + GOOD_ROW
        + "C16,坏数据公司,B01,materials,small,ZZZ,150000000,,2025-06-01,branch,,李娜,\n"
    )
    open_app(page, _url(app_server, "upload", f"{YEAR_2025}&lang=en"))
    _upload(page, "bad_customers.csv", body)
    expect(page.get_by_text("Refused: 1 problem in 1 row", exact=False)).to_be_visible()
    grid = page.locator("[data-testid=stDataFrame]").filter(
        has=page.locator("th", has_text=re.compile(r"^Expected$"))
    )
    problems = dataframe_rows(grid)
    assert len(problems) == 1
    assert problems[0]["Row"] == "3"
    assert problems[0]["Column"] == "credit_rating"
    assert problems[0]["Value"] == "ZZZ"
    assert "AAA" in problems[0]["Expected"]
    expect(page.locator(".st-key-upload_load button")).to_be_disabled()
    screenshot(page, "upload-refused", "en")

    with page.expect_download() as info:
        page.locator(".st-key-upload_0_download button").click()
    report = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8-sig"))))
    # the report CSV speaks the page's language: English headings here
    assert [(r["Row"], r["Column"], r["Value"]) for r in report] == [("3", "credit_rating", "ZZZ")]

    go_to(page, "Overview", "")
    expect(metric_value(page, ACTIVE)).to_have_text("11")


def test_cli_load_while_the_app_serves_shows_after_a_rerun(
    page: Page, fresh_app_server: AppServer, tmp_path: Path
) -> None:
    """`python -m metrics load` from a shell while the server is reading the same store.

    The open page holds the store read-only; the CLI must still succeed (copy-on-write, so no
    lock error) and a rerun then shows the new customer: active on 2025-12-31 goes 11 -> 12
    (C15, onboarded 2025-06-01, no churn; see test_upload_good_file_changes_kpis).
    """
    open_app(page, _url(fresh_app_server, "", f"{YEAR_2025}&lang=en"))
    expect(metric_value(page, ACTIVE)).to_have_text("11")

    extract = tmp_path / "customers.csv"
    extract.write_text(CUSTOMER_HEADER + GOOD_ROW, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "metrics", "load", "customers", str(extract),
         "--db", str(fresh_app_server.db)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    page.reload()  # a reload is a new session: it signs in again
    wait_for_app(page)
    sign_in(page)
    expect(metric_value(page, ACTIVE)).to_have_text("12")
    expect_no_exception(page)


# Records every string a canvas draws (the grid paints its cells on a canvas; its ARIA table
# and clipboard carry the raw values, so this is the only place the shown text can be read).
RECORD_DRAWN_TEXT = """(() => {
    const fill = CanvasRenderingContext2D.prototype.fillText;
    window.__drawn = [];
    CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
        window.__drawn.push({text: String(text), x: x, y: y, canvas: this.canvas});
        return fill.call(this, text, x, y, ...rest);
    };
})()"""


def _wait_drawn(grid: Locator, text: str) -> None:
    """Wait until the grid's canvas has drawn `text` (since the record was last cleared)."""
    grid.page.wait_for_function(
        "([el, t]) => window.__drawn.some(d => el.contains(d.canvas) && d.text === t)",
        arg=[grid.element_handle(), text],
    )


def _drawn(grid: Locator) -> list[str]:
    """The strings the grid's canvas drew, in drawing order."""
    texts: list[str] = grid.evaluate(
        "el => window.__drawn.filter(d => el.contains(d.canvas)).map(d => d.text)"
    )
    return texts


def _click_header(grid: Locator, title: str) -> None:
    """Click a grid column's header where its title is drawn, as a user does to sort."""
    _wait_drawn(grid, title)
    x, y = grid.evaluate(
        """(el, t) => {
            const d = window.__drawn.find(d => el.contains(d.canvas) && d.text === t);
            const box = d.canvas.getBoundingClientRect();
            return [box.left + d.x + 4, box.top + d.y];
        }""",
        title,
    )
    grid.evaluate("() => { window.__drawn.length = 0; }")
    grid.page.mouse.click(x, y)


def test_money_column_sorts_by_amount_and_shows_its_text(page: Page, app_server: AppServer) -> None:
    """Clicking "资产总额" in the drill-down sorts by the amounts, not by the shown text.

    The satisfaction page drills into the customers surveyed in the period, all of them by
    default (issue 10). Surveys of 2025: S01 C01, S02 C02, S03 C04, S04 C05, S05 C08,
    S06 C12. Their total assets, in 亿 for the whole column (the largest is 30亿), three
    significant digits each:
      C01 2,000,000,000 -> ¥20.0亿    C02 1,500,000,000 -> ¥15.0亿
      C04   300,000,000 -> ¥3.00亿    C05   200,000,000 -> ¥2.00亿
      C08 1,200,000,000 -> ¥12.0亿    C12 3,000,000,000 -> ¥30.0亿
    Ascending by amount: C05, C04, C08, C02, C01, C12. Sorting the text instead would give
    ¥12.0亿 < ¥15.0亿 < ¥2.00亿 < ¥20.0亿 < ¥3.00亿 < ¥30.0亿 = C08, C02, C05, C01, C04, C12.
    Only C05 has a churn date (2025-12-31): the other five show "—" there, never "None".
    """
    page.add_init_script(RECORD_DRAWN_TEXT)
    open_app(page, _url(app_server, "satisfaction", f"{YEAR_2025}&lang=zh"))
    grid = page.locator("[data-testid=stDataFrame]").filter(
        has=page.locator("th", has_text=re.compile(r"^客户编号$"))
    )
    grid.scroll_into_view_if_needed()
    ids = ["C01", "C02", "C04", "C05", "C08", "C12"]
    assert [r["客户编号"] for r in dataframe_rows(grid)] == ids
    _wait_drawn(grid, "¥20.0亿")
    drawn = _drawn(grid)
    assert {"¥20.0亿", "¥15.0亿", "¥3.00亿", "¥2.00亿", "¥12.0亿", "¥30.0亿", "—"} <= set(drawn)
    assert not {"None", "nan", "NaT", "2000000000", "2000000000.0"} & set(drawn)

    _click_header(grid, "资产总额")
    # the sort is on that column, ascending; the grid's accessibility table follows the sort
    expect(grid.locator("th", has_text="资产总额")).to_have_text("↑ 资产总额")
    grid.page.wait_for_function(
        """el => [...el.querySelectorAll('table tbody tr')]
            .map(tr => tr.querySelector('td')?.textContent.trim()).join(',')
            === 'C05,C04,C08,C02,C01,C12'""",
        arg=grid.element_handle(),
    )
    rows = dataframe_rows(grid)
    assert [r["客户编号"] for r in rows] == ["C05", "C04", "C08", "C02", "C01", "C12"]
    # what each row of the column shows now: the last text drawn at its place on the canvas
    # (a repaint may come in passes, so the drawing order alone is not the row order)
    grid.page.wait_for_function(
        """([el, want]) => {
            const d = window.__drawn.filter(d => el.contains(d.canvas));
            const head = d.filter(x => x.text === '↑ 资产总额').pop();
            if (!head) return false;
            const starts = [...new Set(d.filter(x => x.y === head.y).map(x => x.x))]
                .sort((a, b) => a - b);
            const end = starts.find(x => x > head.x) ?? Infinity;  // the next column
            const last = new Map();
            for (const x of d) {
                const inColumn = x.y > head.y && x.x >= head.x - 200 && x.x < end;
                if (inColumn && x.text.startsWith('¥')) last.set(x.y, x.text);
            }
            const shown = [...last.entries()].sort((a, b) => a[0] - b[0]).map(e => e[1]);
            return shown.join(',') === want.join(',');
        }""",
        arg=[
            grid.element_handle(),
            ["¥2.00亿", "¥3.00亿", "¥12.0亿", "¥15.0亿", "¥20.0亿", "¥30.0亿"],
        ],
    )
    expect_no_exception(page)
    screenshot(page, "drill-sorted-by-assets", "zh")
