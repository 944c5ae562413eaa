"""The desk pages (managers, watchlist, whitespace) through AppTest on the desk bank.

Period 2026-01-01..2026-03-31, so the desk's day is 2026-03-31 (the period's last day; the
latest data date 2026-04-30 is later). The expected rows are worked out in tests/test_desk.py:
watchlist K05 K03 K08 K01 K10 K12 K06 K15; satisfaction 周静 1/1, 刘洋 1/2, 孙强 2/4, K12's
(unassigned) no survey; next best deposit for K02 K06 K07 K08 K09 K12.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.signin import sign_in
from tests.test_pages import _shown

APP = str(Path(__file__).resolve().parent.parent / "app.py")
Q1 = {"from": "2026-01-01", "to": "2026-03-31"}
DESK_PAGES = ("managers", "watchlist", "whitespace")


@pytest.fixture(scope="module")
def desk_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.deskstore import build_desk_store

    return build_desk_store(tmp_path_factory.mktemp("desk_pages") / "desk.duckdb")


@pytest.fixture
def desk_app(desk_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app on the desk bank, Q1 2026, in English (the one place to add a sign-in)."""
    monkeypatch.setenv("CRM_DB", str(desk_path))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in {**Q1, "lang": "en"}.items():
        at.query_params[key] = value
    yield sign_in(at)


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _open(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py").run()
    _ok(at)
    return at


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_desk_pages_render_in_both_languages(desk_app: AppTest, lang: str) -> None:
    desk_app.sidebar.radio(key="w_lang").set_value(lang).run()
    titles = {
        "en": ["Relationship managers", "Watchlist", "Cross-sell whitespace"],
        "zh": ["客户经理", "预警客户", "交叉销售机会"],
    }[lang]
    for page, title in zip(DESK_PAGES, titles, strict=True):
        _open(desk_app, page)
        assert desk_app.title[0].value == title
        cells = [c for d in desk_app.dataframe for c in _shown(d).to_numpy().ravel().tolist()]
        assert not [c for c in cells if c is None or str(c) in ("None", "nan", "NaT", "<NA>")]


def test_scorecards_rank_and_open_a_book(desk_app: AppTest) -> None:
    at = _open(desk_app, "managers")
    cards = at.dataframe[0].value
    # by satisfaction, every manager low-n (< 30 surveys): 1/1, 1/2, 2/4 (tie by name), none
    assert list(cards["Manager"]) == ["周静", "刘洋", "孙强", "Unassigned"]
    assert list(cards["Rank"]) == [1, 2, 3, 4]
    assert list(cards["Surveys (n)"]) == [1, 2, 4, 0]
    assert list(cards["On the watchlist"]) == [3, 2, 2, 1]
    # the book opens on the first-ranked manager: 周静's K03 K10 K06 (K14 churned)
    assert list(at.dataframe[1].value["Customer id"]) == ["K03", "K10", "K06"]
    at.selectbox(key="book_manager").set_value("(unassigned)").run()
    _ok(at)
    assert list(at.dataframe[1].value["Customer id"]) == ["K12"]
    at.selectbox(key="score_rank_by").set_value("watchlist").run()
    assert list(at.dataframe[0].value["Manager"]) == ["Unassigned", "刘洋", "孙强", "周静"]


def test_watchlist_page_lists_flags_as_words_with_facts(desk_app: AppTest) -> None:
    at = _open(desk_app, "watchlist")
    assert {m.label: m.value for m in at.metric}["Customers flagged"] == "8"
    rows = at.dataframe[0].value
    assert list(rows["Customer id"]) == ["K05", "K03", "K08", "K01", "K10", "K12", "K06", "K15"]
    by_id = rows.set_index("Customer id")
    assert by_id.at["K05", "Flags"] == "Past due, Open complaint, Low satisfaction"
    assert by_id.at["K06", "What triggered them"] == "complaint Q01 open for 8 days"
    assert by_id.at["K03", "What triggered them"] == (
        "M03a from normal to Special mention; M03m matures on 2026-04-15, not renewed"
    )
    # 14,000 vs 30,000: 14 / 30 - 1 = -53 %
    assert by_id.at["K01", "What triggered them"] == (
        "revenue ¥14.0K in the last 3 months vs ¥30.0K before (-53%)"
    )
    assert by_id.at["K12", "Relationship manager"] == "Unassigned"
    at.multiselect(key="wl_flags").set_value(["past_due"]).run()
    assert list(at.dataframe[0].value["Customer id"]) == ["K05", "K12"]
    at.multiselect(key="wl_managers").set_value(["(unassigned)"]).run()
    _ok(at)
    assert list(at.dataframe[0].value["Customer id"]) == ["K12"]
    at.multiselect(key="wl_flags").set_value(["revenue_drop"]).run()
    assert any("No customer is flagged" in i.value for i in at.info)


def test_whitespace_page(desk_app: AppTest) -> None:
    at = _open(desk_app, "whitespace")
    assert at.get("plotly_chart")  # the tier x category heatmap
    # the campaign list opens on the commonest next best category: deposit (6 customers)
    assert at.selectbox(key="ws_category").value == "deposit"
    campaign = at.dataframe[0].value
    assert list(campaign["Customer id"]) == ["K02", "K06", "K07", "K08", "K09", "K12"]
    every = at.dataframe[1].value.set_index("Customer id")
    assert every.at["K01", "Held categories"] == "Deposits, Loans"
    assert every.at["K01", "Next best category"] == "FX"
    assert every.at["K13", "Next best category"] == "—"  # holds all four
    at.selectbox(key="ws_category").set_value("fx").run()
    assert list(at.dataframe[0].value["Customer id"]) == ["K01", "K10", "K15"]


def test_overview_links_to_the_watchlist(desk_app: AppTest) -> None:
    _ok(desk_app)
    links = [e.proto.label for e in desk_app.get("page_link")]
    assert "8 customers on the watchlist (2026-03-31): open the list" in links


def test_desk_pages_without_data_for_the_period(desk_app: AppTest) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in {"from": "2010-01-01", "to": "2010-12-31", "lang": "en"}.items():
        at.query_params[key] = value
    sign_in(at)
    for page in DESK_PAGES:
        _open(at, page)
    assert any("No customer is flagged" in i.value for i in _open(at, "watchlist").info)
