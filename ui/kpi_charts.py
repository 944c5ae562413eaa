"""A KPI drawn on the page: its trend over months, its bars across groups, with n,
intervals and flags from the engine's Cells (ui.cells)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import streamlit as st

from metrics.kpis import Cell
from metrics.registry import KPIS
from ui import cells, charts, drill, event_markers
from ui.fmt import fmt_month
from ui.i18n import t
from ui.page import chart

Series = Mapping[dt.date, Mapping[str, Cell]]
Breakdown = Mapping[str, Mapping[str, Cell]]


def window_title(series: Series, lang: str) -> str:
    """The trend heading with its real window: "Trend 2021-01 to 2025-12 (60 months)"."""
    months = sorted(series)
    if not months:
        return t("trend_title", lang)
    return t(
        "trend_window",
        lang,
        start=fmt_month(months[0]),
        end=fmt_month(months[-1]),
        months=len(months),
    )


def kpi_trend(
    kpi_id: str,
    series: Series,
    lang: str,
    *,
    title: str | None = None,
    height: int = 300,
    key: str | None = None,
) -> None:
    """One KPI over months (a kpis.series_detail answer): the 95 % band of a rate, the
    running or immature month dotted and labelled, low-n points grey, n on hover, the
    target line; points not covered by the data are gaps, named under the chart."""
    kpi = KPIS[kpi_id]
    by_month = {  # a month before a source's data starts is not measured: a gap, not a 0
        m: c if c is None or c.covered else c.uncovered()
        for m, c in cells.series_cells(series, kpi_id).items()
    }
    honesty = cells.honesty_frame(kpi_id, by_month, lang)
    frame = honesty[["value"]].rename(columns={"value": kpi_id})
    fig = charts.trend(
        frame,
        {kpi_id: kpi.label(lang)},
        kpi.unit,
        lang,
        title=title if title is not None else kpi.label(lang),
        target=kpi.target,
        target_label=t("target", lang),
        height=height,
        honesty=honesty,
        events=event_markers.events_for(frame.index),
    )
    chart(fig, key=key)
    missing = cells.uncovered_months(series, kpi_id)
    if missing:
        span = fmt_month(missing[0])
        if len(missing) > 1:
            span += f" – {fmt_month(missing[-1])}"
        st.caption(t("trend_uncovered", lang, months=span))


def kpi_bars(
    kpi_id: str,
    groups: Breakdown,
    lang: str,
    *,
    title: str,
    names: Mapping[str, str] | None = None,
    colors: Mapping[str, str] | None = None,
    key: str | None = None,
    drill_by: str | None = None,
    drill_key: str = drill.KEY,
) -> None:
    """One KPI across groups (a kpis.breakdown_detail answer): target colours or the group
    colours, error bars of rates, low-n groups grey and labelled with their n; with
    `drill_by` a click on a bar drills down to that group's customers."""
    kpi = KPIS[kpi_id]
    ids = [str(g) for g in groups]
    honesty = cells.honesty_frame(kpi_id, {g: groups[g].get(kpi_id) for g in groups}, lang)
    fig = charts.bars(
        [(names or {}).get(g, g) for g in ids],
        honesty["value"].tolist(),
        kpi.unit,
        lang,
        title=title,
        colors=[colors.get(g, charts.NAVY) for g in ids] if colors and not kpi.target else None,
        target=kpi.target,
        target_label=t("target", lang),
        direction=kpi.direction,
        horizontal=len(ids) > 6,
        height=max(300, 28 * len(ids) + 80) if len(ids) > 6 else 300,
        honesty=honesty,
    )
    if drill_by is None:
        chart(fig, key=key)
    else:
        drill.clickable(fig, drill_by, ids, key=key or f"bars_{kpi_id}", drill_key=drill_key)


def low_n_groups(kpi_id: str, groups: Breakdown) -> Sequence[str]:
    """Groups whose value rests on too few to judge (ranked apart, greyed)."""
    return [g for g, row in groups.items() if cells.low_n(kpi_id, row.get(kpi_id))]
