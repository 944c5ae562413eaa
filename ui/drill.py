"""Drill-down: from a page's number to the customers (or leads) behind it.

Only values the sidebar selects are offered (BR03 selected: branch BR03, never the
other eleven); "all" is the page's whole population. A click on a bar (`clickable`)
picks the same dimension and value (Streamlit 1.67 reports no clicks on pies and
treemaps, so those charts are drawn plainly).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from metrics.contract import TIERS
from metrics.filters import Filters
from ui.data import deferred
from ui.i18n import t, value_names
from ui.names import branch_names, readable, rel_names, rfm_names, tier_names
from ui.page import PLOTLY_CONFIG, empty, load
from ui.safe import figure
from ui.tables import GRID_ROWS, column_labels, guess_units, search_rows, table

ALL = "__all__"
KEY = "drill"


def dimension_values(dimension: str, f: Filters, lang: str) -> dict[str, str]:
    """The values one can drill into, with their display names: the sidebar's selection."""
    if dimension == "branch":
        names = branch_names()
        ids = [b for b in names if not f.branches or b in f.branches]
        return {b: f"{b} {names[b]}" for b in ids}
    if dimension == "tier":
        tiers = tier_names(lang)
        return {k: tiers[k] for k in (f.tiers or TIERS)}
    if dimension == "relationship_type":
        return {k: v for k, v in rel_names(lang).items() if k != "not_active"}
    if dimension == "rfm_segment":
        return rfm_names(lang)
    if dimension == "source_channel":
        return value_names("channel", lang)
    return {}


def _value_key(key: str, dimension: str) -> str:
    return f"{key}_value_{dimension}"


def pick(dimension: str, value: str, key: str = KEY) -> None:
    """Point the drill-down at one cell (before its widgets are drawn in this run)."""
    st.session_state[f"{key}_dim"] = dimension
    st.session_state[_value_key(key, dimension)] = value


def clickable(
    fig: go.Figure, dimension: str, ids: Sequence[str], *, key: str, drill_key: str = KEY
) -> None:
    """Draw a chart whose bars drill down to their customers on click.

    `ids` are the group ids in the order of the chart's points.
    """
    event: Any = st.plotly_chart(
        figure(fig),
        theme=None,
        config=PLOTLY_CONFIG,
        key=key,
        on_select="rerun",
        selection_mode="points",
    )
    points = list(getattr(getattr(event, "selection", None), "points", None) or [])
    if not points:
        return
    point = points[0]
    index = point.get("point_index", point.get("point_number", point.get("pointNumber")))
    if index is None and "id" in point and str(point["id"]) in ids:  # a treemap cell, by id
        index = list(ids).index(str(point["id"]))
    if index is None and "label" in point:  # a treemap cell or a pie slice: by its label
        labels = [str(x) for x in (getattr(fig.data[0], "labels", None) or [])]
        index = labels.index(str(point["label"])) if str(point["label"]) in labels else None
    if index is None or not 0 <= int(index) < len(ids):
        return
    chosen = str(ids[int(index)])
    last = f"{key}_last_click"
    if st.session_state.get(last) != chosen:  # a new click: follow it
        st.session_state[last] = chosen
        pick(dimension, chosen, drill_key)


def drill_down(
    f: Filters,
    lang: str,
    dimensions: Sequence[str],
    *,
    population: str = "period",
    key: str = KEY,
) -> None:
    """The customers behind the page's number (`population`, see metrics.drill), in one
    cell of a dimension or all of them; searchable, exportable. The grid gets the first
    GRID_ROWS customers and their count, the downloads all of them."""
    from metrics import drill

    st.subheader(t("drill_title", lang))
    st.caption(t(f"drill_population_{population}", lang))
    dimension, value = _pick(f, lang, dimensions, key)
    cell = (None, None) if value == ALL else (dimension, value)
    search = str(st.session_state.get(f"{key}_search") or "").strip() or None
    frame = load(drill.customers, f, population, *cell, limit=GRID_ROWS, search=search)
    total = load(drill.count_customers, f, population, *cell, search=search)
    everything = deferred(drill.customers, f, population, *cell, search=search)
    _show(
        readable(frame, lang),
        f,
        lang,
        key,
        population,
        total=total,
        everything=lambda: readable(everything(), lang),
    )


def drill_leads(f: Filters, lang: str, *, key: str = KEY) -> None:
    """The funnel's drill-down: the leads created in the period, by branch or channel."""
    from metrics import drill

    st.subheader(t("drill_title_leads", lang))
    st.caption(t("drill_population_leads", lang))
    dimension, value = _pick(f, lang, ("branch", "source_channel"), key)
    frame = load(drill.leads, f, *((None, None) if value == ALL else (dimension, value)))
    needle = str(st.session_state.get(f"{key}_search") or "")
    _show(search_rows(frame, needle), f, lang, key, "leads")


def _pick(f: Filters, lang: str, dimensions: Sequence[str], key: str) -> tuple[str, str]:
    """The dimension and value pickers and the search box; (dimension, value or ALL)."""
    c1, c2, c3 = st.columns([1, 1, 2])
    dim_key = f"{key}_dim"
    if st.session_state.get(dim_key) not in dimensions:
        st.session_state.pop(dim_key, None)
    with c1:
        dimension = str(
            st.selectbox(
                t("drill_by", lang),
                list(dimensions),
                format_func=lambda d: t(f"dim_{d}", lang),
                key=dim_key,
            )
        )
    values: Mapping[str, str] = {ALL: t("drill_all", lang), **dimension_values(dimension, f, lang)}
    value_key = _value_key(key, dimension)
    if st.session_state.get(value_key) not in values:  # a value the sidebar no longer selects
        st.session_state.pop(value_key, None)
    with c2:
        value = str(
            st.selectbox(
                t("drill_value", lang),
                list(values),
                format_func=lambda v: values.get(v, v),
                key=value_key,
            )
        )
    with c3:
        st.text_input(
            t("search", lang), placeholder=t("search_placeholder", lang), key=f"{key}_search"
        )
    st.session_state[f"{key}_chosen"] = (dimension, value, values.get(value, value))
    return dimension, value


def _show(
    shown: Any,
    f: Filters,
    lang: str,
    key: str,
    population: str,
    *,
    total: int | None = None,
    everything: Callable[[], Any] | None = None,
) -> None:
    needle = str(st.session_state.get(f"{key}_search") or "")
    dimension, value, shown_value = st.session_state[f"{key}_chosen"]
    if shown.empty:
        empty("no_rows_match" if needle else "no_data_period", lang)
        return
    rows = len(shown) if total is None else total
    if rows <= len(shown):  # a longer list says how many it shows above its grid
        st.caption(t("rows", lang, n=f"{rows:,}"))
    title = f"{t(f'drill_population_title_{population}', lang)} · {shown_value}"
    table(
        shown,
        f"customers_{population}_{dimension}_{value}".replace(ALL, "all"),
        f,
        lang,
        title=title,
        labels=column_labels(list(shown.columns), lang),
        units=guess_units(shown),
        key=f"{key}_table",
        total=rows,
        everything=everything,
    )
