"""Every table downloads as CSV (UTF-8 with BOM, for Excel) and .xlsx, with its filters written in.

One rule, `formula_like`, says which text a spreadsheet could run: text starting
with = + - @ (ASCII or full-width ＝ ＋ － ＠), tab, CR or LF, also after leading
whitespace or a BOM. In CSV such a cell gets a leading apostrophe; in xlsx it is
written as a text cell with Excel's quote-prefix flag, so it shows exactly as is
(no visible apostrophe) and stays text when edited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\r", "\n")
# Leading characters a spreadsheet skips before it decides a cell is a formula.
_SKIPPED = " \u00a0\u3000\ufeff\u200b"


def formula_like(value: Any) -> bool:
    """Text a spreadsheet might read as a formula (the one rule for CSV, xlsx and reports)."""
    if not isinstance(value, str):
        return False
    return value.startswith(FORMULA_STARTS) or value.lstrip(_SKIPPED).startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> Any:
    """A cell as it may go into a CSV: formula-like text gets a leading '."""
    return "'" + value if formula_like(value) else value


def _plain(value: Any) -> Any:
    """Spreadsheet-friendly scalar: NaN/NA become empty, numpy scalars become Python."""
    if value is None or value is pd.NA or value is pd.NaT:  # NA has no truth value
        return None
    try:
        if value != value:  # NaN / NA / NaT
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


def table_rows(df: pd.DataFrame, *, index: bool = False) -> list[list[Any]]:
    """Header plus data rows as plain Python values (not yet escaped)."""
    frame = df.reset_index() if index else df
    rows: list[list[Any]] = [[str(c) for c in frame.columns]]
    for record in frame.itertuples(index=False, name=None):
        rows.append([_plain(v) for v in record])
    return rows


def meta_lines(title: str, description: str, exported_label: str = "Exported") -> list[str]:
    """What the file says about itself: title, filters and period, time of export."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return [title, description, f"{exported_label}: {stamp}"]


def to_csv_bytes(df: pd.DataFrame, meta: Sequence[str] = (), *, index: bool = False) -> bytes:
    """CSV in UTF-8 with BOM: the metadata lines, an empty line, then the table."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for line in meta:
        writer.writerow([safe_cell(line)])
    if meta:
        writer.writerow([])
    for row in table_rows(df, index=index):
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx_bytes(
    df: pd.DataFrame, meta: Sequence[str] = (), *, sheet: str = "data", index: bool = False
) -> bytes:
    """An .xlsx workbook: metadata lines on top, then the table with a bold header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _sheet_title(sheet)
    for i, line in enumerate(meta, start=1):
        _text_cell(ws.cell(row=i, column=1), line)
    first_table_row = len(meta) + 2 if meta else 1
    for r, row in enumerate(table_rows(df, index=index), start=first_table_row):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                _text_cell(cell, value)
            else:
                cell.value = value
            if r == first_table_row:
                cell.font = Font(bold=True)
    if meta:
        ws["A1"].font = Font(bold=True, size=12)
    ws.freeze_panes = ws.cell(row=first_table_row + 1, column=1)
    for col_cells in ws.iter_cols(min_row=first_table_row):
        width = max((len(str(c.value)) for c in col_cells if c.value is not None), default=8)
        letter = col_cells[0].column_letter
        ws.column_dimensions[letter].width = min(max(10, width + 2), 48)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text_cell(cell: Any, text: str) -> None:
    """Text as a text cell, never a formula; formula-like text quote-prefixed, shown as is."""
    cell.value = text
    cell.data_type = "s"
    if formula_like(text):
        cell.quotePrefix = True


def _sheet_title(name: str) -> str:
    bad = set("[]:*?/\\")
    clean = "".join("_" if ch in bad else ch for ch in name).strip("'") or "data"
    return clean[:31]


def file_stem(name: str, date_from: dt.date, date_to: dt.date) -> str:
    """A file name that says what and when: crm_<name>_<from>_<to>."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
    return f"crm_{safe}_{date_from:%Y%m%d}_{date_to:%Y%m%d}"
