"""Issue 10 without a browser: axis rules, typed exports, one money scale per column, the
words of n and flags, and the pages' honesty through AppTest on the seed bank.

Seed facts (tests/seed/*.csv, worked out by hand; see tests/test_pages.py too):
  2025 surveys S01..S06: satisfaction 4/6 on n = 6 (< min_n 30: low sample);
  Wilson 95 % of 4/6 (z = 1.96): centre (4 + z²/2) / (6 + z²) = 5.9207 / 9.8415 = 0.6016,
  half-width z·sqrt(4·2/6 + z²/4) / (6 + z²) = 1.96·sqrt(1.3333 + 0.9604) / 9.8415
  = 1.96·1.5145 / 9.8415 = 0.3016 -> 30.0 % to 90.3 %.
  B03 of 2025: S05 (5), S06 (4) -> 2/2 on n = 2.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from openpyxl import load_workbook

from metrics.kpis import Cell
from ui import cells, export
from ui.chart_theme import axis_format, ratio_range
from ui.charts import bars, trend
from ui.fmt import fmt_values

# --------------------------------------------------------------------------- axes


def test_ratio_axis_holds_the_target_and_spans_ten_points() -> None:
    # retention 95.0..96.2 % (the example), target none: span 1.2 pp -> widened to
    # 10 pp, kept within 100 %: 0.90..1.00, padded by 6 % of the span (0.006) each side
    lo, hi = ratio_range([0.950, 0.962], None, bars=False)
    assert (round(lo, 3), round(hi, 3)) == (0.894, 1.006)
    # satisfaction 88..93 % with its 90 % target: span 5 pp -> 10 pp around 90.5 %
    lo, hi = ratio_range([0.88, 0.93], 0.90, bars=False)
    assert hi - lo >= 0.10 and lo <= 0.88 and hi >= 0.93
    # a flat 100 % is drawn on 90..100 %, never on 0..200 %
    lo, hi = ratio_range([1.0, 1.0], None, bars=False)
    assert lo == pytest.approx(0.894) and hi == pytest.approx(1.006)
    # the target is on the axis even when every value is far from it
    lo, hi = ratio_range([0.20, 0.25], 0.90, bars=False)
    assert lo <= 0.20 and hi >= 0.90
    # bars start at zero
    assert ratio_range([0.4, 0.6], 0.9, bars=True)[0] == 0.0


def test_money_bars_start_at_zero_and_the_rule_lives_in_the_theme() -> None:
    fig = bars(["a", "b"], [9e6, 10e6], "cny", "en", title="t")
    assert fig.layout.yaxis.range[0] == 0  # ¥9M and ¥10M: not a 9..10 axis
    line = go.Figure(go.Scatter(x=["2025-01", "2025-02"], y=[0.95, 0.962]))
    axis_format(line, "ratio", "y", "en")
    assert line.layout.yaxis.range[1] - line.layout.yaxis.range[0] >= 0.10


# --------------------------------------------------------------------------- exports


def test_xlsx_cells_are_typed_and_a_missing_value_is_empty() -> None:
    frame = pd.DataFrame(
        {
            "Customer": ["C01", pd.NA],
            "Onboarded": pd.to_datetime(["2014-07-21", None]),
            "Share": [0.899, None],
            "Surveys": pd.array([3, pd.NA], dtype="Int64"),
        }
    )
    meta = export.meta_lines("Surveyed customers", "Period 2025", "Exported", "Data as of x")
    data = export.to_xlsx_bytes(
        frame, meta, sheet="Surveyed customers", formats={"Share": "0.0%"}
    )  # no "Cannot convert <NA> to Excel"
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert ws.title == "Surveyed customers"
    assert [ws.cell(row=r, column=1).value for r in (1, 2, 3)] == meta[:3]
    header = len(meta) + 2
    assert ws.cell(row=header + 1, column=2).value == dt.datetime(2014, 7, 21)
    assert ws.cell(row=header + 1, column=2).number_format == "yyyy-mm-dd"
    assert ws.cell(row=header + 1, column=3).value == pytest.approx(0.899)
    assert ws.cell(row=header + 1, column=3).number_format == "0.0%"
    assert ws.cell(row=header + 1, column=4).value == 3
    assert [ws.cell(row=header + 2, column=c).value for c in (1, 2, 3, 4)] == [None] * 4


def test_csv_writes_numbers_dates_and_months_not_their_text() -> None:
    frame = pd.DataFrame(
        {"Month": [dt.date(2025, 1, 1)], "Day": [pd.Timestamp("2014-07-21")], "Gap": [-0.0006]}
    )
    text = export.to_csv_bytes(frame, formats={"Month": export.MONTH_FORMAT}).decode("utf-8-sig")
    assert text.splitlines()[1] == "2025-01,2014-07-21,-0.0006"  # no "'-0.06 个百分点"


def test_number_formats_by_unit() -> None:
    assert export.number_format("ratio", [0.9, 0.8]) == "0.0%"
    assert export.number_format("ratio", [0.0152]) == "0.00%"  # NPL, like the screen
    assert export.number_format("cny") == "#,##0"


# --------------------------------------------------------------------------- numbers


def test_one_money_scale_per_column() -> None:
    # 2.47亿 and 9,274万 in one column: both in 亿 (9,274万 = 0.9274亿 -> 0.93, 3 digits)
    assert fmt_values([247_000_000, 92_740_000], "cny", "zh") == ["¥2.47亿", "¥0.93亿"]
    # English: one of K/M/B for the column, the largest decides; a zero is ¥0, never ¥0K
    assert fmt_values([53_120_000_000, 131_100, 0], "cny", "en") == ["¥53.12B", "¥0.00B", "¥0"]
    assert fmt_values([48_500, 0], "cny", "en") == ["¥48.5K", "¥0"]


# --------------------------------------------------------------------------- cells


def test_cell_words_n_interval_and_flags() -> None:
    csat = Cell(4 / 6, 4, 6, 0.29999, 0.90323, low_n=True)
    assert cells.sample_size("csat_rate", csat) == 6
    assert cells.low_n("csat_rate", csat)
    assert cells.describe("csat_rate", csat, "en") == (
        "66.7% · n = 6 · 95% CI 30.0%–90.3% · low sample, indicative only"
    )
    # money has no n: NPL's denominator is a balance
    npl = Cell(0.0535, 1e6, 18.7e6)
    assert cells.sample_size("npl_ratio", npl) is None and not cells.low_n("npl_ratio", npl)
    # no value: not "low sample", just no data
    assert not cells.low_n("csat_rate", Cell(None, 0, 0, low_n=True))
    immature = Cell(0.0, 0, 56, mature=False)
    assert cells.provisional(immature, "en") == "not yet mature"
    assert cells.provisional(Cell(0.5, complete=False), "zh") == "本期未结束"
    assert cells.describe("csat_rate", Cell(None, covered=False), "en").startswith("— ·")


def test_trend_draws_the_band_and_the_running_month_dotted() -> None:
    index = pd.DatetimeIndex(["2025-10-31", "2025-11-30", "2025-12-31"])
    by_month = {
        index[0]: Cell(0.2, 2, 10, 0.05, 0.5),
        index[1]: Cell(0.3, 3, 10, 0.1, 0.6),
        index[2]: Cell(0.0, 0, 5, 0.0, 0.4, mature=False),
    }
    honesty = cells.honesty_frame("lead_conversion_rate", by_month, "en")
    fig = trend(
        honesty[["value"]].rename(columns={"value": "k"}), {"k": "Conv"}, "ratio", "en",
        honesty=honesty,
    )  # fmt: skip
    names = [tr.name for tr in fig.data]
    assert names.count("ci_low") == 1 and names.count("ci_high") == 1  # one run of 3 months
    dotted = [tr for tr in fig.data if tr.line.dash == "dot"]
    assert len(dotted) == 1
    assert list(dotted[0].y) == [None, 0.3, 0.0]  # from the last final month to December
    assert [a.text for a in fig.layout.annotations] == ["not yet mature"]
    solid = next(tr for tr in fig.data if tr.name == "Conv" and tr.line.dash != "dot")
    assert list(solid.y) == [0.2, 0.3, None]  # December is never drawn as a fall


# --------------------------------------------------------------------------- pages


@pytest.fixture(scope="module")
def seed_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.seedstore import build_seed_store

    return build_seed_store(tmp_path_factory.mktemp("honesty") / "seed.duckdb")


@pytest.fixture
def seed_env(seed_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRM_DB", str(seed_path))
    return seed_path


def _app(**query: str) -> object:
    from streamlit.testing.v1 import AppTest

    from tests.signin import sign_in

    at = AppTest.from_file(str(Path(__file__).parent.parent / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return sign_in(at)


YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


def test_cards_show_n_and_interval_and_the_trend_names_its_window(seed_env: Path) -> None:
    at = _app(**YEAR, lang="en")
    assert not at.exception  # type: ignore[attr-defined]
    captions = [c.value for c in at.caption]  # type: ignore[attr-defined]
    assert ":gray[n = 6 · 95% CI 30.0%–90.3%]" in captions  # satisfaction, 4 of 6
    headings = [h.value for h in at.subheader]  # type: ignore[attr-defined]
    assert "Trend 2025-01 to 2025-12 (12 months)" in headings
    # 2021..2025: the trend covers the 60 months of the period
    at = _app(**{"from": "2021-01-01", "to": "2025-12-31"}, lang="en")
    assert "Trend 2021-01 to 2025-12 (60 months)" in [h.value for h in at.subheader]  # type: ignore[attr-defined]
    # surveys start 2024-12-31: every month from 2021-01 to 2024-12 (December 2024 starts
    # on the 1st) is before the data, a gap named under the satisfaction trend, not a 0 %
    gap = (
        "2021-01 – 2024-12: before the data start (a trailing 12 months needs all 12), "
        "shown as “—”."
    )
    assert gap in [c.value for c in at.caption]  # type: ignore[attr-defined]


def test_cards_of_kpis_ignoring_the_tier_say_so(seed_env: Path) -> None:
    at = _app(**YEAR, tier="A", lang="en")
    at.switch_page("app_pages/value.py").run()  # type: ignore[attr-defined]
    assert not at.exception  # type: ignore[attr-defined]
    note = ":orange[This KPI ignores the tier filter (leads and spend have no tier)]"
    # CAC and CLV/CAC (spend has no tier) carry it; the customer KPIs do not: 2 cards
    assert [c.value for c in at.caption].count(note) == 2  # type: ignore[attr-defined]
    at = _app(**YEAR, lang="en")
    at.switch_page("app_pages/value.py").run()  # type: ignore[attr-defined]
    assert note not in [c.value for c in at.caption]  # type: ignore[attr-defined]


def test_breakdown_tables_carry_n_and_the_drill_follows_the_sidebar(seed_env: Path) -> None:
    at = _app(**YEAR, branch="B03", lang="en")
    at.switch_page("app_pages/satisfaction.py").run()  # type: ignore[attr-defined]
    assert not at.exception  # type: ignore[attr-defined]
    grids = [d.value for d in at.dataframe if "Satisfaction rate n" in d.value.columns]  # type: ignore[attr-defined]
    assert grids and list(grids[0]["Satisfaction rate n"]) == [2]  # B03: S05, S06
    options = at.selectbox(key="drill_value_branch").options  # type: ignore[attr-defined]
    assert options == ["All (current filters)", "B03 广州分行"]
