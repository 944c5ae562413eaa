"""Undo: put the store back exactly as it was before one load.

Rows a load replaces or deletes are copied to `_undo_<table>` (see `write`);
undo deletes the load's rows and restores those, inside one store transaction,
refusing where a later load of the table or a foreign key stands in the way.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from metrics import store
from metrics.contract import TABLES
from metrics.errors import CodedError
from metrics.load.checks import broken_links

# Undo keeps the rows replaced by the latest UNDO_KEEP loads of each table; older loads'
# before-images are pruned so a monthly replace of a large table cannot grow the store forever.
UNDO_KEEP = 10


class UndoError(CodedError, ValueError):
    """An undo that cannot be done; the message says why in one line (and as codes)."""


def prune_undo(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drop the before-images of loads older than the latest UNDO_KEEP of `table`."""
    old = (
        "SELECT load_id FROM load_history WHERE table_name = $t AND outcome = 'loaded' "
        "AND undone_at IS NULL AND undoable ORDER BY load_id DESC OFFSET $keep"
    )
    params = {"t": table, "keep": UNDO_KEEP}
    con.execute(f"DELETE FROM _undo_{table} WHERE _replaced_by IN ({old})", params)
    con.execute(f"UPDATE load_history SET undoable = FALSE WHERE load_id IN ({old})", params)


def undo_load(db: Path | str, load_id: int) -> str:
    """Put the store back exactly as it was before `load_id`; returns a one-line summary."""
    with store.write_transaction(Path(db)) as con:
        row = con.execute(
            "SELECT table_name, outcome, undone_at, undoable FROM load_history WHERE load_id = $id",
            {"id": load_id},
        ).fetchone()
        if row is None:
            raise UndoError(f"there is no load {load_id}", "undo_no_load", load_id=load_id)
        table_name, outcome, undone_at, undoable = row
        if outcome != "loaded":
            raise UndoError(
                f"load {load_id} was refused and changed nothing; nothing to undo",
                "undo_refused_load",
                load_id=load_id,
            )
        if undone_at is not None:
            raise UndoError(
                f"load {load_id} was already undone at {undone_at}",
                "undo_already",
                load_id=load_id,
                at=undone_at,
            )
        if not undoable:
            raise UndoError(
                f"load {load_id} is older than the last {UNDO_KEEP} loads of {table_name}; "
                "the rows it replaced are no longer kept",
                "undo_expired",
                load_id=load_id,
                keep=UNDO_KEEP,
                table=table_name,
            )
        later = con.execute(
            "SELECT min(load_id) FROM load_history WHERE table_name = $t AND load_id > $id "
            "AND outcome = 'loaded' AND undone_at IS NULL",
            {"t": table_name, "id": load_id},
        ).fetchone()
        if later and later[0] is not None:
            raise UndoError(
                f"load {later[0]} of {table_name} came after load {load_id}; undo it first",
                "undo_later",
                later=later[0],
                table=table_name,
                load_id=load_id,
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
        broken = broken_links(con, [t.name])
        if broken:
            links = "; ".join(link.sentence() for link in broken)
            error = UndoError(f"undoing load {load_id} would break a link: {links}")
            error.also("undo_breaks", load_id=load_id)
            for link in broken:
                error.also("undo_link", **dict(link.facts()))
            raise error
        con.execute(
            "UPDATE load_history SET undone_at = $at WHERE load_id = $id",
            {"at": dt.datetime.now().replace(microsecond=0), "id": load_id},
        )
    n_del = int(deleted[0]) if deleted else 0
    n_res = int(restored[0]) if restored else 0
    return f"Undid load {load_id} of {table_name}: removed {n_del} rows, restored {n_res} rows"
