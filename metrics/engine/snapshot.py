"""What the engine reads about a store once per reader connection, not once per call.

A reader's connection (metrics.store.connect_reader) attaches one published store file
read-only. That file never changes under it: a load publishes a new file by rename, and
the Reader opens a new connection for it. So where the rollups are, each source's start
and as-of date, and which of the store's own tables exist are the same for every call on
the connection and its cursors. Each such fact costs a catalog query (about 0.5-1.5 ms at
any size); asked on every KPI call, they were most of a small call's time.

`freeze(con)` marks a connection as such a snapshot; `share(parent, cursor)` gives a
cursor its parent's memo; `remembered(con, key, compute)` answers from the memo, or
computes (every time, on a connection that is not frozen: a writer, a test's own
connection). Only facts of the attached file belong here, never of the reader's private
in-memory catalog, whose tables may be dropped (customer_state's day cache), except that
the private rollups, once built, are kept for the connection's life.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import duckdb

T = TypeVar("T")

_MEMO: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, dict[Hashable, Any]] = (
    weakref.WeakKeyDictionary()
)


def freeze(con: duckdb.DuckDBPyConnection) -> None:
    """Mark `con` as reading a store file that cannot change for as long as it is open."""
    _MEMO.setdefault(con, {})


def share(parent: duckdb.DuckDBPyConnection, cursor: duckdb.DuckDBPyConnection) -> None:
    """Let `cursor` (of `parent`) use its parent's memo, when the parent is frozen."""
    memo = _MEMO.get(parent)
    if memo is not None:
        _MEMO[cursor] = memo


def remembered(con: duckdb.DuckDBPyConnection, key: Hashable, compute: Callable[[], T]) -> T:
    """compute(), once per frozen connection (and its cursors) and `key`.

    Two threads asking at once may both compute; they get equal answers, one is kept.
    """
    memo = _MEMO.get(con)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    value: T = memo[key]
    return value
