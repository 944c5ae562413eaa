"""The load history: one row per file, loaded or refused, read newest first."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from metrics import store
from metrics.load.report import LoadReport, notes_json


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    """The id the next load_history row takes."""
    row = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM load_history").fetchone()
    return int(row[0]) if row else 1


def history_row(rep: LoadReport, loaded_by: str | None, load_id: int) -> dict[str, Any]:
    """The load_history columns of one report (loaded or refused); the message also as codes."""
    return {
        "load_id": load_id,
        "loaded_at": dt.datetime.now().replace(microsecond=0),
        "loaded_by": loaded_by,
        "table_name": rep.table,
        "file_name": rep.file_name,
        "checksum": rep.checksum,
        "mode": rep.mode,
        "rows_in": rep.rows_in,
        "rows_refused": rep.rows_refused,
        "outcome": "loaded" if rep.ok else "refused",
        "message": rep.message,
        "message_codes": notes_json(rep.message_codes),
    }


def record(con: duckdb.DuckDBPyConnection, rep: LoadReport, loaded_by: str | None) -> int:
    """Add one load_history row for a report (loaded or refused); returns its load id."""
    load_id = rep.load_id if rep.load_id is not None else next_load_id(con)
    rep.load_id = load_id
    row = history_row(rep, loaded_by, load_id)
    names = ", ".join(row)
    con.execute(
        f"INSERT INTO load_history ({names}) VALUES ({', '.join(f'${k}' for k in row)})", row
    )
    return load_id


def record_unwritable(db: Path, reports: list[LoadReport], loaded_by: str | None) -> None:
    """Record loads the store could not take (disk full, I/O error) beside it until a write."""
    rows = [history_row(rep, loaded_by, 0) for rep in reports]
    for rep, load_id in zip(reports, store.record_pending_history(db, rows), strict=True):
        rep.load_id = load_id


def default_user() -> str | None:
    """The OS user running the load, where known."""
    try:
        return getpass.getuser()
    except Exception:
        return None


def history(con: duckdb.DuckDBPyConnection, db: Path | None = None) -> pd.DataFrame:
    """Every load, newest first, from a store connection (reader or writer).

    A store made outside this code may have no load_history yet: that is no loads.
    Loads the store could not take (disk full) are kept beside it until the next
    write and are listed too when `db` names the store.
    """
    if "load_history" in store.missing_tables(con):
        con = store.connect(":memory:", read_only=False)
        con.execute(store.LOAD_HISTORY_SQL)
    frame = con.execute("SELECT * FROM load_history ORDER BY load_id DESC").df()
    pending = store.pending_history(db) if db is not None else []
    if pending:
        extra = pd.DataFrame(pending).reindex(columns=frame.columns)
        frame = pd.concat([extra.astype(frame.dtypes.to_dict()), frame], ignore_index=True)
        frame = frame.sort_values("load_id", ascending=False, ignore_index=True)
    return frame
