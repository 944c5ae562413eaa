"""Typing and checking in SQL: every rule of the contract over a staging table.

Each file's raw text is registered with DuckDB, typed by SQL generated from the
contract (`stage`) and checked by one CREATE TABLE AS over a UNION ALL of every
rule (`check_rows`); each staged row keeps `_row`, its row number as a
spreadsheet user sees it. Identifiers come only from the contract; values are
bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from metrics.contract import TABLES, Column, Table
from metrics.load.headers import match_headers
from metrics.load.parse import Extract, column_text
from metrics.load.report import MAX_PROBLEMS, LoadReport, Note, Problem

# Value patterns, applied to the trimmed text of a cell.
_DECIMAL_RE = r"[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d*)?|[+-]?\.\d+"
_EXPONENT_RE = r"[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+"
# How Excel's General format shows a long number it has rounded: 1.23457E+11.
_EXCEL_MANGLED_RE = r"\d\.\d+E\+\d+"
_INTEGER_RE = r"[+-]?(\d+|\d{1,3}(,\d{3})+)(\.0*)?"
_DATE_RE = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})([ T]0{1,2}:00(:00(\.0+)?)?)?"
_MONTH_RE = r"(\d{4})[-/.](\d{1,2})"
_TIMESTAMP_RE = r"\d{4}[-/]\d{1,2}[-/]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
_EXCEL_SERIAL_RE = r"\d{5,7}(\.0+)?"  # 10000 = 1927-05-18: no plausible date is smaller
# What makes an id inexact: surrounding whitespace, or an invisible character anywhere
# (zero-width space/joiners, word joiner, BOM, no-break and ideographic space).
_UNCLEAN_ID_RE = r"^\s|\s$|[\x{200B}-\x{200D}\x{2060}\x{FEFF}\x{00A0}\x{3000}]"
CLEAN_ID = (
    "an exact id: no leading or trailing spaces and no invisible characters "
    "(zero-width space, no-break space, BOM)"
)
APPEND_ONLY_NEW = "append adds new rows only; use upsert to replace stored rows"
NOT_SCIENTIFIC = "written out in full, not in scientific notation (precision lost)"
# Units of the contract a spreadsheet shows as a percent: the stored number is the percent.
PERCENT_COLUMNS = frozenset({("loans", "interest_rate")})


class Sql:
    """Collects bound parameters while SQL text is generated from contract identifiers."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}

    def p(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"


@dataclass(frozen=True)
class Source:
    """What the file's format says about its text: which spellings are trustworthy."""

    excel_serials: bool = False  # a whole number in a date column is an Excel day number
    exponents: bool = False  # 1.5e-05 is a typed float, not a mangled amount
    commas: bool = True  # a comma in a number is a thousands separator (not so under ';')

    @classmethod
    def of(cls, extract: Extract) -> Source:
        typed = extract.format in ("parquet", "frame")
        return cls(
            excel_serials=extract.format == "xlsx",
            exponents=typed,
            commas=extract.delimiter in (None, ","),
        )


def _percent(table: Table, col: Column) -> bool:
    return (table.name, col.name) in PERCENT_COLUMNS


def parse_expr(table: Table, col: Column, raw: str, q: Sql, src: Source) -> str:
    """SQL turning the raw text column `raw` into the column's stored type (NULL if invalid)."""
    s = f"trim({raw})"
    if col.type == "text":
        if col.choices:
            whens = []
            for canonical, spellings in col.choices.items():
                for spelling in (canonical, *spellings):
                    whens.append(f"WHEN {q.p(spelling.strip().lower())} THEN {q.p(canonical)}")
            return f"CASE lower({s}) {' '.join(whens)} END"
        return f"CASE WHEN {s} = '' THEN NULL ELSE {raw} END"
    if col.type == "decimal":
        if _percent(table, col):  # "4.35%" (as Excel shows a percent cell) is 4.35
            s = f"regexp_replace({s}, '\\s*%$', '')"
        # Extra decimals are refused, never rounded: the exact value must fit the scale.
        clean = f"replace({s}, ',', '')" if src.commas else s
        pattern = _DECIMAL_RE + (f"|{_EXPONENT_RE}" if src.exponents else "")
        return (
            f"CASE WHEN regexp_full_match({s}, '{pattern}') "
            f"AND TRY_CAST({clean} AS DECIMAL(38,12)) = TRY_CAST({clean} AS {col.sql_type}) "
            f"THEN TRY_CAST({clean} AS {col.sql_type}) END"
        )
    if col.type == "integer":
        no_comma = "" if src.commas else f"AND NOT contains({s}, ',') "
        return (
            f"CASE WHEN regexp_full_match({s}, '{_INTEGER_RE}') {no_comma}THEN TRY_CAST("
            f"regexp_replace(replace({s}, ',', ''), '\\.0*$', '') AS BIGINT) END"
        )
    if col.type == "date":
        return _date_expr(s, src.excel_serials)
    if col.type == "month":
        return (
            f"CASE WHEN regexp_full_match({s}, '{_MONTH_RE}') THEN TRY_STRPTIME("
            f"regexp_replace({s}, '[/.]', '-', 'g') || '-1', '%Y-%m-%d')::DATE "
            f"WHEN regexp_full_match({s}, '\\d{{6}}') THEN TRY_STRPTIME({s}, '%Y%m')::DATE "
            f"ELSE date_trunc('month', {_date_expr(s, src.excel_serials)})::DATE END"
        )
    # timestamp
    return (
        f"CASE WHEN regexp_full_match({s}, '{_TIMESTAMP_RE}') "
        f"THEN TRY_CAST(replace({s}, '/', '-') AS TIMESTAMP) "
        f"WHEN regexp_full_match({s}, '\\d{{8}}') THEN TRY_STRPTIME({s}, '%Y%m%d') END"
    )


def _date_expr(s: str, excel_serials: bool) -> str:
    serial = (
        f"WHEN regexp_full_match({s}, '{_EXCEL_SERIAL_RE}') "
        f"AND TRY_CAST({s} AS DOUBLE) BETWEEN 1 AND 2958465 "
        f"THEN DATE '1899-12-30' + TRY_CAST(TRY_CAST({s} AS DOUBLE) AS INTEGER) "
        if excel_serials
        else ""
    )
    return (
        f"CASE WHEN regexp_full_match({s}, '\\d{{8}}') THEN TRY_STRPTIME({s}, '%Y%m%d')::DATE "
        f"WHEN regexp_full_match({s}, '{_DATE_RE}') THEN TRY_STRPTIME("
        f"regexp_extract({s}, '^(\\d{{4}})[-/.](\\d{{1,2}})[-/.](\\d{{1,2}})', 0), "
        f"['%Y-%m-%d', '%Y/%m/%d', '%Y.%m.%d'])::DATE "
        f"{serial}END"
    )


def native_expr(col: Column, raw: str, typ: pa.DataType) -> str | None:
    """SQL typing a column from a typed value `raw` of arrow type `typ` (NULL where the value
    does not fit, as its text would not), or None where the value goes through text."""
    if pa.types.is_timestamp(typ) and typ.tz is not None:
        return None
    is_time = pa.types.is_timestamp(typ)
    whole_day = f"{raw} = date_trunc('day', {raw})" if is_time else "TRUE"
    if col.type == "integer" and pa.types.is_integer(typ):
        return f"TRY_CAST({raw} AS BIGINT)"
    if col.type == "decimal" and pa.types.is_integer(typ):
        return f"TRY_CAST({raw} AS {col.sql_type})"
    if col.type == "decimal" and pa.types.is_decimal(typ):
        return _decimal_fit(raw, col.sql_type)
    if col.type == "decimal" and pa.types.is_floating(typ):
        # The float nearest a number of the column's scale is that number; any other float
        # is judged by its text, as a Parquet file's would be (stage gives it as float64).
        typed = f"TRY_CAST({raw} AS {col.sql_type})"
        text = f"CAST({raw} AS VARCHAR)"
        return (
            f"CASE WHEN CAST({typed} AS DOUBLE) = {raw} THEN {typed} "
            f"WHEN {_decimal_fit(text, col.sql_type)} IS NOT NULL "
            f"THEN {_decimal_fit(text, col.sql_type)} END"
        )
    if not (is_time or pa.types.is_date(typ)):
        return None
    if col.type == "date":  # a timestamp with a time of day is not a date
        return f"CASE WHEN {whole_day} THEN CAST({raw} AS DATE) END"
    if col.type == "month":
        return f"CASE WHEN {whole_day} THEN CAST(date_trunc('month', {raw}) AS DATE) END"
    if col.type == "timestamp":  # whole seconds, as a timestamp's text holds
        return f"CAST(date_trunc('second', CAST({raw} AS TIMESTAMP)) AS TIMESTAMP)"
    return None


def native_text(raw: str, typ: pa.DataType) -> str:
    """SQL of a typed value's text, in the forms a Parquet file's value is read as (parse):
    whole numbers without '.0', a midnight timestamp as its date, whole seconds."""
    if pa.types.is_floating(typ):
        return (
            f"CASE WHEN {raw} = trunc({raw}) AND abs({raw}) < 1e17 "
            f"THEN CAST(CAST({raw} AS BIGINT) AS VARCHAR) ELSE CAST({raw} AS VARCHAR) END"
        )
    if pa.types.is_timestamp(typ):
        return (
            f"CASE WHEN {raw} = date_trunc('day', {raw}) THEN CAST(CAST({raw} AS DATE) AS VARCHAR) "
            f"ELSE CAST(CAST(date_trunc('second', CAST({raw} AS TIMESTAMP)) AS TIMESTAMP) "
            f"AS VARCHAR) END"
        )
    return f"CAST({raw} AS VARCHAR)"


def _decimal_fit(value: str, sql_type: str) -> str:
    """SQL of `value` as `sql_type` where it fits the scale exactly (extra decimals are
    refused, never rounded), else NULL."""
    typed = f"TRY_CAST({value} AS {sql_type})"
    return f"CASE WHEN TRY_CAST({value} AS DECIMAL(38,12)) = {typed} THEN {typed} END"


@dataclass
class Staged:
    """One file staged for a load: its report, matched columns and staging table."""

    table: Table
    extract: Extract
    report: LoadReport
    positions: dict[str, int]  # canonical column -> position of its header in the file
    header_errors: bool = False
    # Columns staged from a typed value (a native frame): r_<column> holds the value, not text.
    native: dict[str, pa.DataType] = field(default_factory=dict)
    # True when the caller checks the stored keys for case variants itself, once over the
    # whole table after its last load (`stored_case_variants`): the demo build's appended
    # chunks. Every other key rule still runs here.
    case_checked_later: bool = False

    @property
    def typed(self) -> str:
        return f"_typed_{self.table.name}"

    @property
    def problems(self) -> str:
        return f"_problems_{self.table.name}"

    def header_of(self, column: str) -> str:
        return self.extract.headers[self.positions[column]]

    def text(self, column: str, alias: str = "") -> str:
        """SQL of a cell as text: the file's own characters, or a typed value's text."""
        raw = f"{alias}.r_{column}" if alias else f"r_{column}"
        return native_text(raw, self.native[column]) if column in self.native else raw

    def blank(self, column: str) -> str:
        """SQL true where the cell is empty."""
        raw = f"r_{column}"
        return f"{raw} IS NULL" if column in self.native else _blank(raw)


def new_report(table: str, extract: Extract, mode: str) -> LoadReport:
    """An empty report for one file."""
    return LoadReport(
        table=table,
        file_name=extract.name,
        format=extract.format,
        encoding=extract.encoding,
        mode=mode,
        rows_in=extract.n_rows,
        checksum=extract.checksum,
    )


def unknown_columns_warning(table: str, labels: list[str]) -> str:
    """One line for every header the contract does not know, however many there are."""
    if len(labels) == 1:
        return f"column {labels[0]!r} is not part of {table}; it was not stored"
    shown = ", ".join(repr(x) for x in labels[:10])
    more = f" and {len(labels) - 10} more" if len(labels) > 10 else ""
    return f"{len(labels)} columns are not part of {table} and were not stored: {shown}{more}"


def match_file(
    table: Table, extract: Extract, mode: str, mapping: dict[str, str | None] | None
) -> Staged:
    """Header matching and the file-level checks (duplicate or missing columns, no rows)."""
    report = new_report(table.name, extract, mode)
    staged = Staged(table, extract, report, {})
    report.header_map = match_headers(table, extract.headers, mapping)
    file_problems: list[Problem] = []
    unknown: list[str] = []
    for pos, m in enumerate(report.header_map):
        if m.column is None:
            if m.how == "unknown":
                unknown.append(m.header or f"(column {pos + 1} has no header)")
            continue
        if m.column in staged.positions:
            first = extract.headers[staged.positions[m.column]]
            file_problems.append(
                Problem(
                    1,
                    m.header,
                    m.header,
                    f"each column once: {first!r} and {m.header!r} both name {m.column}",
                    "column_twice",
                    (("field", m.column), ("arg", first)),
                )
            )
            continue
        staged.positions[m.column] = pos
    if unknown:
        report.warnings.append(unknown_columns_warning(table.name, unknown))
        report.notes.append(
            Note("unknown_columns", (("table", table.name), ("columns", ", ".join(unknown))))
        )
    missing = [c for c in table.columns if c.required and c.name not in staged.positions]
    for col in missing:
        file_problems.append(
            Problem(
                1,
                col.name,
                None,
                f"a column {col.name} ({col.alias}): {col.expected()}",
                "column_missing",
                (("field", col.name),),
            )
        )
    messages = []
    if missing:
        names = ", ".join(f"{c.name} ({c.alias})" for c in missing)
        messages.append(f"missing required column(s): {names}")
        report.message_codes.append(
            Note("columns_missing", (("columns", ", ".join(c.name for c in missing)),))
        )
    if any(p.code == "column_twice" for p in file_problems):
        messages.append("a column is named twice in the header")
        report.message_codes.append(Note("column_twice"))
    if extract.n_rows == 0:
        messages.append("the file has no data rows")
        report.message_codes.append(Note("no_rows"))
    if file_problems or extract.n_rows == 0:
        staged.header_errors = True
        report.problems = file_problems[:MAX_PROBLEMS]
        report.total_problems = len(file_problems)
        report.rows_refused = extract.n_rows
        report.message = "; ".join(messages)
    return staged


def stage(con: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Register the raw text and build the typed staging table `_typed_<table>`.

    A native extract's typed columns are typed from their values where the contract's
    type takes them (`native_expr`); text columns, and any other, go through text.
    """
    table, ext = staged.table, staged.extract
    arrays: dict[str, Any] = {"_row": ext.row_numbers()}
    native: dict[str, str] = {}
    for name, pos in staged.positions.items():
        values = ext.table.column(pos)
        if ext.native:
            expr = native_expr(table.column(name), f"r_{name}", values.type)
            if expr is None:
                values = column_text(values)
            else:
                native[name] = expr
                if pa.types.is_floating(values.type):  # NaN is an empty cell, as in text
                    values = values.cast(pa.float64())
                    values = pc.if_else(pc.is_nan(values), None, values)
        arrays[f"r_{name}"] = values
    staged.native = {name: arrays[f"r_{name}"].type for name in native}
    raw_name = f"_raw_{table.name}"
    con.register(raw_name, pa.table(arrays))
    q = Sql()
    src = Source.of(ext)
    cols = ["_row"]
    for col in table.columns:
        if col.name in staged.positions:
            raw = f"r_{col.name}"
            cols.append(raw)
            expr = native.get(col.name) or parse_expr(table, col, raw, q, src)
            cols.append(f"CAST({expr} AS {col.sql_type}) AS {col.name}")
        else:
            cols.append(f"CAST(NULL AS {col.sql_type}) AS {col.name}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {staged.typed} AS SELECT {', '.join(cols)} FROM {raw_name}",
        q.params,
    )
    con.unregister(raw_name)


def _blank(raw: str) -> str:
    return f"({raw} IS NULL OR trim({raw}) = '')"


def _id_columns(table: Table) -> list[Column]:
    """Text columns that are a key or point at one: they must be exact."""
    refs = {c.name for c, _, _ in table.references()}
    return [
        c for c in table.columns if c.type == "text" and (c.name in table.key or c.name in refs)
    ]


def _format_rules(
    table: Table, col: Column, raw: str, src: Source, q: Sql
) -> list[tuple[str, str, str]]:
    """(condition, expected, code) for the spellings refused with their own reason, not
    'not a number'."""
    s = f"trim({raw})"
    rules: list[tuple[str, str, str]] = []
    if col.type in ("decimal", "integer") and not src.exponents:
        rules.append(
            (
                f"regexp_full_match({s}, '{_EXPONENT_RE}')",
                f"a number {NOT_SCIENTIFIC}",
                "scientific",
            )
        )
    if col.type in ("decimal", "integer") and not src.commas:
        rules.append(
            (
                f"contains({s}, {q.p(',')})",
                "a number without ',' (ambiguous in a file not delimited by commas: "
                "a thousands or a decimal separator?)",
                "comma",
            )
        )
    if col.type == "decimal" and not _percent(table, col):
        rules.append((f"ends_with({s}, {q.p('%')})", f"{col.expected()}, not a percent", "percent"))
    return rules


def check_rows(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    batch: dict[str, Staged],
    mode: str,
) -> None:
    """Materialise every row-level problem of one staged file as `_problems_<table>`.

    One CREATE TABLE AS over a UNION ALL of every check, never a series of
    INSERTs: DuckDB 2.0 inside an explicit transaction hides the rows of a large
    INSERT that follows an INSERT of zero rows into the same table (measured
    here), and a statement per check would also scan the file once per check.
    """
    table, t = staged.table, staged.typed
    src = Source.of(staged.extract)
    q = Sql()
    parts: list[str] = []
    values = _distinct_values(con, staged)

    def add(
        pos: int,
        value_sql: str,
        expected_sql: str,
        where: str,
        code: str,
        field: str,
        arg_sql: str = "NULL",
        of: str | None = None,
    ) -> None:
        """One check: rows where `where` holds; a rule of column `of`'s value alone is tested
        once per distinct value where those are staged (`_distinct_values`)."""
        if of in values:
            where = (
                f"EXISTS (SELECT 1 FROM {values[of]} u WHERE u.r_{of} IS NOT DISTINCT FROM "
                f"{t}.r_{of} AND ({where}))"
            )
        parts.append(
            f"SELECT _row AS row, {q.p(pos)}::INTEGER AS pos, "
            f"CAST({value_sql} AS VARCHAR) AS value, CAST({expected_sql} AS VARCHAR) "
            f"AS expected, {q.p(code)} AS code, {q.p(field)} AS field, "
            f"CAST({arg_sql} AS VARCHAR) AS arg FROM {t} WHERE {where}"
        )

    ids = {c.name for c in _id_columns(table)}
    for col in table.columns:
        if col.name not in staged.positions:
            continue
        pos, raw, v = staged.positions[col.name], staged.text(col.name), col.name
        blank = staged.blank(col.name)
        if col.required:
            need = "a value (required)" + (
                "" if col.expected() == "text" else f": {col.expected()}"
            )
            add(pos, "NULL", q.p(need), blank, "required", col.name, of=col.name)
        # Spelling rules are for text; a typed value (a native frame's) has no spelling.
        native = col.name in staged.native
        rules = [] if native else _format_rules(table, col, raw, src, q)
        if col.name in ids and not native:
            rules.append(
                (
                    # contains() first: a cheap necessary condition of the pattern
                    f"contains({raw}, 'E+') AND regexp_full_match(trim({raw}), "
                    f"'{_EXCEL_MANGLED_RE}')",
                    f"an id {NOT_SCIENTIFIC}",
                    "id_scientific",
                )
            )
            rules.append((f"regexp_matches({raw}, '{_UNCLEAN_ID_RE}')", CLEAN_ID, "id_unclean"))
        if col.type == "text" and not native:
            rules.append((f"contains({raw}, chr(0))", "text without NUL characters", "nul"))
        for cond, expected, code in rules:
            add(pos, raw, q.p(expected), f"NOT {blank} AND {cond}", code, col.name, of=col.name)
        special = " OR ".join(f"coalesce({cond}, FALSE)" for cond, _, _ in rules) or "FALSE"
        add(
            pos,
            raw,
            q.p(col.expected()),
            f"NOT {blank} AND {v} IS NULL AND NOT ({special})",
            "invalid",
            col.name,
            of=col.name,
        )
        if col.minimum is not None or col.maximum is not None:
            conds = []
            if col.minimum is not None:
                op = "<=" if col.exclusive_minimum else "<"
                conds.append(f"{v} {op} {q.p(col.minimum)}")
            if col.maximum is not None:
                conds.append(f"{v} > {q.p(col.maximum)}")
            add(
                pos,
                raw,
                q.p(col.expected()),
                f"{v} IS NOT NULL AND ({' OR '.join(conds)})",
                "invalid",
                col.name,
            )
        if col.not_before and col.not_before in staged.positions:
            other = col.not_before
            add(
                pos,
                raw,
                f"{q.p(f'{col.expected()}; {staged.header_of(other)} is ')} || "
                f"{staged.text(other)}",
                f"{v} IS NOT NULL AND {other} IS NOT NULL AND {v} < {other}",
                "before_other",
                col.name,
                f"{q.p(staged.header_of(other) + ' = ')} || {staged.text(other)}",
            )
    # Funnel stage dates: a present date never precedes an earlier present stage.
    present = [c for c in table.ordered_dates if c in staged.positions]
    for i, name in enumerate(present[1:], start=1):
        earlier = present[:i]
        latest = f"greatest({', '.join(earlier)})"
        label = q.p(f"a date not before the earlier stages ({', '.join(earlier)}), here ")
        add(
            staged.positions[name],
            staged.text(name),
            f"{label} || strftime({latest}, '%Y-%m-%d')",
            f"{name} IS NOT NULL AND {latest} IS NOT NULL AND {name} < {latest}",
            "before_stage",
            name,
            f"strftime({latest}, '%Y-%m-%d')",
        )
    if all(k in staged.positions for k in table.key):
        parts += _key_checks(staged, mode, q)
    # Foreign keys, against what the store will hold after the whole batch.
    for col, parent_name, parent_col in table.references():
        if col.name not in staged.positions:
            continue
        keys_sql = _post_load_keys(TABLES[parent_name], parent_col, batch, mode)
        add(
            staged.positions[col.name],
            staged.text(col.name),
            q.p(col.expected()),
            f"{col.name} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ({keys_sql}) k "
            f"WHERE k.v = {col.name})",
            "no_parent",
            col.name,
            of=col.name,
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {staged.problems} AS {' UNION ALL '.join(parts)}",
        q.params,
    )
    for name in values.values():
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _distinct_values(con: duckdb.DuckDBPyConnection, staged: Staged) -> dict[str, str]:
    """For a native frame (the demo bank's), each text column's distinct values, staged as
    `_values_<table>_<column>` with their typed value: a rule about a value alone (spelling,
    choices, a foreign key) is then tested once per value, not once per row. The rules are
    the same; a file's text columns are tested row by row."""
    if not staged.extract.native:
        return {}
    out: dict[str, str] = {}
    for col in staged.table.columns:
        if col.type != "text" or col.name not in staged.positions or col.name in staged.native:
            continue
        if staged.table.key == (col.name,):  # the key alone: as many values as rows
            continue
        name = f"_values_{staged.table.name}_{col.name}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS "
            f"SELECT DISTINCT r_{col.name}, {col.name} FROM {staged.typed}"
        )
        out[col.name] = name
    return out


def _key_checks(staged: Staged, mode: str, q: Sql) -> list[str]:
    """Key unique within the file, not a case variant of another key of the file or the store,
    and (append) not stored yet.

    Each check first narrows the rows with a necessary condition that is cheap to test on
    millions of rows (a repeated hash of the key, a column value that has a case variant),
    then applies the exact rule to those rows only: the same problems, found in a fraction
    of the time of a window or a join over every row.
    """
    table, t = staged.table, staged.typed
    key = table.key
    pos0 = q.p(staged.positions[key[0]])
    part = ", ".join(key)
    raw_key = _raw_key(staged, key)
    text_key = [c.name for c in table.columns if c.type == "text" and c.name in key]
    not_null = " AND ".join(f"{k} IS NOT NULL" for k in key)
    what = " + ".join(key)
    # Rows sharing a key share its hash: only rows whose hash repeats can repeat the key.
    repeated_hash = (
        f"SELECT h FROM (SELECT hash({part}) AS h FROM {t} WHERE {not_null}) "
        f"GROUP BY h HAVING count(*) > 1"
    )
    on = " AND ".join(f"n.{k} = d.{k}" for k in key)
    out = [
        f"SELECT n._row AS row, {pos0}::INTEGER AS pos, {_raw_key(staged, key, 'n')} AS value, "
        f"{q.p(f'a {what} not repeated in the file (first in row ')} || n.first_row || ')' "
        f"AS expected, 'key_repeated' AS code, {q.p(what)} AS field, "
        f"CAST(n.first_row AS VARCHAR) AS arg FROM (WITH c AS MATERIALIZED (SELECT * FROM {t} "
        f"WHERE {not_null} AND hash({part}) IN ({repeated_hash})) SELECT n.*, d.first_row "
        f"FROM c n JOIN (SELECT {part}, min(_row) AS first_row FROM c GROUP BY {part} "
        f"HAVING count(*) > 1) d ON {on} WHERE n._row > d.first_row) n"
    ]
    if not text_key:
        return out
    # Keys differing by letter case differ in a text column whose values there are case
    # variants of each other: only rows holding such a value can be a case variant.
    variant = " OR ".join(f"{k} IN ({_case_variants(k, t)})" for k in text_key)
    folds = ", ".join(f"lower({k}) AS f_{k}" if k in text_key else f"{k} AS f_{k}" for k in key)
    varied = " OR ".join(f"min({k}) <> max({k})" for k in text_key)
    in_group = " AND ".join(
        f"lower(n.{k}) = g.f_{k}" if k in text_key else f"n.{k} = g.f_{k}" for k in key
    )
    same = " AND ".join(f"n.{k} = f.{k}" for k in key)
    first_v = _raw_key(staged, key, "f")
    out.append(
        f"SELECT n._row AS row, {pos0}::INTEGER AS pos, {_raw_key(staged, key, 'n')} AS value, "
        f"{q.p(f'a {what} that differs from another key by more than letter case (')} "
        f"|| {first_v} || ' in row ' || f._row || ')' AS expected, 'key_case_file' AS code, "
        f"{q.p(what)} AS field, {first_v} || ' / ' || f._row AS arg "
        f"FROM (WITH c AS MATERIALIZED (SELECT * FROM {t} WHERE {not_null} AND ({variant})) "
        f"SELECT n.*, g.first_row FROM c n JOIN (SELECT {folds}, min(_row) AS first_row FROM c "
        f"GROUP BY ALL HAVING {varied}) g ON {in_group}) n JOIN {t} f ON f._row = n.first_row "
        f"WHERE NOT ({same})"
    )
    # replace drops the stored keys: only the file's own count
    if mode != "replace" and not staged.case_checked_later:
        stored = f"main.{table.name}"
        fold_match = " AND ".join(
            f"lower(s.{k}) = lower(n.{k})" if k in text_key else f"s.{k} = n.{k}" for k in key
        )
        exact = " AND ".join(f"s.{k} = n.{k}" for k in key)
        stored_key = " || ' / ' || ".join(f"s.{k}" for k in key)
        # (file value, stored value) pairs of each text key column differing by case only,
        # found once from the distinct values of both sides.
        pairs = ", ".join(
            f"_case_{k} AS MATERIALIZED ({_case_variants(k, t, stored)})" for k in text_key
        )
        mine = " OR ".join(f"{k} IN (SELECT mine FROM _case_{k})" for k in text_key)
        theirs = " OR ".join(f"{k} IN (SELECT theirs FROM _case_{k})" for k in text_key)
        out.append(
            f"SELECT * FROM (WITH {pairs} "
            f"SELECT n._row AS row, {pos0}::INTEGER AS pos, {raw_key} AS value, "
            f"{q.p(f'a {what} that differs from a stored key by more than letter case (stored: ')}"
            f" || min({stored_key}) || ')' AS expected, 'key_case_stored' AS code, "
            f"{q.p(what)} AS field, min({stored_key}) AS arg FROM (SELECT * FROM {t} "
            f"WHERE {mine}) n JOIN (SELECT * FROM {stored} WHERE {theirs}) s "
            f"ON {fold_match} AND NOT ({exact}) GROUP BY ALL)"
        )
    if mode == "append":
        match = " AND ".join(f"s.{k} = {t}.{k}" for k in key)
        # A stored key holds each of its values: a file row whose value of some key column
        # is nowhere in that stored column cannot be stored yet.
        held = "".join(
            f" AND {k} IN (SELECT DISTINCT {k} FROM main.{table.name})"
            for k in (text_key if len(key) > 1 else [])
        )
        out.append(
            f"SELECT _row AS row, {pos0}::INTEGER AS pos, {raw_key} AS value, "
            f"{q.p(f'a {what} not already stored ({APPEND_ONLY_NEW})')} "
            f"AS expected, 'key_stored' AS code, {q.p(what)} AS field, NULL AS arg "
            f"FROM {t} WHERE {not_null}{held} "
            f"AND EXISTS (SELECT 1 FROM main.{table.name} s WHERE {match})"
        )
    return out


def stored_case_variants(
    con: duckdb.DuckDBPyConnection, table: Table, limit: int = MAX_PROBLEMS
) -> tuple[int, list[str]]:
    """Stored keys of `table` that differ from another stored key by letter case only: how
    many groups of such keys, and up to `limit` of them ('2024-01-01 / C1 / FEE = ...').

    The rules key_case_file and key_case_stored at once over every stored row: a series of
    loads each made with `Staged.case_checked_later` (the demo build's chunks) is checked
    by this once, after its last load, instead of each load against every stored row. The
    same narrowing as `_key_checks`: only rows holding a value with a case variant in its
    column can be such a key.
    """
    key = table.key
    text_key = [c.name for c in table.columns if c.type == "text" and c.name in key]
    if not text_key:
        return 0, []
    src = f"main.{table.name}"
    not_null = " AND ".join(f"{k} IS NOT NULL" for k in key)
    variant = " OR ".join(f"{k} IN ({_case_variants(k, src)})" for k in text_key)
    folds = ", ".join(f"lower({k})" if k in text_key else k for k in key)
    varied = " OR ".join(f"min({k}) <> max({k})" for k in text_key)
    shown = " || ' / ' || ".join(f"CAST({k} AS VARCHAR)" for k in key)
    rows = con.execute(
        f"WITH c AS MATERIALIZED (SELECT DISTINCT {', '.join(key)} FROM {src} "
        f"WHERE {not_null} AND ({variant})) "
        f"SELECT string_agg({shown}, ' = ' ORDER BY {shown}) AS keys, count(*) OVER () AS n "
        f"FROM c GROUP BY {folds} HAVING {varied} ORDER BY keys LIMIT $limit",
        {"limit": limit},
    ).fetchall()
    return (int(rows[0][1]) if rows else 0), [str(r[0]) for r in rows]


def _case_variants(column: str, source: str, other: str | None = None) -> str:
    """SQL of the values of `source`.column that differ only by letter case from another
    value of that column; with `other`: the pairs (mine, theirs) of a `source` value and an
    `other` value differing by case only."""
    values = f"SELECT DISTINCT {column} AS v FROM {source} WHERE {column} IS NOT NULL"
    if other is None:
        return (
            f"SELECT v FROM (SELECT v, count(*) OVER (PARTITION BY lower(v)) AS k "
            f"FROM ({values})) WHERE k > 1"
        )
    others = f"SELECT DISTINCT {column} AS v FROM {other} WHERE {column} IS NOT NULL"
    return (
        f"SELECT a.v AS mine, b.v AS theirs FROM ({values}) a JOIN ({others}) b "
        f"ON lower(a.v) = lower(b.v) AND a.v <> b.v"
    )


def _raw_key(staged: Staged, key: tuple[str, ...], alias: str = "") -> str:
    """SQL of a row's key as the file spells it: its raw key cells joined by ' / '."""
    return " || ' / ' || ".join(f"coalesce({staged.text(k, alias)}, '')" for k in key)


def _post_load_keys(parent: Table, column: str, batch: dict[str, Staged], mode: str) -> str:
    """SQL listing the values of parent.column the store will hold after the batch."""
    stored = f"SELECT {column} AS v FROM main.{parent.name}"
    if parent.name not in batch:
        return stored
    staged = f"SELECT {column} AS v FROM {batch[parent.name].typed}"
    return staged if mode == "replace" else f"{stored} UNION ALL {staged}"


class Link(NamedTuple):
    """Stored child rows whose foreign key finds no parent: how many, and one example."""

    child: str
    column: str
    parent: str
    parent_column: str
    rows: int
    example: str

    def sentence(self, stored: str = "") -> str:
        return (
            f"{self.rows} {stored}{self.child} row(s) pointing at a missing "
            f"{self.parent}.{self.parent_column} (e.g. {self.example!r})"
        )

    def facts(self) -> tuple[tuple[str, str], ...]:
        """The link's facts, for a Note or a coded error (its sentence in any language)."""
        return (
            ("child", self.child),
            ("column", self.column),
            ("parent", self.parent),
            ("parent_column", self.parent_column),
            ("rows", str(self.rows)),
            ("example", self.example),
        )


def broken_links(
    con: duckdb.DuckDBPyConnection,
    tables: Iterable[str],
    keys_of: dict[str, str] | None = None,
) -> list[Link]:
    """Stored child rows pointing at a parent key that is (or, after a batch, will be) missing.

    The one foreign-key check over stored rows, used by a replace (`keys_of` maps
    each replaced table to the SQL of its keys after the batch) and by undo (the
    store as it is now, for links touching `tables`).
    """
    names = set(tables)
    replaced = keys_of or {}
    out: list[Link] = []
    for child in TABLES.values():
        if child.name in replaced:
            continue  # replaced too: its surviving rows are the file's, checked row by row
        for col, parent, pcol in child.references():
            if (child.name not in names and parent not in names) or (
                replaced and parent not in replaced
            ):
                continue
            keys_sql = replaced.get(parent, f"SELECT {pcol} AS v FROM main.{parent}")
            row = con.execute(
                f"SELECT count(*), any_value(c.{col.name}) FROM main.{child.name} c "
                f"WHERE c.{col.name} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ({keys_sql}) k "
                f"WHERE k.v = c.{col.name})"
            ).fetchone()
            if row and row[0]:
                out.append(Link(child.name, col.name, parent, pcol, int(row[0]), str(row[1])))
    return out


def _orphans_after_replace(
    con: duckdb.DuckDBPyConnection, batch: dict[str, Staged], mode: str
) -> dict[str, list[Link]]:
    """For each replaced parent table: stored child rows the batch would leave dangling."""
    if mode != "replace":
        return {}
    keys_of = {
        name: _post_load_keys(TABLES[name], TABLES[name].key[0], batch, mode) for name in batch
    }
    out: dict[str, list[Link]] = {}
    for link in broken_links(con, batch, keys_of):
        out.setdefault(link.parent, []).append(link)
    return out


def _refuse_orphans(s: Staged, links: list[Link]) -> None:
    """A replace that would leave stored child rows dangling: one file-level problem per
    link (the key column, an example key the children still point at) and the message,
    each in English and as codes (orphans_lead, one orphans per link, orphans_fix)."""
    rep, key = s.report, s.table.key[0]
    fix = f"load those rows' tables in the same batch or keep those {key} values"
    found = [
        Problem(
            None,
            s.header_of(key),
            link.example,
            f"a {key} still stored: {link.rows} stored {link.child} row(s) point at such "
            f"values (e.g. this one); load {link.child} in the same batch or keep those "
            f"{key} values",
            "orphans",
            (("field", key), ("arg", ""), *link.facts()),
        )
        for link in links
    ]
    rep.problems = [*found, *rep.problems][:MAX_PROBLEMS]
    rep.total_problems += len(found)
    rep.message = f"replace would leave {'; '.join(x.sentence('stored ') for x in links)}; {fix}"
    rep.message_codes = [Note("orphans_lead")]
    rep.message_codes += [Note("orphans", link.facts()) for link in links]
    rep.message_codes.append(Note("orphans_fix", (("field", key),)))


def validate_staged(con: duckdb.DuckDBPyConnection, staged_list: list[Staged], mode: str) -> None:
    """Stage and check every file of a batch; fills each report's problems and ok flag."""
    batch = {s.table.name: s for s in staged_list if not s.header_errors}
    for s in batch.values():
        stage(con, s)
    for s in batch.values():
        check_rows(con, s, batch, mode)
    orphans = _orphans_after_replace(con, batch, mode)
    for s in staged_list:
        rep = s.report
        if s.header_errors:
            continue
        total, refused = con.execute(
            f"SELECT count(*), count(DISTINCT row) FROM {s.problems}"
        ).fetchone() or (0, 0)
        first = con.execute(
            f"SELECT row, pos, value, expected, code, field, arg FROM {s.problems} "
            "ORDER BY row, pos, expected LIMIT $n",
            {"n": MAX_PROBLEMS},
        ).fetchall()
        rep.problems = [
            Problem(
                int(r),
                s.extract.headers[int(p)],
                v,
                str(e),
                str(code),
                (("field", str(fld)), ("arg", "" if arg is None else str(arg))),
            )
            for r, p, v, e, code, fld, arg in first
        ]
        rep.total_problems = int(total)
        rep.rows_refused = int(refused)
        if s.table.name in orphans:
            _refuse_orphans(s, orphans[s.table.name])
        if rep.total_problems and not rep.message:
            rep.message = (
                f"{rep.total_problems} problem(s) in {rep.rows_refused} of {rep.rows_in} rows"
            )
            counts = {"problems": rep.total_problems, "refused": rep.rows_refused}
            counts["rows"] = rep.rows_in
            rep.message_codes = [Note("counted", tuple((k, str(v)) for k, v in counts.items()))]
        rep.ok = rep.total_problems == 0
    if not all(s.report.ok for s in staged_list):
        bad = [s.report.file_name for s in staged_list if not s.report.ok]
        for s in staged_list:
            if s.report.ok:
                s.report.ok = False
                s.report.message = (
                    f"not loaded: the batch is all or nothing and {', '.join(bad)} was refused"
                )
                s.report.message_codes = [Note("batch_refused", (("files", ", ".join(bad)),))]
