"""Test helpers: write small extract files in every format, and snapshot a store's tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from metrics import store
from metrics.contract import TABLE_ORDER

Rows = Sequence[Sequence[Any]]

# A tiny valid bank, small enough to check by hand.
BRANCHES: tuple[list[str], list[list[Any]]] = (
    ["branch_id", "branch_name", "region"],
    [["B01", "Head office", "East"], ["B02", "North branch", ""]],
)
CUSTOMERS: tuple[list[str], list[list[Any]]] = (
    ["customer_id", "customer_name", "branch_id", "credit_rating", "onboard_date", "referred_by"],
    [
        ["C001", "Acme", "B01", "AA", "2024-01-05", ""],
        ["C002", "Bolt", "B02", "BBB", "2024-02-10", "C001"],
        ["C003", "Crane", "B01", "A", "2024-03-15", ""],
    ],
)
LOANS: tuple[list[str], list[list[Any]]] = (
    [
        "loan_id",
        "customer_id",
        "product",
        "amount",
        "disbursed_date",
        "maturity_date",
        "renewed_from",
    ],
    [
        ["L1", "C001", "term_loan", "1000000", "2024-02-01", "2025-02-01", ""],
        ["L2", "C002", "working_capital", "500000.50", "2024-03-01", "2024-09-01", ""],
        ["L3", "C001", "term_loan", "800000", "2025-02-01", "2026-02-01", "L1"],
    ],
)


def csv_bytes(
    headers: Sequence[str], rows: Rows, encoding: str = "utf-8", bom: bool = False
) -> bytes:
    """A CSV file's bytes in the given encoding (utf-8, gbk, gb18030), with a BOM if asked."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([["" if v is None else v for v in r] for r in rows])
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def write_csv(
    path: Path, headers: Sequence[str], rows: Rows, encoding: str = "utf-8", bom: bool = False
) -> Path:
    """Write a CSV extract and return its path."""
    path.write_bytes(csv_bytes(headers, rows, encoding, bom))
    return path


def write_xlsx(
    path: Path,
    headers: Sequence[str],
    rows: Rows,
    sheet: str = "Sheet1",
    other_sheets: dict[str, tuple[Sequence[str], Rows]] | None = None,
) -> Path:
    """Write an xlsx workbook with openpyxl: dates and numbers as real typed cells."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    _fill(ws, headers, rows)
    for name, (h, r) in (other_sheets or {}).items():
        _fill(wb.create_sheet(name), h, r)
    wb.save(path)
    return path


def _fill(ws: Any, headers: Sequence[str], rows: Rows) -> None:
    ws.append(list(headers))
    for r in rows:
        ws.append([None if v == "" else v for v in r])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
            elif isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"


def write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    """Write a typed DataFrame as Parquet."""
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every data and undo table's rows, sorted: what must not change when a load is refused."""
    if not db.exists():
        return {}
    con = store.connect_reader(db)
    try:
        out: dict[str, list[tuple[Any, ...]]] = {}
        for name in TABLE_ORDER:
            for t in (name, f"_undo_{name}"):
                rows = con.execute(f"SELECT * FROM {t}").fetchall()
                out[t] = sorted(rows, key=repr)
        return out
    finally:
        con.close()


def history_rows(db: Path) -> list[tuple[Any, ...]]:
    """load_history as (load_id, table, file, mode, rows_in, rows_refused, outcome, undone)."""
    con = store.connect_reader(db)
    try:
        return con.execute(
            "SELECT load_id, table_name, file_name, mode, rows_in, rows_refused, outcome, "
            "undone_at IS NOT NULL FROM load_history ORDER BY load_id"
        ).fetchall()
    finally:
        con.close()


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Run one read-only query on the store."""
    con = store.connect_reader(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def seed(db: Path, tmp: Path) -> None:
    """Load the tiny bank (branches, customers, loans) as one append batch."""
    from metrics.load import load_dir

    d = tmp / "seed"
    d.mkdir(exist_ok=True)
    write_csv(d / "branches.csv", *BRANCHES)
    write_csv(d / "customers.csv", *CUSTOMERS)
    write_csv(d / "loans.csv", *LOANS)
    reports = load_dir(db, d, "append")
    assert all(r.ok for r in reports), [r.render_text() for r in reports]
