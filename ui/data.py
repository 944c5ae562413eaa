"""The app's side of the store: one cached Reader, query results cached per data version.

A result is cached under (function name, Filters, db path, data_version, extra args):
a load publishes a new file, its data_version changes and every page recomputes.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from metrics.filters import Filters
from metrics.store import DataVersion, Reader, StoreMissingError, resolve_db

T = TypeVar("T")


def db_path() -> Path:
    """The store the app reads: env CRM_DB or data/crm.duckdb."""
    return resolve_db()


@st.cache_resource(show_spinner=False)
def _reader(path: str) -> Reader:
    return Reader(Path(path))


def reader() -> Reader:
    """The shared, thread-safe Reader of the current store path."""
    return _reader(str(db_path()))


def ensure_demo_store() -> None:
    """First start without data: build the demo bank at the default path, with progress.

    Only when CRM_DB is not set: a store configured by path that is missing is a
    deployment fault the pages report, never something to paper over with demo data.
    """
    path = db_path()
    if path.exists() or "CRM_DB" in os.environ:
        return
    from metrics.demo import build_demo
    from ui.i18n import t

    with st.spinner(t("demo_building")):
        build_demo(path)


def store_version() -> DataVersion | None:
    """The store's data version, or None when there is no store file."""
    path = db_path()
    if not path.exists():
        return None
    try:
        return reader().version()
    except FileNotFoundError:
        return None


def _resolve(name: str) -> Callable[..., Any]:
    module, _, attr = name.rpartition(".")
    fn: Callable[..., Any] = getattr(importlib.import_module(module), attr)
    return fn


@st.cache_data(show_spinner=False, max_entries=512, ttl=3600)
def _cached(
    name: str,
    filters_key: str,
    path: str,
    version: DataVersion,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    _filters: Filters | None,
) -> Any:
    cur, _ = _reader(path).cursor()
    try:
        fn = _resolve(name)
        if _filters is None:
            return fn(cur, *args, **dict(kwargs))
        return fn(cur, _filters, *args, **dict(kwargs))
    finally:
        cur.close()


def run(fn: Callable[..., T], f: Filters | None, *args: Any, **kwargs: Any) -> T:
    """Call `fn(cursor, f, *args, **kwargs)` (or `fn(cursor, ...)` when f is None), cached.

    Raises StoreMissingError when there is no store file. The branch scope is enforced
    here for every page: `f` is clamped to the signed-in user's branches, and a frame
    read without filters (e.g. the branch list) keeps only their branches' rows.
    """
    from ui import auth  # ui.auth reads the store path from here

    if f is not None:
        f = auth.scoped(f)
    elif auth.current_user() is None:
        raise auth.access.AccessDenied("nobody is signed in")
    path = db_path()
    version = store_version()
    if version is None:
        raise StoreMissingError(f"No store at {path}.")
    name = f"{fn.__module__}.{fn.__qualname__}"
    key = repr(f)
    result: T = _cached(name, key, str(path), version, args, tuple(sorted(kwargs.items())), f)
    if f is None and isinstance(result, pd.DataFrame) and "branch_id" in result.columns:
        keep = [auth.visible_branch(b) for b in result["branch_id"]]
        return result[keep].reset_index(drop=True)
    return result


def deferred(fn: Callable[..., T], f: Filters, *args: Any, **kwargs: Any) -> Callable[[], T]:
    """`fn(cursor, f, ...)` to be called later, outside the script run (a download's data,
    built when its button is clicked): the branch scope is applied now, uncached."""
    from ui import auth

    scoped = auth.scoped(f)
    the_reader = reader()

    def call() -> T:
        cur, _ = the_reader.cursor()
        try:
            return fn(cur, scoped, *args, **kwargs)
        finally:
            cur.close()

    return call
