"""Every number on screen is honest (issue 10), proved in a real browser on the seed bank.

Playwright drives /usr/bin/chromium against `streamlit run app.py` on tests/seed/*.csv.
Facts of the seed used below (worked out by hand from the CSVs):

  leads      the latest lead date is 2025-12-31 (LD06 created): the funnel of a period
             ending 2025-12-31 is mature only when leads reach 2026-03-31 (90 days later),
             so the year 2025's lead conversion (LD01, LD04 of six leads: 33.3 %) is not yet
             mature; so are October to December 2025 (month ends + 90 days > 2025-12-31).
  starts     surveys start 2024-12-31, loans 2019-02-01, leads 2024-12-20: a period
             2021-01-01..2025-12-31 has its previous period (2016-01-01..2020-12-31) before
             every source's start, so every "vs previous period" is "—".
  B03 2025   surveys S05 (C08, score 5) and S06 (C12, score 4): satisfaction 2/2 = 100.0 %
             on n = 2, fewer than min_n 30 (low sample). Wilson 95 % for 2 of 2 (z = 1.96):
             centre (1 + z²/4) / (1 + z²/2) = 1.9604 / 2.9208, half-width
             z·sqrt(z²/16) / (1 + z²/2) = 0.9604 / 2.9208 -> 34.2 % to 100.0 %.
  B01 2025   surveys S01 (C01) and S02 (C02): the customers behind B01's bar.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser_util import (
    AppServer,
    dataframe_rows,
    expect_no_exception,
    metric,
    metric_value,
    open_app,
    screenshot,
    wait_for_app,
)

pytestmark = pytest.mark.browser

YEAR_2025 = "from=2025-01-01&to=2025-12-31"
LOW_N_GREY = "rgb(197, 204, 212)"  # ui.chart_theme.LOW_N_COLOR #c5ccd4
# Text that is a number, a percent, a change in points or a timestamp: an export holds
# none of these as text (they are numbers and dates).
NUMBER_AS_TEXT = re.compile(
    r"^'?[-+]?[¥]?\d[\d,]*(\.\d+)?\s*(%|pp|个百分点|万|亿|[KMB])?$|^\d{4}-\d{2}-\d{2} 00:00:00$"
)
INTERNAL_ID = re.compile(r"^[a-z0-9_]+$")


def _url(server: AppServer, path: str, query: str) -> str:
    return f"{server.url}/{path}?{query}"


def _delta(page: Page, label: str) -> str:
    return metric(page, label).locator("[data-testid=stMetricDelta]").inner_text().strip()


def test_immature_month_is_marked_on_overview_and_funnel(page: Page, app_server: AppServer) -> None:
    """The year 2025's lead conversion is not yet mature (see the module docstring): its card
    says "—, not yet mature" instead of a change, and its trend labels the last months."""
    open_app(page, _url(app_server, "", f"{YEAR_2025}&lang=en"))
    expect(metric_value(page, "Lead-to-loan conversion")).to_have_text("33.3%")
    assert _delta(page, "Lead-to-loan conversion") == "—, not yet mature"
    expect(page.get_by_text("not yet mature: leads need 90 days to convert").first).to_be_visible()
    overview_trend = page.locator(".st-key-trend_lead_conversion_rate")
    expect(overview_trend.locator(".annotation-text", has_text="not yet mature")).to_have_count(1)
    screenshot(page, "honesty-immature-overview", "en")

    open_app(page, _url(app_server, "funnel", f"{YEAR_2025}&lang=en"))
    assert _delta(page, "Lead-to-loan conversion") == "—, not yet mature"
    funnel_trend = page.locator(".st-key-trend_lead_conversion_rate")
    expect(funnel_trend.locator(".annotation-text", has_text="not yet mature")).to_have_count(1)
    expect_no_exception(page)
    screenshot(page, "honesty-immature-funnel", "en")


def test_five_year_period_shows_dashes_for_uncovered_comparisons(
    page: Page, app_server: AppServer
) -> None:
    """2021-01-01..2025-12-31: the previous five years start before every source's data, so
    no card shows a change against them; the trend heading names its 60 months."""
    open_app(page, _url(app_server, "", "from=2021-01-01&to=2025-12-31&lang=en"))
    for label in ("New lending", "Satisfaction rate", "Retention rate", "Active customers"):
        assert _delta(page, label) == "—, previous period before the data", label
    # loans start 2019-02-01, so 2016..2020 "a year earlier" of 2020-01-01..2024-12-31 is
    # covered for new lending; surveys start 2024-12-31: satisfaction's year earlier is not
    sat = metric(page, "Satisfaction rate").locator("xpath=../../..")
    expect(sat.get_by_text("— (a year earlier is before the data)")).to_be_visible()
    expect(page.get_by_role("heading", name="Trend 2021-01 to 2025-12 (60 months)")).to_be_visible()
    assert not page.get_by_text("+658.7%").count()
    expect_no_exception(page)
    screenshot(page, "honesty-five-years-overview", "en")


def test_a_low_n_branch_is_greyed_with_its_n(page: Page, app_server: AppServer) -> None:
    """B03's 2025 satisfaction rests on two surveys: grey, "n = 2", no status colour."""
    open_app(page, _url(app_server, "satisfaction", f"{YEAR_2025}&branch=B03&lang=en"))
    value = metric_value(page, "Satisfaction rate")
    expect(value).to_have_text("100.0%")
    expect(value).to_have_css("color", LOW_N_GREY)
    card = page.locator(".st-key-card_low_n_csat_rate")
    expect(card.get_by_text("n = 2 · 95% CI 34.2%–100.0%")).to_be_visible()
    expect(card.get_by_text("Low sample · n = 2")).to_be_visible()
    expect(card.get_by_text(re.compile("On target|Off target"))).to_have_count(0)
    # the branch bar is grey and says its n; nothing in the off-target list on the overview
    bars = page.locator(".st-key-csat_branch")
    expect(bars.locator("text.bartext", has_text="n = 2")).to_have_count(1)
    open_app(page, _url(app_server, "", f"{YEAR_2025}&branch=B03&lang=en"))
    off = page.locator("[data-testid=stDataFrame]").first
    if off.count():
        assert "Satisfaction rate" not in {r.get("KPI") for r in dataframe_rows(off)}
    expect_no_exception(page)
    screenshot(page, "honesty-low-n-branch", "en")


def _drill_table(page: Page) -> list[str]:
    grid = page.locator("[data-testid=stDataFrame]").filter(
        has=page.locator("th", has_text=re.compile(r"^Customer id$"))
    )
    grid.last.scroll_into_view_if_needed()
    return [r["Customer id"] for r in dataframe_rows(grid.last)]


def test_drill_down_follows_the_branch_filter_and_a_chart_click(
    page: Page, app_server: AppServer
) -> None:
    """With B03 selected, the drill-down offers B03 only; a click on B01's bar lists B01's
    surveyed customers C01 and C02."""
    open_app(page, _url(app_server, "satisfaction", f"{YEAR_2025}&branch=B03&lang=en"))
    select = page.locator(".st-key-drill_value_branch")
    select.scroll_into_view_if_needed()
    select.locator("input").click()
    options = [o.strip() for o in page.get_by_role("option").all_inner_texts()]
    assert options == ["All (current filters)", "B03 广州分行"]
    page.keyboard.press("Escape")
    assert sorted(_drill_table(page)) == ["C08", "C12"]  # B03's surveyed customers

    open_app(page, _url(app_server, "satisfaction", f"{YEAR_2025}&lang=en"))
    chart = page.locator(".st-key-csat_branch .js-plotly-plot")
    chart.scroll_into_view_if_needed()
    bar = chart.locator("g.point path").first.bounding_box()  # 北京分行 (B01), the first bar
    assert bar is not None
    # a user's click where the bar is drawn (Plotly's drag layer lies over the bars)
    page.mouse.click(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] * 0.75)
    wait_for_app(page)
    expect(page.locator(".st-key-drill_value_branch input")).to_have_value("B01 北京分行")
    expect(page.get_by_text("2 rows", exact=True)).to_be_visible()  # the new table is drawn
    wait_for_app(page)
    assert _drill_table(page) == ["C01", "C02"]
    expect_no_exception(page)
    screenshot(page, "honesty-drill-click", "en")


def test_a_click_on_an_rfm_cell_or_a_relationship_bar_drills_to_its_customers(
    page: Page, app_server: AppServer
) -> None:
    """Tiers page, 2025: the RFM treemap's "Hibernating" cell holds C11, C12 and C14 (R 2, 2,
    1 and F 1 each: tests/test_analysis.py RFM_EXPECTED); a click on it points the
    drill-down at that segment, which lists exactly those three customers."""
    open_app(page, _url(app_server, "tiers", f"{YEAR_2025}&lang=en"))
    chart = page.locator(".st-key-rfm .js-plotly-plot")
    chart.scroll_into_view_if_needed()
    cell = chart.locator("g.slice", has=page.locator("text", has_text="Hibernating")).first
    box = cell.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_for_app(page)
    expect(page.locator(".st-key-drill_value_rfm_segment input")).to_have_value("Hibernating")
    wait_for_app(page)
    assert sorted(_drill_table(page)) == ["C11", "C12", "C14"]
    # the relationship types are bars too: "At risk (credit)" on 2025-12-31 is C04, C06, C12
    # (tests/test_analysis.py test_drill_down)
    bars = page.locator(".st-key-rel_customers .js-plotly-plot")
    bars.scroll_into_view_if_needed()
    tick = bars.locator("g.ytick text", has_text="At risk (credit)").bounding_box()
    assert tick is not None
    boxes = [b for b in (p.bounding_box() for p in bars.locator("g.point path").all()) if b]
    # the bar drawn level with its axis label
    bar = min(boxes, key=lambda b: abs(b["y"] + b["height"] / 2 - tick["y"] - tick["height"] / 2))
    page.mouse.click(bar["x"] + bar["width"] * 0.75, bar["y"] + bar["height"] / 2)
    wait_for_app(page)
    value = page.locator(".st-key-drill_value_relationship_type input")
    expect(value).to_have_value("At risk (credit)")
    wait_for_app(page)
    assert sorted(_drill_table(page)) == ["C04", "C06", "C12"]
    expect_no_exception(page)


EXPORT_PAGES = ("", "satisfaction", "retention", "funnel", "tiers", "value", "lending", "glossary")


def _open_everything(page: Page) -> None:
    for expander in page.locator("[data-testid=stExpander] summary").all():
        expander.click()


def _download_buttons(page: Page) -> list[str]:
    """The key class of every download button on the page (tabs and expanders opened)."""
    keys: list[str] = page.locator("[data-testid=stDownloadButton]").evaluate_all(
        """els => els.map(el => [...el.closest('[class*="st-key-"]').classList]
                 .find(c => c.startsWith('st-key-')))"""
    )
    return list(dict.fromkeys(keys))


def _check_csv(path: Path, name: str) -> None:
    text = path.read_bytes().decode("utf-8-sig")
    meta, _, table = text.partition("\r\n\r\n")
    assert "Data as of 2025-12-31" in meta.splitlines(), name
    assert "Period 2025-01-01 to 2025-12-31" in meta, name
    for row in list(csv.reader(io.StringIO(table)))[1:]:
        for cell in row:
            assert not re.search(r"\d(%| pp)$|00:00:00$", cell), (name, cell)


def _check_xlsx(path: Path, name: str) -> None:
    ws = load_workbook(io.BytesIO(path.read_bytes())).active
    assert ws is not None
    assert not INTERNAL_ID.match(ws.title), (name, ws.title)  # a human title
    meta = [ws.cell(row=r, column=1).value for r in range(1, 5)]
    assert "Data as of 2025-12-31" in meta, (name, meta)
    start = next(r for r in range(1, 8) if ws.cell(row=r, column=1).value is None) + 1
    for row in ws.iter_rows(min_row=start + 1):
        for cell in row:
            value = cell.value
            if isinstance(value, str):
                assert not NUMBER_AS_TEXT.match(value.strip()), (name, cell.coordinate, value)
            elif isinstance(value, dt.datetime | dt.date):
                assert cell.number_format in ("yyyy-mm-dd", "yyyy-mm", "yyyy-mm-dd hh:mm")
            elif isinstance(value, float | int) and not isinstance(value, bool):
                assert cell.number_format != "", (name, cell.coordinate)


def _check_pdf(path: Path, name: str) -> None:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    found = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    assert found is not None, (name, info.stdout)
    pages = int(found[1])
    assert 2 <= pages <= 4, (name, pages)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "2025-12-31" in text, name  # the data's as-of date is stated


@pytest.mark.parametrize("path", EXPORT_PAGES, ids=[p or "overview" for p in EXPORT_PAGES])
def test_every_export_downloads_and_opens_with_typed_cells(
    page: Page, app_server: AppServer, path: str
) -> None:
    """Every download button of the page gives a file that opens: the CSV states the period
    and the data's as-of date and holds no number as text; the xlsx has a human sheet title,
    numbers as numbers with a format, dates as dates."""
    open_app(page, _url(app_server, path, f"{YEAR_2025}&lang=en"))
    _open_everything(page)
    keys = _download_buttons(page)
    assert keys, path
    done: set[str] = set()

    def download_visible() -> None:
        for key in keys:
            button = page.locator(f".{key} button")
            if key in done or not button.is_visible():
                continue
            button.scroll_into_view_if_needed()
            with page.expect_download() as info:
                button.click()
            name = info.value.suggested_filename
            file = Path(info.value.path())
            if name.endswith(".csv"):
                _check_csv(file, name)
            elif name.endswith(".pdf"):  # the Overview's board brief (tests/test_brief.py)
                _check_pdf(file, name)
            else:
                assert name.endswith(".xlsx"), name
                _check_xlsx(file, name)
            done.add(key)

    download_visible()
    for tab in page.get_by_role("tab").all():  # the tables in other tabs
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        panel = page.locator("[role=tabpanel]:visible [data-testid=stDownloadButton]")
        expect(panel.first).to_be_visible()
        download_visible()
    assert done == set(keys), set(keys) - done
    expect_no_exception(page)


def test_off_target_export_holds_numbers_with_their_formats(
    page: Page, app_server: AppServer
) -> None:
    """The overview's off-target list as xlsx: NPL 1.0M / 18.7M = 0.0535 as a number shown
    0.0%, its target 0.015, its gap (0.0535 - 0.015) x 100 = 3.85 percentage points."""
    open_app(page, _url(app_server, "", f"{YEAR_2025}&lang=en"))
    button = page.locator(".st-key-off_target_xlsx button")
    button.scroll_into_view_if_needed()
    with page.expect_download() as info:
        button.click()
    ws = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    assert ws is not None
    assert ws.title == "KPIs near or off target" or not INTERNAL_ID.match(ws.title)
    rows = {r[0].value: r for r in ws.iter_rows() if r[0].value == "NPL ratio"}
    npl = rows["NPL ratio"]
    header = [c.value for c in next(r for r in ws.iter_rows() if r[0].value == "KPI")]
    cells = dict(zip(header, npl, strict=False))
    assert cells["Value"].value == pytest.approx(1 / 18.7)
    assert cells["Value"].number_format == "0.0%"
    assert cells["Target"].value == pytest.approx(0.015)
    assert cells["Gap"].value == pytest.approx((1 / 18.7 - 0.015) * 100)
    assert cells["Gap"].number_format == '+0.0" pp";-0.0" pp"'
