"""metrics.load: header matching, typing, every rule, modes, batches, undo, history."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from metrics import load as loader
from metrics import store
from metrics.load import load_batch, load_dir, load_file, undo_load, validate
from metrics.load.parse import Extract, read_extract
from tests.extracts import (
    BRANCHES,
    CUSTOMERS,
    LOANS,
    csv_bytes,
    history_rows,
    query,
    seed,
    snapshot,
    write_csv,
    write_parquet,
    write_xlsx,
)

CUST_HEADERS = CUSTOMERS[0]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny bank loaded once: 2 branches, 3 customers, 3 loans (one append batch)."""
    tmp = tmp_path_factory.mktemp("seeded")
    path = tmp / "store.duckdb"
    seed(path, tmp)
    return path


@pytest.fixture()
def db(seeded: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded store for one test."""
    path = tmp_path / "store.duckdb"
    shutil.copyfile(seeded, path)
    return path


def ext(headers: list[str], rows: list[list[Any]], name: str = "x.csv") -> Extract:
    return read_extract(csv_bytes(headers, rows), name)


def load_one(db: Path, table: str, e: Extract, mode: str = "append") -> loader.LoadReport:
    return load_batch(db, [(table, e, None)], mode)[0]


# --- the happy path ------------------------------------------------------------------------


def test_seed_batch_loads_in_dependency_order(db: Path) -> None:
    # load_dir read branches, customers, loans; C002 refers to C001 and L3 renews L1, both
    # inside the same file: they are checked against the store after the load.
    assert query(db, "SELECT count(*) FROM branches") == [(2,)]
    assert query(db, "SELECT customer_id, referred_by FROM customers ORDER BY 1") == [
        ("C001", None),
        ("C002", "C001"),
        ("C003", None),
    ]
    assert query(db, "SELECT loan_id, amount FROM loans ORDER BY 1") == [
        ("L1", Decimal("1000000.00")),
        ("L2", Decimal("500000.50")),
        ("L3", Decimal("800000.00")),
    ]
    # one history row per file, ids in dependency order: branches 1, customers 2, loans 3
    assert [(r[0], r[1], r[6]) for r in history_rows(db)] == [
        (1, "branches", "loaded"),
        (2, "customers", "loaded"),
        (3, "loans", "loaded"),
    ]
    assert query(db, "SELECT DISTINCT _load_id FROM loans") == [(3,)]


NEW_CUSTOMER = ["C010", "Dyna", "B01", "AA", "2024-01-05", ""]


def _formats(tmp_path: Path) -> dict[str, Extract]:
    zh = ["客户编号", "客户名称", "机构编号", "信用评级", "建立关系日期"]
    row = ["C010", "德纳", "B01", "AA", "2024-01-05"]
    xlsx = write_xlsx(tmp_path / "c.xlsx", zh, [["C010", "德纳", "B01", "AA", dt.date(2024, 1, 5)]])
    frame = pd.DataFrame([[*row[:4], dt.date(2024, 1, 5)]], columns=pd.Index(zh))
    parquet = write_parquet(tmp_path / "c.parquet", frame)
    return {
        "utf8": read_extract(csv_bytes(zh, [row]), "c.csv"),
        "utf8-bom": read_extract(csv_bytes(zh, [row], bom=True), "c.csv"),
        "gbk": read_extract(csv_bytes(zh, [row], encoding="gbk"), "c.csv"),
        "xlsx": read_extract(xlsx.read_bytes(), "c.xlsx"),
        "parquet": read_extract(parquet.read_bytes(), "c.parquet"),
    }


@pytest.mark.parametrize("kind", ["utf8", "utf8-bom", "gbk", "xlsx", "parquet"])
def test_each_format_loads_with_chinese_headers(db: Path, tmp_path: Path, kind: str) -> None:
    rep = load_one(db, "customers", _formats(tmp_path)[kind])
    assert rep.ok, rep.render_text()
    assert rep.rows_added == 1
    assert [m.how for m in rep.header_map] == ["alias"] * 5
    assert query(
        db, "SELECT customer_name, onboard_date FROM customers WHERE customer_id='C010'"
    ) == [("德纳", dt.date(2024, 1, 5))]


@pytest.mark.parametrize(
    "text",
    ["2024-01-05", "2024/01/05", "2024/1/5", "20240105", " 2024-01-05 ", "2024-01-05 00:00:00"],
)
def test_date_forms(db: Path, text: str) -> None:
    rep = load_one(db, "customers", ext(CUST_HEADERS[:5], [["C010", "D", "B01", "A", text]]))
    assert rep.ok, rep.render_text()
    assert query(db, "SELECT onboard_date FROM customers WHERE customer_id='C010'") == [
        (dt.date(2024, 1, 5),)
    ]


def test_excel_serial_date_in_xlsx(db: Path, tmp_path: Path) -> None:
    # 45296 days after 1899-12-30 is 2024-01-05 (Excel's serial for that day).
    path = write_xlsx(tmp_path / "c.xlsx", CUST_HEADERS[:5], [["C010", "D", "B01", "A", 45296]])
    rep = load_one(db, "customers", read_extract(path.read_bytes(), "c.xlsx"))
    assert rep.ok, rep.render_text()
    assert query(db, "SELECT onboard_date FROM customers WHERE customer_id='C010'") == [
        (dt.date(2024, 1, 5),)
    ]


def test_month_forms_are_stored_as_first_day(db: Path) -> None:
    # Four rows, four spellings of March 2024 plus one of April; a date is truncated.
    e = ext(
        ["month", "branch_id", "channel", "amount"],
        [
            ["2024-03", "B01", "a", "1"],
            ["2024/3", "B01", "b", "1"],
            ["202403", "B01", "c", "1"],
            ["2024-03-17", "B01", "d", "1"],
            ["2024-04-30", "B02", "a", "1"],
        ],
    )
    rep = load_one(db, "marketing_spend", e)
    assert rep.ok, rep.render_text()
    assert query(db, "SELECT channel, month FROM marketing_spend ORDER BY month, channel") == [
        ("a", dt.date(2024, 3, 1)),
        ("b", dt.date(2024, 3, 1)),
        ("c", dt.date(2024, 3, 1)),
        ("d", dt.date(2024, 3, 1)),
        ("a", dt.date(2024, 4, 1)),
    ]


def test_timestamps_decimals_and_choices(db: Path) -> None:
    e = ext(
        ["request_id", "customer_id", "类别", "opened_at", "resolved_at"],
        [
            ["R1", "C001", "投诉", "2024-01-05 09:30", "2024/01/06 10:00:15"],
            ["R2", "C002", " Inquiry ", "2024-01-05 09:30:00", ""],
        ],
    )
    rep = load_one(db, "service_requests", e)
    assert rep.ok, rep.render_text()
    assert query(
        db, "SELECT request_id, category, opened_at, resolved_at FROM service_requests ORDER BY 1"
    ) == [
        ("R1", "complaint", dt.datetime(2024, 1, 5, 9, 30), dt.datetime(2024, 1, 6, 10, 0, 15)),
        ("R2", "inquiry", dt.datetime(2024, 1, 5, 9, 30), None),
    ]
    e = ext(
        ["customer_id", "customer_name", "branch_id", "credit_rating", "onboard_date",
         "total_assets", "company_size"],
        [
            ["C010", "D", "B01", "aa", "2024-01-05", " 1,234,567.89 ", "大型"],
            ["C011", "E", "B01", "bbb", "2024-01-05", "-0", "Micro"],
        ],
    )  # fmt: skip
    rep = load_one(db, "customers", e)
    assert rep.ok, rep.render_text()
    assert query(
        db,
        "SELECT customer_id, credit_rating, total_assets, company_size FROM customers "
        "WHERE customer_id >= 'C010' ORDER BY 1",
    ) == [
        ("C010", "AA", Decimal("1234567.89"), "large"),
        ("C011", "BBB", Decimal("0.00"), "micro"),
    ]


def test_extra_decimals_are_refused_never_rounded(db: Path) -> None:
    # amount keeps cents (scale 2): 1000.005 would round, so it is refused at row 2;
    # interest_rate keeps 4 decimals (percent): 4.3550 is exact and loads.
    headers = ["loan_id", "customer_id", "product", "amount", "disbursed_date",
               "maturity_date", "interest_rate"]  # fmt: skip
    before = snapshot(db)
    rep = load_one(
        db, "loans",
        ext(headers, [["L9", "C001", "term_loan", "1000.005", "2024-02-01", "2025-02-01", ""]]),
    )  # fmt: skip
    assert not rep.ok
    p = rep.problems[0]
    assert (p.row, p.column, p.value) == (2, "amount", "1000.005")
    assert "at most 2 decimals" in p.expected
    assert snapshot(db) == before
    rep = load_one(
        db, "loans",
        ext(headers, [["L9", "C001", "term_loan", "1000.01", "2024-02-01", "2025-02-01", "4.355"]]),
    )  # fmt: skip
    assert rep.ok, rep.render_text()
    assert query(db, "SELECT amount, interest_rate FROM loans WHERE loan_id = 'L9'") == [
        (Decimal("1000.01"), Decimal("4.3550"))
    ]


def test_text_is_stored_exactly(db: Path) -> None:
    names = ['=HYPERLINK("http://x","y")', "'; DROP TABLE x; --", "  spaced  ", "a,b\nc"]
    ids = ["007", "6222021234567890123456", "0000", "1e5"]
    rows = [[i, n, "B01", "A", "2024-01-05"] for i, n in zip(ids, names, strict=True)]
    rep = load_one(db, "customers", ext(CUST_HEADERS[:5], rows))
    assert rep.ok, rep.render_text()
    got = query(db, "SELECT customer_id, customer_name FROM customers WHERE _load_id = 4")
    assert sorted(got) == sorted(zip(ids, names, strict=True))
    assert query(db, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'x'") == [
        (0,)
    ]


# --- refusals: every rule names row and column, and the store does not change --------------

RULES = [
    # (table, headers, rows, row, column, value, expected contains)
    (
        "customers",
        [*CUST_HEADERS[:5], "total_assets"],
        [["C010", "D", "B01", "A", "2024-01-05", "12abc"]],
        2, "total_assets", "12abc", "a number",
    ),
    ("customers", CUST_HEADERS[:5], [["C010", " ", "B01", "A", "2024-01-05"]],
     2, "customer_name", None, "required"),
    ("customers", CUST_HEADERS[:5], [["C010", "D", "B01", "XYZ", "2024-01-05"]],
     2, "credit_rating", "XYZ", "one of AAA"),
    ("customers", ["客户编号", "客户名称", "机构编号", "信用评级", "建立关系日期"],
     [["C010", "D", "B01", "A", "2024-02-30"]], 2, "建立关系日期", "2024-02-30", "a date"),
    ("customers", [*CUST_HEADERS[:5], "churn_date"],
     [["C010", "D", "B01", "A", "2024-01-05", "2024-01-04"]],
     2, "churn_date", "2024-01-04",
     "a date YYYY-MM-DD (or YYYY/MM/DD, YYYYMMDD), not before onboard_date; "
     "onboard_date is 2024-01-05"),
    ("customers", CUST_HEADERS[:5], [["C010", "D", "B99", "A", "2024-01-05"]],
     2, "branch_id", "B99", "an existing branches.branch_id"),
    ("customers", CUST_HEADERS[:5], [["C001", "D", "B01", "A", "2024-01-05"]],
     2, "customer_id", "C001", "not already stored"),
    ("customers", CUST_HEADERS[:5],
     [["C010", "D", "B01", "A", "2024-01-05"], ["C010", "E", "B01", "A", "2024-01-05"]],
     3, "customer_id", "C010", "not repeated in the file (first in row 2)"),
    ("loans", LOANS[0][:6], [["L9", "C001", "t", "0", "2024-01-01", "2025-01-01"]],
     2, "amount", "0", "> 0"),
    ("loans", LOANS[0][:6], [["L9", "C001", "t", "5", "2024-01-01", "2023-12-31"]],
     2, "maturity_date", "2023-12-31", "not before disbursed_date; disbursed_date is 2024-01-01"),
    ("loans", [*LOANS[0][:6], "interest_rate"],
     [["L9", "C001", "t", "5", "2024-01-01", "2025-01-01", "36.5"]],
     2, "interest_rate", "36.5", "from 0 to 36"),
    ("loans", [*LOANS[0][:6], "renewed_from"],
     [["L9", "C001", "t", "5", "2024-01-01", "2025-01-01", "L8"]],
     2, "renewed_from", "L8", "an existing loans.loan_id"),
    ("surveys", ["response_id", "customer_id", "survey_date", "overall_score"],
     [["S1", "C001", "2024-05-01", "3.5"]], 2, "overall_score", "3.5", "a whole number"),
    ("surveys", ["response_id", "customer_id", "survey_date", "overall_score"],
     [["S1", "C001", "2024-05-01", "6"]], 2, "overall_score", "6", "from 1 to 5"),
    ("leads", ["lead_id", "branch_id", "created_date", "contacted_date", "approved_date"],
     [["D1", "B01", "2024-01-10", "", "2024-01-09"]],
     2, "approved_date", "2024-01-09", "not before the earlier stages"),
    ("service_requests", ["request_id", "customer_id", "category", "opened_at"],
     [["R1", "C001", "complaint", "2024-01-05 25:00"]], 2, "opened_at", "2024-01-05 25:00",
     "a timestamp"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "headers", "rows", "row", "column", "value", "expected"),
    RULES,
    ids=[f"{r[0]}-{r[4]}-{r[6]}" for r in RULES],
)
def test_each_rule_refuses_with_row_and_column(
    db: Path,
    table: str,
    headers: list[str],
    rows: list[list[str]],
    row: int,
    column: str,
    value: str | None,
    expected: str,
) -> None:
    before, hist_before = snapshot(db), history_rows(db)
    rep = load_one(db, table, ext(headers, rows, f"{table}.csv"))
    assert not rep.ok
    assert rep.total_problems == 1, rep.render_text()
    assert rep.rows_refused == 1
    p = rep.problems[0]
    assert (p.row, p.column, p.value) == (row, column, value)
    assert expected in p.expected
    assert snapshot(db) == before
    hist = history_rows(db)
    assert hist[:-1] == hist_before
    assert hist[-1][1:] == (table, f"{table}.csv", "append", len(rows), 1, "refused", False)


def test_problem_deep_in_a_big_file(db: Path) -> None:
    # 5,000 data rows are spreadsheet rows 2..5001; data index 3998 is row 4,000.
    rows = [[f"C{i:05d}", "N", "B01", "A", "2024-01-05"] for i in range(5000)]
    rows[3998][3] = "ZZZ"
    before = snapshot(db)
    rep = validate(db, "customers", ext(CUST_HEADERS[:5], rows))
    assert (rep.rows_in, rep.total_problems, rep.rows_refused) == (5000, 1, 1)
    assert (rep.problems[0].row, rep.problems[0].column) == (4000, "credit_rating")
    rep = load_one(db, "customers", ext(CUST_HEADERS[:5], rows))
    assert not rep.ok and rep.problems[0].row == 4000
    assert snapshot(db) == before


def test_problems_past_one_duckdb_row_group_are_all_seen(tmp_path: Path) -> None:
    # 122,881 rows is one more than a DuckDB row group. Appending the same branches twice:
    # the second time every one of the 122,881 keys is already stored, so 122,881 problems.
    # (DuckDB 2.0 hides a large INSERT that follows a zero-row INSERT in one transaction;
    # the loader must not collect problems that way.)
    db = tmp_path / "s.duckdb"
    n = 122_881
    data = b"branch_id,branch_name\n" + b"".join(b"B%06d,x\n" % i for i in range(n))
    first = load_one(db, "branches", read_extract(data, "branches.csv"))
    assert first.ok and first.rows_added == n
    again = load_one(db, "branches", read_extract(data, "branches.csv"))
    assert (again.ok, again.total_problems, again.rows_refused) == (False, n, n)
    assert query(db, "SELECT count(*) FROM branches") == [(n,)]


def test_report_keeps_first_20_problems_ordered_by_row(db: Path) -> None:
    # 30 rows, each with a bad rating and a bad date: 60 problems in 30 rows;
    # the first 20 kept are rows 2..11, rating before date (header order) in each row.
    rows = [[f"X{i:03d}", "N", "B01", "Q", "x"] for i in range(30)]
    rep = load_one(db, "customers", ext(CUST_HEADERS[:5], rows))
    assert (rep.total_problems, rep.rows_refused) == (60, 30)
    assert [(p.row, p.column) for p in rep.problems][:4] == [
        (2, "credit_rating"),
        (2, "onboard_date"),
        (3, "credit_rating"),
        (3, "onboard_date"),
    ]
    assert len(rep.problems) == 20 and rep.problems[-1].row == 11
    text = rep.render_text()
    assert "showing the first 20 of 60 problems" in text
    frame = rep.problems_frame()
    assert list(frame.columns) == ["row", "column", "value", "expected"]
    assert len(frame) == 20


def test_missing_required_column_is_one_line(db: Path) -> None:
    before = snapshot(db)
    rep = load_one(db, "customers", ext(["customer_id", "customer_name"], [["C010", "D"]]))
    assert not rep.ok
    # required and absent: branch_id, credit_rating, onboard_date
    assert rep.message == (
        "missing required column(s): branch_id (机构编号), credit_rating (信用评级), "
        "onboard_date (建立关系日期)"
    )
    assert snapshot(db) == before


def test_column_named_twice_is_refused(db: Path) -> None:
    headers = [*CUST_HEADERS[:5], "客户名称"]  # canonical customer_name and its alias
    rep = load_one(db, "customers", ext(headers, [["C010", "D", "B01", "A", "2024-01-05", "E"]]))
    assert not rep.ok
    assert "named twice" in rep.message
    assert rep.problems[0].row == 1 and rep.problems[0].column == "客户名称"


def test_unknown_column_is_a_warning_and_load_goes_on(db: Path) -> None:
    headers = [*CUST_HEADERS[:5], "Favourite colour"]
    rep = load_one(db, "customers", ext(headers, [["C010", "D", "B01", "A", "2024-01-05", "red"]]))
    assert rep.ok
    assert rep.warnings == ["column 'Favourite colour' is not part of customers; it was not stored"]
    assert rep.header_map[-1] == ("Favourite colour", None, "unknown")


def test_header_matching_ignores_case_spaces_underscores_and_takes_manual_mapping(
    db: Path,
) -> None:
    headers = ["Customer ID", " CUSTOMER_NAME ", "branchid", "评级", "since"]
    e = ext(headers, [["C010", "D", "B01", "A", "2024-01-05"]])
    rep = load_batch(
        db, [("customers", e, {"评级": "credit_rating", "since": "onboard_date"})], "append"
    )[0]
    assert rep.ok, rep.render_text()
    assert [m.how for m in rep.header_map] == [
        "canonical",
        "canonical",
        "canonical",
        "manual",
        "manual",
    ]


@pytest.mark.parametrize("data", [b"customer_id,customer_name\r\n", b"customer_id\r\n\r\n\r\n"])
def test_file_without_data_rows_is_refused(db: Path, data: bytes) -> None:
    before = snapshot(db)
    rep = load_one(db, "customers", read_extract(data, "c.csv"))
    assert not rep.ok and "no data rows" in rep.message
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a text"), (b"", "is empty")],
)
def test_unreadable_file_is_a_refused_load(
    db: Path, tmp_path: Path, data: bytes, message: str
) -> None:
    png = tmp_path / "customers.csv"
    png.write_bytes(data)
    before = snapshot(db)
    rep = load_file(db, "customers", png)
    assert not rep.ok and message in rep.message
    assert snapshot(db) == before
    assert history_rows(db)[-1][1:] == (
        "customers",
        "customers.csv",
        "append",
        0,
        0,
        "refused",
        False,
    )


# --- modes ---------------------------------------------------------------------------------


def test_upsert_replaces_stored_keys_and_adds_new(db: Path) -> None:
    rows = [["C001", "Acme Renamed", "B02", "AAA", "2024-01-05"], NEW_CUSTOMER[:5]]
    rep = load_one(db, "customers", ext(CUST_HEADERS[:5], rows), "upsert")
    assert rep.ok, rep.render_text()
    assert (rep.rows_added, rep.rows_replaced) == (2, 1)
    assert query(db, "SELECT customer_id, customer_name, branch_id FROM customers ORDER BY 1") == [
        ("C001", "Acme Renamed", "B02"),
        ("C002", "Bolt", "B02"),
        ("C003", "Crane", "B01"),
        ("C010", "Dyna", "B01"),
    ]


def test_replace_swaps_the_whole_table(db: Path) -> None:
    # Replacing branches with B01 and B02 again (new names) keeps every customer's link.
    rep = load_one(
        db, "branches", ext(["branch_id", "branch_name"], [["B01", "HQ"], ["B02", "N"]]), "replace"
    )
    assert rep.ok, rep.render_text()
    assert (rep.rows_added, rep.rows_replaced) == (2, 2)
    assert query(db, "SELECT branch_id, branch_name, region FROM branches ORDER BY 1") == [
        ("B01", "HQ", None),
        ("B02", "N", None),
    ]


def test_replace_that_would_orphan_stored_rows_is_refused(db: Path) -> None:
    # customers C001 and C002 hold the loans; a customers file with only C003 would orphan them.
    before = snapshot(db)
    rows = [["C003", "Crane", "B01", "A", "2024-03-15"]]
    rep = load_one(db, "customers", ext(CUST_HEADERS[:5], rows), "replace")
    assert not rep.ok
    assert "replace would leave 3 stored loans row(s)" in rep.message
    assert snapshot(db) == before


def test_replace_batch_of_parent_and_children_is_fine(db: Path) -> None:
    cust = ext(CUST_HEADERS[:5], [["C100", "New", "B01", "A", "2024-01-01"]], "customers.csv")
    loans = ext(LOANS[0][:6], [["L100", "C100", "t", "5", "2024-01-01", "2025-01-01"]], "loans.csv")
    reps = load_batch(db, [("loans", loans, None), ("customers", cust, None)], "replace")
    assert all(r.ok for r in reps), [r.render_text() for r in reps]
    assert query(db, "SELECT loan_id, customer_id FROM loans") == [("L100", "C100")]


def test_load_dir_refuses_whole_batch_when_one_file_is_bad(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    d = tmp_path / "batch"
    d.mkdir()
    write_csv(d / "branches.csv", *BRANCHES)
    write_csv(d / "customers.csv", *CUSTOMERS)
    bad_loans = [r[:] for r in LOANS[1]]
    bad_loans[2][3] = "-5"  # row 4: amount must be > 0
    write_csv(d / "loans.csv", LOANS[0], bad_loans)
    reps = load_dir(db, d, "append")
    assert [r.ok for r in reps] == [False, False, False]
    assert [(p.row, p.column) for p in reps[2].problems] == [(4, "amount")]
    assert "loans.csv was refused" in reps[0].message
    assert all(not rows for rows in snapshot(db).values())
    assert [h[6] for h in history_rows(db)] == ["refused"] * 3


# --- dry run, preview, recognise --------------------------------------------------------------


def test_validate_writes_nothing(db: Path) -> None:
    mtime, hist = db.stat().st_mtime_ns, history_rows(db)
    rep = validate(db, "customers", ext(CUST_HEADERS[:5], [NEW_CUSTOMER[:5]]), "append")
    assert rep.ok and rep.load_id is None
    assert db.stat().st_mtime_ns == mtime and history_rows(db) == hist


def test_validate_without_a_store(tmp_path: Path) -> None:
    rep = validate(tmp_path / "none.duckdb", "branches", ext(*BRANCHES))
    assert rep.ok
    rep = validate(tmp_path / "none.duckdb", "customers", ext(*CUSTOMERS))
    assert {p.column for p in rep.problems} == {"branch_id"}  # no branch exists
    assert not (tmp_path / "none.duckdb").exists()


def test_preview_types_the_first_rows() -> None:
    e = ext([*CUST_HEADERS[:5], "total_assets"], [["007", "D", "B01", "aa", "2024/1/5", "1,000"]])
    frame = loader.preview(e, "customers", n=5)
    # contract order: total_assets comes before onboard_date
    assert list(frame.columns) == ["row", *CUST_HEADERS[:4], "total_assets", "onboard_date"]
    first = frame.iloc[0]
    assert (first["row"], first["customer_id"], first["credit_rating"]) == (2, "007", "AA")
    assert pd.Timestamp(first["onboard_date"]) == pd.Timestamp("2024-01-05")
    assert float(first["total_assets"]) == 1000.0


@pytest.mark.parametrize(
    ("headers", "table"),
    [
        (BRANCHES[0], "branches"),
        (CUSTOMERS[0], "customers"),
        (["借据编号", "客户编号", "产品", "放款金额", "放款日期", "到期日期"], "loans"),
        (["统计月份", "借据编号", "贷款余额", "五级分类"], "loan_balances"),
        (["month", "branch_id", "channel", "amount"], "marketing_spend"),
        (["month", "customer_id", "product_category", "revenue"], "revenue"),
        (["nothing", "known"], None),
    ],
)
def test_recognise_table(headers: list[str], table: str | None) -> None:
    assert loader.recognise_table(headers) == table


def test_load_frames_for_the_demo(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    frames = {
        "customers": pd.DataFrame(
            {
                "customer_id": ["C1"],
                "customer_name": ["A"],
                "branch_id": ["B1"],
                "credit_rating": ["AA"],
                "onboard_date": pd.to_datetime(["2024-01-05"]),
                "total_assets": [1000.0],
            }
        ),
        "branches": pd.DataFrame({"branch_id": ["B1"], "branch_name": ["HQ"]}),
    }
    reps = loader.load_frames(db, frames)
    assert [r.table for r in reps] == ["customers", "branches"]
    assert query(db, "SELECT onboard_date, total_assets FROM customers") == [
        (dt.date(2024, 1, 5), Decimal("1000.00"))
    ]
    assert query(db, "SELECT loaded_by FROM load_history") == [("demo",), ("demo",)]
    frames["branches"] = pd.DataFrame({"branch_id": ["B9"], "branch_name": ["X"]})
    with pytest.raises(loader.LoadRefusedError, match=r"branches\.branch_id"):
        loader.load_frames(db, frames)


# --- undo ------------------------------------------------------------------------------------


def _full(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Data tables only (undo tables legitimately differ after an undo)."""
    return {k: v for k, v in snapshot(db).items() if not k.startswith("_undo_")}


@pytest.mark.parametrize("mode", ["append", "upsert", "replace"])
def test_undo_restores_exactly(db: Path, mode: str) -> None:
    before = _full(db)
    rows = [["L1", "C003", "trade_finance", "7", "2024-01-01", "2024-06-01"]]
    if mode == "append":
        rows = [["L9", "C003", "trade_finance", "7", "2024-01-01", "2024-06-01"]]
    if mode == "replace":
        rows += [
            ["L2", "C002", "x", "1", "2024-01-01", "2024-06-01"],
            ["L3", "C001", "x", "1", "2024-01-01", "2024-06-01"],
        ]
    rep = load_one(db, "loans", ext(LOANS[0][:6], rows), mode)
    assert rep.ok, rep.render_text()
    assert _full(db) != before
    message = undo_load(db, rep.load_id or 0)
    assert message.startswith(f"Undid load {rep.load_id} of loans")
    assert _full(db) == before  # same rows, same _load_id values
    assert history_rows(db)[-1][7] is True


def test_undo_refused_when_a_later_load_exists_or_a_link_would_break(db: Path) -> None:
    rep1 = load_one(db, "customers", ext(CUST_HEADERS[:5], [NEW_CUSTOMER[:5]]))
    rep2 = load_one(
        db, "loans", ext(LOANS[0][:6], [["L9", "C010", "t", "5", "2024-01-01", "2025-01-01"]])
    )
    assert rep1.ok and rep2.ok
    before = snapshot(db)
    # L9 points at C010: undoing the customers load would orphan it.
    with pytest.raises(loader.UndoError, match="1 loans row"):
        undo_load(db, rep1.load_id or 0)
    # Load 3 (the seed's loans) came before load rep2 of the same table.
    with pytest.raises(loader.UndoError, match=f"load {rep2.load_id} of loans came after"):
        undo_load(db, 3)
    with pytest.raises(loader.UndoError, match="no load 999"):
        undo_load(db, 999)
    assert snapshot(db) == before
    undo_load(db, rep2.load_id or 0)
    with pytest.raises(loader.UndoError, match="already undone"):
        undo_load(db, rep2.load_id or 0)
    undo_load(db, rep1.load_id or 0)  # now nothing points at C010
    assert query(db, "SELECT count(*) FROM customers WHERE customer_id = 'C010'") == [(0,)]


def test_history_lists_loads_newest_first(db: Path) -> None:
    con = store.connect_reader(db)
    try:
        frame = loader.history(con)
    finally:
        con.close()
    assert list(frame["load_id"]) == [3, 2, 1]
    assert list(frame["rows_in"]) == [3, 3, 2]
    assert frame["checksum"].str.len().tolist() == [64, 64, 64]


def test_undo_keeps_the_latest_loads_of_a_table_only(db: Path) -> None:
    # UNDO_KEEP + 1 upserts of one customer: the first one's before-image is pruned,
    # so it can no longer be undone, while the latest can.
    reports = [
        load_one(db, "customers", ext(CUST_HEADERS[:5], [["C001", f"Acme {i}", "B01", "AA",
                                                         "2024-01-05"]]), "upsert")
        for i in range(loader.UNDO_KEEP + 1)
    ]  # fmt: skip
    assert all(r.ok for r in reports)
    first, last = reports[0].load_id or 0, reports[-1].load_id or 0
    assert query(db, "SELECT count(*) FROM _undo_customers") == [(loader.UNDO_KEEP,)]
    undo_load(db, last)
    assert query(db, "SELECT customer_name FROM customers WHERE customer_id = 'C001'") == [
        (f"Acme {loader.UNDO_KEEP - 1}",)
    ]
    for r in reversed(reports[1:-1]):
        undo_load(db, r.load_id or 0)
    with pytest.raises(loader.UndoError, match="no longer kept"):
        undo_load(db, first)
