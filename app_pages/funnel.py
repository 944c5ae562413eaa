"""Conversion funnel: leads through each stage, time to convert and approve, by branch, source."""

from __future__ import annotations

import streamlit as st

from metrics import analysis, kpis
from metrics.contract import FUNNEL_STAGES
from ui import charts, sidebar
from ui import components as c
from ui.i18n import t, value_names
from ui.state import trend_window

CARDS: tuple[str, ...] = (
    "leads_created",
    "lead_conversion_rate",
    "avg_days_to_convert",
    "avg_approval_days",
)
COLUMNS: tuple[str, ...] = ("group", "stage", "reached", "step_rate", "overall_rate")

f, lang = sidebar.current_filters(), sidebar.lang()
c.page_header("funnel_title", f, lang, note_key="funnel_tier_note")
c.guard(lang)
compare = c.load(kpis.compare, f, kpis=CARDS)
trend = c.load(kpis.series, trend_window(f), kind="month", kpis=CARDS)
stages = {s: t(f"stage_{s}", lang) for s in FUNNEL_STAGES}
c.kpi_cards(CARDS, compare, lang, trend)

left, right = st.columns([2, 3])
with left:
    total = c.load(analysis.funnel, f)
    fig = charts.funnel_frame(
        total,
        stages,
        lang,
        title=t("funnel_chart_title", lang),
        step_label=t("step_rate", lang),
    )
    c.chart(fig, key="funnel")
with right:
    c.kpi_trend("lead_conversion_rate", trend, lang, height=210, key="conv_trend")
    c.kpi_trend("avg_days_to_convert", trend, lang, height=210, key="days_trend")

by_branch = c.load(analysis.funnel, f, by="branch")
by_channel = c.load(analysis.funnel, f, by="source_channel")
for frame, title_key, names, key in (
    (by_branch, "funnel_by_branch", c.branch_names(), "branch"),
    (by_channel, "funnel_by_channel", value_names("channel", lang), "channel"),
):
    fig = charts.funnel_by_group(
        frame,
        stages,
        lang,
        group_names=names,
        title=t(title_key, lang),
    )
    c.chart(fig, key=f"funnel_{key}")
    c.table(
        c.readable_funnel(frame, lang, names),
        f"funnel_by_{key}",
        f,
        lang,
        title=t(title_key, lang),
        columns=COLUMNS,
        key=f"t_funnel_{key}",
    )
