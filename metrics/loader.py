"""Load extracts into the store: one code path for the CLI, the demo bank and the upload page.

Driven entirely by `metrics.contract`: headers are matched through
`header_lookup`, values are typed and checked in DuckDB SQL over a staging
table (each row keeps `_row`, its row number as a spreadsheet user sees it),
and every write goes through `store.write_transaction`, so a load (or a batch
of files) goes in whole or not at all. Rows a load replaces or deletes are
copied to `_undo_<table>` so `undo_load` can put the store back exactly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import hashlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pandas as pd
import pyarrow as pa

from metrics import store
from metrics.contract import (
    TABLE_ORDER,
    TABLES,
    Column,
    Table,
    header_lookup,
    normalize_header,
)
from metrics.readers import Extract, ExtractError, read_extract

MODES = ("append", "upsert", "replace")
MAX_PROBLEMS = 20
# Undo keeps the rows replaced by the latest UNDO_KEEP loads of each table; older loads'
# before-images are pruned so a monthly replace of a large table cannot grow the store forever.
UNDO_KEEP = 10
EXTRACT_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq")

Progress = Callable[[float, str], None]

# Value patterns, applied to the trimmed text of a cell.
_DECIMAL_RE = r"[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d*)?([eE][+-]?\d+)?|[+-]?\.\d+"
_INTEGER_RE = r"[+-]?(\d+|\d{1,3}(,\d{3})+)(\.0*)?"
_DATE_RE = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})([ T]0{1,2}:00(:00(\.0+)?)?)?"
_MONTH_RE = r"(\d{4})[-/.](\d{1,2})"
_TIMESTAMP_RE = r"\d{4}[-/]\d{1,2}[-/]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
_EXCEL_SERIAL_RE = r"\d{5,7}(\.0+)?"  # 10000 = 1927-05-18: no plausible date is smaller


class LoadRefusedError(ValueError):
    """A load the caller required to succeed (e.g. the demo bank) was refused."""


class UndoError(ValueError):
    """An undo that cannot be done; the message says why in one line."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: spreadsheet row (1 = header, None = whole file)."""

    row: int | None
    column: str
    value: str | None
    expected: str


class HeaderMatch(NamedTuple):
    """How one file header was matched: 'canonical', 'alias', 'manual' or 'unknown'."""

    header: str
    column: str | None
    how: str


@dataclass
class LoadReport:
    """What happened to one file: loaded, or refused with the problems a person can act on."""

    table: str
    file_name: str
    format: str
    encoding: str | None
    mode: str
    rows_in: int = 0
    rows_refused: int = 0
    problems: list[Problem] = field(default_factory=list)
    total_problems: int = 0
    warnings: list[str] = field(default_factory=list)
    header_map: list[HeaderMatch] = field(default_factory=list)
    checksum: str = ""
    ok: bool = False
    load_id: int | None = None
    rows_added: int = 0
    rows_replaced: int = 0
    message: str = ""

    def render_text(self) -> str:
        """The report as plain text for a terminal: a summary, the first problems, warnings."""
        lines: list[str] = []
        if self.ok:
            lines.append(self.message or self._loaded_line())
        else:
            head = f"REFUSED {self.file_name} -> {self.table} (mode {self.mode})"
            lines.append(f"{head}: {self.message}" if self.message else head)
            for p in self.problems:
                where = "file" if p.row is None else f"row {p.row}"
                value = "(empty)" if p.value is None else repr(p.value)
                lines.append(f"  {where}, column {p.column}: {value}; expected {p.expected}")
            if self.total_problems > len(self.problems):
                lines.append(
                    f"  ... showing the first {len(self.problems)} of "
                    f"{self.total_problems} problems"
                )
            if self.total_problems:
                lines.append(
                    f"  {self.total_problems} problem(s) in {self.rows_refused} of "
                    f"{self.rows_in} rows; nothing was loaded."
                )
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _loaded_line(self) -> str:
        text = (
            f"Loaded {self.rows_added} rows into {self.table} from {self.file_name} "
            f"(load {self.load_id}, mode {self.mode}"
        )
        if self.rows_replaced:
            text += f", {self.rows_replaced} stored rows replaced"
        return text + ")"

    def problems_frame(self) -> pd.DataFrame:
        """The kept problems as a table: row, column, value, expected."""
        return pd.DataFrame(
            [(p.row, p.column, p.value, p.expected) for p in self.problems],
            columns=pd.Index(["row", "column", "value", "expected"]),
        ).astype({"row": "Int64"})


# --- header matching -----------------------------------------------------------------------


def match_headers(
    table: Table, headers: list[str], mapping: dict[str, str | None] | None = None
) -> list[HeaderMatch]:
    """Match each file header to a contract column (canonical name, alias or manual mapping)."""
    lookup = header_lookup(table)
    canon = {normalize_header(c.name): c.name for c in table.columns}
    manual = {normalize_header(k): v for k, v in (mapping or {}).items()}
    out: list[HeaderMatch] = []
    for header in headers:
        if mapping and (header in mapping or normalize_header(header) in manual):
            target = mapping[header] if header in mapping else manual[normalize_header(header)]
            if target and target not in table.column_names:
                raise ValueError(f"{target!r} is not a column of {table.name}")
            out.append(HeaderMatch(header, target or None, "manual"))
            continue
        key = normalize_header(header)
        if key in lookup:
            out.append(HeaderMatch(header, lookup[key], "canonical" if key in canon else "alias"))
        else:
            out.append(HeaderMatch(header, None, "unknown"))
    return out


def recognise_table(headers: Iterable[str]) -> str | None:
    """The contract table these headers fit best, or None if they name no known column."""
    keys = [normalize_header(h) for h in headers]
    best: tuple[tuple[int, int, int, int], str] | None = None
    for table in TABLES.values():
        lookup = header_lookup(table)
        matched = {lookup[k] for k in keys if k in lookup}
        if not matched:
            continue
        missing = sum(1 for c in table.columns if c.required and c.name not in matched)
        unknown = sum(1 for k in keys if k not in lookup)
        score = (int(missing == 0), len(matched), -missing, -unknown)
        if best is None or score > best[0]:
            best = (score, table.name)
    return best[1] if best else None


# --- typing and checking in SQL ------------------------------------------------------------


class _Sql:
    """Collects bound parameters while SQL text is generated from contract identifiers."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}

    def p(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"


def _parse_expr(col: Column, raw: str, q: _Sql, excel_serials: bool) -> str:
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
        # Extra decimals are refused, never rounded: the exact value must fit the scale.
        clean = f"replace({s}, ',', '')"
        return (
            f"CASE WHEN regexp_full_match({s}, '{_DECIMAL_RE}') "
            f"AND TRY_CAST({clean} AS DECIMAL(38,12)) = TRY_CAST({clean} AS {col.sql_type}) "
            f"THEN TRY_CAST({clean} AS {col.sql_type}) END"
        )
    if col.type == "integer":
        return (
            f"CASE WHEN regexp_full_match({s}, '{_INTEGER_RE}') THEN TRY_CAST("
            f"regexp_replace(replace({s}, ',', ''), '\\.0*$', '') AS BIGINT) END"
        )
    if col.type == "date":
        return _date_expr(s, excel_serials)
    if col.type == "month":
        return (
            f"CASE WHEN regexp_full_match({s}, '{_MONTH_RE}') THEN TRY_STRPTIME("
            f"regexp_replace({s}, '[/.]', '-', 'g') || '-1', '%Y-%m-%d')::DATE "
            f"WHEN regexp_full_match({s}, '\\d{{6}}') THEN TRY_STRPTIME({s}, '%Y%m')::DATE "
            f"ELSE date_trunc('month', {_date_expr(s, excel_serials)})::DATE END"
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


@dataclass
class _Staged:
    """One file staged for a load: its report, matched columns and staging table."""

    table: Table
    extract: Extract
    report: LoadReport
    positions: dict[str, int]  # canonical column -> position of its header in the file
    header_errors: bool = False

    @property
    def typed(self) -> str:
        return f"_typed_{self.table.name}"

    @property
    def problems(self) -> str:
        return f"_problems_{self.table.name}"

    def header_of(self, column: str) -> str:
        return self.extract.headers[self.positions[column]]


def _new_report(table: str, extract: Extract, mode: str) -> LoadReport:
    return LoadReport(
        table=table,
        file_name=extract.name,
        format=extract.format,
        encoding=extract.encoding,
        mode=mode,
        rows_in=extract.n_rows,
        checksum=extract.checksum,
    )


def _match(
    table: Table, extract: Extract, mode: str, mapping: dict[str, str | None] | None
) -> _Staged:
    """Header matching and the file-level checks (duplicate or missing columns, no rows)."""
    report = _new_report(table.name, extract, mode)
    staged = _Staged(table, extract, report, {})
    report.header_map = match_headers(table, extract.headers, mapping)
    file_problems: list[Problem] = []
    for pos, m in enumerate(report.header_map):
        if m.column is None:
            if m.how == "unknown":
                label = m.header or f"(column {pos + 1} has no header)"
                report.warnings.append(
                    f"column {label!r} is not part of {table.name}; it was not stored"
                )
            continue
        if m.column in staged.positions:
            first = extract.headers[staged.positions[m.column]]
            file_problems.append(
                Problem(
                    1,
                    m.header,
                    m.header,
                    f"each column once: {first!r} and {m.header!r} both name {m.column}",
                )
            )
            continue
        staged.positions[m.column] = pos
    missing = [c for c in table.columns if c.required and c.name not in staged.positions]
    for col in missing:
        file_problems.append(
            Problem(1, col.name, None, f"a column {col.name} ({col.alias}): {col.expected()}")
        )
    messages = []
    if missing:
        names = ", ".join(f"{c.name} ({c.alias})" for c in missing)
        messages.append(f"missing required column(s): {names}")
    if any("each column once" in p.expected for p in file_problems):
        messages.append("a column is named twice in the header")
    if extract.n_rows == 0:
        messages.append("the file has no data rows")
    if file_problems or extract.n_rows == 0:
        staged.header_errors = True
        report.problems = file_problems[:MAX_PROBLEMS]
        report.total_problems = len(file_problems)
        report.rows_refused = extract.n_rows
        report.message = "; ".join(messages)
    return staged


def _stage(con: duckdb.DuckDBPyConnection, staged: _Staged) -> None:
    """Register the raw text and build the typed staging table `_typed_<table>`."""
    table, ext = staged.table, staged.extract
    arrays: dict[str, Any] = {"_row": ext.row_numbers()}
    for name, pos in staged.positions.items():
        arrays[f"r_{name}"] = ext.table.column(pos)
    raw_name = f"_raw_{table.name}"
    con.register(raw_name, pa.table(arrays))
    q = _Sql()
    cols = ["_row"]
    for col in table.columns:
        if col.name in staged.positions:
            raw = f"r_{col.name}"
            cols.append(raw)
            expr = _parse_expr(col, raw, q, excel_serials=ext.format == "xlsx")
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


def _post_load_keys(parent: Table, column: str, batch: dict[str, _Staged], mode: str) -> str:
    """SQL listing the values of parent.column the store will hold after the batch."""
    stored = f"SELECT {column} AS v FROM main.{parent.name}"
    if parent.name not in batch:
        return stored
    staged = f"SELECT {column} AS v FROM {batch[parent.name].typed}"
    return staged if mode == "replace" else f"{stored} UNION ALL {staged}"


def _check_rows(
    con: duckdb.DuckDBPyConnection,
    staged: _Staged,
    batch: dict[str, _Staged],
    mode: str,
) -> None:
    """Materialise every row-level problem of one staged file as `_problems_<table>`.

    One CREATE TABLE AS over a UNION ALL of every check, never a series of
    INSERTs: DuckDB 2.0 inside an explicit transaction hides the rows of a large
    INSERT that follows an INSERT of zero rows into the same table (measured
    here), and a statement per check would also scan the file once per check.
    """
    table, t = staged.table, staged.typed
    q = _Sql()
    parts: list[str] = []

    def add(pos: int, value_sql: str, expected_sql: str, where: str) -> None:
        parts.append(
            f"SELECT _row AS row, {q.p(pos)}::INTEGER AS pos, "
            f"CAST({value_sql} AS VARCHAR) AS value, CAST({expected_sql} AS VARCHAR) "
            f"AS expected FROM {t} WHERE {where}"
        )

    for col in table.columns:
        if col.name not in staged.positions:
            continue
        pos, raw, v = staged.positions[col.name], f"r_{col.name}", col.name
        if col.required:
            need = "a value (required)" + (
                "" if col.expected() == "text" else f": {col.expected()}"
            )
            add(pos, "NULL", q.p(need), _blank(raw))
        add(pos, raw, q.p(col.expected()), f"NOT {_blank(raw)} AND {v} IS NULL")
        if col.minimum is not None or col.maximum is not None:
            conds = []
            if col.minimum is not None:
                op = "<=" if col.exclusive_minimum else "<"
                conds.append(f"{v} {op} {q.p(col.minimum)}")
            if col.maximum is not None:
                conds.append(f"{v} > {q.p(col.maximum)}")
            add(pos, raw, q.p(col.expected()), f"{v} IS NOT NULL AND ({' OR '.join(conds)})")
        if col.not_before and col.not_before in staged.positions:
            other = col.not_before
            add(
                pos,
                raw,
                f"{q.p(f'{col.expected()}; {staged.header_of(other)} is ')} || r_{other}",
                f"{v} IS NOT NULL AND {other} IS NOT NULL AND {v} < {other}",
            )
    # Funnel stage dates: a present date never precedes an earlier present stage.
    present = [c for c in table.ordered_dates if c in staged.positions]
    for i, name in enumerate(present[1:], start=1):
        earlier = present[:i]
        latest = f"greatest({', '.join(earlier)})"
        label = q.p(f"a date not before the earlier stages ({', '.join(earlier)}), here ")
        add(
            staged.positions[name],
            f"r_{name}",
            f"{label} || strftime({latest}, '%Y-%m-%d')",
            f"{name} IS NOT NULL AND {latest} IS NOT NULL AND {name} < {latest}",
        )
    # Key unique within the file, and (append) not stored yet.
    key = table.key
    if all(k in staged.positions for k in key):
        pos0 = staged.positions[key[0]]
        part = ", ".join(key)
        raw_key = " || ' / ' || ".join(f"coalesce(r_{k}, '')" for k in key)
        label = q.p(f"a {' + '.join(key)} not repeated in the file (first in row ")
        parts.append(
            f"SELECT _row AS row, {q.p(pos0)}::INTEGER AS pos, v AS value, "
            f"{label} || first_row || ')' AS expected FROM (SELECT _row, {raw_key} AS v, "
            f"row_number() OVER (PARTITION BY {part} ORDER BY _row) AS n, "
            f"min(_row) OVER (PARTITION BY {part}) AS first_row FROM {t} "
            f"WHERE {' AND '.join(f'{k} IS NOT NULL' for k in key)}) WHERE n > 1"
        )
        if mode == "append":
            match = " AND ".join(f"s.{k} = {t}.{k}" for k in key)
            add(
                pos0,
                raw_key,
                q.p(
                    f"a {' + '.join(key)} not already stored (append adds new rows only; "
                    "use upsert to replace stored rows)"
                ),
                f"EXISTS (SELECT 1 FROM main.{table.name} s WHERE {match})",
            )
    # Foreign keys, against what the store will hold after the whole batch.
    for col, parent_name, parent_col in table.references():
        if col.name not in staged.positions:
            continue
        keys_sql = _post_load_keys(TABLES[parent_name], parent_col, batch, mode)
        add(
            staged.positions[col.name],
            f"r_{col.name}",
            q.p(col.expected()),
            f"{col.name} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ({keys_sql}) k "
            f"WHERE k.v = {t}.{col.name})",
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {staged.problems} AS {' UNION ALL '.join(parts)}",
        q.params,
    )


def _orphans_after_replace(
    con: duckdb.DuckDBPyConnection, batch: dict[str, _Staged], mode: str
) -> dict[str, str]:
    """For each replaced parent table: stored child rows the batch would leave dangling."""
    out: dict[str, str] = {}
    if mode != "replace":
        return out
    for parent_name in batch:
        parent = TABLES[parent_name]
        for child in TABLES.values():
            if child.name in batch:
                continue  # replaced too: its surviving rows are the file's, checked above
            for col, pname, pcol in child.references():
                if pname != parent_name:
                    continue
                keys_sql = _post_load_keys(parent, pcol, batch, mode)
                row = con.execute(
                    f"SELECT count(*), any_value({col.name}) FROM main.{child.name} c "
                    f"WHERE {col.name} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ({keys_sql}) k "
                    f"WHERE k.v = c.{col.name})"
                ).fetchone()
                if row and row[0]:
                    out.setdefault(parent_name, "")
                    out[parent_name] += (
                        f"replace would leave {row[0]} stored {child.name} row(s) whose "
                        f"{col.name} is not in this file (e.g. {row[1]!r}); load {child.name} "
                        f"in the same batch or keep those {pcol} values. "
                    )
    return {k: v.strip() for k, v in out.items()}


def _validate_batch(con: duckdb.DuckDBPyConnection, staged_list: list[_Staged], mode: str) -> None:
    """Stage and check every file of a batch; fills each report's problems and ok flag."""
    batch = {s.table.name: s for s in staged_list if not s.header_errors}
    for s in batch.values():
        _stage(con, s)
    for s in batch.values():
        _check_rows(con, s, batch, mode)
    orphans = _orphans_after_replace(con, batch, mode)
    for s in staged_list:
        rep = s.report
        if s.header_errors:
            continue
        total, refused = con.execute(
            f"SELECT count(*), count(DISTINCT row) FROM {s.problems}"
        ).fetchone() or (0, 0)
        first = con.execute(
            f"SELECT row, pos, value, expected FROM {s.problems} "
            "ORDER BY row, pos, expected LIMIT $n",
            {"n": MAX_PROBLEMS},
        ).fetchall()
        rep.problems = [
            Problem(int(r), s.extract.headers[int(p)], v, str(e)) for r, p, v, e in first
        ]
        rep.total_problems = int(total)
        rep.rows_refused = int(refused)
        if s.table.name in orphans:
            key_header = s.header_of(s.table.key[0])
            rep.problems.insert(0, Problem(None, key_header, None, orphans[s.table.name]))
            rep.problems = rep.problems[:MAX_PROBLEMS]
            rep.total_problems += 1
            rep.message = orphans[s.table.name]
        if rep.total_problems and not rep.message:
            rep.message = (
                f"{rep.total_problems} problem(s) in {rep.rows_refused} of {rep.rows_in} rows"
            )
        rep.ok = rep.total_problems == 0
    if not all(s.report.ok for s in staged_list):
        bad = [s.report.file_name for s in staged_list if not s.report.ok]
        for s in staged_list:
            if s.report.ok:
                s.report.ok = False
                s.report.message = (
                    f"not loaded: the batch is all or nothing and {', '.join(bad)} was refused"
                )


# --- writing -------------------------------------------------------------------------------


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM load_history").fetchone()
    return int(row[0]) if row else 1


def _record(con: duckdb.DuckDBPyConnection, rep: LoadReport, loaded_by: str | None) -> int:
    """Add one load_history row for a report (loaded or refused); returns its load id."""
    load_id = rep.load_id if rep.load_id is not None else _next_load_id(con)
    rep.load_id = load_id
    con.execute(
        "INSERT INTO load_history (load_id, loaded_at, loaded_by, table_name, file_name, "
        "checksum, mode, rows_in, rows_refused, outcome, message) VALUES "
        "($id, $at, $by, $t, $f, $c, $m, $rin, $rref, $o, $msg)",
        {
            "id": load_id,
            "at": dt.datetime.now().replace(microsecond=0),
            "by": loaded_by,
            "t": rep.table,
            "f": rep.file_name,
            "c": rep.checksum,
            "m": rep.mode,
            "rin": rep.rows_in,
            "rref": rep.rows_refused,
            "o": "loaded" if rep.ok else "refused",
            "msg": rep.message,
        },
    )
    return load_id


def _write(con: duckdb.DuckDBPyConnection, s: _Staged, mode: str, load_id: int) -> None:
    """Apply one validated file: keep replaced rows for undo, then insert the new rows."""
    t = s.table
    cols = ", ".join(t.column_names)
    q = _Sql()
    lid = q.p(load_id)
    if mode == "replace":
        cond = "TRUE"
    elif mode == "upsert":
        match = " AND ".join(f"n.{k} = o.{k}" for k in t.key)
        cond = f"EXISTS (SELECT 1 FROM {s.typed} n WHERE {match})"
    else:
        cond = "FALSE"
    if mode != "append":
        row = con.execute(
            f"INSERT INTO _undo_{t.name} ({cols}, _load_id, _replaced_by) "
            f"SELECT {cols}, _load_id, {lid} FROM main.{t.name} o WHERE {cond}",
            q.params,
        ).fetchone()
        s.report.rows_replaced = int(row[0]) if row else 0
        con.execute(f"DELETE FROM main.{t.name} o WHERE {cond}")
    q = _Sql()
    row = con.execute(
        f"INSERT INTO main.{t.name} ({cols}, _load_id) SELECT {cols}, {q.p(load_id)} "
        f"FROM {s.typed} ORDER BY _row",
        q.params,
    ).fetchone()
    s.report.rows_added = int(row[0]) if row else 0


def _prune_undo(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drop the before-images of loads older than the latest UNDO_KEEP of `table`."""
    old = (
        "SELECT load_id FROM load_history WHERE table_name = $t AND outcome = 'loaded' "
        "AND undone_at IS NULL AND undoable ORDER BY load_id DESC OFFSET $keep"
    )
    params = {"t": table, "keep": UNDO_KEEP}
    con.execute(f"DELETE FROM _undo_{table} WHERE _replaced_by IN ({old})", params)
    con.execute(f"UPDATE load_history SET undoable = FALSE WHERE load_id IN ({old})", params)


def _default_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:
        return None


def _check_batch_items(items: list[tuple[str, Extract, dict[str, str | None] | None]]) -> None:
    seen: set[str] = set()
    for table, _, _ in items:
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}; tables are: {', '.join(TABLE_ORDER)}")
        if table in seen:
            raise ValueError(f"{table} appears twice in one batch")
        seen.add(table)


def load_batch(
    db: Path | str,
    items: list[tuple[str, Extract, dict[str, str | None] | None]],
    mode: str,
    loaded_by: str | None = None,
    on_progress: Progress | None = None,
) -> list[LoadReport]:
    """Load several files in one transaction, in dependency order: all go in, or none does.

    Every file gets a load_history row, loaded or refused. Reports come back in
    the order of `items`.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if not items:
        raise ValueError("nothing to load: no files were given")
    _check_batch_items(items)
    progress = on_progress or (lambda _f, _m: None)
    who = loaded_by if loaded_by is not None else _default_user()
    order = sorted(range(len(items)), key=lambda i: TABLE_ORDER.index(items[i][0]))
    staged_list = [_match(TABLES[items[i][0]], items[i][1], mode, items[i][2]) for i in order]
    progress(0.05, "Opening the store…")
    wait: dict[str, Any] = {} if on_progress is None else {"on_wait": lambda m: progress(0.05, m)}
    with store.write_transaction(Path(db), **wait) as con:
        progress(0.15, "Checking the rows…")
        _validate_batch(con, staged_list, mode)
        ok = all(s.report.ok for s in staged_list)
        if ok:
            for n, s in enumerate(staged_list):
                progress(0.6 + 0.3 * n / max(len(staged_list), 1), f"Writing {s.table.name}…")
                s.report.load_id = _next_load_id(con)
                _write(con, s, mode, s.report.load_id)
                s.report.message = s.report._loaded_line()
                _record(con, s.report, who)
                _prune_undo(con, s.table.name)
        else:
            con.execute("ROLLBACK")
            con.execute("BEGIN TRANSACTION")
            for s in staged_list:
                _record(con, s.report, who)
        for s in staged_list:
            for name in (s.typed, s.problems):
                con.execute(f"DROP TABLE IF EXISTS {name}")
        progress(0.95, "Publishing the new store…")
    progress(1.0, "Done")
    by_table = {s.table.name: s.report for s in staged_list}
    return [by_table[table] for table, _, _ in items]


def _dry_run_connection(db: Path) -> duckdb.DuckDBPyConnection:
    if db.exists():
        return store.connect_reader(db)
    con = store.connect(":memory:", read_only=False)
    store.create_schema(con)
    return con


def validate(
    db: Path | str,
    table: str,
    extract: Extract,
    mode: str = "append",
    mapping: dict[str, str | None] | None = None,
) -> LoadReport:
    """Dry run: the report a load would give, reading the store read-only and writing nothing."""
    return validate_batch(db, [(table, extract, mapping)], mode)[0]


def validate_batch(
    db: Path | str,
    items: list[tuple[str, Extract, dict[str, str | None] | None]],
    mode: str = "append",
) -> list[LoadReport]:
    """Dry run of `load_batch`: each file's report, nothing written."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    _check_batch_items(items)
    order = sorted(range(len(items)), key=lambda i: TABLE_ORDER.index(items[i][0]))
    staged_list = [_match(TABLES[items[i][0]], items[i][1], mode, items[i][2]) for i in order]
    con = _dry_run_connection(Path(db))
    try:
        _validate_batch(con, staged_list, mode)
    finally:
        con.close()
    by_table = {s.table.name: s.report for s in staged_list}
    return [by_table[t] for t, _, _ in items]


def preview(
    extract: Extract,
    table: str,
    mapping: dict[str, str | None] | None = None,
    n: int = 20,
) -> pd.DataFrame:
    """The first `n` rows typed as they would be stored (None where a value is invalid)."""
    t = TABLES[table]
    head = Extract(
        extract.name,
        extract.format,
        extract.headers,
        extract.table.slice(0, n),
        rows=extract.row_numbers()[:n],
    )
    staged = _Staged(t, head, _new_report(table, head, "append"), {})
    for pos, m in enumerate(match_headers(t, head.headers, mapping)):
        if m.column is not None and m.column not in staged.positions:
            staged.positions[m.column] = pos
    con = store.connect(":memory:", read_only=False)
    try:
        _stage(con, staged)
        present = [c.name for c in t.columns if c.name in staged.positions]
        cols = ", ".join(["_row AS row", *present])
        return con.execute(f"SELECT {cols} FROM {staged.typed} ORDER BY _row").df()
    finally:
        con.close()


# --- convenience entry points ----------------------------------------------------------------


def _refused_for_unreadable(
    table: str, file_name: str, data: bytes, mode: str, error: Exception
) -> LoadReport:
    return LoadReport(
        table=table,
        file_name=file_name,
        format=Path(file_name).suffix.lstrip(".").lower() or "unknown",
        encoding=None,
        mode=mode,
        checksum=hashlib.sha256(data).hexdigest(),
        message=str(error),
    )


def _record_refused(db: Path, reports: list[LoadReport], loaded_by: str | None) -> None:
    with store.write_transaction(db) as con:
        for rep in reports:
            _record(con, rep, loaded_by)


def load_file(
    db: Path | str,
    table: str,
    path: Path | str,
    mode: str = "append",
    sheet: str | None = None,
    loaded_by: str | None = None,
) -> LoadReport:
    """Load one extract file; a file that cannot be read is a refused load, recorded too."""
    path = Path(path)
    data = path.read_bytes()
    try:
        extract = read_extract(data, path.name, sheet=sheet)
    except ExtractError as exc:
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}") from exc
        rep = _refused_for_unreadable(table, path.name, data, mode, exc)
        _record_refused(Path(db), [rep], loaded_by or _default_user())
        return rep
    return load_batch(db, [(table, extract, None)], mode, loaded_by=loaded_by)[0]


def extract_files(directory: Path | str) -> dict[str, Path]:
    """Files of a directory named after their table (customers.csv, loans.xlsx, ...)."""
    found: dict[str, Path] = {}
    for p in sorted(Path(directory).iterdir()):
        if not p.is_file() or p.suffix.lower() not in EXTRACT_SUFFIXES:
            continue
        table = p.stem.lower()
        if table not in TABLES:
            continue
        if table in found:
            raise ValueError(f"two files for {table}: {found[table].name} and {p.name}")
        found[table] = p
    return found


def load_dir(
    db: Path | str,
    directory: Path | str,
    mode: str = "append",
    loaded_by: str | None = None,
    on_progress: Progress | None = None,
) -> list[LoadReport]:
    """Load every table file of a directory as one batch: all go in, or none does."""
    files = extract_files(directory)
    if not files:
        raise ValueError(
            f"no extract files in {directory}; name them after their table, "
            f"e.g. customers.csv ({', '.join(TABLE_ORDER)})"
        )
    items: list[tuple[str, Extract, dict[str, str | None] | None]] = []
    unreadable: list[LoadReport] = []
    for table, p in files.items():
        data = p.read_bytes()
        try:
            items.append((table, read_extract(data, p.name), None))
        except ExtractError as exc:
            unreadable.append(_refused_for_unreadable(table, p.name, data, mode, exc))
    if unreadable:
        bad = ", ".join(r.file_name for r in unreadable)
        reports = list(unreadable)
        for table, ext, _ in items:
            rep = _new_report(table, ext, mode)
            rep.message = f"not loaded: the batch is all or nothing and {bad} was refused"
            reports.append(rep)
        _record_refused(Path(db), reports, loaded_by or _default_user())
        return reports
    return load_batch(db, items, mode, loaded_by=loaded_by, on_progress=on_progress)


def load_frames(
    db: Path | str,
    frames: dict[str, pd.DataFrame],
    mode: str = "replace",
    source: str = "demo",
) -> list[LoadReport]:
    """Load in-memory DataFrames (the demo bank) through the same checks; raises if refused."""
    items: list[tuple[str, Extract, dict[str, str | None] | None]] = [
        (table, Extract.from_frame(df, f"{source}:{table}"), None) for table, df in frames.items()
    ]
    reports = load_batch(db, items, mode, loaded_by=source)
    if not all(r.ok for r in reports):
        raise LoadRefusedError("\n".join(r.render_text() for r in reports if not r.ok))
    return reports


# --- undo and history ------------------------------------------------------------------------


def fk_violations(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> list[str]:
    """Foreign keys of the store broken now, among those touching `tables`."""
    names = set(tables)
    out: list[str] = []
    for child in TABLES.values():
        for col, parent, pcol in child.references():
            if child.name not in names and parent not in names:
                continue
            row = con.execute(
                f"SELECT count(*), any_value(c.{col.name}) FROM main.{child.name} c "
                f"WHERE c.{col.name} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                f"main.{parent} p WHERE p.{pcol} = c.{col.name})"
            ).fetchone()
            if row and row[0]:
                out.append(
                    f"{row[0]} {child.name} row(s) would point at a missing "
                    f"{parent}.{pcol} (e.g. {row[1]!r})"
                )
    return out


def undo_load(db: Path | str, load_id: int) -> str:
    """Put the store back exactly as it was before `load_id`; returns a one-line summary."""
    with store.write_transaction(Path(db)) as con:
        row = con.execute(
            "SELECT table_name, outcome, undone_at, undoable FROM load_history WHERE load_id = $id",
            {"id": load_id},
        ).fetchone()
        if row is None:
            raise UndoError(f"there is no load {load_id}")
        table_name, outcome, undone_at, undoable = row
        if outcome != "loaded":
            raise UndoError(f"load {load_id} was refused and changed nothing; nothing to undo")
        if undone_at is not None:
            raise UndoError(f"load {load_id} was already undone at {undone_at}")
        if not undoable:
            raise UndoError(
                f"load {load_id} is older than the last {UNDO_KEEP} loads of {table_name}; "
                "the rows it replaced are no longer kept"
            )
        later = con.execute(
            "SELECT min(load_id) FROM load_history WHERE table_name = $t AND load_id > $id "
            "AND outcome = 'loaded' AND undone_at IS NULL",
            {"t": table_name, "id": load_id},
        ).fetchone()
        if later and later[0] is not None:
            raise UndoError(
                f"load {later[0]} of {table_name} came after load {load_id}; undo it first"
            )
        t = TABLES[table_name]
        cols = ", ".join(t.column_names)
        deleted = con.execute(
            f"DELETE FROM main.{t.name} WHERE _load_id = $id", {"id": load_id}
        ).fetchone()
        restored = con.execute(
            f"INSERT INTO main.{t.name} ({cols}, _load_id) SELECT {cols}, _load_id "
            f"FROM _undo_{t.name} WHERE _replaced_by = $id",
            {"id": load_id},
        ).fetchone()
        con.execute(f"DELETE FROM _undo_{t.name} WHERE _replaced_by = $id", {"id": load_id})
        broken = fk_violations(con, [t.name])
        if broken:
            raise UndoError(f"undoing load {load_id} would break a link: {'; '.join(broken)}")
        con.execute(
            "UPDATE load_history SET undone_at = $at WHERE load_id = $id",
            {"at": dt.datetime.now().replace(microsecond=0), "id": load_id},
        )
    n_del = int(deleted[0]) if deleted else 0
    n_res = int(restored[0]) if restored else 0
    return f"Undid load {load_id} of {table_name}: removed {n_del} rows, restored {n_res} rows"


def history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every load, newest first, from a store connection (reader or writer).

    A store made outside this code may have no load_history yet: that is no loads.
    """
    if "load_history" in store.missing_tables(con):
        con = store.connect(":memory:", read_only=False)
        con.execute(store.LOAD_HISTORY_SQL)
    return con.execute("SELECT * FROM load_history ORDER BY load_id DESC").df()


# --- CLI -----------------------------------------------------------------------------------


def _cli_error(message: str) -> Exception:
    from metrics.cli import CliError

    return CliError(message)


def _read_for_cli(path_text: str) -> tuple[Path, bytes]:
    path = Path(path_text)
    if not path.is_file():
        raise _cli_error(f"no such file: {path}")
    return path, path.read_bytes()


def _cmd_load(args: argparse.Namespace) -> int:
    db = store.resolve_db(args.db)
    path, _ = _read_for_cli(args.file)
    try:
        rep = load_file(db, args.table, path, mode=args.mode, sheet=args.sheet)
    except (ValueError, store.StoreBusyError) as exc:
        raise _cli_error(str(exc)) from exc
    if rep.ok:
        print(rep.message)
        for w in rep.warnings:
            print(f"warning: {w}", file=sys.stderr)
        return 0
    print(rep.render_text(), file=sys.stderr)
    return 1


def _cmd_validate(args: argparse.Namespace) -> int:
    db = store.resolve_db(args.db)
    path, data = _read_for_cli(args.file)
    try:
        extract = read_extract(data, path.name, sheet=args.sheet)
    except ExtractError as exc:
        print(f"REFUSED {path.name} -> {args.table}: {exc}", file=sys.stderr)
        return 1
    try:
        rep = validate(db, args.table, extract, mode=args.mode)
    except (ValueError, store.StoreBusyError) as exc:
        raise _cli_error(str(exc)) from exc
    if rep.ok:
        print(f"OK: {rep.rows_in} rows of {path.name} fit {args.table} (mode {args.mode})")
        for w in rep.warnings:
            print(f"warning: {w}", file=sys.stderr)
        return 0
    print(
        rep.render_text().replace("nothing was loaded", "nothing would be loaded"), file=sys.stderr
    )
    return 1


def _cmd_load_dir(args: argparse.Namespace) -> int:
    db = store.resolve_db(args.db)
    if not Path(args.directory).is_dir():
        raise _cli_error(f"no such directory: {args.directory}")
    try:
        reports = load_dir(db, args.directory, mode=args.mode)
    except (ValueError, store.StoreBusyError) as exc:
        raise _cli_error(str(exc)) from exc
    if all(r.ok for r in reports):
        for r in reports:
            print(r.message)
            for w in r.warnings:
                print(f"warning: {w}", file=sys.stderr)
        return 0
    for r in reports:
        print(r.render_text(), file=sys.stderr)
    return 1


def _cmd_undo(args: argparse.Namespace) -> int:
    try:
        print(undo_load(store.resolve_db(args.db), args.load_id))
    except (UndoError, store.StoreBusyError) as exc:
        raise _cli_error(str(exc)) from exc
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    db = store.resolve_db(args.db)
    try:
        con = store.connect_reader(db)
    except store.StoreMissingError as exc:
        raise _cli_error(str(exc)) from exc
    try:
        frame = history(con)
    except duckdb.CatalogException as exc:
        raise _cli_error(f"{db} has no load history") from exc
    finally:
        con.close()
    if frame.empty:
        print("No loads yet.")
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(frame.to_string(index=False))
    return 0


def register_cli(sub: Any) -> None:
    """Add the load, validate, load-dir, undo and history commands."""
    db_help = "the store (default: $CRM_DB, else data/crm.duckdb)"
    p = sub.add_parser("load", help="load one extract file into a table")
    p.add_argument("table", choices=TABLE_ORDER)
    p.add_argument("file")
    p.add_argument("--db", help=db_help)
    p.add_argument("--mode", choices=MODES, default="append")
    p.add_argument("--sheet", help="xlsx sheet to read (default: the first)")
    p.set_defaults(handler=_cmd_load)

    p = sub.add_parser("validate", help="check an extract file without loading it")
    p.add_argument("table", choices=TABLE_ORDER)
    p.add_argument("file")
    p.add_argument("--db", help=db_help)
    p.add_argument("--mode", choices=MODES, default="append")
    p.add_argument("--sheet", help="xlsx sheet to read (default: the first)")
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("load-dir", help="load every table file of a directory as one batch")
    p.add_argument("directory")
    p.add_argument("--db", help=db_help)
    p.add_argument("--mode", choices=MODES, default="append")
    p.set_defaults(handler=_cmd_load_dir)

    p = sub.add_parser("undo", help="undo one load, putting its table back as it was")
    p.add_argument("load_id", type=int)
    p.add_argument("--db", help=db_help)
    p.set_defaults(handler=_cmd_undo)

    p = sub.add_parser("history", help="list every load, newest first")
    p.add_argument("--db", help=db_help)
    p.set_defaults(handler=_cmd_history)
