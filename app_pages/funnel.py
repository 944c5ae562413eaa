"""Conversion funnel: leads through each stage, time to convert and approve, by branch, source."""

from __future__ import annotations

import streamlit as st

from metrics import analysis, kpis
from metrics.contract import FUNNEL_STAGES
from ui import cards, charts, drill, kpi_charts, names, page, sidebar, tables
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
page.page_header("funnel_title", f, lang, note_key="funnel_tier_note" if f.tiers else None)
page.guard(lang)
compare = page.load(kpis.compare_detail, f, kpis=CARDS)
trend = page.load(kpis.series_detail, trend_window(f), kind="month", kpis=CARDS)
stages = {s: t(f"stage_{s}", lang) for s in FUNNEL_STAGES}
cards.kpi_cards(CARDS, compare, lang, trend, f=f)

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
    for kpi_id in ("lead_conversion_rate", "avg_days_to_convert"):
        kpi_charts.kpi_trend(kpi_id, trend, lang, height=210, key=f"trend_{kpi_id}")

for by, title_key, labels in (
    ("branch", "funnel_by_branch", names.branch_names()),
    ("source_channel", "funnel_by_channel", value_names("channel", lang)),
):
    frame = page.load(analysis.funnel, f, by=by)
    fig = charts.funnel_by_group(frame, stages, lang, group_names=labels, title=t(title_key, lang))
    groups = [str(g) for g in dict.fromkeys(frame["group"])] if not frame.empty else []
    drill.clickable(fig, by, groups, key=f"funnel_{by}")
    tables.table(
        names.readable_funnel(frame, lang, labels),
        f"funnel_by_{by}",
        f,
        lang,
        title=t(title_key, lang),
        columns=COLUMNS,
        key=f"t_funnel_{by}",
    )
drill.drill_leads(f, lang)
