"""Turn an extract file (CSV, xlsx or Parquet bytes) into text columns, exactly as written.

Nothing is guessed: the encoding is UTF-8, or GBK/GB18030 only when the bytes read as
Chinese text, or the one the caller names; a CSV's quotes must agree with its record
structure; every input has caps (columns, field and line size, xlsx cells and
uncompressed size) checked before the work. A file that breaks one is refused with
one sentence naming the row, column or cell.

Every value is kept as the characters the file holds (leading zeros, long digit
strings, formulas such as `=HYPERLINK(..)` stay text); typing happens later, in
DuckDB, driven by the contract. Typed sources (Excel cells, Parquet columns, a
pandas DataFrame) are turned into the same text forms: dates `YYYY-MM-DD`,
timestamps `YYYY-MM-DD HH:MM:SS`, integral numbers without `.0`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from metrics.errors import CodedError
from metrics.load import xlsx

Format = Literal["csv", "xlsx", "parquet", "frame"]

_ZIP_MAGIC = b"PK\x03\x04"
_PARQUET_MAGIC = b"PAR1"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
_DELIMITERS = (",", "\t", ";", "|")
# Caps, checked before the work (the contract's widest table has 13 columns).
MAX_COLUMNS = 200
MAX_FIELD_CHARS = 100_000
MAX_LINE_BYTES = 1_000_000  # one CSV record, quoted line breaks included
MAX_TEXT_BYTES = 1 << 30
MAX_PARQUET_UNCOMPRESSED = 1 << 30
NATIVE_BATCH_ROWS = 122_880


class ExtractError(CodedError, ValueError):
    """The file cannot be read as an extract; the message says why in one line (and as
    codes: read_*, worded by ui/upload_text.py)."""


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
    delimiter: str | None = None  # a CSV's field delimiter
    # `table` holds a frame's own typed columns, not text (`from_frame(native=True)`):
    # staged from their values, without a round trip through text (checks.stage).
    native: bool = False

    @property
    def n_rows(self) -> int:
        return int(self.table.num_rows)

    def row_numbers(self) -> pa.Array | pa.ChunkedArray:
        """Spreadsheet row of each data row: 2, 3, ... unless blank rows were dropped."""
        if self.rows is not None:
            return self.rows
        return pa.array(np.arange(2, self.n_rows + 2, dtype=np.int64))

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
    def from_frame(cls, df: pd.DataFrame, name: str, *, native: bool = False) -> Extract:
        """An extract from an in-memory (typed) DataFrame, converted like a Parquet file.

        `native`: keep the typed columns as they are (the demo bank's frames, made by our
        own code): the loader stages numbers, dates and timestamps from their values and
        applies every rule a typed value can break; text columns are text either way.
        """
        table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
        headers = [str(c) for c in df.columns]
        if native:
            columns = {f"f{i}": table.column(i) for i in range(table.num_columns)}
            whole = (pa.table(columns) if columns else pa.table({})).combine_chunks()
            # Digested whole, before slicing: a slice's buffers start before its first value.
            checksum = _arrow_digest(headers, whole)
            # Batches of a DuckDB row group's size: DuckDB scans batches in parallel.
            typed = pa.Table.from_batches(
                whole.to_batches(max_chunksize=NATIVE_BATCH_ROWS), whole.schema
            )
            return cls(name, "frame", headers, typed, checksum=checksum, native=True)
        digest = hashlib.sha256()
        digest.update("\x1f".join(headers).encode())
        digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
        text = _typed_table_to_text(table)
        return cls(name, "frame", headers, text, checksum=digest.hexdigest())


def _arrow_digest(headers: list[str], table: pa.Table) -> str:
    """The SHA-256 of the headers, types and values of an arrow table, from its buffers (no
    per-value work, the GIL released; SHA-256 where the CPU has SHA instructions hashes
    about 1.7 GB/s here, BLAKE2b 0.66 GB/s)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(headers).encode())
    for column in table.columns:
        digest.update(str(column.type).encode())
        for chunk in column.chunks:
            if chunk.offset:  # a slice: its buffers start before its first value
                chunk = chunk.take(pa.array(np.arange(len(chunk), dtype=np.int64)))
            digest.update(len(chunk).to_bytes(8, "little"))
            for buf in chunk.buffers():
                if buf is not None:
                    digest.update(memoryview(buf))
    return digest.hexdigest()


def sheet_names(data: bytes, file_name: str = "the file") -> list[str]:
    """Sheet names of an xlsx workbook, in workbook order."""
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)
    except Exception as exc:  # calamine raises its own error types
        raise ExtractError(
            f"{file_name} is not a readable xlsx workbook ({exc})",
            "read_not_workbook",
            file=file_name,
            detail=exc,
        ) from exc


def detect_format(data: bytes, file_name: str) -> Format:
    """The file's format from its first bytes, then its extension."""
    suffix = Path(file_name).suffix.lower()
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    if data.startswith(_PARQUET_MAGIC):
        return "parquet"
    if data.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise ExtractError(
            f"{file_name} is an old Excel .xls workbook; save it as .xlsx or CSV and load that",
            "read_xls",
            file=file_name,
        )
    if suffix in (".xlsx", ".xlsm"):
        raise ExtractError(
            f"{file_name} is not a valid .xlsx workbook", "read_bad_xlsx", file=file_name
        )
    if suffix in (".parquet", ".pq"):
        raise ExtractError(
            f"{file_name} is not a valid Parquet file", "read_bad_parquet", file=file_name
        )
    return "csv"


def read_extract(
    data: bytes, file_name: str, sheet: str | None = None, encoding: str | None = None
) -> Extract:
    """Read an extract's bytes: format from content and name, CSV encoding detected or named."""
    checksum = hashlib.sha256(data).hexdigest()
    fmt = detect_format(data, file_name)
    if fmt == "xlsx":
        ext = _read_xlsx(data, file_name, sheet)
    elif fmt == "parquet":
        ext = _read_parquet(data, file_name)
    else:
        ext = _read_csv(data, file_name, encoding)
    _check_size(ext)
    ext.checksum = checksum
    return ext


def _too_many_columns(file_name: str, n: int) -> ExtractError:
    return ExtractError(
        f"{file_name} has {n:,} columns; at most {MAX_COLUMNS} are read "
        "(no table of the contract has more than 13)",
        "read_too_many_columns",
        file=file_name,
        n=f"{n:,}",
        max=MAX_COLUMNS,
    )


def _check_size(ext: Extract) -> None:
    """Columns and field size of any format: one clear refusal naming the first offender."""
    if len(ext.headers) > MAX_COLUMNS:
        raise _too_many_columns(ext.name, len(ext.headers))
    rows = ext.row_numbers()
    for i in range(ext.table.num_columns):
        col = ext.table.column(i)
        if not len(col):
            continue
        lengths = pc.utf8_length(col)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > MAX_FIELD_CHARS:
            at = pc.index(pc.greater(lengths, MAX_FIELD_CHARS), True).as_py()
            header = ext.headers[i] if i < len(ext.headers) else f"column {i + 1}"
            raise ExtractError(
                f"{ext.name}: row {rows[at]}, column {header!r} holds {longest:,} characters; "
                f"a value has at most {MAX_FIELD_CHARS:,}",
                "read_value_too_long",
                file=ext.name,
                row=rows[at],
                column=header,
                length=f"{longest:,}",
                max=f"{MAX_FIELD_CHARS:,}",
            )


# --- CSV -----------------------------------------------------------------------------------


ENCODING_HINT = "save it as UTF-8, or name its encoding (--encoding; the upload page's Encoding)"


def _line_of(data: bytes | str, pos: int) -> int:
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, pos) + 1  # type: ignore[arg-type]


def _looks_chinese(text: str) -> bool:
    """Every distinct non-ASCII character (nearly) is common Chinese: GB2312 or CJK punctuation.

    GB18030 decodes almost any byte soup; what it makes of UTF-8 or Latin-1 bytes
    (涓婃捣, 黮) is mostly outside GB2312's 6,763 common characters.
    """
    chars = {c for c in set(text) if ord(c) > 127}
    if not chars:
        return True
    common = 0
    for c in chars:
        try:
            c.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.95 * len(chars)


def _nul_refusal(data: bytes, pos: int, file_name: str) -> ExtractError:
    """A NUL byte: binary data, or one cell of a text file (row and column named)."""
    head = data[: min(pos, 8192)]
    control = re.search(rb"[\x01-\x08\x0b\x0c\x0e-\x1f]", head)
    if data[:65536].count(b"\x00") > 64 or control or not _decodes(head):
        return ExtractError(
            f"{file_name} is not a text (CSV) file: it holds binary data",
            "read_binary",
            file=file_name,
        )
    line_start = data.rfind(b"\n", 0, pos) + 1
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
    delimiter = _sniff_delimiter(first)
    prefix = data[line_start:pos].decode("utf-8", "replace")
    col = len(next(csv.reader([prefix], delimiter=delimiter), [""])) - 1 if prefix else 0
    headers = next(csv.reader([first], delimiter=delimiter), [])
    name = headers[col] if col < len(headers) else f"column {col + 1}"
    return ExtractError(
        f"{file_name}: row {_line_of(data, pos)}, column {name!r} holds a NUL byte "
        "(binary data in a text file); remove it and load again",
        "read_nul",
        file=file_name,
        row=_line_of(data, pos),
        column=name,
    )


def _decodes(data: bytes) -> bool:
    for enc in ("utf-8", "gb18030"):
        try:
            data.decode(enc)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 4:  # cut mid-character by the slice
                return True
    return False


def decode_text(
    data: bytes, file_name: str = "the file", encoding: str | None = None
) -> tuple[str, str]:
    """Decode CSV bytes with certainty, or refuse naming the first bad line.

    UTF-16 by BOM; UTF-8 (BOM or not) when the bytes are valid UTF-8; GBK/GB18030
    only when they decode and look like Chinese text; else the caller names it.
    """
    if len(data) > MAX_TEXT_BYTES:
        raise ExtractError(
            f"{file_name} is larger than {MAX_TEXT_BYTES >> 20:,} MB",
            "read_too_large",
            file=file_name,
            mb=f"{MAX_TEXT_BYTES >> 20:,}",
        )
    if encoding:
        return _decode_named(data, file_name, encoding)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _nul_refusal(data, nul, file_name)
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    where = f"line {_line_of(data, bad)} (byte 0x{data[bad]:02X})"
    at = {"file": file_name, "line": _line_of(data, bad), "byte": f"{data[bad]:02X}"}
    if _utf8_share(data.decode("utf-8", "replace")) > 0.5:
        # Most non-ASCII reads as UTF-8: a UTF-8 file with stray bytes, not another encoding.
        raise ExtractError(
            f"{file_name} mixes encodings: it reads as UTF-8 except at {where}; {ENCODING_HINT}",
            "read_mixed_encoding",
            **at,
        )
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if text and _looks_chinese(text):
        return text, "gb18030"
    raise ExtractError(
        f"{file_name} is not UTF-8 (at {where}) and does not read as GBK Chinese text; "
        f"{ENCODING_HINT}",
        "read_not_utf8",
        **at,
    )


def _utf8_share(lenient: str) -> float:
    """Of the non-ASCII characters, the share that decoded as UTF-8 (not U+FFFD)."""
    non_ascii = sum(1 for c in lenient if ord(c) > 127)
    return 1 - lenient.count("\ufffd") / non_ascii if non_ascii else 0.0


def _decode_named(data: bytes, file_name: str, encoding: str) -> tuple[str, str]:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ExtractError(
            f"{encoding!r} is not an encoding Python knows",
            "read_unknown_encoding",
            encoding=encoding,
        ) from None
    try:
        text = data.decode("utf-8-sig" if name == "utf-8" else name)
    except UnicodeDecodeError as exc:
        raise ExtractError(
            f"{file_name} is not valid {encoding}: line {_line_of(data, exc.start)} "
            f"(byte 0x{data[exc.start]:02X})",
            "read_bad_encoding",
            file=file_name,
            encoding=encoding,
            line=_line_of(data, exc.start),
            byte=f"{data[exc.start]:02X}",
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise _nul_refusal(text.encode("utf-8"), len(text[:nul].encode("utf-8")), file_name)
    return text, name


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _longest_line(raw: bytes) -> tuple[int, int]:
    """(bytes, line number) of the longest physical line; in chunks, so memory stays flat."""
    arr = np.frombuffer(raw, dtype=np.uint8)
    best, best_line, prev, lines = 0, 1, -1, 0
    step = 1 << 24
    for start in range(0, len(arr), step):
        ends = np.flatnonzero(arr[start : start + step] == 10) + start
        if len(ends):
            gaps = np.diff(ends, prepend=prev)
            k = int(np.argmax(gaps))
            if int(gaps[k]) - 1 > best:
                best, best_line = int(gaps[k]) - 1, lines + k + 1
            prev, lines = int(ends[-1]), lines + len(ends)
    if len(arr) - prev - 1 > best:
        best, best_line = len(arr) - prev - 1, lines + 1
    return best, best_line


def check_records(text: str, delimiter: str, headers: list[str], file_name: str) -> int:
    """Walk the records as RFC 4180 quotes them; refuse a quote that breaks the structure.

    A quote that never closes (it would swallow every later row into one value),
    one that opens inside an unquoted value, text after a closing quote and a
    record longer than MAX_LINE_BYTES are refused with the row where they start.
    Returns the number of records after the header (blank lines included).
    """
    d = re.escape(delimiter)
    field = f'(?:"[^"]*(?:""[^"]*)*"|[^"\\r\\n{d}]*)'
    record = re.compile(f"{field}(?:{d}{field})*")
    pos, row, n = 0, 0, len(text)
    while pos < n:
        row += 1
        m = record.match(text, pos)
        end = m.end() if m else pos
        if end - pos > MAX_LINE_BYTES:
            raise ExtractError(
                f"{file_name}: row {row} is {end - pos:,} characters long; "
                f"a row has at most {MAX_LINE_BYTES:,}",
                "read_row_too_long",
                file=file_name,
                row=row,
                length=f"{end - pos:,}",
                max=f"{MAX_LINE_BYTES:,}",
            )
        if end < n and text[end] not in "\r\n":
            raise _quote_problem(text, pos, end, row, delimiter, headers, file_name)
        pos = end + (2 if text.startswith("\r\n", end) else 1)
    return row - 1


def _quote_problem(
    text: str, start: int, at: int, row: int, delimiter: str, headers: list[str], file_name: str
) -> ExtractError:
    before = text[start:at]
    col = len(next(csv.reader([before], delimiter=delimiter), [""])) - 1 if before else 0
    name = headers[col] if 0 <= col < len(headers) else f"column {col + 1}"
    where = f"{file_name}: row {row}, column {name!r}"
    facts = {"file": file_name, "row": row, "column": name}
    if text[at] == '"' and (at == start or text[at - 1] == delimiter):
        return ExtractError(
            f"{where}: a quote opens here and never closes, so every later row would be "
            'read as part of this value; close the quote (a quote inside a value is doubled: "")',
            "read_quote_open",
            **facts,
        )
    if text[at] == '"':
        return ExtractError(
            f"{where}: a quote opens inside a value; quote the whole value and double the "
            'quote inside it ("5"" pipe")',
            "read_quote_inside",
            **facts,
        )
    return ExtractError(
        f"{where}: text follows a closing quote; quote the whole value",
        "read_quote_after",
        **facts,
    )


def _read_csv(data: bytes, file_name: str, encoding: str | None = None) -> Extract:
    text, encoding = decode_text(data, file_name, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise ExtractError(
            f"{file_name} is empty: it has no header and no rows", "read_empty", file=file_name
        )
    first_line = text.split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
    if first_line.count(delimiter) >= MAX_COLUMNS:
        raise _too_many_columns(file_name, first_line.count(delimiter) + 1)
    if encoding in ("utf-8", "utf-8-sig"):
        raw = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    else:
        raw = text.encode("utf-8")
    longest, line = _longest_line(raw)
    if longest > MAX_LINE_BYTES:
        raise ExtractError(
            f"{file_name}: line {line} is {longest:,} bytes long; a row has at most "
            f"{MAX_LINE_BYTES:,} (a value at most {MAX_FIELD_CHARS:,} characters)",
            "read_line_too_long",
            file=file_name,
            line=line,
            length=f"{longest:,}",
            max=f"{MAX_LINE_BYTES:,}",
            max_value=f"{MAX_FIELD_CHARS:,}",
        )
    try:
        headers = next(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ExtractError(
            f"{file_name}: the header row cannot be read ({exc})",
            "read_header",
            file=file_name,
            detail=exc,
        ) from None
    n = len(headers)
    records = check_records(text, delimiter, headers, file_name) if '"' in text else None
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
        if records is not None and records != table.num_rows:
            raise pa.ArrowInvalid("record count differs")  # the slow path counts exactly
        rows = None
        if table.num_columns and table.num_rows:
            blank = pc.is_null(table.column(0))
            for i in range(1, table.num_columns):
                blank = pc.and_(blank, pc.is_null(table.column(i)))
            if pc.any(blank).as_py():
                keep = pc.invert(blank)
                rows = pc.filter(pa.array(range(2, table.num_rows + 2), pa.int64()), keep)
                table = table.filter(keep)
        return Extract(
            file_name, "csv", headers, table, encoding=encoding, rows=rows, delimiter=delimiter
        )
    except pa.ArrowInvalid:
        return _read_csv_slow(text, file_name, headers, delimiter, encoding)


def _header_spans_lines(first_line: str, delimiter: str) -> bool:
    """A quoted header holding a newline: pyarrow's skip_rows would cut it, use the slow path."""
    return first_line.count('"') % 2 == 1


def _read_csv_slow(
    text: str, file_name: str, headers: list[str], delimiter: str, encoding: str
) -> Extract:
    """Python's csv module: tolerates blank lines and short rows, names a row that is too long."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES + 1))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    n = len(headers)
    cols: list[list[str | None]] = [[] for _ in range(n)]
    kept: list[int] = []
    try:
        next(reader)
        for index, record in enumerate(reader):
            row = index + 2  # one record is one spreadsheet row; the header is row 1
            values = [v if v != "" else None for v in record]
            if not any(v is not None and v.strip() for v in values):
                continue  # a blank line: not data, but it keeps its row number
            if len(values) > n and any(v is not None for v in values[n:]):
                raise ExtractError(
                    f"{file_name}: row {row} has {len(values)} fields but the header has {n}",
                    "read_field_count",
                    file=file_name,
                    row=row,
                    n=len(values),
                    header=n,
                )
            values = (values + [None] * n)[:n]
            for i, v in enumerate(values):
                cols[i].append(v)
            kept.append(row)
    except csv.Error as exc:
        raise ExtractError(
            f"{file_name}: row {reader.line_num} cannot be read ({exc})",
            "read_row",
            file=file_name,
            row=reader.line_num,
            detail=exc,
        ) from None
    table = pa.table({f"f{i}": pa.array(c, pa.string()) for i, c in enumerate(cols)})
    return Extract(
        file_name,
        "csv",
        headers,
        table,
        encoding=encoding,
        rows=pa.array(kept, pa.int64()),
        delimiter=delimiter,
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
    """Whole numbers without '.0'; others in full (never 1e-05: exponents are refused)."""
    if value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    text = repr(value)
    return format(decimal.Decimal(text), "f") if "e" in text else text


def _percent_text(value: float) -> str:
    """A percent-formatted cell as the user sees it: 0.0435 -> '4.35%' (exact, no float noise)."""
    shown = (decimal.Decimal(repr(float(value))) * 100).normalize()
    return format(shown, "f") + "%"


def _read_xlsx(data: bytes, file_name: str, sheet: str | None) -> Extract:
    names = sheet_names(data, file_name)
    if not names:
        raise ExtractError(f"{file_name} has no sheets", "read_no_sheets", file=file_name)
    if sheet is not None and sheet not in names:
        raise ExtractError(
            f"{file_name} has no sheet named {sheet!r}; its sheets are: {', '.join(names)}",
            "read_no_sheet",
            file=file_name,
            sheet=sheet,
            sheets=", ".join(names),
        )
    chosen = sheet if sheet is not None else names[0]
    try:
        percent_cells = xlsx.inspect(data, chosen)
    except xlsx.XlsxError as exc:
        raise ExtractError(
            f"{file_name}: {exc}", "read_workbook", file=file_name, detail=exc
        ) from None
    try:
        df = pd.read_excel(
            io.BytesIO(data), sheet_name=chosen, engine="calamine", header=None, dtype=object
        )
    except Exception as exc:
        raise ExtractError(
            f"cannot read sheet {chosen!r} of {file_name}: {exc}",
            "read_sheet",
            file=file_name,
            sheet=chosen,
            detail=exc,
        ) from exc
    if df.shape[0] == 0:
        raise ExtractError(
            f"sheet {chosen!r} of {file_name} is empty: no header and no rows",
            "read_sheet_empty",
            file=file_name,
            sheet=chosen,
        )
    if df.shape[1] > MAX_COLUMNS:
        raise _too_many_columns(file_name, df.shape[1])
    header_cells = [_cell_text(v) for v in df.iloc[0].tolist()]
    # Trailing columns with neither header nor any value are formatting, not data.
    width = len(header_cells)
    while width and header_cells[width - 1] is None and df.iloc[1:, width - 1].isna().all():
        width -= 1
    headers = [h or "" for h in header_cells[:width]]
    body = df.iloc[1:, :width]
    cols = [[_cell_text(v) for v in body.iloc[:, i].tolist()] for i in range(width)]
    for row, col in percent_cells:
        value = body.iat[row - 2, col] if 0 <= row - 2 < body.shape[0] and col < width else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            cols[col][row - 2] = _percent_text(value)
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


def _parquet_error(file_name: str, exc: Exception) -> ExtractError:
    return ExtractError(
        f"cannot read {file_name} as Parquet: {exc}", "read_parquet", file=file_name, detail=exc
    )


def _read_parquet(data: bytes, file_name: str) -> Extract:
    try:
        meta = pq.ParquetFile(pa.BufferReader(data)).metadata
    except Exception as exc:
        raise _parquet_error(file_name, exc) from exc
    if meta.num_columns > MAX_COLUMNS:
        raise _too_many_columns(file_name, meta.num_columns)
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > MAX_PARQUET_UNCOMPRESSED:
        raise ExtractError(
            f"{file_name} unpacks to {size / 2**20:,.0f} MB; at most "
            f"{MAX_PARQUET_UNCOMPRESSED >> 20:,} MB are read",
            "read_parquet_too_large",
            file=file_name,
            size=f"{size / 2**20:,.0f}",
            max=f"{MAX_PARQUET_UNCOMPRESSED >> 20:,}",
        )
    try:
        table = pq.read_table(pa.BufferReader(data))
    except Exception as exc:
        raise _parquet_error(file_name, exc) from exc
    headers = [str(n) for n in table.column_names]
    return Extract(file_name, "parquet", headers, _typed_table_to_text(table))


def _typed_table_to_text(table: pa.Table) -> pa.Table:
    """Each typed column as text in the forms a CSV export would hold; columns f0, f1, ..."""
    out: dict[str, pa.Array | pa.ChunkedArray] = {}
    for i in range(table.num_columns):
        out[f"f{i}"] = column_text(table.column(i))
    return pa.table(out) if out else pa.table({})


def column_text(col: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """One typed column as text, in the forms a CSV export would hold (None for empty)."""
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
