"""Turn an extract file (CSV, xlsx or Parquet bytes) into text columns, exactly as written.

Every value is kept as the characters the file holds (leading zeros, long digit
strings, formulas such as `=HYPERLINK(..)` stay text); typing happens later, in
DuckDB, driven by the contract. Typed sources (Excel cells, Parquet columns, a
pandas DataFrame) are turned into the same text forms: dates `YYYY-MM-DD`,
timestamps `YYYY-MM-DD HH:MM:SS`, integral numbers without `.0`.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

Format = Literal["csv", "xlsx", "parquet", "frame"]

_ZIP_MAGIC = b"PK\x03\x04"
_PARQUET_MAGIC = b"PAR1"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
_DELIMITERS = (",", "\t", ";", "|")


class ExtractError(ValueError):
    """The file cannot be read as an extract; the message says why in one line."""


@dataclass
class Extract:
    """One file's headers and rows, all as text (None for an empty cell).

    `table` holds one string column per header, named f0, f1, ... (headers may
    repeat or be empty, so they are kept apart in `headers`). `rows` holds the
    row number a spreadsheet user sees for each data row (header = row 1).
    """

    name: str
    format: Format
    headers: list[str]
    table: pa.Table
    encoding: str | None = None
    sheet: str | None = None
    checksum: str = ""
    rows: pa.Array | pa.ChunkedArray | None = None
    data: bytes | None = field(default=None, repr=False)

    @property
    def n_rows(self) -> int:
        return int(self.table.num_rows)

    def row_numbers(self) -> pa.Array | pa.ChunkedArray:
        """Spreadsheet row of each data row: 2, 3, ... unless blank rows were dropped."""
        if self.rows is not None:
            return self.rows
        return pa.array(range(2, self.n_rows + 2), pa.int64())

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame of Python strings (None for empty), headers as in the file."""
        cols = {i: self.table.column(i).to_pylist() for i in range(self.table.num_columns)}
        df = pd.DataFrame(cols, dtype=object)
        if df.shape[1] == len(self.headers):
            df.columns = pd.Index(list(self.headers), dtype=object)
        return df

    def sheet_names(self) -> list[str]:
        """The workbook's sheet names (empty for a CSV or Parquet extract)."""
        if self.format != "xlsx" or self.data is None:
            return []
        return sheet_names(self.data, self.name)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, name: str) -> Extract:
        """An extract from an in-memory (typed) DataFrame, converted like a Parquet file."""
        table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
        headers = [str(c) for c in df.columns]
        text = _typed_table_to_text(table)
        digest = hashlib.sha256()
        digest.update("\x1f".join(headers).encode())
        digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
        return cls(name, "frame", headers, text, checksum=digest.hexdigest())


def sheet_names(data: bytes, file_name: str = "the file") -> list[str]:
    """Sheet names of an xlsx workbook, in workbook order."""
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)
    except Exception as exc:  # calamine raises its own error types
        raise ExtractError(f"{file_name} is not a readable xlsx workbook ({exc})") from exc


def detect_format(data: bytes, file_name: str) -> Format:
    """The file's format from its first bytes, then its extension."""
    suffix = Path(file_name).suffix.lower()
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    if data.startswith(_PARQUET_MAGIC):
        return "parquet"
    if data.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise ExtractError(
            f"{file_name} is an old Excel .xls workbook; save it as .xlsx or CSV and load that"
        )
    if suffix in (".xlsx", ".xlsm"):
        raise ExtractError(f"{file_name} is not a valid .xlsx workbook")
    if suffix in (".parquet", ".pq"):
        raise ExtractError(f"{file_name} is not a valid Parquet file")
    return "csv"


def read_extract(data: bytes, file_name: str, sheet: str | None = None) -> Extract:
    """Read an extract's bytes: format from content and name, CSV encoding detected."""
    checksum = hashlib.sha256(data).hexdigest()
    fmt = detect_format(data, file_name)
    if fmt == "xlsx":
        ext = _read_xlsx(data, file_name, sheet)
    elif fmt == "parquet":
        ext = _read_parquet(data, file_name)
    else:
        ext = _read_csv(data, file_name)
    ext.checksum = checksum
    return ext


# --- CSV -----------------------------------------------------------------------------------


def decode_text(data: bytes, file_name: str = "the file") -> tuple[str, str]:
    """Decode CSV bytes: UTF-16 by BOM, strict UTF-8 (BOM or not), GB18030, else a guess."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536]:
        raise ExtractError(f"{file_name} is not a text (CSV) file: it holds binary data")
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ExtractError(f"{file_name} is not a text (CSV) file in any encoding we recognise")
    return str(best), str(best.encoding)


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_csv(data: bytes, file_name: str) -> Extract:
    text, encoding = decode_text(data, file_name)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise ExtractError(f"{file_name} is empty: it has no header and no rows")
    first_line = text.split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
    header_reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers = next(header_reader)
    n = len(headers)
    if encoding in ("utf-8", "utf-8-sig"):
        raw = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    else:
        raw = text.encode("utf-8")
    names = [f"f{i}" for i in range(n)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
        if _header_spans_lines(first_line, delimiter):
            raise pa.ArrowInvalid("header spans several lines")
        rows = None
        if table.num_columns and table.num_rows:
            blank = pc.is_null(table.column(0))
            for i in range(1, table.num_columns):
                blank = pc.and_(blank, pc.is_null(table.column(i)))
            if pc.any(blank).as_py():
                keep = pc.invert(blank)
                rows = pc.filter(pa.array(range(2, table.num_rows + 2), pa.int64()), keep)
                table = table.filter(keep)
        return Extract(file_name, "csv", headers, table, encoding=encoding, rows=rows)
    except pa.ArrowInvalid:
        return _read_csv_slow(text, file_name, headers, delimiter, encoding)


def _header_spans_lines(first_line: str, delimiter: str) -> bool:
    """A quoted header holding a newline: pyarrow's skip_rows would cut it, use the slow path."""
    return first_line.count('"') % 2 == 1


def _read_csv_slow(
    text: str, file_name: str, headers: list[str], delimiter: str, encoding: str
) -> Extract:
    """Python's csv module: tolerates blank lines and short rows, names a row that is too long."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader)
    n = len(headers)
    cols: list[list[str | None]] = [[] for _ in range(n)]
    kept: list[int] = []
    for index, record in enumerate(reader):
        row = index + 2  # one record is one spreadsheet row; the header is row 1
        values = [v if v != "" else None for v in record]
        if not any(v is not None and v.strip() for v in values):
            continue  # a blank line: not data, but it keeps its row number
        if len(values) > n and any(v is not None for v in values[n:]):
            raise ExtractError(
                f"{file_name}: row {row} has {len(values)} fields but the header has {n}"
            )
        values = (values + [None] * n)[:n]
        for i, v in enumerate(values):
            cols[i].append(v)
        kept.append(row)
    table = pa.table({f"f{i}": pa.array(c, pa.string()) for i, c in enumerate(cols)})
    return Extract(
        file_name, "csv", headers, table, encoding=encoding, rows=pa.array(kept, pa.int64())
    )


# --- xlsx ----------------------------------------------------------------------------------


def _cell_text(value: Any) -> str | None:
    """One Excel cell as text: dates as YYYY-MM-DD, whole numbers without '.0'."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return _float_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return None
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def _float_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    return repr(value)


def _read_xlsx(data: bytes, file_name: str, sheet: str | None) -> Extract:
    names = sheet_names(data, file_name)
    if not names:
        raise ExtractError(f"{file_name} has no sheets")
    if sheet is not None and sheet not in names:
        raise ExtractError(
            f"{file_name} has no sheet named {sheet!r}; its sheets are: {', '.join(names)}"
        )
    chosen = sheet if sheet is not None else names[0]
    try:
        df = pd.read_excel(
            io.BytesIO(data), sheet_name=chosen, engine="calamine", header=None, dtype=object
        )
    except Exception as exc:
        raise ExtractError(f"cannot read sheet {chosen!r} of {file_name}: {exc}") from exc
    if df.shape[0] == 0:
        raise ExtractError(f"sheet {chosen!r} of {file_name} is empty: no header and no rows")
    header_cells = [_cell_text(v) for v in df.iloc[0].tolist()]
    # Trailing columns with neither header nor any value are formatting, not data.
    width = len(header_cells)
    while width and header_cells[width - 1] is None and df.iloc[1:, width - 1].isna().all():
        width -= 1
    headers = [h or "" for h in header_cells[:width]]
    body = df.iloc[1:, :width]
    cols = [[_cell_text(v) for v in body.iloc[:, i].tolist()] for i in range(width)]
    rows = list(range(2, body.shape[0] + 2))
    keep = [j for j in range(len(rows)) if any(c[j] is not None and c[j].strip() for c in cols)]  # type: ignore[union-attr]
    if len(keep) != len(rows):
        cols = [[c[j] for j in keep] for c in cols]
        rows = [rows[j] for j in keep]
    table = pa.table({f"f{i}": pa.array(c, pa.string()) for i, c in enumerate(cols)})
    return Extract(
        file_name,
        "xlsx",
        headers,
        table,
        sheet=chosen,
        rows=pa.array(rows, pa.int64()),
        data=data,
    )


# --- Parquet and typed frames --------------------------------------------------------------


def _read_parquet(data: bytes, file_name: str) -> Extract:
    try:
        table = pq.read_table(pa.BufferReader(data))
    except Exception as exc:
        raise ExtractError(f"cannot read {file_name} as Parquet: {exc}") from exc
    headers = [str(n) for n in table.column_names]
    return Extract(file_name, "parquet", headers, _typed_table_to_text(table))


def _typed_table_to_text(table: pa.Table) -> pa.Table:
    """Each typed column as text in the forms a CSV export would hold; columns f0, f1, ..."""
    out: dict[str, pa.Array | pa.ChunkedArray] = {}
    for i in range(table.num_columns):
        out[f"f{i}"] = _column_text(table.column(i))
    return pa.table(out) if out else pa.table({})


def _column_text(col: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    typ = col.type
    if pa.types.is_dictionary(typ):
        col = col.cast(typ.value_type)
        typ = col.type
    if pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_string_view(typ):
        text = col.cast(pa.string())
        return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    if pa.types.is_null(typ):
        return pa.nulls(len(col), pa.string())
    if pa.types.is_integer(typ) or pa.types.is_decimal(typ):
        return col.cast(pa.string())
    if pa.types.is_boolean(typ):
        return pc.if_else(col, "TRUE", "FALSE")
    if pa.types.is_floating(typ):
        return _float_column_text(col.cast(pa.float64()))
    # Casts, not strftime: arrow's cast to string is ~10x faster on millions of rows.
    if pa.types.is_date(typ):
        return col.cast(pa.date32()).cast(pa.string())
    if pa.types.is_timestamp(typ):
        if typ.tz is not None:
            col = pc.local_timestamp(col)
        secs = col.cast(pa.timestamp("s"), safe=False)
        day = secs.cast(pa.date32())
        midnight = pc.equal(day.cast(pa.timestamp("s")), secs)
        return pc.if_else(midnight, day.cast(pa.string()), secs.cast(pa.string()))
    return pa.array([_cell_text(v) for v in col.to_pylist()], pa.string())


def _float_column_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Floats as text: whole numbers without '.0' (Excel and pandas make ids floats), NaN empty."""
    nan = pc.is_nan(col)
    integral = pc.and_(pc.equal(pc.floor(col), col), pc.less(pc.abs(col), 1e17))
    whole = pc.cast(pc.if_else(integral, col, 0.0), pa.int64()).cast(pa.string())
    text = pc.if_else(integral, whole, pc.cast(col, pa.string()))
    return pc.if_else(nan, pa.scalar(None, pa.string()), text)
