"""The Initiative impact page's pieces: the event picker, the impact table and chart, and
the analysts' events editor (saved through the loader as one replace of the table)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics import impact
from metrics.filters import Filters
from metrics.registry import KPIS
from ui import auth, chart_theme, charts, data, page, tables
from ui.fmt import DASH, fmt_pp, fmt_value, fmt_values, is_missing
from ui.i18n import t
from ui.safe import md, plot_text

EVER = (dt.date(1900, 1, 1), dt.date(2999, 12, 31))  # every event date


def all_time(f: Filters) -> Filters:
    """The sidebar's branches and tiers over every date: the events a user may pick."""
    return f.with_period(*EVER)


def pick_event(events: Sequence[impact.Event], lang: str) -> impact.Event:
    by_id = {e.event_id: e for e in events}

    def label(event_id: str) -> str:
        e = by_id[event_id]
        where = t("brief.bank_wide", lang) if e.branch_id is None else e.branch_id
        return f"{e.event_date} · {e.title} ({where})"

    chosen = st.selectbox(
        t("impact.event", lang), list(by_id), format_func=label, key="impact_event"
    )
    return by_id[str(chosen)]


def windows_caption(ev: impact.Event, days: int, lang: str) -> None:
    (b0, b1), (a0, a1) = impact.windows(ev.event_date, days)
    st.caption(md(t("impact.windows", lang, b0=b0, b1=b1, a0=a0, a1=a1)))
    st.caption(t("impact.note", lang, days=days))


def _signed(value: Any, unit: str, lang: str) -> str:
    """A change in the KPI's unit: points for ratios, else signed values."""
    if is_missing(value):
        return DASH
    v = float(value)
    if unit == "ratio":
        return fmt_pp(v, lang)
    return ("+" if v >= 0 else "-") + fmt_value(abs(v), unit, lang)


def impact_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """impact_frame as the text the page shows, one row per KPI."""
    rows = []
    for r in frame.itertuples(index=False):
        k = KPIS[str(r.kpi)]
        before, after = fmt_values([r.before, r.after], k.unit, lang)
        ci = DASH
        if not is_missing(r.ci_low) and not is_missing(r.ci_high):
            ci = f"{_signed(r.ci_low, k.unit, lang)} – {_signed(r.ci_high, k.unit, lang)}"
        rows.append(
            {
                t("kpi", lang): k.label(lang),
                t("impact.col.before", lang): before,
                t("impact.col.after", lang): after,
                t("impact.col.change", lang): _signed(r.change, k.unit, lang),
                t("impact.col.ci", lang): ci,
                t("impact.col.did", lang): _signed(r.did, k.unit, lang),
            }
        )
    return pd.DataFrame(rows)


def impact_table(frame: pd.DataFrame, f: Filters, lang: str) -> None:
    shown = impact_rows(frame, lang)
    right = [str(col) for col in shown.columns[1:]]
    tables.table(shown, "impact", f, lang, title=t("page_impact", lang), labels={}, units={},
            right=right, key="impact_table")  # fmt: skip


def change_figure(frame: pd.DataFrame, lang: str) -> go.Figure:
    """The rate KPIs' changes in points with their 95 % intervals (horizontal bars)."""
    rates = frame[[KPIS[str(k)].unit == "ratio" for k in frame["kpi"]]].dropna(subset=["change"])
    title = t("impact.col.change", lang) + " (pp)"
    if rates.empty:
        return charts.trend(pd.DataFrame(), {}, "ratio", lang, title=title)
    labels = [plot_text(KPIS[str(k)].label(lang)) for k in rates["kpi"]]
    change = (rates["change"] * 100).tolist()
    lo = ((rates["change"] - rates["ci_low"]) * 100).tolist()
    hi = ((rates["ci_high"] - rates["change"]) * 100).tolist()
    fig = go.Figure(
        go.Bar(
            x=change,
            y=labels,
            orientation="h",
            marker={"color": chart_theme.NAVY},
            error_x={"type": "data", "array": hi, "arrayminus": lo, "color": chart_theme.GREY},
            customdata=[fmt_pp(v / 100, lang) for v in change],
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(template=chart_theme.TEMPLATE, title=title, height=60 + 34 * len(labels))
    fig.add_vline(x=0, line={"color": chart_theme.GRID})
    return fig


def events_editor(lang: str) -> None:
    """Analysts edit the events table; Save replaces it through the loader (one load)."""
    from metrics.load import load_batch
    from metrics.load.parse import Extract

    st.subheader(t("events.title", lang))
    st.caption(t("events.help", lang))
    stored = page.load(impact.events_frame, None)
    edited = st.data_editor(
        stored,
        num_rows="dynamic",
        hide_index=True,
        key="events_editor",
        column_config={
            "event_date": st.column_config.DateColumn(format="YYYY-MM-DD"),
        },
    )
    if not st.button(t("events.save", lang), key="events_save", icon=":material/save:"):
        return
    if not auth.allowed("upload", {"table": "events"}):
        return
    user = auth.current_user()
    frame = edited.dropna(how="all").reset_index(drop=True)
    extract = Extract.from_frame(frame, "app:events")
    [report] = load_batch(data.db_path(), [("events", extract, None)], "replace",
                          loaded_by=user.name if user else None)  # fmt: skip
    auth.audit("load", "ok" if report.ok else "refused",
               {"table": "events", "mode": "replace", "rows": report.rows_in,
                "load_id": report.load_id, "via": "events editor"})  # fmt: skip
    if report.ok:
        st.success(t("events.saved", lang, rows=report.rows_in, load_id=report.load_id))
    else:
        st.error(md(t("events.refused", lang) + report.render_text()))
