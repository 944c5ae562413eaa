"""metrics.load.parse: every format and encoding becomes the same text, kept exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from metrics.load.parse import Extract, ExtractError, read_extract
from tests.extracts import csv_bytes, write_parquet, write_xlsx

TRICKY = [
    "007",  # leading zeros
    "6222021234567890123456",  # longer than any float or BIGINT
    '=HYPERLINK("http://x","y")',
    "'; DROP TABLE x; --",
    "a, quoted\nvalue",
]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


def rows_of(ext: Extract) -> list[list[str | None]]:
    return ext.frame.to_numpy().tolist()


def test_utf8_csv_keeps_text_exactly_and_empty_is_none() -> None:
    data = csv_bytes(["id", "note"], [[v, ""] for v in TRICKY])
    ext = read_extract(data, "x.csv")
    assert ext.format == "csv"
    assert ext.encoding == "utf-8"
    assert ext.headers == ["id", "note"]
    assert rows_of(ext) == [[v, None] for v in TRICKY]


def test_utf8_bom_csv() -> None:
    ext = read_extract(csv_bytes(["客户编号", "名称"], [["001", "甲"]], bom=True), "x.csv")
    assert ext.encoding == "utf-8-sig"
    assert ext.headers == ["客户编号", "名称"]  # the BOM is not part of the first header
    assert rows_of(ext) == [["001", "甲"]]


def test_gbk_csv_with_chinese_headers() -> None:
    data = csv_bytes(["客户编号", "客户名称"], [["00012", "上海某某有限公司"]], encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fixture really is not UTF-8
    ext = read_extract(data, "客户.csv")
    assert ext.encoding == "gb18030"
    assert ext.headers == ["客户编号", "客户名称"]
    assert rows_of(ext) == [["00012", "上海某某有限公司"]]


def test_png_is_refused_as_not_text() -> None:
    with pytest.raises(ExtractError, match="not a text"):
        read_extract(PNG, "customers.csv")


def test_empty_file_is_refused() -> None:
    with pytest.raises(ExtractError, match="empty"):
        read_extract(b"", "customers.csv")


def test_header_only_file_has_no_rows() -> None:
    ext = read_extract(b"customer_id,customer_name\r\n", "c.csv")
    assert ext.headers == ["customer_id", "customer_name"]
    assert ext.n_rows == 0


def test_blank_line_keeps_spreadsheet_row_numbers() -> None:
    # header = row 1, 'a' = row 2, blank = row 3, 'b' = row 4
    ext = read_extract(b"id,name\na,1\n\nb,2\n", "x.csv")
    assert rows_of(ext) == [["a", "1"], ["b", "2"]]
    assert ext.row_numbers().to_pylist() == [2, 4]


def test_row_with_too_many_fields_is_named() -> None:
    with pytest.raises(ExtractError, match="row 3 has 3 fields"):
        read_extract(b"id,name\na,1\nb,2,3\n", "x.csv")


def test_semicolon_delimiter_is_detected() -> None:
    ext = read_extract(b"id;amount\nA;1,5\n", "x.csv")
    assert rows_of(ext) == [["A", "1,5"]]


def test_old_xls_is_refused() -> None:
    with pytest.raises(ExtractError, match=r"\.xls"):
        read_extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "c.xls")


def test_xlsx_typed_cells_become_text(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "c.xlsx",
        ["id", "day", "at", "n", "x", "note"],
        [
            ["007", dt.date(2024, 1, 5), dt.datetime(2024, 1, 5, 9, 30), 123, 1234.5, "=A1"],
            ["008", dt.datetime(2024, 2, 29), dt.datetime(2024, 3, 1, 0, 0, 1), 12.0, 0.1, ""],
        ],
        other_sheets={"second": (["id"], [["Z"]])},
    )
    ext = read_extract(path.read_bytes(), "c.xlsx")
    assert ext.format == "xlsx"
    assert ext.sheet == "Sheet1"
    assert ext.sheet_names() == ["Sheet1", "second"]
    assert ext.headers == ["id", "day", "at", "n", "x", "note"]
    assert rows_of(ext) == [
        ["007", "2024-01-05", "2024-01-05 09:30:00", "123", "1234.5", "=A1"],
        # a datetime at midnight is a date; 12.0 is a whole number
        ["008", "2024-02-29", "2024-03-01 00:00:01", "12", "0.1", None],
    ]
    second = read_extract(path.read_bytes(), "c.xlsx", sheet="second")
    assert (second.headers, rows_of(second)) == (["id"], [["Z"]])
    with pytest.raises(ExtractError, match="no sheet named 'third'"):
        read_extract(path.read_bytes(), "c.xlsx", sheet="third")


def test_parquet_typed_columns_become_text(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "id": ["007", "008"],
            "day": [dt.date(2024, 1, 5), None],
            "at": pd.to_datetime(["2024-01-05 09:30:00", "2024-01-06 00:00:00"]),
            "n": [1, 2],
            "x": [1234.5, 3.0],
            "big": [6222021234567890123, 1],
        }
    )
    path = write_parquet(tmp_path / "p.parquet", frame)
    ext = read_extract(path.read_bytes(), "p.parquet")
    assert ext.format == "parquet"
    assert rows_of(ext) == [
        ["007", "2024-01-05", "2024-01-05 09:30:00", "1", "1234.5", "6222021234567890123"],
        ["008", None, "2024-01-06", "2", "3", "1"],
    ]


def test_from_frame_converts_like_parquet() -> None:
    frame = pd.DataFrame(
        {"id": ["A", None], "when": pd.to_datetime(["2024-05-01", None]), "v": [2.0, None]}
    )
    ext = Extract.from_frame(frame, "demo:x")
    assert ext.format == "frame"
    assert rows_of(ext) == [["A", "2024-05-01", "2"], [None, None, None]]
    assert len(ext.checksum) == 64
