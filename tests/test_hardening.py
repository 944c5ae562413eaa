"""Bad input never loses, garbles or runs (issue 9): one case per red-team finding and rule.

Every refusal goes through the real CLI (`metrics.cli.main`): exit status 1, the
message naming row, column, value and what was expected, every data and undo
table unchanged, and one more load_history row, refused.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from metrics import load as loader
from metrics import store
from metrics.cli import main
from metrics.load import CLEAN_ID
from tests.extracts import csv_bytes, history_rows, query, seed, snapshot

REPO = Path(__file__).resolve().parent.parent
SURVEY_HEADERS = ["response_id", "customer_id", "survey_date", "overall_score", "comment"]
CUST5 = ["customer_id", "customer_name", "branch_id", "credit_rating", "onboard_date"]
LOAN7 = [
    "loan_id",
    "customer_id",
    "product",
    "amount",
    "disbursed_date",
    "maturity_date",
    "interest_rate",
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny bank: B01, B02; C001-C003; L1-L3 (loads 1-3, one append batch)."""
    tmp = tmp_path_factory.mktemp("hardening")
    path = tmp / "store.duckdb"
    seed(path, tmp)
    return path


@pytest.fixture()
def db(seeded: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copyfile(seeded, path)
    return path


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def refused(
    db: Path, capsys: pytest.CaptureFixture[str], table: str, path: Path, *extra: str
) -> str:
    """CLI load: exit 1, every data and undo table unchanged, one more history row, refused."""
    before, hist = snapshot(db), history_rows(db)
    code, _, err = cli(capsys, "load", table, str(path), "--db", str(db), *extra)
    assert code == 1, err
    assert snapshot(db) == before
    after = history_rows(db)
    assert len(after) == len(hist) + 1 and after[-1][6] == "refused", after
    assert "Traceback" not in err
    return err


def surveys(rows: list[list[Any]]) -> bytes:
    return csv_bytes(SURVEY_HEADERS, rows)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- 1. a quote that never closes, or opens mid-field ----------------------------------------


def test_unclosed_quote_is_refused_at_its_row_not_swallowing_the_rest(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Rows 2-4 fine, row 5's comment opens a quote, rows 6-10 follow: 9 data rows in all.
    lines = ["response_id,customer_id,survey_date,overall_score,comment"]
    lines += [f"S{i},C001,2024-05-0{i},4,ok" for i in range(1, 4)]
    lines += ['S4,C001,2024-05-04,4,"it starts a quote']
    lines += [f"S{i},C002,2024-05-0{i},5,fine" for i in range(5, 10)]
    path = write(tmp_path / "surveys.csv", "\r\n".join(lines).encode() + b"\r\n")
    err = refused(db, capsys, "surveys", path)
    assert "row 5, column 'comment': a quote opens here and never closes" in err
    assert query(db, "SELECT count(*) FROM surveys") == [(0,)]


def test_quote_inside_an_unquoted_value_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = b'%s\nS1,C001,2024-05-01,4,a 5" pipe\n' % ",".join(SURVEY_HEADERS).encode()
    err = refused(db, capsys, "surveys", write(tmp_path / "s.csv", body))
    assert "row 2, column 'comment': a quote opens inside a value" in err


def test_text_after_a_closing_quote_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = b'response_id,customer_id,survey_date,overall_score,comment\nS1,"C001"x,2024-05-01,4,\n'
    err = refused(db, capsys, "surveys", write(tmp_path / "s.csv", body))
    assert "row 2, column 'customer_id': text follows a closing quote" in err


def test_a_quoted_line_break_is_one_value(db: Path, tmp_path: Path) -> None:
    # A closed quote spanning lines is RFC 4180: row 2 holds "two\nlines", row 3 is S2.
    body = (
        b"response_id,customer_id,survey_date,overall_score,comment\r\n"
        b'S1,C001,2024-05-01,4,"two\r\nlines"\r\nS2,C002,2024-05-02,5,x\r\n'
    )
    rep = loader.load_file(db, "surveys", write(tmp_path / "s.csv", body))
    assert rep.ok, rep.render_text()
    assert query(db, "SELECT response_id, comment FROM surveys ORDER BY 1") == [
        ("S1", "two\r\nlines"),
        ("S2", "x"),
    ]


# --- 2. encodings with certainty ------------------------------------------------------------


def test_utf8_file_with_one_latin1_byte_is_refused_not_read_as_gb18030(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = (
        "customer_id,customer_name,branch_id,credit_rating,onboard_date\n"
        "C010,上海建工集团,B01,A,2024-01-05\n".encode()
        + b"C011,Cr\xe9dit Agricole,B01,A,2024-01-05\n"
    )
    err = refused(db, capsys, "customers", write(tmp_path / "c.csv", data))
    assert "mixes encodings: it reads as UTF-8 except at line 3 (byte 0xE9)" in err


def test_cp1252_is_refused_unless_named(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = csv_bytes(CUST5, [["C010", "Müller", "B01", "A", "2024-01-05"]], encoding="cp1252")
    path = write(tmp_path / "c.csv", data)
    err = refused(db, capsys, "customers", path)
    assert "is not UTF-8 (at line 2 (byte 0xFC)) and does not read as GBK Chinese text" in err
    code, _, err = cli(
        capsys, "load", "customers", str(path), "--db", str(db), "--encoding", "cp1252"
    )
    assert code == 0, err
    assert query(db, "SELECT customer_name FROM customers WHERE customer_id = 'C010'") == [
        ("Müller",)
    ]


def test_gbk_chinese_is_still_read(db: Path, tmp_path: Path) -> None:
    data = csv_bytes(CUST5, [["C010", "上海建工集团", "B01", "A", "2024-01-05"]], encoding="gbk")
    rep = loader.load_file(db, "customers", write(tmp_path / "c.csv", data))
    assert rep.ok and rep.encoding == "gb18030", rep.render_text()
    assert query(db, "SELECT customer_name FROM customers WHERE customer_id = 'C010'") == [
        ("上海建工集团",)
    ]


def test_nul_byte_in_the_first_64kb_names_row_and_column(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = surveys(
        [["S1", "C001", "2024-05-01", "4", "ok"], ["S2", "C001", "2024-05-02", "4", "a\0b"]]
    )
    err = refused(db, capsys, "surveys", write(tmp_path / "s.csv", data))
    assert "row 3, column 'comment' holds a NUL byte" in err


def test_nul_byte_after_the_first_64kb_is_refused_too(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 3,000 data rows of ~30 bytes = ~90 KB; the NUL is in row 3,001 (data row 3,000).
    rows: list[list[Any]] = [[f"S{i}", "C001", "2024-05-01", "4", "fine"] for i in range(1, 3000)]
    rows.append(["S3000", "C001", "2024-05-01", "4", "x\0"])
    data = surveys(rows)
    assert data.index(b"\0") > 65536
    err = refused(db, capsys, "surveys", write(tmp_path / "s.csv", data))
    assert "row 3001, column 'comment' holds a NUL byte" in err


# --- 3. keys are exact and clean ------------------------------------------------------------


def test_unclean_keys_are_refused_row_by_row(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        ["C010 ", "Trailing", "B01", "A", "2024-01-05"],
        ["C\u200b011", "Zero width", "B01", "A", "2024-01-05"],
        ["\u00a0C012", "No-break", "B01", "A", "2024-01-05"],
        ["c001", "Case of C001", "B01", "A", "2024-01-05"],
        ["C013", "FK with a space", "B01 ", "A", "2024-01-05"],
    ]
    err = refused(db, capsys, "customers", write(tmp_path / "c.csv", csv_bytes(CUST5, rows)))
    assert f"row 2, column customer_id: 'C010 '; expected {CLEAN_ID}" in err
    assert f"row 3, column customer_id: 'C\\u200b011'; expected {CLEAN_ID}" in err
    assert f"row 4, column customer_id: '\\xa0C012'; expected {CLEAN_ID}" in err
    assert (
        "row 5, column customer_id: 'c001'; expected a customer_id that differs from a "
        "stored key by more than letter case (stored: C001)" in err
    )
    assert f"row 6, column branch_id: 'B01 '; expected {CLEAN_ID}" in err


def test_keys_differing_only_by_case_in_one_file_are_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        ["CX1", "One", "B01", "A", "2024-01-05"],
        ["CX1 ", "Two", "B01", "A", "2024-01-05"],
        ["cx1", "Three", "B01", "A", "2024-01-05"],
    ]
    err = refused(db, capsys, "customers", write(tmp_path / "c.csv", csv_bytes(CUST5, rows)))
    assert f"row 3, column customer_id: 'CX1 '; expected {CLEAN_ID}" in err
    assert (
        "row 4, column customer_id: 'cx1'; expected a customer_id that differs from another "
        "key by more than letter case (CX1 in row 2)" in err
    )
    assert query(db, "SELECT count(*) FROM customers") == [(3,)]


# --- 4. upsert keeps what the file does not carry ---------------------------------------------


def test_upsert_keeps_the_columns_the_file_lacks(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = [*CUST5, "industry", "tier", "relationship_manager", "churn_date"]
    first = [["C001", "Acme", "B01", "AA", "2024-01-05", "steel", "A", "Wang", "2025-06-30"]]
    code, out, err = cli(
        capsys,
        "load",
        "customers",
        str(write(tmp_path / "c1.csv", csv_bytes(full, first))),
        "--db",
        str(db),
        "--mode",
        "upsert",
    )
    assert code == 0, err
    # Seeded loads are 1-3, the upsert above is 4: this one is 5. C001 is updated, C020 new.
    rows = [
        ["C001", "Acme Renamed", "B02", "AAA", "2024-01-05"],
        ["C020", "New", "B01", "B", "2024-04-01"],
    ]
    code, out, err = cli(
        capsys,
        "load",
        "customers",
        str(write(tmp_path / "c2.csv", csv_bytes(CUST5, rows))),
        "--db",
        str(db),
        "--mode",
        "upsert",
    )
    assert code == 0, err
    assert out.strip() == (
        "Loaded 2 rows into customers from c2.csv (load 5, mode upsert: 1 updated, 1 inserted; "
        "kept as stored: industry, company_size, total_assets, tier, acquisition_channel, "
        "referred_by, relationship_manager, churn_date)"
    )
    got = query(
        db,
        "SELECT customer_id, customer_name, branch_id, credit_rating, industry, tier, "
        "relationship_manager, churn_date FROM customers WHERE customer_id IN ('C001', 'C020') "
        "ORDER BY 1",
    )
    assert [tuple(str(v) if v is not None else None for v in r) for r in got] == [
        ("C001", "Acme Renamed", "B02", "AAA", "steel", "A", "Wang", "2025-06-30"),
        ("C020", "New", "B01", "B", None, None, None, None),
    ]
    # Undo puts C001 back as load 4 left it, and removes C020.
    loader.undo_load(db, 5)
    assert query(
        db, "SELECT customer_name, branch_id, industry FROM customers WHERE customer_id = 'C001'"
    ) == [("Acme", "B01", "steel")]
    assert query(db, "SELECT count(*) FROM customers WHERE customer_id = 'C020'") == [(0,)]


# --- 5-7. Excel as the user saw it ------------------------------------------------------------


def loans_xlsx(
    path: Path, value: Any, fmt: str | None = None, column: int = 7, **extra: Any
) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(LOAN7)
    ws.append(["L10", "C001", "term_loan", 1000, "2024-01-01", "2025-01-01", 4])
    cell = ws.cell(row=2, column=column, value=value)
    if fmt:
        cell.number_format = fmt
    if extra.get("merge"):
        ws.append(["L11", "C001", "term_loan", 1000, "2024-01-01", "2025-01-01", None])
        ws.merge_cells(extra["merge"])
    wb.save(path)
    return path


def test_percent_cell_is_read_as_the_percent_it_shows(db: Path, tmp_path: Path) -> None:
    # 0.0435 shown as 4.35 %: the contract's unit is percent, so 4.35 is stored.
    rep = loader.load_file(db, "loans", loans_xlsx(tmp_path / "l.xlsx", 0.0435, "0.00%"))
    assert rep.ok, rep.render_text()
    assert query(db, "SELECT interest_rate FROM loans WHERE loan_id = 'L10'") == [
        (Decimal("4.3500"),)
    ]


def test_percent_cell_in_a_money_column_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(db, capsys, "loans", loans_xlsx(tmp_path / "l.xlsx", 0.5, "0%", column=4))
    assert (
        "row 2, column amount: '50%'; expected a number with at most 2 decimals, > 0, not a percent"
        in err
    )


def test_scientific_notation_in_money_and_ids_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        ["L10", "C001", "term_loan", "1.23457E+11", "2024-01-01", "2025-01-01", ""],
        ["6.22202E+21", "C001", "term_loan", "10", "2024-01-01", "2025-01-01", ""],
    ]
    err = refused(db, capsys, "loans", write(tmp_path / "l.csv", csv_bytes(LOAN7, rows)))
    assert (
        "row 2, column amount: '1.23457E+11'; expected a number written out in full, "
        "not in scientific notation (precision lost)" in err
    )
    assert "row 3, column loan_id: '6.22202E+21'; expected an id written out in full" in err


def test_comma_in_a_number_of_a_semicolon_file_is_ambiguous(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = ";".join(LOAN7).encode() + b"\nL10;C001;term_loan;1,500;2024-01-01;2025-01-01;\n"
    err = refused(db, capsys, "loans", write(tmp_path / "l.csv", body))
    assert "row 2, column amount: '1,500'; expected a number without ','" in err


def test_formula_without_saved_value_is_refused_with_its_cell(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # openpyxl writes a formula and no cached result, as a generator script would.
    path = loans_xlsx(tmp_path / "l.xlsx", "=1+2", column=7)
    err = refused(db, capsys, "loans", path)
    assert "cell G2 of sheet 'Sheet' holds a formula without a saved value" in err


def test_merged_cells_are_refused_with_the_range(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = loans_xlsx(tmp_path / "l.xlsx", 4, merge="G2:G3")
    err = refused(db, capsys, "loans", path)
    assert "has merged cells (G2:G3)" in err


# --- 6/8-10. bounded cost for any input --------------------------------------------------------


def test_50_mb_cell_is_a_refusal_in_history_not_a_traceback(db: Path, tmp_path: Path) -> None:
    body = b"response_id,customer_id,survey_date,overall_score,comment\nS1,C001,2024-05-01,4,"
    path = write(tmp_path / "s.csv", body + b"x" * 50_000_000 + b"\n")
    before = snapshot(db)
    out = subprocess.run(
        [sys.executable, "-m", "metrics", "load", "surveys", str(path), "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    # line 2 = 'S1,C001,2024-05-01,4,' (2+1+4+1+10+1+1+1 = 21 bytes) + 50,000,000 x's
    assert "line 2 is 50,000,021 bytes long; a row has at most 1,000,000" in out.stderr
    assert snapshot(db) == before
    assert history_rows(db)[-1][1:3] + history_rows(db)[-1][6:7] == ("surveys", "s.csv", "refused")


def test_field_over_the_limit_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = surveys([["S1", "C001", "2024-05-01", "4", "y" * 200_000]])
    err = refused(db, capsys, "surveys", write(tmp_path / "s.csv", data))
    assert "row 2, column 'comment' holds 200,000 characters; a value has at most 100,000" in err


def test_200000_column_header_is_one_refusal_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = ",".join(f"h{i}" for i in range(200_000)).encode()
    err = refused(
        db, capsys, "surveys", write(tmp_path / "s.csv", header + b"\n" + b"1," * 199_999 + b"1\n")
    )
    assert "has 200,000 columns; at most 200 are read" in err
    assert len(err.splitlines()) <= 2


def test_unknown_columns_are_one_warning_line(db: Path, tmp_path: Path) -> None:
    headers = SURVEY_HEADERS + [f"extra{i}" for i in range(12)]
    data = csv_bytes(headers, [["S1", "C001", "2024-05-01", "4", ""] + ["z"] * 12])
    rep = loader.load_file(db, "surveys", write(tmp_path / "s.csv", data))
    assert rep.ok, rep.render_text()
    assert rep.warnings == [
        "12 columns are not part of surveys and were not stored: 'extra0', 'extra1', 'extra2', "
        "'extra3', 'extra4', 'extra5', 'extra6', 'extra7', 'extra8', 'extra9' and 2 more"
    ]


def test_xlsx_zip_bomb_is_refused_before_the_cells_are_read(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2,100,000 rows of one cell each: over MAX_XLSX_CELLS (2,000,000), about 1 MB zipped.
    rows = b"<row><c><v>1</v></c></row>" * 2_100_000
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org'
        b'/spreadsheetml/2006/main"><sheetData>' + rows + b"</sheetData></worksheet>"
    )
    path = tmp_path / "bomb.xlsx"
    template = io.BytesIO()
    Workbook().save(template)
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = sheet if item.filename == "xl/worksheets/sheet1.xml" else src.read(item)
            out.writestr(item.filename, data)
    assert path.stat().st_size < 5_000_000
    err = refused(db, capsys, "surveys", path)
    assert "sheet 'Sheet' has 2,100,000 cells; at most 2,000,000 are read" in err


# --- the report and the exports are formula-safe (rows 11, 12) ---------------------------------


def test_refused_values_in_the_problem_report_csv_cannot_run(db: Path, tmp_path: Path) -> None:
    from ui.upload import report_csv

    # Each hostile value sits in overall_score, so each is refused and written to the report.
    rows = [
        ["S1", "C001", "2024-05-01", '=HYPERLINK("http://evil")', ""],
        ["S2", "C001", "2024-05-01", "+cmd|' /C calc'!A0", ""],
        ["S3", "C001", "2024-05-01", "@SUM(1+1)", ""],
        ["S4", "C001", "2024-05-01", "\uff1d1+1", ""],
    ]
    rep = loader.validate(db, "surveys", loader.read_extract(surveys(rows), "s.csv"))
    text = report_csv(rep).decode("utf-8-sig")
    assert "'+cmd|' /C calc'!A0" in text and "'@SUM(1+1)" in text and "'\uff1d1+1" in text
    for line in text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "-", "@", "\uff1d")), line


# --- the store stays whole ----------------------------------------------------------------------


def test_stale_temp_of_a_dead_writer_is_removed_and_a_live_one_kept(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    store.ensure_store(db)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(dead.stdout)  # that process has exited
    stale = [tmp_path / f".s.duckdb.{pid}.77.tmp", tmp_path / f".s.duckdb.{pid}.77.tmp.wal"]
    live = tmp_path / f".s.duckdb.{1}.5.tmp"  # pid 1 is alive
    for p in [*stale, live]:
        p.write_bytes(b"x" * 1000)
    with store.write_transaction(db):
        pass
    assert not any(p.exists() for p in stale)
    assert live.exists()
