"""Drill-down: from a branch, tier, relationship type or segment to the customers behind it."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from metrics.filters import Filters
from ui.i18n import t
from ui.names import branch_names, readable, rel_names, rfm_names, tier_names
from ui.page import empty, load
from ui.tables import column_labels, guess_units, search_rows, table


def dimension_values(dimension: str, lang: str) -> dict[str, str]:
    """The values one can drill into for a dimension, with their display names."""
    if dimension == "branch":
        return {b: f"{b} {name}" for b, name in branch_names().items()}
    if dimension == "tier":
        return tier_names(lang)
    if dimension == "relationship_type":
        return {k: v for k, v in rel_names(lang).items() if k != "not_active"}
    if dimension == "rfm_segment":
        return rfm_names(lang)
    return {}


def drill_down(
    f: Filters,
    lang: str,
    dimensions: Sequence[str],
    *,
    key: str = "drill",
) -> None:
    """From a branch, tier, relationship type or RFM segment to its customers (searchable)."""
    from metrics import analysis

    st.subheader(t("drill_title", lang))
    c1, c2, c3 = st.columns([1, 1, 2])
    with c1:
        dimension = st.selectbox(
            t("drill_by", lang),
            list(dimensions),
            format_func=lambda d: t(f"dim_{d}", lang),
            key=f"{key}_dim",
        )
    values = dimension_values(str(dimension), lang)
    if not values:
        empty("no_data_period", lang)
        return
    with c2:
        value = st.selectbox(
            t("drill_value", lang),
            list(values),
            format_func=lambda v: values.get(v, v),
            key=f"{key}_value_{dimension}",
        )
    with c3:
        needle = st.text_input(
            t("search", lang), placeholder=t("search_placeholder", lang), key=f"{key}_search"
        )
    frame = readable(load(analysis.drill_down, f, str(dimension), str(value)), lang)
    shown = search_rows(frame, needle or "")
    if shown.empty:
        empty("no_rows_match" if needle else "no_data_period", lang)
        return
    st.caption(t("rows", lang, n=f"{len(shown):,}"))
    table(
        shown,
        f"customers_{dimension}_{value}",
        f,
        lang,
        title=f"{t(f'dim_{dimension}', lang)}: {values.get(str(value), value)}",
        labels=column_labels(list(shown.columns), lang),
        units=guess_units(shown),
        key=f"{key}_table",
    )
