"""The frame every page shares: loading data with clear failures, header, empty states, charts.

A metrics call goes through `load`: with no store, or one DuckDB cannot read, the
page says so and stops, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import duckdb
import plotly.graph_objects as go
import streamlit as st

from metrics.filters import Filters
from metrics.store import StoreMissingError
from ui import data, safe
from ui.i18n import t

T = TypeVar("T")

PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d"]}


def load(fn: Callable[..., T], f: Filters | None, *args: Any, **kwargs: Any) -> T:
    """A cached metrics call; with no store, or one DuckDB cannot read, say so and stop.

    The message replaces the page's remaining content, never a traceback.
    """
    try:
        return data.run(fn, f, *args, **kwargs)
    except StoreMissingError:
        no_store()
        st.stop()
        raise  # unreachable: st.stop ends the script run
    except duckdb.Error as exc:
        st.error(t("store_error", error=str(exc).splitlines()[0]), icon=":material/error:")
        st.stop()
        raise


def no_store() -> None:
    st.info(t("no_store", path=str(data.db_path())), icon=":material/database:")


def page_header(title_key: str, f: Filters, lang: str, note_key: str | None = None) -> None:
    """Title, the filters in words, and an optional note (e.g. a filter that does not apply)."""
    st.title(t(title_key, lang))
    st.caption(safe.md(f.describe(lang)))
    if note_key:
        st.info(t(note_key, lang), icon=":material/info:")


def empty(message_key: str = "no_data_period", lang: str | None = None, **fmt: Any) -> None:
    """The empty state: a clear sentence, never an exception."""
    st.info(t(message_key, lang, **fmt), icon=":material/search_off:")


def guard(lang: str, f: Filters | None = None) -> None:
    """Stop the page with a clear message when there is no store or it holds no customers;
    say so (and go on, showing "—") when the period and filters select no customer."""
    from metrics import store, views

    missing = load(store.missing_tables, None)
    if missing:
        empty("store_incomplete", lang, tables=", ".join(missing))
        st.stop()
    if load(views.customer_count, None) == 0:
        empty("store_empty", lang)
        st.stop()
    if f is not None and load(views.period_customers, f) == 0:
        empty("no_customers_selected", lang)


def chart(fig: go.Figure, key: str | None = None) -> None:
    """Render a figure with the app's own template (not Streamlit's theme)."""
    st.plotly_chart(safe.figure(fig), theme=None, config=PLOTLY_CONFIG, key=key)
