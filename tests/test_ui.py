"""Unit tests of the UI helpers: number formatting, safe exports, URL <-> view round trip."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import pandas as pd
import pytest
from openpyxl import load_workbook

from metrics.filters import Filters
from ui import export
from ui.chart_theme import money_scale, status_of
from ui.fmt import DASH, fmt_cny, fmt_delta, fmt_value
from ui.i18n import ALL_STRINGS, STRINGS, t
from ui.state import (
    ViewState,
    cohort_window,
    from_query,
    preset_range,
    to_query,
    trailing_year,
)

D = dt.date


# --------------------------------------------------------------------------- fmt


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (5_000, "zh", "¥5,000"),  # below 1万: plain yuan
        (12_345, "zh", "¥1.23万"),  # 12345 / 1e4 = 1.2345
        (10_000_000, "zh", "¥1,000万"),  # 1e7 / 1e4 = 1000 (below 1亿): 3 significant digits
        (99_999, "zh", "¥10.0万"),  # 9.9999万 rounds to 10.0 (3 digits), not "10.00"
        (1_050_000_000, "zh", "¥10.5亿"),  # 1.05e9 / 1e8 = 10.5
        (99_996_000, "zh", "¥1.00亿"),  # 9,999.6万 would round to 10,000万: say 亿
        (321_000_000, "zh", "¥3.21亿"),  # 3.21e8 / 1e8
        (-250_000, "zh", "-¥25.0万"),  # sign in front of the currency; 25.0 = 3 digits
        (48_500, "en", "¥48.5K"),
        (10_000_000, "en", "¥10.00M"),
        (4_141_000_000, "en", "¥4.14B"),  # K/M/B in English (issue 10)
        (999, "en", "¥999"),
        (None, "zh", DASH),
        (float("nan"), "en", DASH),
        (pd.NA, "zh", DASH),
    ],
)
def test_fmt_cny(value: object, lang: str, expected: str) -> None:
    assert fmt_cny(value, lang) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (4 / 6, "ratio", "66.7%"),  # 66.666..% to one decimal
        (1 / 18.7, "ratio", "5.3%"),  # 5.35 % is above 5 %: one decimal
        (0.0152, "ratio", "1.52%"),  # below 5 %: two decimals (NPL)
        (0.0, "ratio", "0.00%"),  # a real zero is shown, not a dash
        (None, "ratio", DASH),
        (float("nan"), "score", DASH),
        (23 / 6, "score", "3.83 / 5"),  # every KPI says its unit (issue 10)
        (20.0, "points", "20.0 pts"),
        (1695, "count", "1,695"),
        (100 * 4 / 12, "per100", "33.3 per 100"),
        (60.0, "hours", "60.0 h"),
        (151562.5 / 35000, "multiple", "4.3×"),
        (float("inf"), "multiple", DASH),
    ],
)
def test_fmt_value_by_unit(value: object, unit: str, expected: str) -> None:
    assert fmt_value(value, unit, "en") == expected


def test_fmt_value_chinese_units() -> None:
    assert fmt_value(60.0, "hours", "zh") == "60.0 小时"
    assert fmt_value(38.0, "days", "zh") == "38.0 天"
    assert fmt_value(48_500, "cny", "zh") == "¥4.85万"


def test_fmt_delta() -> None:
    # ratios move in percentage points: 0.75 - 0.70 = +5.0 pp
    assert fmt_delta(0.75, 0.70, "ratio", "en") == "+5.0 pp"
    # money moves relative: 10M / 2.5M - 1 = +300 %
    assert fmt_delta(10e6, 2.5e6, "cny") == "+300.0%"
    # a zero base has no relative change; a missing side has no change at all
    assert fmt_delta(5, 0, "count") is None
    assert fmt_delta(None, 0.5, "ratio") is None
    assert fmt_delta(0.5, float("nan"), "ratio") is None


def test_status_respects_direction() -> None:
    # higher is better, target 0.90: 0.91 on, 0.88 within 5 % of target (0.855) near, 0.8 off
    assert status_of(0.91, 0.90, "higher") == "on"
    assert status_of(0.88, 0.90, "higher") == "near"
    assert status_of(0.80, 0.90, "higher") == "off"
    # lower is better (NPL target 1.5 %): 1.0 % on, 1.55 % near (<= 1.575 %), 5.3 % off
    assert status_of(0.010, 0.015, "lower") == "on"
    assert status_of(0.0155, 0.015, "lower") == "near"
    assert status_of(1 / 18.7, 0.015, "lower") == "off"
    assert status_of(None, 0.9, "higher") == "none"
    assert status_of(0.5, None, "higher") == "none"


def test_money_axis_scale() -> None:
    assert money_scale([2e8, 5e7], "zh") == (1e8, "亿")
    assert money_scale([2e6, None], "zh") == (1e4, "万")
    assert money_scale([2e9], "en") == (1e9, "B")
    assert money_scale([999], "en") == (1.0, "")


# --------------------------------------------------------------------------- i18n


def test_every_string_has_both_languages() -> None:
    missing = [k for k, v in STRINGS.items() if set(v) != {"zh", "en"}]
    assert missing == []
    assert t("page_overview", "zh") == "总览"
    assert t("page_overview", "en") == "Overview"
    assert t("range_caption", "en", start="a", end="b") == "a to b"
    assert t("no_such_key", "en") == "no_such_key"


def test_upload_strings_are_merged() -> None:
    # ui/i18n_upload.py belongs to the upload page; its keys reach t() in both languages.
    upload_keys = [k for k in ALL_STRINGS if k.startswith("upload.")]
    assert upload_keys
    key = upload_keys[0]
    assert t(key, "zh") != key
    assert t(key, "en") != key


# --------------------------------------------------------------------------- export


DANGEROUS = [
    '=HYPERLINK("http://x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    "\nLF",
    "＝1+1",  # full-width = + - @
    "＋1",
    "－1",
    "＠SUM(A1)",
    " =1+1",  # leading space, no-break space, ideographic space or BOM before a trigger
    "\u00a0=1",
    "\u3000@A1",
    "\ufeff=1",
]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "客户名称": [*DANGEROUS, "星辰科技"],
            "amount": [-5.5, *(float(i) for i in range(1, len(DANGEROUS))), None],
        }
    )


def test_safe_cell() -> None:
    assert [export.safe_cell(v) for v in DANGEROUS] == ["'" + v for v in DANGEROUS]
    assert export.safe_cell("星辰科技") == "星辰科技"
    assert export.safe_cell("a=b") == "a=b" and export.safe_cell(" x") == " x"
    assert export.safe_cell(-5.5) == -5.5  # numbers stay numbers, even negative


def test_csv_has_bom_filters_and_escaped_cells() -> None:
    meta = ["Satisfaction", "Period 2025-01-01 to 2025-12-31; branches: B01; tiers: all tiers"]
    raw = export.to_csv_bytes(_frame(), meta)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM so Excel reads Chinese correctly
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Satisfaction"]
    assert rows[1] == [meta[1]]
    assert rows[2] == []
    assert rows[3] == ["客户名称", "amount"]
    assert [r[0] for r in rows[4:]] == ["'" + v for v in DANGEROUS] + ["星辰科技"]
    assert rows[4][1] == "-5.5"  # a negative number is not text and is not escaped
    assert rows[-1][1] == ""  # NaN is an empty cell


def test_xlsx_has_filters_and_no_formulas(tmp_path: object) -> None:
    meta = ["Satisfaction", "Period 2025-01-01 to 2025-12-31; branches: all; tiers: A"]
    wb = load_workbook(io.BytesIO(export.to_xlsx_bytes(_frame(), meta, sheet="a/b:c")))
    ws = wb.active
    assert ws is not None
    assert ws.title == "a_b_c"  # characters Excel forbids in sheet names are replaced
    assert ws["A1"].value == "Satisfaction"
    assert ws["A2"].value == meta[1]
    assert ws["A4"].value == "客户名称"
    texts = [ws.cell(row=r, column=1).value for r in range(5, 5 + len(DANGEROUS) + 1)]
    # Shown exactly, with no apostrophe (the xlsx format itself stores a lone CR as a LF).
    assert texts == [v.replace("\r", "\n") for v in DANGEROUS] + ["星辰科技"]
    for r in range(5, 5 + len(DANGEROUS)):
        cell = ws.cell(row=r, column=1)
        assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    assert not ws.cell(row=5 + len(DANGEROUS), column=1).quotePrefix
    assert ws["B5"].value == -5.5
    assert ws.cell(row=5 + len(DANGEROUS), column=2).value is None


def test_file_stem() -> None:
    assert (
        export.file_stem("a b/c", D(2025, 1, 1), D(2025, 12, 31)) == "crm_a_b_c_20250101_20251231"
    )


# --------------------------------------------------------------------------- URL <-> view

ANCHOR = D(2025, 12, 31)


def test_url_round_trip() -> None:
    q = {
        "period": "custom",
        "from": "2025-02-01",
        "to": "2025-11-30",
        "branch": ["B01", "B03"],
        "tier": ["A"],
        "lang": "en",
    }
    state = from_query(q, ANCHOR, ["B01", "B02", "B03"])
    assert state == ViewState(
        "custom", D(2025, 2, 1), D(2025, 11, 30), ("B01", "B03"), ("A",), "en"
    )
    assert to_query(state) == q
    assert from_query(to_query(state), ANCHOR) == state
    assert state.filters() == Filters(D(2025, 2, 1), D(2025, 11, 30), ("B01", "B03"), ("A",))


def test_url_example_from_the_brief() -> None:
    # ?from=2025-01-01&to=2025-12-31&branch=B01&tier=A&lang=en: a calendar year, so the
    # sidebar shows "calendar year" with exactly those dates.
    q = {"from": "2025-01-01", "to": "2025-12-31", "branch": "B01", "tier": "A", "lang": "en"}
    state = from_query(q, D(2026, 3, 31))
    assert state == ViewState("year", D(2025, 1, 1), D(2025, 12, 31), ("B01",), ("A",), "en")


def test_url_comma_lists_and_bad_values() -> None:
    q = {"branch": "B01,B02", "tier": "a,Z", "lang": "fr", "from": "2025-13-01", "to": "x"}
    state = from_query(q, ANCHOR, ["B01"])
    # unknown branch B02 and tier Z are dropped, tier is upper-cased, language falls back to zh,
    # unreadable dates fall back to the default period (year to date on the anchor)
    assert state == ViewState("ytd", D(2025, 1, 1), ANCHOR, ("B01",), ("A",), "zh")


def test_url_preset_without_dates_and_reversed_dates() -> None:
    assert from_query({"period": "quarter"}, D(2025, 11, 3)).date_from == D(2025, 10, 1)
    reversed_dates = from_query({"from": "2025-12-01", "to": "2025-01-01"}, ANCHOR)
    assert (reversed_dates.preset, reversed_dates.date_from) == ("ytd", D(2025, 1, 1))


def test_named_period_kept_only_when_it_still_means_those_dates() -> None:
    q = {"period": "month", "from": "2025-12-01", "to": "2025-12-31"}
    assert from_query(q, ANCHOR).preset == "month"
    # after a new month of data the same link still shows the same dates, now as a custom range
    later = from_query(q, D(2026, 1, 31))
    assert (later.preset, later.date_from, later.date_to) == (
        "custom",
        D(2025, 12, 1),
        D(2025, 12, 31),
    )


@pytest.mark.parametrize(
    ("preset", "anchor", "expected"),
    [
        ("month", D(2025, 12, 20), (D(2025, 12, 1), D(2025, 12, 20))),
        ("quarter", D(2025, 8, 15), (D(2025, 7, 1), D(2025, 8, 15))),
        ("ytd", D(2025, 8, 15), (D(2025, 1, 1), D(2025, 8, 15))),
        # last 12 months: the day after the same date a year earlier
        ("last12", D(2025, 12, 31), (D(2025, 1, 1), D(2025, 12, 31))),
        ("last12", D(2024, 2, 29), (D(2023, 3, 1), D(2024, 2, 29))),
        ("year", D(2025, 8, 15), (D(2025, 1, 1), D(2025, 12, 31))),
    ],
)
def test_preset_ranges(preset: str, anchor: dt.date, expected: tuple[dt.date, dt.date]) -> None:
    assert preset_range(preset, anchor) == expected


def test_trend_and_cohort_windows() -> None:
    f = Filters(D(2025, 3, 5), D(2025, 2 + 10, 20))
    # trend: the 12 whole months ending with December 2025
    assert trailing_year(f).date_from == D(2025, 1, 1)
    assert trailing_year(f).date_to == D(2025, 12, 31)
    g = Filters(D(2025, 1, 1), D(2025, 2, 10))
    assert (trailing_year(g).date_from, trailing_year(g).date_to) == (D(2024, 3, 1), D(2025, 2, 28))
    # cohorts: the 12 quarters ending with 2025Q1 start in 2022Q2
    assert cohort_window(g).date_from == D(2022, 4, 1)
    assert not math.isnan(float(g.days))


def test_table_units_are_guessed_from_column_names() -> None:
    from ui.tables import guess_units

    frame = pd.DataFrame(
        {
            "customer_id": ["C01"],
            "revenue_share": [0.5],  # a share of revenue is a ratio, not money
            "r12": [1000.0],
            "total_assets": [2e9],
            "avg_recency_days": [22.5],
            "avg_frequency": [1.25],
            "customers": [3],
        }
    )
    assert guess_units(frame) == {
        "revenue_share": "ratio",
        "r12": "cny",
        "total_assets": "cny",
        "avg_recency_days": "days",
        "avg_frequency": "score",
    }


# --------------------------------------------------------------------------- polish


def test_values_shown_together_share_one_precision() -> None:
    from ui.fmt import fmt_values

    # 0, 1/3, 2/3: the largest is above 5 % -> one decimal for all, so 0 reads "0.0%" not "0.00%"
    assert fmt_values([0.0, 1 / 3, 2 / 3], "ratio", "en") == ["0.0%", "33.3%", "66.7%"]
    # every value below 5 % (NPL by branch) -> two decimals for all; a gap stays a dash
    assert fmt_values([0.0, 0.0152, None], "ratio", "en") == ["0.00%", "1.52%", DASH]
    # money keeps the cards' format: 48,500 -> ¥4.85万; 10,000,000 -> ¥1,000万
    assert fmt_values([48_500, 1e7], "cny", "zh") == ["¥4.85万", "¥1,000万"]


def test_chinese_deltas_say_percentage_points_in_chinese() -> None:
    # 0.75 - 0.70 = 0.05 -> 5.0 percentage points
    assert fmt_delta(0.75, 0.70, "ratio", "zh") == "+5.0 个百分点"
    assert "pp" not in fmt_delta(0.70, 0.75, "ratio", "zh")  # type: ignore[operator]


def test_months_read_as_year_and_month() -> None:
    from ui.fmt import fmt_month

    assert fmt_month(pd.Timestamp("2025-01-01")) == "2025-01"
    assert fmt_month(D(2025, 12, 31)) == "2025-12"
    assert fmt_month(None) == DASH


def test_known_codes_are_translated_and_unknown_ones_pass() -> None:
    from ui.i18n import value_name, value_names

    assert value_name("industry", "food", "zh") == "食品"
    assert value_name("channel", "branch", "zh") == "网点"
    assert value_name("channel", "branch", "en") == "Branch"
    assert value_name("company_size", "small", "zh") == "小型"
    assert value_name("industry", "shipbuilding", "zh") == "shipbuilding"  # unknown: unchanged
    assert value_name("industry", None, "zh") is None
    assert value_names("risk_class", "zh")["special_mention"] == "关注"


def test_display_frame_formats_by_unit_and_shows_dashes() -> None:
    from ui.tables import display_frame

    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
            "industry": ["food", None],
            "share": [0.0, 1 / 3],
            "amount": [1e7, float("nan")],
            "customers": [3, 1200],
            "churn_date": [None, D(2025, 3, 31)],
        }
    )
    shown = display_frame(frame, {"share": "ratio", "amount": "cny"}, "zh")
    assert list(shown["month"]) == ["2025-01", "2025-02"]  # a month, not 2025-01-01
    assert list(shown["industry"]) == ["食品", DASH]  # translated; None -> "—"
    assert list(shown["share"]) == ["0.0%", "33.3%"]  # one precision per column
    assert list(shown["amount"]) == ["¥1,000万", DASH]
    assert list(shown["customers"]) == ["3", "1,200"]
    assert list(shown["churn_date"]) == [DASH, "2025-03-31"]
    assert "None" not in shown.to_numpy().ravel().tolist()


def _grid_text(grid: object) -> list[list[str]]:
    """The text a Styler shows, row by row (header first), through its public to_string."""
    from pandas.io.formats.style import Styler

    assert isinstance(grid, Styler)
    lines = grid.to_string(delimiter="|").splitlines()
    return [line.split("|")[1:] for line in lines]  # drop the (hidden) index


def test_grid_frame_keeps_values_to_sort_and_shows_display_text() -> None:
    from ui.tables import display_frame, grid_frame

    frame = pd.DataFrame(
        {
            "industry": ["food", None, "trade"],
            "amount": [48_500.0, 1e7, float("nan")],
            "customers": [3, 1200, 7],
            "churn_date": [None, D(2025, 3, 31), D(2024, 1, 2)],
            "month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
        }
    )
    units = {"amount": "cny"}
    grid = grid_frame(frame, units, "zh", {"amount": "金额"})
    # the shown text is display_frame's, cell for cell, under the display labels:
    # 48,500 -> ¥4.85万, 10,000,000 -> ¥1,000万, NaN -> "—", 1200 -> "1,200", None -> "—"
    assert _grid_text(grid) == [
        ["industry", "金额", "customers", "churn_date", "month"],
        ["食品", "¥4.85万", "3", DASH, "2025-01"],
        [DASH, "¥1,000万", "1,200", "2025-03-31", "2025-02"],
        ["商贸", DASH, "7", "2024-01-02", "2025-03"],
    ]
    shown = display_frame(frame, units, "zh").to_numpy().tolist()
    assert _grid_text(grid)[1:] == shown
    # behind the text, numbers and dates keep their values, so a header click sorts
    # 48,500 before 10,000,000 (as text "¥1,000万" < "¥4.85万"); text columns are the text
    data = grid.data  # type: ignore[union-attr]
    assert pd.api.types.is_float_dtype(data["金额"])
    assert data["金额"].sort_values().tolist()[:2] == [48_500.0, 1e7]
    assert data["customers"].tolist() == [3, 1200, 7]
    assert data["churn_date"].tolist()[1:] == [D(2025, 3, 31), D(2024, 1, 2)]
    assert pd.api.types.is_datetime64_any_dtype(data["month"])
    assert data["industry"].tolist() == ["食品", DASH, "商贸"]


def test_grid_frame_too_big_to_style_is_shown_as_text() -> None:
    from ui.tables import display_frame, grid_frame

    frame = pd.DataFrame({"amount": [48_500.0, 1e7], "customers": [3, 1200]})
    # 2 rows x 2 columns = 4 cells; Streamlit refuses to style more than the pandas limit
    with pd.option_context("styler.render.max_elements", 3):
        grid = grid_frame(frame, {"amount": "cny"}, "zh", {})
    assert isinstance(grid, pd.DataFrame)
    assert grid.to_numpy().tolist() == [["¥4.85万", "3"], ["¥1,000万", "1,200"]]
    assert grid.equals(display_frame(frame, {"amount": "cny"}, "zh"))


def test_table_height_fits_its_rows() -> None:
    from ui.tables import ROW_PX, table_height

    # 3 rows + the header, each ROW_PX high, plus the 3 px border: no empty rows below
    assert table_height(3) == ROW_PX * 4 + 3
    assert table_height(500) == table_height(15)  # long lists scroll inside 15 rows


def test_count_axes_tick_at_whole_numbers() -> None:
    from ui.charts import trend

    months = pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30"])
    frame = pd.DataFrame({"active_customers": [10, 11, 11, 12]}, index=months)
    fig = trend(frame, {"active_customers": "Active"}, "count", "en")
    # span 12 - 10 = 2 -> a step of 2/5 = 0.4 would repeat labels; whole numbers step by 1
    assert (fig.layout.yaxis.tickmode, fig.layout.yaxis.dtick) == ("linear", 1)


def test_target_label_sits_above_the_plot() -> None:
    from ui.charts import bars, trend

    months = pd.to_datetime(["2025-01-31", "2025-02-28"])
    frame = pd.DataFrame({"csat_rate": [1.0, 0.95]}, index=months)
    fig = trend(frame, {"csat_rate": "CSAT"}, "ratio", "en", target=0.9, target_label="Target")
    (note,) = fig.layout.annotations
    # paper coordinates above 1: over the plot area, never on a data point
    assert (note.yref, note.y >= 1) == ("paper", True)
    assert "Target 90.0%" in note.text
    fig = bars(["B01", "B02"], [0.95, 0.5], "ratio", "en", target=0.9, target_label="Target")
    assert all(shape.layer == "below" for shape in fig.layout.shapes)  # behind the bars
    assert list(fig.data[0].text) == ["95.0%", "50.0%"]


def test_money_bars_keep_their_scale() -> None:
    from ui.charts import bars

    # 69,200 and 38,000 yuan draw in 万: 6.92 and 3.80; the axis tops out at 6.92 x 1.12
    fig = bars(["B01", "B02"], [69_200, 38_000], "cny", "zh")
    assert list(fig.data[0].y) == pytest.approx([6.92, 3.8])
    assert fig.layout.yaxis.range[1] == pytest.approx(6.92 * 1.12)
    assert fig.layout.yaxis.ticksuffix == "万"
    assert list(fig.data[0].text) == ["¥6.92万", "¥3.80万"]


def test_xlsx_writes_a_missing_value_as_an_empty_cell() -> None:
    # pandas' NA (nullable columns, e.g. a customer without a tier) has no truth value;
    # openpyxl refuses it, so it must become an empty cell, as None and NaN do
    frame = pd.DataFrame({"id": ["C01", "C02"], "tier": pd.array(["A", pd.NA], dtype="string")})
    wb = load_workbook(io.BytesIO(export.to_xlsx_bytes(frame, ["title"])))
    rows = list(wb.active.iter_rows(min_row=3, values_only=True))  # title, blank, table
    assert rows == [("id", "tier"), ("C01", "A"), ("C02", None)]


def test_a_tables_files_hold_every_row_and_are_built_only_when_asked() -> None:
    from ui import tables

    frame = pd.DataFrame({"customer_id": [f"C{i:02d}" for i in range(1, 26)], "r12": 1000.0})
    calls: list[int] = []

    def everything() -> pd.DataFrame:
        calls.append(1)
        return frame

    files = tables._files(frame.head(3), everything, False, None, {}, {"r12": "cny"}, "en", None)
    assert calls == []  # nothing fetched while the page draws
    rows, formats = files()
    assert len(rows) == 25 and calls == [1]  # the file holds all 25 rows, not the 3 shown
    assert set(formats) == {"r12"}
