"""The customers' state per day (metrics.engine.customer_state): equal to the raw CTEs on any
day, built in the publish that changes its facts, and the drill-down's limit/search/count.

Seed bank: tests/seed/*.csv (tests/seedstore.py). Its latest data date is 2025-12-31 (S06's
survey, C05's churn), so the publish builds the states of 2025-12-31 and 2025-01-01 (the
year-to-date view's first day); any other day is built in the reader's own catalog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import analysis, drill, load, scorecards, watchlist
from metrics.engine import customer_state
from metrics.engine.sql import (
    CUST_CTE,
    customer_ok,
    rel_ctes,
    run,
    sel_cte,
    settings_params,
    used_params,
)
from metrics.engine.state_sql import RFM_CTES
from metrics.filters import Filters
from metrics.load import read_extract
from metrics.store import Reader, connect_reader
from tests.seedstore import build_seed_store

D = dt.date
Y25 = Filters(D(2025, 1, 1), D(2025, 12, 31))


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_store(tmp_path_factory.mktemp("seed") / "seed.duckdb")


@pytest.fixture(scope="module")
def con(seed: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect_reader(seed)
    yield c
    c.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> set[tuple[Any, ...]]:
    """Every row of `sql`, lists (flags) as tuples."""
    rows = con.execute(sql, used_params(sql, params)).fetchall()
    return {tuple(tuple(v) if isinstance(v, list) else v for v in r) for r in rows}


# --- The state equals the raw CTEs, on any day --------------------------------------------

REL_COLS = "customer_id, rel_type, r12, p12, l6, risky_loan, r12_rank, n_active"
RFM_COLS = "customer_id, segment, r_score, f_score, m_score, recency_days, frequency, monetary"
WL_COLS = "customer_id, flags, " + customer_state.WL_COLUMNS.replace(", flags", "")
_DAYS = st.dates(min_value=D(2023, 12, 1), max_value=D(2026, 3, 31))


@given(day=_DAYS)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_state_of_any_day_equals_the_raw_ctes(
    con: duckdb.DuckDBPyConnection, day: dt.date
) -> None:
    _assert_state_is_raw(con, customer_state.table(con, day), day)


def _assert_state_is_raw(con: duckdb.DuckDBPyConnection, state: str, day: dt.date) -> None:
    every = Filters(day, day)
    raw_rel = f"WITH {CUST_CTE}, {rel_ctes()} SELECT {REL_COLS} FROM rel"
    raw_rfm = f"WITH {CUST_CTE}, {RFM_CTES} SELECT {RFM_COLS} FROM rfm"
    raw_wl = watchlist.with_flags() + f"SELECT {WL_COLS} FROM wl"
    p = {**settings_params(), "rel_on": day, "date_to": day}
    assert _rows(con, f"SELECT {REL_COLS} FROM {state}", {}) == _rows(con, raw_rel, p)
    assert _rows(con, f"SELECT {RFM_COLS} FROM {state} WHERE segment IS NOT NULL", {}) == _rows(
        con, raw_rfm, p
    )
    assert _rows(con, f"SELECT {WL_COLS} FROM {state}", {}) == _rows(
        con, raw_wl, watchlist.params(con, every, day)
    )


def _old_watchlist(con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date) -> pd.DataFrame:
    """The watchlist as it was computed before the state: the flag CTEs over the selection."""
    sql = watchlist.with_flags() + (
        f"SELECT {', '.join(watchlist.COLUMNS)} FROM wl WHERE len(flags) > 0 "
        f"ORDER BY {watchlist.ORDER_SQL}"
    )
    out = run(con, sql, watchlist.params(con, f, on))
    out["flags"] = [list(x) for x in out["flags"]]
    return out


def _old_customers(con: duckdb.DuckDBPyConnection, f: Filters, population: str) -> pd.DataFrame:
    """drill.customers as it was before the state: relationship types and RFM from the CTEs."""
    cte, join, condition, extra = drill._POPULATION_SQL[population]
    ctes = ", ".join(p for p in (CUST_CTE, rel_ctes(), RFM_CTES, cte) if p)
    sql = f"""WITH {ctes}
SELECT c.customer_id, c.customer_name, c.branch_id, c.tier, c.tier_source, c.credit_rating,
       c.total_assets, c.onboard_date, c.churn_date, c.relationship_manager, {extra}
       rel.rel_type, rel.r12, rel.p12, rfm.segment AS rfm_segment,
       rfm.recency_days, rfm.frequency, rfm.monetary
FROM cust c
{join}
LEFT JOIN rel ON rel.customer_id = c.customer_id
LEFT JOIN rfm ON rfm.customer_id = c.customer_id
WHERE {condition} AND {customer_ok("c")}
ORDER BY c.customer_id"""
    return run(con, sql, {**settings_params(), **f.params(), "rel_on": f.date_to})


def _old_movement(con: duckdb.DuckDBPyConnection, f: Filters) -> set[tuple[Any, ...]]:
    """analysis.type_movement's counts as they were before the state (non-zero cells)."""
    sql = f"""WITH {CUST_CTE}, {rel_ctes("$date_from", "rel_a")}, {rel_ctes("$date_to", "rel_b")},
moves AS (
    SELECT coalesce(a.rel_type, 'not_active') AS from_type,
           coalesce(b.rel_type, 'not_active') AS to_type,
           coalesce(a.customer_id, b.customer_id) AS customer_id
    FROM rel_a a FULL OUTER JOIN rel_b b ON a.customer_id = b.customer_id
)
SELECT from_type, to_type, count(*) FROM moves JOIN cust ON cust.customer_id = moves.customer_id
WHERE {customer_ok("cust")} GROUP BY ALL"""
    return _rows(con, sql, {**settings_params(), **f.params()})


def _old_summaries(con: duckdb.DuckDBPyConnection, f: Filters) -> tuple[set[Any], set[Any]]:
    """Customers and R12 per type, customers and M per segment, from the CTEs (non-empty)."""
    rel = f"""WITH {CUST_CTE}, {rel_ctes()} SELECT rel_type, count(*), sum(r12)::DOUBLE FROM rel
WHERE {customer_ok()} GROUP BY ALL"""
    rfm = f"""WITH {CUST_CTE}, {RFM_CTES} SELECT segment, count(*), sum(monetary)::DOUBLE FROM rfm
WHERE {customer_ok()} GROUP BY ALL"""
    p = {**settings_params(), **f.params(), "rel_on": f.date_to}
    return _rows(con, rel, p), _rows(con, rfm, p)


@st.composite
def _views(draw: st.DrawFn) -> Filters:
    a, b = sorted((draw(_DAYS), draw(_DAYS)))
    return Filters(
        a,
        b,
        branches=tuple(draw(st.sets(st.sampled_from(["B01", "B02", "B03"]), max_size=2))),
        tiers=tuple(draw(st.sets(st.sampled_from(["A", "B", "C"]), max_size=2))),
        managers=tuple(
            draw(st.sets(st.sampled_from(["王伟", "李娜", "张敏", "陈杰"]), max_size=2))
        ),
    )


@given(f=_views(), population=st.sampled_from(drill.POPULATIONS))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_readers_of_the_state_answer_as_the_raw_queries(
    con: duckdb.DuckDBPyConnection, f: Filters, population: drill.Population
) -> None:
    pd.testing.assert_frame_equal(
        watchlist.watchlist(con, f, f.date_to), _old_watchlist(con, f, f.date_to)
    )
    pd.testing.assert_frame_equal(
        drill.customers(con, f, population), _old_customers(con, f, population)
    )
    assert drill.count_customers(con, f, population) == len(_old_customers(con, f, population))
    moves = analysis.type_movement(con, f).stack()
    assert {(a, b, int(n)) for (a, b), n in moves.items() if n} == _old_movement(con, f)
    old_mix = f"""WITH {CUST_CTE}, {sel_cte(None)}
SELECT manager, count(*) FILTER (WHERE tier = 'A'), count(*) FROM sel
WHERE onboard_date <= $date_to AND (churn_date IS NULL OR churn_date > $date_to) GROUP BY ALL"""
    mix = scorecards.tier_mix(con, f)  # shares of A among each manager's active customers
    assert {(m, r.tier_a_share) for m, r in mix.iterrows()} == {
        (m, a / n) for m, a, n in _rows(con, old_mix, {**settings_params(), **f.params()})
    }
    types = analysis.relationship_summary(con, f)
    segments = analysis.rfm_segments(con, f)
    assert (
        {(r.rel_type, r.customers, r.r12) for r in types.itertuples() if r.customers},
        {(r.segment, r.customers, r.monetary) for r in segments.itertuples() if r.customers},
    ) == _old_summaries(con, f)


_CELLS = st.sampled_from(
    [
        (None, None),
        ("tier", "A"),
        ("branch", "B02"),
        ("relationship_type", "risk"),
        ("rfm_segment", "hibernating"),
    ]
)


@given(
    f=_views(),
    population=st.sampled_from(drill.POPULATIONS),
    cell=_CELLS,
    search=st.sampled_from(["", "c1", "C0", "能源", "科技", "zz"]),
)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_count_customers_is_the_length_of_customers(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    population: drill.Population,
    cell: tuple[str | None, str | None],
    search: str,
) -> None:
    every = drill.customers(con, f, population, *cell, search=search)
    assert drill.count_customers(con, f, population, *cell, search=search) == len(every)
    first = drill.customers(con, f, population, *cell, limit=2, search=search)
    # (an integer column with NULLs further down comes as Int64, without as int64)
    # values, one missing marker: a text column without a value in the first rows comes
    # back as object None, the same column of all rows as text with NaN
    pd.testing.assert_frame_equal(_values(first), _values(every.head(2)))


def test_the_publish_days_are_read_from_the_store(con: duckdb.DuckDBPyConnection) -> None:
    # 2025-12-31 is the seed's latest data date; 2025-01-01 the first day of its year.
    assert customer_state.table(con, D(2025, 12, 31)) == "customer_state_20251231"
    # of 2025-01-01 the publish builds the relationship types only (type_movement's from-day)
    assert customer_state.table(con, D(2025, 1, 1), need="rel") == "customer_state_20250101"
    everything = customer_state.table(con, D(2025, 1, 1))
    assert everything.startswith("memory.main.customer_state_20250101_")
    assert customer_state.table(con, D(2025, 12, 31), need="rel") == "customer_state_20251231"
    # any other day: built once in the reader's private catalog, then reused
    other = customer_state.table(con, D(2025, 6, 30))
    assert other.startswith("memory.main.customer_state_20250630_")
    assert customer_state.table(con, D(2025, 6, 30)) == other
    assert customer_state.table(con, D(2025, 6, 30), need="rel") == other  # full serves both
    # the types only, when only they are asked for (and a full one is not there yet)
    types = customer_state.table(con, D(2025, 5, 31), need="rel")
    assert types.startswith("memory.main.customer_state_20250531_rel_")
    assert customer_state.table(con, D(2025, 5, 31)) != types  # everything: another table


# --- A load changes the state in the same publish -----------------------------------------

# C14 (B02, 张敏) has no flag on 2025-12-31: revenue 2025-10 90,000 against nothing in
# 2025-07..09 (no drop from 0), L10 normal with 0 days past due and maturing in 2029, no
# complaint, no survey. A survey of 2025-12-20 scoring 1 (<= low_score 2, within 365 days)
# makes it low_satisfaction.
_SURVEY = (
    b"response_id,customer_id,survey_date,touchpoint,channel,overall_score,"
    b"service_quality_score,response_speed_score,nps_score,comment\n"
    b"S99,C14,2025-12-20,annual_review,visit,1,1,1,0,\n"
)


def _flags_of(cur: duckdb.DuckDBPyConnection, customer: str) -> list[str]:
    frame = watchlist.watchlist(cur, Y25, D(2025, 12, 31))
    rows = frame[frame["customer_id"] == customer]["flags"]
    return list(rows.iloc[0]) if len(rows) else []


def test_a_load_changes_the_state_in_the_same_publish(tmp_path: Path) -> None:
    db = build_seed_store(tmp_path / "seed.duckdb")
    reader = Reader(db)
    before, _ = reader.cursor()
    n_before = watchlist.watchlist_count(before, Y25, D(2025, 12, 31))
    assert _flags_of(before, "C14") == []
    reports = load.load_batch(db, [("surveys", read_extract(_SURVEY, "s.csv"), None)], "append")
    assert reports[0].ok, reports[0].render_text()
    after, _ = reader.cursor()
    # the store's own state (built at publish), already holding the new survey's flag
    assert customer_state.table(after, D(2025, 12, 31)) == "customer_state_20251231"
    stored = after.execute(
        "SELECT flags FROM customer_state_20251231 WHERE customer_id = 'C14'"
    ).fetchone()
    assert stored is not None and list(stored[0]) == ["low_satisfaction"]
    assert _flags_of(after, "C14") == ["low_satisfaction"]
    assert watchlist.watchlist_count(after, Y25, D(2025, 12, 31)) == n_before + 1
    # a cursor of the old file still reads the old state, whole
    assert _flags_of(before, "C14") == []
    assert watchlist.watchlist_count(before, Y25, D(2025, 12, 31)) == n_before


def _revenue(month: str, amount: int) -> bytes:
    return f"month,customer_id,product_category,revenue\n{month},C01,fees,{amount}\n".encode()


def test_a_state_is_rebuilt_only_when_its_facts_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = build_seed_store(tmp_path / "seed.duckdb")
    built: list[dt.date] = []  # days built anew
    refreshed: list[dt.date] = []  # days whose revenue columns were computed again
    real, real_refresh = customer_state._create, customer_state._refresh_revenue

    def counting(
        c: duckdb.DuckDBPyConnection, target: str, day: dt.date, s: str | None, part: Any = "all"
    ) -> None:
        built.append(day)
        real(c, target, day, s, part)

    def counting_refresh(c: duckdb.DuckDBPyConnection, s: str, day: dt.date) -> None:
        refreshed.append(day)
        real_refresh(c, s, day)

    monkeypatch.setattr(customer_state, "_create", counting)
    monkeypatch.setattr(customer_state, "_refresh_revenue", counting_refresh)

    def append(csv: bytes) -> None:
        reports = load.load_batch(db, [("revenue", read_extract(csv, "r.csv"), None)], "append")
        assert reports[0].ok, reports[0].render_text()

    # 2019-01 is outside both states' months: 2025-12-31 reads 2024-01..2025-12 (24 months),
    # 2025-01-01 reads 2023-02..2025-01. Neither is rebuilt.
    append(_revenue("2019-01", 1000))
    assert built == refreshed == []
    # 2025-06 is inside 2025-12-31's months only: a revenue-only load, so its full state
    # keeps RFM and the other flags and computes the revenue columns again.
    append(_revenue("2025-06", 1000))
    assert (built, refreshed) == ([], [D(2025, 12, 31)])
    # and the kept and the rebuilt states still equal the raw CTEs: C01's R12 on 2025-12-31
    # is 200,000 (tests/test_analysis.py) + 1,000; on 2025-01-01 (R12 = 2024-02..2025-01)
    # the 2025-06 row is not counted.
    c = connect_reader(db)
    try:
        for day in (D(2025, 12, 31), D(2025, 1, 1)):
            raw = f"WITH {CUST_CTE}, {rel_ctes()} SELECT {REL_COLS} FROM rel"
            p = {**settings_params(), "rel_on": day}
            stored = customer_state.table(c, day, need="rel")
            assert not stored.startswith("memory.")  # the publish's, kept or rebuilt
            assert _rows(c, f"SELECT {REL_COLS} FROM {stored}", {}) == _rows(c, raw, p)
        r12 = c.execute("SELECT r12 FROM customer_state_20251231 WHERE customer_id = 'C01'")
        assert r12.fetchone() == (201_000.0,)
        # C01's revenue_drop on 2025-12-31 (3 months 2025-10..12 vs 2025-07..09, ratio 0.5):
        # recent 0 < 0.5 x 80,000 (2025-09 deposit), so flagged.
        assert "revenue_drop" in _state_flags(c, "C01")
    finally:
        c.close()
    # 50,000 in 2025-11 makes C01's recent revenue 50,000 >= 40,000: the flag goes, and the
    # refreshed state is still, column for column, what the raw CTEs answer.
    append(_revenue("2025-11", 50_000))
    assert (built, refreshed) == ([], [D(2025, 12, 31)] * 2)
    c = connect_reader(db)
    try:
        assert "revenue_drop" not in _state_flags(c, "C01")
        _assert_state_is_raw(c, "customer_state_20251231", D(2025, 12, 31))
    finally:
        c.close()


def _state_flags(c: duckdb.DuckDBPyConnection, customer: str) -> list[str]:
    row = c.execute(
        "SELECT flags FROM customer_state_20251231 WHERE customer_id = ?", [customer]
    ).fetchone()
    assert row is not None
    return list(row[0])


# --- drill.customers: limit, search, count ------------------------------------------------

# Y25's "period" customers: onboarded by 2025-12-31 and not churned before 2025-01-01: all
# 14 but C10 (churned 2024-06-30) = 13, C01..C09 and C11..C14. B01: C01, C02, C03, C09, C13.
PERIOD = ["C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C11", "C12", "C13", "C14"]


def _ids(frame: pd.DataFrame) -> list[str]:
    return [str(x) for x in frame["customer_id"]]


def test_limit_keeps_the_first_customers_by_id(con: duckdb.DuckDBPyConnection) -> None:
    assert _ids(drill.customers(con, Y25, "period")) == PERIOD
    assert _ids(drill.customers(con, Y25, "period", limit=3)) == ["C01", "C02", "C03"]
    assert _ids(drill.customers(con, Y25, "period", limit=100)) == PERIOD
    empty = drill.customers(con, Y25, "period", limit=0)
    assert empty.empty and list(empty.columns) == list(drill.customers(con, Y25, "period").columns)
    assert _ids(drill.customers(con, Y25, "period", "branch", "B01", limit=2)) == ["C01", "C02"]
    with pytest.raises(ValueError, match="limit"):
        drill.customers(con, Y25, "period", limit=-1)


def test_search_matches_id_or_name_ignoring_case(con: duckdb.DuckDBPyConnection) -> None:
    # "c1" (lower case) is in C11..C14 (C10 is not in the period)
    assert _ids(drill.customers(con, Y25, "period", search="c1")) == ["C11", "C12", "C13", "C14"]
    # names: 云帆新能源 (C08) and 长江能源 (C12) contain 能源; 星辰科技 (C01) 科技
    assert _ids(drill.customers(con, Y25, "period", search="能源")) == ["C08", "C12"]
    assert _ids(drill.customers(con, Y25, "period", search="科技")) == ["C01"]
    assert _ids(drill.customers(con, Y25, "period", search="  ")) == PERIOD  # blank: all
    assert drill.customers(con, Y25, "period", search="zz").empty
    # with a cell and a limit: B01's C01, C02, C03, C09 contain "c0"; the first two
    assert _ids(drill.customers(con, Y25, "period", "branch", "B01", limit=2, search="C0")) == [
        "C01",
        "C02",
    ]


def test_count_customers_counts_what_customers_returns(con: duckdb.DuckDBPyConnection) -> None:
    assert drill.count_customers(con, Y25, "period") == 13
    assert drill.count_customers(con, Y25, "period", "branch", "B01") == 5
    assert drill.count_customers(con, Y25, "period", "branch", "B01", search="c0") == 4
    assert drill.count_customers(con, Y25, "period", search="能源") == 2
    # churned in 2025 after onboarding before it: C03 (2025-01-01) and C05 (2025-12-31)
    assert drill.count_customers(con, Y25, "churned") == 2
    assert drill.count_customers(con, Y25, "churned", search="南山") == 1  # 南山食品 = C05
    # relationship type on 2025-12-31, from the state: risk = C04, C06, C12 (test_analysis)
    assert drill.count_customers(con, Y25, "period", "relationship_type", "risk") == 3
    with pytest.raises(ValueError, match="population"):
        drill.count_customers(con, Y25, "nobody")  # type: ignore[arg-type]


def test_threads_of_one_reader_build_a_day_once(
    seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    built: list[dt.date] = []
    real = customer_state._create

    def counting(
        c: duckdb.DuckDBPyConnection, target: str, day: dt.date, s: str | None, part: Any = "all"
    ) -> None:
        built.append(day)
        real(c, target, day, s, part)

    monkeypatch.setattr(customer_state, "_create", counting)
    reader = Reader(seed)
    day = D(2025, 9, 30)  # not a publish day: built in the reader's own catalog
    counts: list[int] = []

    def count() -> None:
        cur, _ = reader.cursor()  # a cursor per thread
        try:
            counts.append(watchlist.watchlist_count(cur, Filters(day, day), day))
        finally:
            cur.close()

    threads = [threading.Thread(target=count) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert built == [day]
    cur, _ = reader.cursor()
    raw = watchlist.with_flags() + "SELECT count(*) FROM wl WHERE len(flags) > 0"
    expected = cur.execute(raw, used_params(raw, watchlist.params(cur, Filters(day, day), day)))
    assert counts == [expected.fetchone()[0]] * 4  # type: ignore[index]


def test_watchlist_limit_keeps_the_first_rows_in_the_spec_order(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # On 2025-12-31 (3 months Oct-Dec 2025 against Jul-Sep 2025):
    # C04: 40,000 in 2025-08 and nothing since (revenue_drop), L05 substandard after normal
    #      (risk_downgrade), 100 days past due > 30 (past_due): 3 flags, balance 900,000;
    # C13: Jul-Sep sums to -1,000 (no drop from <= 0), L07 special_mention after normal, 45
    #      days past due, L07 maturing 2026-01-10 with no renewal: 3 flags, balance 200,000.
    full = watchlist.watchlist(con, Y25, D(2025, 12, 31))
    order = list(full["customer_id"])
    assert order.index("C04") < order.index("C13")  # equal flags, larger balance first
    assert list(full[full["customer_id"] == "C04"]["flags"].iloc[0]) == [
        "revenue_drop",
        "risk_downgrade",
        "past_due",
    ]
    for k in range(len(full) + 2):
        first = watchlist.watchlist(con, Y25, D(2025, 12, 31), limit=k)
        assert list(first.columns) == list(full.columns)
        assert list(first["customer_id"]) == order[:k]
        assert list(first["flags"]) == list(full["flags"].head(k))
    with pytest.raises(ValueError, match="limit"):
        watchlist.watchlist(con, Y25, D(2025, 12, 31), limit=-2)


def test_a_plain_connection_builds_other_days_as_temp_tables(seed: Path) -> None:
    from metrics.store import connect

    c = connect(seed, read_only=True)  # no private in-memory catalog: the temp schema
    try:
        day = D(2025, 6, 30)
        state = customer_state.table(c, day)
        assert state.startswith("temp.main.customer_state_20250630_")
        raw = f"WITH {CUST_CTE}, {rel_ctes()} SELECT {REL_COLS} FROM rel"
        p = {**settings_params(), "rel_on": day}
        assert _rows(c, f"SELECT {REL_COLS} FROM {state}", {}) == _rows(c, raw, p)
    finally:
        c.close()


def _values(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).astype(object)
    return out.where(out.notna(), None)
