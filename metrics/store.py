"""The one place that opens the DuckDB store.

Design (see README, "Reading while writing"): readers open the store file
read-only. A writer never opens that file read-write; it takes an exclusive
lock file, copies the store, writes the copy in one transaction, checkpoints
it and atomically renames it over the store. A reader that still holds the old
file keeps reading the old, complete inode; the next query sees the new file's
`data_version` and reopens. So a reader sees the store before or after a load,
never half of one, and a second writer waits for the first.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import errno
import fcntl
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb

from metrics.contract import TABLES, create_table_sql
from metrics.engine import snapshot
from metrics.errors import CodedError

DEFAULT_DB = Path("data/crm.duckdb")
DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

DataVersion = tuple[int, int, int]
# The private copy a `rebuild` is writing: its loads write it in place, without a copy
# and without rollups (built once, before the rename).
_REBUILDING: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "rebuilding", default=None
)

LOAD_HISTORY_SQL = """
CREATE TABLE IF NOT EXISTS load_history (
    load_id BIGINT PRIMARY KEY,
    loaded_at TIMESTAMP NOT NULL,
    loaded_by VARCHAR,
    table_name VARCHAR NOT NULL,
    file_name VARCHAR,
    checksum VARCHAR,
    mode VARCHAR NOT NULL,
    rows_in BIGINT NOT NULL,
    rows_refused BIGINT NOT NULL,
    outcome VARCHAR NOT NULL,
    message VARCHAR,
    undone_at TIMESTAMP,
    undoable BOOLEAN DEFAULT TRUE,
    message_codes VARCHAR
)
"""
# message_codes: the message as codes and facts (JSON, metrics.load.report.notes_json), so
# the history is worded in the reader's language; stores made before it get it added.
_HISTORY_ADDED = "ALTER TABLE load_history ADD COLUMN IF NOT EXISTS message_codes VARCHAR"


class StoreBusyError(CodedError, RuntimeError):
    """Another writer holds the store for longer than we were willing to wait."""


class StoreMissingError(FileNotFoundError):
    """The store file does not exist yet."""


class StoreWriteError(CodedError, OSError):
    """The store could not be written (disk full, I/O error); it is unchanged."""


def resolve_db(path: str | os.PathLike[str] | None = None) -> Path:
    """`--db` wins, then the CRM_DB environment variable, then data/crm.duckdb."""
    if path:
        return Path(path)
    env = os.environ.get("CRM_DB")
    return Path(env) if env else DEFAULT_DB


def data_version(path: Path) -> DataVersion:
    """Identity of the store's current contents: changes on every committed load."""
    st = path.stat()
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def connect(path: Path | str, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file with extension auto-install/auto-load turned off."""
    return duckdb.connect(str(path), read_only=read_only, config=dict(DUCKDB_CONFIG))


def connect_reader(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only view of an existing store, in a private in-memory instance.

    DuckDB caches one database instance per path and process, so a plain
    `duckdb.connect(path)` after a load would hand back the old file. ATTACH
    into a fresh in-memory instance always opens the file as it is now. The
    store is attached as `store` and made the default catalog; use
    `reader_cursor` for more cursors (each must `USE store`).
    """
    if not path.exists():
        raise StoreMissingError(
            f"No store at {path}. Run `python -m metrics demo` or load extracts."
        )
    con = connect(":memory:", read_only=False)
    con.execute("ATTACH ? AS store (READ_ONLY)", [str(path)])
    con.execute("USE store")
    snapshot.freeze(con)  # the attached file cannot change: the engine asks about it once
    return con


def reader_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A new cursor of a `connect_reader` connection, reading the store by default."""
    cur = con.cursor()
    cur.execute("USE store")
    snapshot.share(con, cur)
    return cur


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every contract table, the load history and the undo tables if missing."""
    con.execute(LOAD_HISTORY_SQL)
    con.execute(_HISTORY_ADDED)
    for table in TABLES.values():
        con.execute(create_table_sql(table))
        undo_cols = [f"{c.name} {c.sql_type}" for c in table.columns]
        undo_cols += ["_load_id BIGINT", "_replaced_by BIGINT"]
        con.execute(f"CREATE TABLE IF NOT EXISTS _undo_{table.name} ({', '.join(undo_cols)})")


def missing_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Contract tables (and load_history) the connected store does not have, in order.

    A store written by this code always has them all (every write runs create_schema);
    one made elsewhere may not, and readers should say so rather than fail on a query.
    """
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema = 'main'"
    ).fetchall()
    present = {str(r[0]) for r in rows}
    return [name for name in (*TABLES, "load_history") if name not in present]


@contextlib.contextmanager
def _exclusive_lock(
    path: Path, timeout: float, on_wait: Callable[[str], None] | None
) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as fh:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait is not None:
                    on_wait("The store is busy with another load; waiting for it to finish…")
                    told = True
                if time.monotonic() > deadline:
                    raise StoreBusyError(
                        f"The store {path} stayed busy for {timeout:.0f} s; try again later.",
                        "store_busy",
                        path=path,
                        seconds=f"{timeout:.0f}",
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _default_wait_message(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def write_transaction(
    path: Path,
    *,
    timeout: float = 600.0,
    on_wait: Callable[[str], None] | None = _default_wait_message,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-write connection to a private copy of the store inside BEGIN.

    On normal exit the transaction commits and the copy replaces the store
    atomically; on an exception nothing is renamed and the store is unchanged.
    The caller may COMMIT early and start new transactions (e.g. to record a
    refused load); whatever is committed when the block ends is published.
    """
    path = Path(path)
    if _REBUILDING.get() == path:
        yield from _write_in_place(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(path, timeout, on_wait):
        remove_stale_temps(path)
        check_free_space(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        wal = tmp.with_name(tmp.name + ".wal")
        for leftover in (tmp, wal):
            leftover.unlink(missing_ok=True)
        try:
            if path.exists():
                shutil.copyfile(path, tmp)
            con = connect(tmp, read_only=False)
            try:
                create_schema(con)
                _flush_pending_history(con, path)
                before = rollup_marker(con)
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                    publish_rollups(con, before)
                    with contextlib.suppress(duckdb.TransactionException):
                        con.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(duckdb.Error):
                        con.execute("ROLLBACK")
                    raise
                con.execute("CHECKPOINT")
            finally:
                with contextlib.suppress(duckdb.Error):
                    con.close()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            _pending_path(path).unlink(missing_ok=True)  # now in load_history
        except (OSError, duckdb.IOException, duckdb.FatalException) as exc:
            raise _write_failure(path, exc) from exc
        finally:
            tmp.unlink(missing_ok=True)
            wal.unlink(missing_ok=True)


def _write_in_place(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One load of a rebuild: the copy is private to it (its lock held), so the load writes
    it directly; a failure fails the whole rebuild, which then leaves the store unchanged."""
    con = connect(path, read_only=False)
    try:
        create_schema(con)
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
            with contextlib.suppress(duckdb.TransactionException):
                con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()


def _publish_all_rollups(path: Path) -> None:
    """Build every rollup of the store at `path` in one transaction and checkpoint it."""
    from metrics.engine import customer_state, rollups

    con = connect(path, read_only=False)
    try:
        create_schema(con)
        con.execute("BEGIN TRANSACTION")
        rollups.build(con)
        customer_state.build(con)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def rollup_marker(con: duckdb.DuckDBPyConnection) -> Any:
    """The load history before a write, to tell which tables the write changed."""
    from metrics.engine import rollups

    return rollups.marker(con)


def publish_rollups(con: duckdb.DuckDBPyConnection, before: Any) -> None:
    """Rebuild the summary tables of the tables just written, before the publish commits.

    Readers see the facts and the rollups of one load, or neither (metrics.engine.rollups),
    and the customers' state on the default days built from them (engine.customer_state).
    """
    from metrics.engine import customer_state, rollups

    changed = rollups.changed_tables(con, before)
    rollups.build(con, changed=changed)
    customer_state.build(con, changed=changed)


# --- crash leftovers, free space and loads the disk could not take --------------------------

# A writer's private copy: .<store>.<pid>.<thread id>.tmp (and DuckDB's .wal beside it).
_TEMP_RE = re.compile(r"^\.(?P<store>.+)\.(?P<pid>\d+)\.(?P<tid>\d+)\.tmp(\.wal)?$")
# Headroom beyond a full copy of the store: what a load writes, DuckDB's WAL, the checkpoint.
FREE_MARGIN_MIN = 32 * 2**20
FREE_MARGIN_SHARE = 0.25


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove the private copies of writers that died (kill -9, power cut); the lock is ours.

    Only a copy whose writer process is gone is removed: a live pid holds no copy
    while we hold the lock, but is left alone all the same.
    """
    removed: list[Path] = []
    if not path.parent.is_dir():
        return removed
    for entry in path.parent.iterdir():
        m = _TEMP_RE.match(entry.name)
        if m is None or m["store"] != path.name or _alive(int(m["pid"])):
            continue
        with contextlib.suppress(FileNotFoundError):
            entry.unlink()
            removed.append(entry)
    return removed


def space_needed(path: Path) -> int:
    """Bytes a write needs free: a full copy of the store plus headroom."""
    size = path.stat().st_size if path.exists() else 0
    return size + max(FREE_MARGIN_MIN, int(size * FREE_MARGIN_SHARE))


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


def check_free_space(path: Path) -> None:
    """Refuse, before copying anything, a write the disk has no room for."""
    need = space_needed(path)
    free = shutil.disk_usage(path.parent).free
    if free < need:
        size = path.stat().st_size if path.exists() else 0
        raise StoreWriteError(
            f"not enough free disk space to write the store: {_mb(free)} free in "
            f"{path.parent}, {_mb(need)} needed (a copy of the {_mb(size)} store plus "
            "headroom); free some space and try again. Nothing was changed.",
            "store_no_space",
            free=_mb(free),
            folder=path.parent,
            need=_mb(need),
            size=_mb(size),
        )


def _write_failure(path: Path, exc: BaseException) -> StoreWriteError:
    """The StoreWriteError of a failed write; `cause` names the OS error (ENOSPC, ...) where
    it is one a person can act on, else "" (the reason is then the system's own text)."""
    if isinstance(exc, StoreWriteError):
        copy = StoreWriteError(str(exc))
        copy.parts = list(exc.parts)
        return copy
    reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0]
    return StoreWriteError(
        f"the store {path} could not be written ({reason}); nothing was changed",
        "store_unwritable",
        path=path,
        cause=_os_cause(exc),
        reason=reason,
    )


# OS errors a write can meet that a person can act on (their code names the wording).
_OS_CAUSES = ("ENOSPC", "EDQUOT", "EACCES", "EPERM", "EROFS", "EIO")


def _os_cause(exc: BaseException) -> str:
    """The errno name of an OS error (also inside DuckDB's text, which has no errno)."""
    number = getattr(exc, "errno", None)
    name = errno.errorcode.get(number, "") if isinstance(number, int) else ""
    if name in _OS_CAUSES:
        return name
    text = str(exc)
    return next((n for n in _OS_CAUSES if os.strerror(getattr(errno, n)) in text), "")


def _pending_path(path: Path) -> Path:
    return path.with_name(path.name + ".pending-history.jsonl")


def pending_history(path: Path) -> list[dict[str, Any]]:
    """load_history rows of loads the store could not take, kept beside it until the next write."""
    pending = _pending_path(Path(path))
    if not pending.exists():
        return []
    rows: list[dict[str, Any]] = []
    for line in pending.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError):
            row = json.loads(line)
            row["loaded_at"] = dt.datetime.fromisoformat(row["loaded_at"])
            rows.append(row)
    return rows


def record_pending_history(path: Path, rows: list[dict[str, Any]]) -> list[int | None]:
    """Append load_history rows beside a store that could not be written; returns their ids.

    The next write moves them into load_history. If even this small append fails
    (a disk with no byte left), the ids are None and the caller's message stands alone.
    """
    path = Path(path)
    with _exclusive_lock(path, 30.0, None):
        stored = 0
        if path.exists():
            with contextlib.suppress(duckdb.Error):
                con = connect_reader(path)
                try:
                    found = con.execute("SELECT coalesce(max(load_id), 0) FROM load_history")
                    stored = int((found.fetchone() or (0,))[0])
                finally:
                    con.close()
        next_id = max([stored, *(int(r["load_id"]) for r in pending_history(path))]) + 1
        ids: list[int | None] = []
        lines = []
        for i, row in enumerate(rows):
            full = {**row, "load_id": next_id + i, "loaded_at": str(row["loaded_at"])}
            lines.append(json.dumps(full, ensure_ascii=False, default=str) + "\n")
            ids.append(next_id + i)
        try:
            with open(_pending_path(path), "a", encoding="utf-8") as fh:
                fh.writelines(lines)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError:
            return [None] * len(rows)
        return ids


def _flush_pending_history(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Move the pending history rows into the copy's load_history (published with it)."""
    for row in pending_history(path):
        names = [k for k in row if k in _HISTORY_COLUMNS]
        con.execute(
            f"INSERT OR IGNORE INTO load_history ({', '.join(names)}) "
            f"VALUES ({', '.join(f'${k}' for k in names)})",
            {k: row[k] for k in names},
        )


_HISTORY_COLUMNS = frozenset(re.findall(r"^\s+(\w+) ", LOAD_HISTORY_SQL, re.M)) - {"CREATE"}


@contextlib.contextmanager
def rebuild(
    path: Path,
    *,
    timeout: float = 600.0,
    on_wait: Callable[[str], None] | None = _default_wait_message,
) -> Iterator[Path]:
    """Yield a private copy of the store for a series of loads, then publish it by one rename.

    For a build made of several loads (the demo bank, streamed in chunks): the writer lock
    is held throughout, so no other load lands in between and is lost, and readers see the
    old store until the new one is complete. Each load goes through `write_transaction`,
    which writes this private copy in place (no copy per load) and leaves the rollups to
    the end: they are built once, from the whole bank, before the rename. On an exception
    the store is unchanged.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(path, timeout, on_wait):
        prefix = f".{path.name}.rebuild-"
        for stale in path.parent.glob(prefix + "*"):  # under the lock: a dead build's leftovers
            shutil.rmtree(stale, ignore_errors=True)
        work_dir = Path(tempfile.mkdtemp(prefix=prefix, dir=path.parent))
        try:
            work = work_dir / path.name
            if path.exists():
                shutil.copyfile(path, work)
            token = _REBUILDING.set(work)
            try:
                yield work
            finally:
                _REBUILDING.reset(token)
            _publish_all_rollups(work)
            with open(work, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(work, path)
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)


def ensure_store(path: Path) -> None:
    """Create an empty store with every table if none exists."""
    if not path.exists():
        with write_transaction(path):
            pass


class Reader:
    """A shared read-only connection that follows the store across loads.

    Thread-safe: each query runs on its own cursor; the connection is swapped
    when the file's data_version changes (a load published a new file).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version: DataVersion | None = None

    def version(self) -> DataVersion:
        return data_version(self.path)

    def cursor(self) -> tuple[duckdb.DuckDBPyConnection, DataVersion]:
        """A fresh cursor on the current store, and the version it reads."""
        if not self.path.exists():
            raise StoreMissingError(f"No store at {self.path}.")
        with self._lock:
            current = data_version(self.path)
            while self._con is None or current != self._version:
                # The old connection is left to the garbage collector: a query
                # still running on one of its cursors finishes on the old file.
                con = connect_reader(self.path)
                after = data_version(self.path)
                if after == current:  # no load was published while we opened it
                    self._con, self._version = con, current
                else:
                    con.close()
                    current = after
            return reader_cursor(self._con), current
