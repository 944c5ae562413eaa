"""Every table downloads as CSV (UTF-8 with BOM, for Excel) and .xlsx, with its filters written in.

Cells keep their types: numbers are numbers (an .xlsx column carries its number
format: percent as 0.0 %, money as a plain yuan amount), dates are dates, months are
dates shown as yyyy-mm; a missing value is an empty cell.

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
import math
from collections.abc import Iterable, Mapping, Sequence
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


# Excel number formats by KPI unit (ui.fmt's units); a column's values pick one.
NUMBER_FORMATS: dict[str, str] = {
    "ratio": "0.0%",
    "cny": "#,##0",
    "count": "#,##0",
    "score": "0.00",
    "points": "0.0",
    "per100": "0.0",
    "hours": "0.0",
    "days": "0.0",
    "multiple": '0.0"×"',
    "number": "#,##0.00",
}
DATE_FORMAT = "yyyy-mm-dd"
MONTH_FORMAT = "yyyy-mm"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:  # NA has no truth value
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # not a scalar
        return False


def _plain(value: Any) -> Any:
    """Spreadsheet-friendly scalar: NaN/NA/NaT become empty, numpy scalars become Python,
    timestamps at midnight become dates (a date, not "2014-07-21 00:00:00")."""
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) and value.tzinfo is None else value
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return _plain(value.item())
        except (ValueError, AttributeError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float | str | dt.date | dt.time):
        return value
    return str(value)  # anything else (a Decimal, a list) as its text, never an error


def number_format(unit: str, values: Iterable[Any] = ()) -> str:
    """The .xlsx number format of a column of `unit`: two decimals for percents all below
    5 % (NPL), like the screen."""
    if unit == "ratio":
        finite = [abs(float(v)) for v in values if not _missing(v)]
        return "0.00%" if finite and max(finite) < 0.05 else "0.0%"
    return NUMBER_FORMATS.get(unit, "General")


def table_rows(df: pd.DataFrame, *, index: bool = False) -> list[list[Any]]:
    """Header plus data rows as plain Python values (not yet escaped)."""
    frame = df.reset_index() if index else df
    rows: list[list[Any]] = [[str(c) for c in frame.columns]]
    for record in frame.itertuples(index=False, name=None):
        rows.append([_plain(v) for v in record])
    return rows


def meta_lines(
    title: str, description: str, exported_label: str = "Exported", as_of: str = ""
) -> list[str]:
    """What the file says about itself: title, filters and period, the data's as-of date,
    time of export."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return [title, description, *([as_of] if as_of else []), f"{exported_label}: {stamp}"]


def _csv_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_cell(value)


def to_csv_bytes(
    df: pd.DataFrame,
    meta: Sequence[str] = (),
    *,
    index: bool = False,
    formats: Mapping[str, str | Sequence[str]] | None = None,
) -> bytes:
    """CSV in UTF-8 with BOM: the metadata lines, an empty line, then the table (numbers
    as numbers, dates ISO, month columns as 2025-01)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for line in meta:
        writer.writerow([safe_cell(line)])
    if meta:
        writer.writerow([])
    rows = table_rows(df, index=index)
    months = [(formats or {}).get(h) == MONTH_FORMAT for h in rows[0]]
    writer.writerow([safe_cell(h) for h in rows[0]])
    for row in rows[1:]:
        writer.writerow(
            [
                "" if v is None else (v.strftime("%Y-%m") if m else _csv_text(v))
                for v, m in zip(row, months, strict=True)
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx_bytes(
    df: pd.DataFrame,
    meta: Sequence[str] = (),
    *,
    sheet: str = "data",
    index: bool = False,
    formats: Mapping[str, str | Sequence[str]] | None = None,
) -> bytes:
    """An .xlsx workbook: metadata lines on top, then the table with a bold header row.

    `formats` gives a column (by header) its number format, or one format per row (a
    table whose rows are different KPIs); dates get yyyy-mm-dd unless told otherwise.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _sheet_title(sheet)
    for i, line in enumerate(meta, start=1):
        _text_cell(ws.cell(row=i, column=1), line)
    first_table_row = len(meta) + 2 if meta else 1
    rows = table_rows(df, index=index)
    header = rows[0]
    for r, row in enumerate(rows, start=first_table_row):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                _text_cell(cell, value)
            else:
                cell.value = value
            if r == first_table_row:
                cell.font = Font(bold=True)
            elif value is not None and not isinstance(value, str):
                fmt = _cell_format((formats or {}).get(header[c - 1]), r - first_table_row - 1)
                if fmt:
                    cell.number_format = fmt
                elif isinstance(value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, dt.date):
                    cell.number_format = DATE_FORMAT
    if meta:
        ws["A1"].font = Font(bold=True, size=12)
    ws.freeze_panes = ws.cell(row=first_table_row + 1, column=1)
    for col_cells in ws.iter_cols(min_row=first_table_row):
        width = max((_width(c.value) for c in col_cells if c.value is not None), default=8)
        letter = col_cells[0].column_letter
        ws.column_dimensions[letter].width = min(max(10, width + 2), 48)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell_format(fmt: str | Sequence[str] | None, row: int) -> str | None:
    if fmt is None or isinstance(fmt, str):
        return fmt
    return fmt[row] if row < len(fmt) else None


def _text_cell(cell: Any, text: str) -> None:
    """Text as a text cell, never a formula; formula-like text quote-prefixed, shown as is."""
    cell.value = text
    cell.data_type = "s"
    if formula_like(text):
        cell.quotePrefix = True


def _width(value: Any) -> int:
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    text = str(value)
    return len(text) + sum(1 for ch in text if ord(ch) > 0x2E80)  # Han characters are wide


def _sheet_title(name: str) -> str:
    bad = set("[]:*?/\\")
    clean = "".join("_" if ch in bad else ch for ch in name).strip("'") or "data"
    return clean[:31]


def file_stem(name: str, date_from: dt.date, date_to: dt.date) -> str:
    """A file name that says what and when: crm_<name>_<from>_<to>."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
    return f"crm_{safe}_{date_from:%Y%m%d}_{date_to:%Y%m%d}"
