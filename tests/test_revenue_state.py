"""The trailing-12 revenue state (metrics.engine.revenue_state) against the definition.

For random revenue rows (gaps, zero and negative months, several categories), every
anchor month's state read from the segments equals the raw answer: customers with a
revenue row in the 12 months ending with the anchor, and for each the number of
categories whose 12-month sum is > 0. Plus one case worked by hand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.engine.revenue_state import segments_sql

D = dt.date


def _store(rows: list[tuple[dt.date, str, str, Decimal]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE revenue (month DATE, customer_id VARCHAR, product_category VARCHAR, "
        "revenue DECIMAL(18,2))"
    )
    con.executemany("INSERT INTO revenue VALUES (?, ?, ?, ?)", rows)
    con.execute(segments_sql(""))
    return con


def _from_segments(con: duckdb.DuckDBPyConnection, anchor: dt.date) -> dict[str, int]:
    rows = con.execute(
        "SELECT customer_id, cats FROM rollup_revenue_segments "
        "WHERE ? BETWEEN month_from AND month_to",
        [anchor],
    ).fetchall()
    return {str(c): int(n) for c, n in rows}


def _raw(con: duckdb.DuckDBPyConnection, anchor: dt.date) -> dict[str, int]:
    rows = con.execute(
        """SELECT customer_id, count(*) FILTER (WHERE rev > 0) FROM (
               SELECT customer_id, product_category, sum(revenue) AS rev FROM revenue
               WHERE month BETWEEN CAST(? AS DATE) - INTERVAL 11 MONTH AND ?
               GROUP BY ALL)
           GROUP BY customer_id""",
        [anchor, anchor],
    ).fetchall()
    return {str(c): int(n) for c, n in rows}


def _month(i: int) -> dt.date:
    return D(2020 + i // 12, i % 12 + 1, 1)


def test_a_case_worked_by_hand() -> None:
    # C1/loan: 2024-01 .. 2024-03 at 100 (consecutive, positive): present and positive on
    #   the anchors 2024-01 .. 2025-02 (the last row's month + 11).
    # C1/fx: 2024-02 = 50, 2024-05 = -80: the 12-month sum is 50 at 2024-02..2024-04,
    #   -30 from 2024-05 to 2025-01 (both rows in the window), -80 (that row only: present,
    #   not positive) at 2025-02..2025-04 (2024-05 + 11), gone from 2025-05.
    # So C1 holds 2 categories at 2024-02..2024-04, 1 from 2024-05 to 2025-02, 0 at
    # 2025-03..2025-04 (a revenue customer, cross-sold nowhere), and none from 2025-05.
    rows = [
        (D(2024, 1, 1), "C1", "loan", Decimal("100")),
        (D(2024, 2, 1), "C1", "loan", Decimal("100")),
        (D(2024, 3, 1), "C1", "loan", Decimal("100")),
        (D(2024, 2, 1), "C1", "fx", Decimal("50")),
        (D(2024, 5, 1), "C1", "fx", Decimal("-80")),
    ]
    con = _store(rows)
    got = con.execute(
        "SELECT month_from, month_to, cats FROM rollup_revenue_segments ORDER BY month_from"
    ).fetchall()
    by_anchor = {}
    for start, end, cats in got:
        m = start
        while m <= end:
            assert m not in by_anchor, "segments of one customer never overlap"
            by_anchor[m] = cats
            m = (m + dt.timedelta(days=32)).replace(day=1)
    assert by_anchor[D(2024, 1, 1)] == 1
    assert by_anchor[D(2024, 2, 1)] == by_anchor[D(2024, 4, 1)] == 2
    assert by_anchor[D(2024, 5, 1)] == by_anchor[D(2025, 2, 1)] == 1
    assert by_anchor[D(2025, 3, 1)] == by_anchor[D(2025, 4, 1)] == 0
    assert min(by_anchor) == D(2024, 1, 1) and max(by_anchor) == D(2025, 4, 1)
    assert len(by_anchor) == 16  # 2024-01 .. 2025-04


row = st.tuples(
    st.integers(0, 40),  # month index from 2020-01
    st.sampled_from(["C1", "C2", "C3"]),
    st.sampled_from(["loan", "fx", "cash"]),
    st.sampled_from([Decimal("-5"), Decimal("0"), Decimal("0.01"), Decimal("3"), Decimal("5")]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(row, min_size=1, max_size=40, unique_by=lambda r: (r[0], r[1], r[2])))
def test_segments_equal_the_raw_windows(rows: list[tuple[int, str, str, Decimal]]) -> None:
    con = _store([(_month(m), c, k, v) for m, c, k, v in rows])
    for i in range(-2, 56):
        anchor = _month(i)
        assert _from_segments(con, anchor) == _raw(con, anchor), anchor
