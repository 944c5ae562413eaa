"""The whitespace state (metrics.engine.whitespace_state) against the definition.

The state of the latest day is published with every load; any other day's is built once in
the reader's private catalog. Either way, every answer of metrics.whitespace equals the
one statement from the facts (WS_CTES, the query the functions ran before the state), for
random days and filters on the seed bank. Plus: a load changes the published state in the
same publish, and the page's first-rows helpers (limit, search, count_customers), counted
by hand on the desk bank.
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

from metrics import load, whitespace
from metrics.engine import whitespace_state
from metrics.engine.sql import CUST_CTE, TIER_OK, run, sel_cte
from metrics.filters import UNASSIGNED, Filters
from metrics.load import read_extract
from metrics.store import connect_reader
from tests.seedstore import build_seed_store

D = dt.date
SEED_LATEST = D(2025, 12, 31)  # tests/test_publish_rollups.py: the seed bank's latest day


def _raw(
    con: duckdb.DuckDBPyConnection, select: str, f: Filters, on: dt.date, **extra: Any
) -> pd.DataFrame:
    """The answer of the one statement from the facts, as metrics.whitespace ran it before."""
    sql = "WITH " + ",\n".join((CUST_CTE, sel_cte(None), whitespace_state.WS_CTES)) + select
    return run(con, sql, {**whitespace_state.params(on), **f.params(), **extra})


def _raw_shares(con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date) -> pd.DataFrame:
    return _raw(
        con,
        "SELECT tier, category, peers, holders, share FROM ws_share "
        f"WHERE {TIER_OK.format(col='tier')} ORDER BY tier, category",
        f,
        on,
    )


def _raw_customers(
    con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date, next_best: str | None = None
) -> pd.DataFrame:
    out = _raw(
        con,
        "SELECT customer_id, customer_name, branch_id, tier, relationship_manager, held, "
        "next_best, next_best_share FROM ws_customers "
        "WHERE $next_best::VARCHAR IS NULL OR next_best = $next_best::VARCHAR "
        "ORDER BY customer_id",
        f,
        on,
        next_best=next_best,
    )
    out["held"] = [list(x) for x in out["held"]]
    return out


def _raw_counts(con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date) -> pd.DataFrame:
    return _raw(
        con,
        "SELECT next_best AS category, count(*) AS customers FROM ws_customers "
        "WHERE next_best IS NOT NULL GROUP BY next_best ORDER BY customers DESC, category",
        f,
        on,
    )


def _searched(frame: pd.DataFrame, text: str) -> pd.DataFrame:
    """The rows whose id or name contains `text`, case-insensitively, in plain Python."""
    needle = text.strip().lower()
    keep = [
        needle in str(i).lower() or needle in str(n).lower()
        for i, n in zip(frame["customer_id"], frame["customer_name"], strict=True)
    ]
    return frame.loc[pd.Series(keep, index=frame.index, dtype=bool)].reset_index(drop=True)


def _source(con: duckdb.DuckDBPyConnection, on: dt.date) -> str:
    with whitespace_state.tables(con, on) as state:
        return state.customers


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    db = build_seed_store(tmp_path_factory.mktemp("ws") / "seed.duckdb")
    con = connect_reader(db)
    yield con
    con.close()


_DAYS = st.one_of(
    st.just(SEED_LATEST),  # the published state
    st.dates(min_value=D(2023, 6, 1), max_value=D(2026, 6, 30)),  # private states
)
_FILTERS = st.builds(
    lambda b, t, m: Filters(D(2025, 1, 1), D(2025, 1, 1), b, t, m),
    st.lists(st.sampled_from(("B01", "B02", "B03")), max_size=2).map(tuple),
    st.lists(st.sampled_from(("A", "B", "C")), max_size=2).map(tuple),
    st.lists(st.sampled_from(("王伟", "李娜", "张敏", "陈杰", UNASSIGNED)), max_size=2).map(tuple),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    on=_DAYS,
    f=_FILTERS,
    next_best=st.sampled_from((None, "loan", "deposit", "fx", "cash_management")),
    search=st.sampled_from(("", "c0", "C1", "科技", "华")),
)
def test_the_state_answers_as_the_definition(
    seed: duckdb.DuckDBPyConnection,
    on: dt.date,
    f: Filters,
    next_best: str | None,
    search: str,
) -> None:
    pd.testing.assert_frame_equal(whitespace.peer_shares(seed, f, on), _raw_shares(seed, f, on))
    every = _raw_customers(seed, f, on)
    pd.testing.assert_frame_equal(whitespace.customers(seed, f, on), every)
    campaign = _raw_customers(seed, f, on, next_best)
    pd.testing.assert_frame_equal(whitespace.customers(seed, f, on, next_best), campaign)
    pd.testing.assert_frame_equal(
        whitespace.next_best_counts(seed, f, on), _raw_counts(seed, f, on)
    )
    # search and limit against plain Python on the definition's rows (a pandas slice keeps
    # the dtypes of the whole frame, so the values are compared, not the dtypes)
    found = _searched(campaign, search)
    got = whitespace.customers(seed, f, on, next_best, search=search)
    pd.testing.assert_frame_equal(_values(got), _values(found))
    assert whitespace.count_customers(seed, f, on, next_best, search=search) == len(found)
    first = whitespace.customers(seed, f, on, next_best, search=search, limit=2)
    pd.testing.assert_frame_equal(_values(first), _values(found.head(2)))
    # The latest day is read from the published tables, any other from a private copy.
    published = on == SEED_LATEST
    assert (_source(seed, on) == "rollup_ws_customers") is published


def _values(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's values with one missing marker (a column without a value comes back as
    object None, the same column with values as text with NaN)."""
    out = frame.reset_index(drop=True).astype(object)
    return out.where(out.notna(), None)


def test_the_latest_day_is_published_and_other_days_built_once(
    seed: duckdb.DuckDBPyConnection,
) -> None:
    meta = seed.execute("SELECT day, fingerprint FROM rollup_ws_meta").fetchall()
    assert meta == [(SEED_LATEST, whitespace_state.fingerprint())]
    other = D(2025, 6, 30)
    first = _source(seed, other)
    assert first.startswith("memory.main.ws_customers_20250630_")
    assert _source(seed, other) == first  # reused, not rebuilt under another name


def _load_revenue(db: Path, rows: bytes) -> None:
    csv = b"month,customer_id,product_category,revenue\n" + rows
    report = load.load_batch(db, [("revenue", read_extract(csv, "r.csv"), None)], "append")[0]
    assert report.ok, report.render_text()


# --- A load changes the published state in the same publish ---------------------------------


# The seed bank on 2025-12-31 (window 2025-01 .. 2025-12; C03, C05, C10 churned by then).
# Tier A (C01 stored; C02, C08, C14 derived: assets >= 1e9 and an A rating), their 2025 rows:
#   C01 loan 120,000 + deposit 80,000; C02 loan 30,000 + fx 20,000; C08 loan 25,000 +
#   deposit 5,000; C14 loan 90,000 -> 4 peers: loan 4/4, deposit 2/4, fx 1/4, cm 0/4.
# C14 holds loan only -> its next best is deposit (0.5). After the load of C14 deposit 1,000
# in 2025-12: deposit 3/4 = 0.75, and C14's next best is fx (0.25 > cash_management 0).
def test_a_load_changes_the_whitespace_state_in_the_same_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = build_seed_store(tmp_path / "seed.duckdb")
    built: list[dt.date | None] = []  # the days each publish rebuilt the state of
    real_write = whitespace_state._write

    def recording_write(
        c: duckdb.DuckDBPyConnection, state: whitespace_state.State, on: dt.date | None
    ) -> None:
        if not state.customers.startswith("memory."):
            built.append(on)
        real_write(c, state, on)

    monkeypatch.setattr(whitespace_state, "_write", recording_write)
    # Revenue of 2023-01, outside the window 2025-01 .. 2025-12: the state is kept as it is.
    _load_revenue(db, b"2023-01,C01,fx,100\n")
    assert built == []
    before = connect_reader(db)
    f = Filters(SEED_LATEST, SEED_LATEST, tiers=("A",))
    shares = whitespace.peer_shares(before, f, SEED_LATEST).set_index("category")["share"]
    assert shares.to_dict() == {"cash_management": 0.0, "deposit": 0.5, "fx": 0.25, "loan": 1.0}
    rows = whitespace.customers(before, f, SEED_LATEST).set_index("customer_id")
    assert rows["next_best"].to_dict() == {
        "C01": "fx",
        "C02": "deposit",
        "C08": "fx",
        "C14": "deposit",
    }

    _load_revenue(db, b"2025-12,C14,deposit,1000\n")
    assert built == [SEED_LATEST]

    after = connect_reader(db)
    assert _source(after, SEED_LATEST) == "rollup_ws_customers"  # published, not a copy
    shares = whitespace.peer_shares(after, f, SEED_LATEST).set_index("category")["share"]
    assert shares.to_dict() == {"cash_management": 0.0, "deposit": 0.75, "fx": 0.25, "loan": 1.0}
    rows = whitespace.customers(after, f, SEED_LATEST).set_index("customer_id")
    assert rows.at["C14", "held"] == ["deposit", "loan"]
    assert rows.at["C14", "next_best"] == "fx"
    # The reader opened before the load still reads the old file: old facts, old state.
    old = whitespace.customers(before, f, SEED_LATEST).set_index("customer_id")
    assert old.at["C14", "next_best"] == "deposit"
    before.close()

    # A load of another table that moves the latest day (a survey on 2026-01-15) moves the
    # published state to that day; its answer is the definition's.
    survey = (
        b"response_id,customer_id,survey_date,touchpoint,channel,overall_score,"
        b"service_quality_score,response_speed_score,nps_score,comment\n"
        b"S99,C01,2026-01-15,annual_review,visit,5,5,5,10,\n"
    )
    report = load.load_batch(db, [("surveys", read_extract(survey, "s.csv"), None)], "append")[0]
    assert report.ok, report.render_text()
    after.close()
    assert built == [SEED_LATEST, D(2026, 1, 15)]
    moved = connect_reader(db)
    try:
        day = D(2026, 1, 15)
        assert moved.execute("SELECT day FROM rollup_ws_meta").fetchall() == [(day,)]
        assert _source(moved, day) == "rollup_ws_customers"
        every = Filters(day, day)
        pd.testing.assert_frame_equal(
            whitespace.customers(moved, every, day), _raw_customers(moved, every, day)
        )
    finally:
        moved.close()


# --- limit, search, count_customers (the page's first rows and their count) -----------------


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    from tests.deskstore import build_desk_store

    con = connect_reader(build_desk_store(tmp_path_factory.mktemp("desk") / "desk.duckdb"))
    yield con
    con.close()


DAY = D(2026, 3, 31)
Q1 = Filters(D(2026, 1, 1), DAY)


def _ids(frame: pd.DataFrame) -> list[str]:
    return [str(x) for x in frame["customer_id"]]


def test_limit_search_and_count_on_the_desk_bank(desk: duckdb.DuckDBPyConnection) -> None:
    # tests/deskstore.py: K01..K15, K14 churned 2026-03-15 -> 14 active on 2026-03-31.
    assert whitespace.count_customers(desk, Q1, DAY) == 14
    assert _ids(whitespace.customers(desk, Q1, DAY, limit=3)) == ["K01", "K02", "K03"]
    empty = whitespace.customers(desk, Q1, DAY, limit=0)
    assert empty.empty and list(empty.columns) == list(whitespace.customers(desk, Q1, DAY).columns)
    # ids containing "k1", any case: K10 K11 K12 K13 K15 (K14 churned) -> 5
    assert _ids(whitespace.customers(desk, Q1, DAY, search="k1")) == [
        "K10", "K11", "K12", "K13", "K15",
    ]  # fmt: skip
    assert whitespace.count_customers(desk, Q1, DAY, search=" k1 ") == 5  # trimmed
    # names: 甲一科技 K01, 甲二制造 K02, 甲八电子 K08, 甲十三医药 K13 contain 甲 -> 4
    assert _ids(whitespace.customers(desk, Q1, DAY, search="甲")) == ["K01", "K02", "K08", "K13"]
    assert whitespace.count_customers(desk, Q1, DAY, search="科技") == 1  # 甲一科技 only
    # a literal substring, not a LIKE pattern: no id or name holds "_" or "%"
    assert whitespace.count_customers(desk, Q1, DAY, search="_") == 0
    assert whitespace.count_customers(desk, Q1, DAY, search="%") == 0
    # blank search = no search
    assert whitespace.count_customers(desk, Q1, DAY, search="  ") == 14
    # next best deposit (tests/test_desk.py): K02 K06 K07 K08 K09 K12; with "k0": not K12
    assert whitespace.count_customers(desk, Q1, DAY, "deposit") == 6
    assert whitespace.count_customers(desk, Q1, DAY, "deposit", search="k0") == 5
    two = whitespace.customers(desk, Q1, DAY, "deposit", search="k0", limit=2)
    assert _ids(two) == ["K02", "K06"]
    # tier C: K05 K10 K15; with "k1": K10 K15
    tier_c = Filters(Q1.date_from, DAY, tiers=("C",))
    assert whitespace.count_customers(desk, tier_c, DAY, search="K1") == 2
    assert _ids(whitespace.customers(desk, tier_c, DAY, search="K1", limit=1)) == ["K10"]
    with pytest.raises(ValueError, match="limit"):
        whitespace.customers(desk, Q1, DAY, limit=-1)


def test_rows_come_by_customer_id_without_insertion_order(desk: duckdb.DuckDBPyConnection) -> None:
    # A reader told it need not keep insertion order sorts; the 14 ids K01 .. K15 (no K14).
    path = desk.execute("SELECT path FROM duckdb_databases() WHERE database_name = 'store'")
    con = connect_reader(Path(str(path.fetchall()[0][0])))
    try:
        con.execute("SET preserve_insertion_order = false")
        expected = [f"K{i:02d}" for i in range(1, 16) if i != 14]
        assert _ids(whitespace.customers(con, Q1, DAY)) == expected
        assert _ids(whitespace.customers(con, Q1, DAY, limit=2)) == ["K01", "K02"]
    finally:
        con.close()


# --- private days: bounded, shared by a reader's cursors --------------------------------------


def test_private_days_are_bounded_and_still_answer(seed: duckdb.DuckDBPyConnection) -> None:
    f = Filters(D(2025, 1, 1), D(2025, 1, 1))
    days = [D(2024, m, 28) for m in range(1, whitespace_state.MAX_DAYS + 3)]  # 10 days
    for day in days:
        pd.testing.assert_frame_equal(
            whitespace.customers(seed, f, day), _raw_customers(seed, f, day)
        )
        kept = seed.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'memory' "
            "AND table_name LIKE 'ws_share_%'"
        ).fetchall()[0][0]
        assert 1 <= kept <= whitespace_state.MAX_DAYS


def test_cursors_of_one_reader_build_a_day_once_and_agree(tmp_path: Path) -> None:
    import threading

    from metrics.store import Reader

    reader = Reader(build_seed_store(tmp_path / "seed.duckdb"))
    f, day = Filters(D(2025, 1, 1), D(2025, 1, 1)), D(2025, 7, 15)
    built: list[int] = []
    answers: list[pd.DataFrame] = []
    errors: list[BaseException] = []

    def ask() -> None:
        cur, _ = reader.cursor()
        try:
            answers.append(whitespace.customers(cur, f, day))
            built.append(
                cur.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'memory' "
                    "AND table_name LIKE 'ws_share_20250715_%'"
                ).fetchall()[0][0]
            )
        except BaseException as exc:  # reported below: the assertion names it
            errors.append(exc)
        finally:
            cur.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert built == [1, 1, 1, 1]  # one private copy of the day, shared by every cursor
    cur, _ = reader.cursor()
    expected = _raw_customers(cur, f, day)
    cur.close()
    for got in answers:
        pd.testing.assert_frame_equal(got, expected)
