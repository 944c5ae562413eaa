"""The demo's typed frames (`load_frames`, `Extract.from_frame(native=True)`) and the key
checks of a composite key: the same rules as a file's text, counted by hand.

A native frame is staged from its values instead of their text; every rule a value can
break still applies. Each case is checked both ways: through the text a Parquet file of
the same frame would give, and natively; both must give exactly the hand-counted problems.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from metrics import load as loader
from metrics import store
from metrics.contract import TABLES
from metrics.load.checks import stored_case_variants, validate_staged
from metrics.load.parse import Extract
from metrics.load.write import BatchItem, _stage_batch, check_key_case
from tests.extracts import csv_bytes, query

Problems = list[tuple[int, str, str]]


def _problems(frames: dict[str, pd.DataFrame], native: bool) -> dict[str, Problems]:
    """(row, code, field) of every problem per table, validating the frames as a replace."""
    con = store.connect(":memory:", read_only=False)
    try:
        store.create_schema(con)
        items: list[BatchItem] = [
            (t, Extract.from_frame(df, f"t:{t}", native=native), None) for t, df in frames.items()
        ]
        staged = _stage_batch(items, "replace")
        validate_staged(con, staged, "replace")
        return {
            s.table.name: [
                (int(r), str(c), str(f))
                for r, c, f in con.execute(
                    f"SELECT row, code, field FROM {s.problems} ORDER BY row, code"
                ).fetchall()
            ]
            for s in staged
        }
    finally:
        con.close()


def _ts(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), format="mixed"))


BRANCH_FRAME = pd.DataFrame({"branch_id": ["B1", "B2"], "branch_name": ["HQ", "North"]})
# One broken rule per row from row 3 on (row 2 is the header's first data row and is valid):
CUSTOMER_FRAME = pd.DataFrame(
    {
        "customer_id": ["C1", "C2", "C3", "C4", "C5", "C1", "c1", "C8", "C9 ", "C10"],
        "customer_name": ["a", "b", "c", "d", "e", "f", "g", "h", "i", None],
        "branch_id": ["B1", "B9", "B1", "B1", "B1", "B1", "B1", "B1", "B1", "B1"],
        "credit_rating": ["AA", "A", "ZZ", "A", "A", "A", "A", "BBB", "A", "A"],
        "total_assets": [1000.5, 1.0, 2.0, 1.005, 3.0, 4.0, 5.0, 6.0, np.nan, 7.0],
        "onboard_date": _ts(
            "2024-01-05",
            "2024-01-05",
            "2024-01-05",
            "2024-01-05",
            "2024-01-05 10:00",
            "2024-01-05",
            "2024-01-05",
            "2024-01-05",
            "2024-01-05",
            "2024-01-05",
        ),
        "churn_date": _ts(None, None, None, None, None, None, None, "2023-01-01", None, None),
    }
)
EXPECTED: Problems = [
    (3, "no_parent", "branch_id"),  # B9 is not a branch
    (4, "invalid", "credit_rating"),  # ZZ is not a rating
    (5, "invalid", "total_assets"),  # 1.005 has 3 decimals: refused, never rounded
    (6, "invalid", "onboard_date"),  # 10:00 on the day: a timestamp, not a date
    (7, "key_repeated", "customer_id"),  # C1 again, first in row 2
    (8, "key_case_file", "customer_id"),  # c1 differs from row 2's C1 by case only
    (9, "before_other", "churn_date"),  # churned 2023-01-01, before onboarding 2024-01-05
    (10, "id_unclean", "customer_id"),  # 'C9 ' ends with a space
    (11, "required", "customer_name"),  # no name
]


@pytest.mark.parametrize("native", [False, True])
def test_a_frame_breaking_one_rule_per_row_gets_the_hand_counted_problems(native: bool) -> None:
    found = _problems({"branches": BRANCH_FRAME, "customers": CUSTOMER_FRAME}, native)
    assert found["branches"] == []
    assert found["customers"] == EXPECTED  # 9 problems in rows 3..11, one each


def test_a_native_frame_shows_a_typed_value_as_the_text_a_parquet_file_would_hold(
    tmp_path: Path,
) -> None:
    frames = {"branches": BRANCH_FRAME, "customers": CUSTOMER_FRAME}
    shown = {}
    for native in (False, True):
        items: list[BatchItem] = [
            (t, Extract.from_frame(df, f"t:{t}", native=native), None) for t, df in frames.items()
        ]
        rep = loader.validate_batch(tmp_path / "no-store.duckdb", items, "replace")[1]
        shown[native] = [(p.row, p.value, p.expected) for p in rep.problems]
    assert shown[True] == shown[False]
    by_row = {row: (value, expected) for row, value, expected in shown[True]}
    assert by_row[5][0] == "1.005"
    assert by_row[6][0] == "2024-01-05 10:00:00"  # whole seconds, as a file's text
    # the midnight timestamps as dates: churned 2023-01-01, onboarded 2024-01-05
    assert by_row[9][0] == "2023-01-01" and by_row[9][1].endswith("onboard_date is 2024-01-05")


def test_load_frames_stores_exactly_what_the_text_of_the_same_frames_would(tmp_path: Path) -> None:
    frames = {
        "branches": BRANCH_FRAME,
        "customers": CUSTOMER_FRAME.iloc[[0]].reset_index(drop=True),
        "loans": pd.DataFrame(
            {
                "loan_id": ["L1", "L2"],
                "customer_id": ["C1", "C1"],
                "product": ["term_loan", "term_loan"],
                "amount": [1e6, 250000.25],
                "disbursed_date": _ts("2024-02-01", "2024-03-01"),
                "maturity_date": _ts("2025-02-01", "2025-03-01"),
                "interest_rate": [4.35, np.nan],
            }
        ),
        "revenue": pd.DataFrame(
            {
                "month": _ts("2024-03-15", "2024-04-01"),  # a date in the month is the month
                "customer_id": ["C1", "C1"],
                "product_category": ["fee", "fee"],
                "revenue": [-12.5, 3.0],
            }
        ),
        "service_requests": pd.DataFrame(
            {
                "request_id": ["R1"],
                "customer_id": ["C1"],
                "category": ["投诉"],  # the Chinese spelling of complaint
                "opened_at": _ts("2024-01-01 10:00:00.7"),  # whole seconds are stored
            }
        ),
    }
    native, text = tmp_path / "native.duckdb", tmp_path / "text.duckdb"
    loader.load_frames(native, frames)
    items: list[BatchItem] = [
        (t, Extract.from_frame(df, f"demo:{t}"), None) for t, df in frames.items()
    ]
    assert all(r.ok for r in loader.load_batch(text, items, "replace", alerts=False))
    for table in frames:
        sql = f"SELECT * EXCLUDE (_load_id) FROM {table} ORDER BY ALL"
        assert query(native, sql) == query(text, sql), table
    assert query(native, "SELECT amount, interest_rate FROM loans ORDER BY loan_id") == [
        (Decimal("1000000.00"), Decimal("4.3500")),
        (Decimal("250000.25"), None),
    ]
    assert query(native, "SELECT month, revenue FROM revenue ORDER BY month") == [
        (dt.date(2024, 3, 1), Decimal("-12.50")),
        (dt.date(2024, 4, 1), Decimal("3.00")),
    ]
    assert query(native, "SELECT category, opened_at FROM service_requests") == [
        ("complaint", dt.datetime(2024, 1, 1, 10, 0, 0))
    ]


# --- a composite key (revenue: month + customer_id + product_category) ----------------------

REVENUE_HEADERS = ["month", "customer_id", "product_category", "revenue"]


def _revenue_store(tmp_path: Path) -> Path:
    """A store of branch B1, customer C1 and one revenue row: 2024-01 / C1 / fee."""
    db = tmp_path / "store.duckdb"
    customers = ["customer_id", "customer_name", "branch_id", "credit_rating", "onboard_date"]
    base = [
        ("branches", ["branch_id", "branch_name"], [["B1", "HQ"]]),
        ("customers", customers, [["C1", "a", "B1", "A", "2020-01-01"]]),
        ("revenue", REVENUE_HEADERS, [["2024-01", "C1", "fee", "1"]]),
    ]
    items: list[BatchItem] = [
        (t, loader.read_extract(csv_bytes(h, r), f"{t}.csv"), None) for t, h, r in base
    ]
    assert all(r.ok for r in loader.load_batch(db, items, "replace", alerts=False))
    return db


def test_composite_key_checks_against_the_file_and_the_store(tmp_path: Path) -> None:
    db = _revenue_store(tmp_path)
    rows = [
        ["2024-01", "C1", "fee", "5"],  # row 2: the stored key again
        ["2024-01", "C1", "FEE", "5"],  # row 3: stored fee and row 2's fee differ by case
        ["2024-02", "C1", "fee", "5"],  # row 4: new, valid
        ["2024-02", "C1", "fee", "6"],  # row 5: row 4's key again
        ["2024-02", "C1", "Fee", "7"],  # row 6: row 4's key but for case
        ["2024-03", "C1", "loan", "8"],  # row 7: new, valid
    ]
    rep = loader.validate(db, "revenue", loader.read_extract(csv_bytes(REVENUE_HEADERS, rows), "r"))
    found = sorted((p.row, p.code) for p in rep.problems)
    assert found == [
        (2, "key_stored"),
        (3, "key_case_file"),
        (3, "key_case_stored"),
        (5, "key_repeated"),
        (6, "key_case_file"),
    ]
    assert rep.rows_refused == 4  # rows 2, 3, 5 and 6; rows 4 and 7 are fine
    text = {(p.row, p.code): p.expected for p in rep.problems}
    assert text[(5, "key_repeated")].endswith("(first in row 4)")
    assert text[(6, "key_case_file")].endswith("(2024-02 / C1 / fee in row 4)")
    assert text[(3, "key_case_stored")].endswith("(stored: 2024-01-01 / C1 / fee)")


def test_the_typed_frames_of_a_duckdb_query_load_natively(tmp_path: Path) -> None:
    # int64 scores and microsecond timestamps, as a DuckDB query hands them over
    con = duckdb.connect()
    surveys = con.execute(
        "SELECT 'S' || i AS response_id, 'C1' AS customer_id, "
        "DATE '2024-05-01' + CAST(i AS INTEGER) AS survey_date, i AS overall_score "
        "FROM range(1, 7) t(i)"
    ).df()
    con.close()
    frames = {
        "branches": BRANCH_FRAME,
        "customers": CUSTOMER_FRAME.iloc[[0]].reset_index(drop=True),
        "surveys": surveys,
    }
    # scores 1..6: 6 is outside 1..5, the one problem (row 7, the sixth data row)
    found = _problems(frames, native=True)
    assert found["surveys"] == [(7, "invalid", "overall_score")]
    assert _problems(frames, native=False)["surveys"] == found["surveys"]


def test_case_variants_checked_once_after_the_last_load_find_what_each_load_would(
    tmp_path: Path,
) -> None:
    db = _revenue_store(tmp_path)
    rows = [
        ["2024-01", "C1", "FEE", "5"],  # row 2: the stored 2024-01 / C1 / fee but for case
        ["2024-02", "C1", "fee", "5"],  # row 3: new, valid
    ]

    def second() -> list[BatchItem]:
        return [("revenue", loader.read_extract(csv_bytes(REVENUE_HEADERS, rows), "r"), None)]

    # Checked at the load (the default): row 2 is refused as a case variant of a stored key.
    rep = loader.validate_batch(db, second(), "append")[0]
    assert [(p.row, p.code) for p in rep.problems] == [(2, "key_case_stored")]
    # Left for later: the load goes in (every other rule passed) ...
    later = loader.load_batch(db, second(), "append", alerts=False, case_checked_later=True)
    assert later[0].ok and later[0].rows_added == 2
    # ... and the check over every stored row finds the one group: fee and FEE of 2024-01.
    con = store.connect_reader(db)
    try:
        found = stored_case_variants(con, TABLES["revenue"])
        assert stored_case_variants(con, TABLES["customers"]) == (0, [])
    finally:
        con.close()
    assert found == (1, ["2024-01-01 / C1 / FEE = 2024-01-01 / C1 / fee"])
    with pytest.raises(loader.LoadRefusedError, match="revenue: 1 group"):
        check_key_case(db, ["customers", "revenue"])
    check_key_case(db, ["customers"])  # no case variants there: nothing raised
