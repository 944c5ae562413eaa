"""Loading: a batch of files checked and written in one store transaction, all or nothing.

Every write goes through `store.write_transaction`, so a load (or a batch of
files) goes in whole or not at all, and every file gets a load_history row,
loaded or refused. Rows a load replaces are copied to `_undo_<table>` first.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from metrics import store
from metrics.contract import TABLE_ORDER, TABLES
from metrics.load.checks import (
    Sql,
    Staged,
    match_file,
    new_report,
    stage,
    stored_case_variants,
    validate_staged,
)
from metrics.load.headers import match_headers
from metrics.load.history import default_user, next_load_id, record, record_unwritable
from metrics.load.parse import Extract, ExtractError, read_extract
from metrics.load.report import LoadRefusedError, LoadReport, Note, notes_of
from metrics.load.undo import prune_undo

MODES = ("append", "upsert", "replace")
EXTRACT_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq")

Progress = Callable[[float, str], None]
BatchItem = tuple[str, Extract, dict[str, str | None] | None]


def _write(con: duckdb.DuckDBPyConnection, s: Staged, mode: str, load_id: int) -> None:
    """Apply one validated file: keep replaced rows for undo, then insert the new rows.

    Upsert: a stored row takes the file's values for the columns the file has and
    keeps its stored values for the others (data-contract.md, Loading rules).
    """
    t = s.table
    cols = ", ".join(t.column_names)
    q = Sql()
    lid = q.p(load_id)
    new_rows = s.typed
    if mode == "upsert":
        on = " AND ".join(f"n.{k} = o.{k}" for k in t.key)
        picks = ", ".join(f"n.{c}" if c in s.positions else f"o.{c} AS {c}" for c in t.column_names)
        new_rows = f"_upsert_{t.name}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {new_rows} AS SELECT n._row, {picks} "
            f"FROM {s.typed} n LEFT JOIN main.{t.name} o ON {on}"
        )
        s.report.columns_kept = [c for c in t.column_names if c not in s.positions]
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
    q = Sql()
    # The staging table is in file order (DuckDB preserves insertion order); the upsert's
    # join is not, so only it sorts.
    order = " ORDER BY _row" if new_rows != s.typed else ""
    row = con.execute(
        f"INSERT INTO main.{t.name} ({cols}, _load_id) SELECT {cols}, {q.p(load_id)} "
        f"FROM {new_rows}{order}",
        q.params,
    ).fetchone()
    s.report.rows_added = int(row[0]) if row else 0
    if new_rows != s.typed:
        con.execute(f"DROP TABLE IF EXISTS {new_rows}")


def _check_batch_items(items: list[BatchItem]) -> None:
    seen: set[str] = set()
    for table, _, _ in items:
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}; tables are: {', '.join(TABLE_ORDER)}")
        if table in seen:
            raise ValueError(f"{table} appears twice in one batch")
        seen.add(table)


def _stage_batch(items: list[BatchItem], mode: str) -> list[Staged]:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    _check_batch_items(items)
    order = sorted(range(len(items)), key=lambda i: TABLE_ORDER.index(items[i][0]))
    return [match_file(TABLES[items[i][0]], items[i][1], mode, items[i][2]) for i in order]


def _unwritable(
    db: Path, reports: list[LoadReport], who: str | None, error: store.StoreWriteError
) -> None:
    """The store could not be written: every report refused with why, recorded beside it."""
    for rep in reports:
        rep.ok = False
        rep.load_id = None
        rep.message = str(error)
        rep.message_codes = notes_of(error)
    record_unwritable(db, reports, who)


def load_batch(
    db: Path | str,
    items: list[BatchItem],
    mode: str,
    loaded_by: str | None = None,
    on_progress: Progress | None = None,
    alerts: bool = True,
    *,
    case_checked_later: bool = False,
) -> list[LoadReport]:
    """Load several files in one transaction, in dependency order: all go in, or none does.

    Every file gets a load_history row, loaded or refused (also when the disk is
    full: see `history.record_unwritable`). Reports come back in the order of `items`.
    A committed load then delivers the alerts that fire (`alerts`: metrics.alerts).
    `case_checked_later`: the caller runs `check_key_case` on these tables after its last
    load, so keys are not compared with every stored key for case variants here.
    """
    if not items:
        raise ValueError("nothing to load: no files were given")
    staged_list = _stage_batch(items, mode)
    for s in staged_list:
        s.case_checked_later = case_checked_later
    progress = on_progress or (lambda _f, _m: None)
    who = loaded_by if loaded_by is not None else default_user()
    progress(0.05, "Opening the store…")
    wait: dict[str, Any] = {} if on_progress is None else {"on_wait": lambda m: progress(0.05, m)}
    try:
        with store.write_transaction(Path(db), **wait) as con:
            progress(0.15, "Checking the rows…")
            validate_staged(con, staged_list, mode)
            if all(s.report.ok for s in staged_list):
                for n, s in enumerate(staged_list):
                    progress(0.6 + 0.3 * n / max(len(staged_list), 1), f"Writing {s.table.name}…")
                    s.report.load_id = next_load_id(con)
                    _write(con, s, mode, s.report.load_id)
                    s.report.message = s.report._loaded_line()
                    s.report.message_codes = s.report.loaded_notes()
                    record(con, s.report, who)
                    prune_undo(con, s.table.name)
            else:
                con.execute("ROLLBACK")
                con.execute("BEGIN TRANSACTION")
                for s in staged_list:
                    record(con, s.report, who)
            for s in staged_list:
                for name in (s.typed, s.problems):
                    con.execute(f"DROP TABLE IF EXISTS {name}")
            progress(0.95, "Publishing the new store…")
    except store.StoreWriteError as exc:
        _unwritable(Path(db), [s.report for s in staged_list], who, exc)
    if alerts and all(s.report.ok and s.report.load_id is not None for s in staged_list):
        from metrics.alerts import after_load

        after_load(Path(db))
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
    db: Path | str, items: list[BatchItem], mode: str = "append"
) -> list[LoadReport]:
    """Dry run of `load_batch`: each file's report, nothing written."""
    staged_list = _stage_batch(items, mode)
    con = _dry_run_connection(Path(db))
    try:
        validate_staged(con, staged_list, mode)
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
    head = dataclasses.replace(
        extract, table=extract.table.slice(0, n), rows=extract.row_numbers()[:n], data=None
    )
    staged = Staged(t, head, new_report(table, head, "append"), {})
    for pos, m in enumerate(match_headers(t, head.headers, mapping)):
        if m.column is not None and m.column not in staged.positions:
            staged.positions[m.column] = pos
    con = store.connect(":memory:", read_only=False)
    try:
        stage(con, staged)
        present = [c.name for c in t.columns if c.name in staged.positions]
        cols = ", ".join(["_row AS row", *present])
        return con.execute(f"SELECT {cols} FROM {staged.typed} ORDER BY _row").df()
    finally:
        con.close()


# --- convenience entry points ----------------------------------------------------------------


def refused_unreadable(
    table: str, file_name: str, data: bytes, mode: str, error: Exception
) -> LoadReport:
    """The report of a file that could not be read at all (its reason as the message)."""
    return LoadReport(
        table=table,
        file_name=file_name,
        format=Path(file_name).suffix.lstrip(".").lower() or "unknown",
        encoding=None,
        mode=mode,
        checksum=hashlib.sha256(data).hexdigest(),
        message=str(error),
        message_codes=notes_of(error),
    )


def record_refused(db: Path | str, reports: list[LoadReport], loaded_by: str | None) -> None:
    """Record refused loads (nothing else changes); beside the store if it cannot be written."""
    try:
        with store.write_transaction(Path(db)) as con:
            for rep in reports:
                record(con, rep, loaded_by)
    except store.StoreWriteError as exc:
        for rep in reports:
            rep.load_id = None
            # coded only when every part is (an uncoded message keeps its own words)
            coded = bool(rep.message_codes) or not rep.message
            rep.message_codes = [*rep.message_codes, *notes_of(exc)] if coded else []
            rep.message = f"{rep.message}; {exc}" if rep.message else str(exc)
        record_unwritable(Path(db), reports, loaded_by)


def load_file(
    db: Path | str,
    table: str,
    path: Path | str,
    mode: str = "append",
    sheet: str | None = None,
    loaded_by: str | None = None,
    encoding: str | None = None,
) -> LoadReport:
    """Load one extract file; a file that cannot be read is a refused load, recorded too."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}")
    path = Path(path)
    data = path.read_bytes()
    try:
        extract = read_extract(data, path.name, sheet=sheet, encoding=encoding)
    except ExtractError as exc:
        rep = refused_unreadable(table, path.name, data, mode, exc)
        record_refused(db, [rep], loaded_by or default_user())
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
    encoding: str | None = None,
) -> list[LoadReport]:
    """Load every table file of a directory as one batch: all go in, or none does."""
    files = extract_files(directory)
    if not files:
        raise ValueError(
            f"no extract files in {directory}; name them after their table, "
            f"e.g. customers.csv ({', '.join(TABLE_ORDER)})"
        )
    items: list[BatchItem] = []
    unreadable: list[LoadReport] = []
    for table, p in files.items():
        data = p.read_bytes()
        try:
            items.append((table, read_extract(data, p.name, encoding=encoding), None))
        except ExtractError as exc:
            unreadable.append(refused_unreadable(table, p.name, data, mode, exc))
    if unreadable:
        bad = ", ".join(r.file_name for r in unreadable)
        reports = list(unreadable)
        for table, ext, _ in items:
            rep = new_report(table, ext, mode)
            rep.message = f"not loaded: the batch is all or nothing and {bad} was refused"
            rep.message_codes = [Note("batch_refused", (("files", bad),))]
            reports.append(rep)
        record_refused(db, reports, loaded_by or default_user())
        return reports
    return load_batch(db, items, mode, loaded_by=loaded_by, on_progress=on_progress)


def frame_extract(df: pd.DataFrame, table: str, source: str = "demo") -> Extract:
    """The extract `load_frames` makes of one typed frame (`Extract.from_frame(native=True)`,
    named `<source>:<table>`); a caller may make it beforehand, e.g. in another thread."""
    return Extract.from_frame(df, f"{source}:{table}", native=True)


def load_frames(
    db: Path | str,
    frames: Mapping[str, pd.DataFrame | Extract],
    mode: str = "replace",
    source: str = "demo",
    *,
    case_checked_later: bool = False,
) -> list[LoadReport]:
    """Load in-memory DataFrames (the demo bank) through the same checks; raises if refused.

    The frames' typed columns are staged from their values (`Extract.from_frame(native=True)`):
    every rule a value can break is checked, the spelling rules of text are not needed.
    A frame may come as its `frame_extract` already. `case_checked_later`: see `load_batch`.
    """
    items: list[BatchItem] = [
        (table, df if isinstance(df, Extract) else frame_extract(df, table, source), None)
        for table, df in frames.items()
    ]
    reports = load_batch(
        db, items, mode, loaded_by=source, alerts=False, case_checked_later=case_checked_later
    )
    if not all(r.ok for r in reports):
        raise LoadRefusedError("\n".join(r.render_text() for r in reports if not r.ok))
    return reports


def check_key_case(db: Path | str, tables: Iterable[str]) -> None:
    """Refuse (LoadRefusedError) a store where a key of one of `tables` differs from another
    stored key by letter case only: for loads made with `case_checked_later`, the rule they
    skipped, over every stored row at once (`checks.stored_case_variants`)."""
    con = store.connect_reader(Path(db))
    try:
        found = []
        for name in tables:
            groups, examples = stored_case_variants(con, TABLES[name], limit=3)
            if groups:
                what = " + ".join(TABLES[name].key)
                found.append(
                    f"{name}: {groups} group(s) of {what} keys differing by letter case only "
                    f"({'; '.join(examples)})"
                )
    finally:
        con.close()
    if found:
        raise LoadRefusedError("\n".join(found))
