"""Conversion funnel: leads through each stage, time to convert and approve, by branch, source."""

from __future__ import annotations

import streamlit as st

from metrics import analysis, kpis
from metrics.contract import FUNNEL_STAGES
from ui import cards, charts, kpi_charts, names, page, sidebar, tables
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
page.page_header("funnel_title", f, lang, note_key="funnel_tier_note")
page.guard(lang)
compare = page.load(kpis.compare, f, kpis=CARDS)
trend = page.load(kpis.series, trend_window(f), kind="month", kpis=CARDS)
stages = {s: t(f"stage_{s}", lang) for s in FUNNEL_STAGES}
cards.kpi_cards(CARDS, compare, lang, trend)

left, right = st.columns([2, 3])
with left:
    total = page.load(analysis.funnel, f)
    fig = charts.funnel_frame(
        total,
        stages,
        lang,
        title=t("funnel_chart_title", lang),
        step_label=t("step_rate", lang),
    )
    page.chart(fig, key="funnel")
with right:
    kpi_charts.kpi_trend("lead_conversion_rate", trend, lang, height=210, key="conv_trend")
    kpi_charts.kpi_trend("avg_days_to_convert", trend, lang, height=210, key="days_trend")

by_branch = page.load(analysis.funnel, f, by="branch")
by_channel = page.load(analysis.funnel, f, by="source_channel")
for frame, title_key, labels, key in (
    (by_branch, "funnel_by_branch", names.branch_names(), "branch"),
    (by_channel, "funnel_by_channel", value_names("channel", lang), "channel"),
):
    fig = charts.funnel_by_group(
        frame,
        stages,
        lang,
        group_names=labels,
        title=t(title_key, lang),
    )
    page.chart(fig, key=f"funnel_{key}")
    tables.table(
        names.readable_funnel(frame, lang, labels),
        f"funnel_by_{key}",
        f,
        lang,
        title=t(title_key, lang),
        columns=COLUMNS,
        key=f"t_funnel_{key}",
    )
