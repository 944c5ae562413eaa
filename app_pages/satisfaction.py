"""Satisfaction & service: satisfaction against its 90 % target, NPS, response and complaints."""

from __future__ import annotations

import streamlit as st

from metrics import kpis, views
from ui import cards, charts, drill, kpi_charts, names, page, sidebar, tables
from ui.i18n import t
from ui.state import trend_window

CARDS: tuple[str, ...] = ("csat_rate", "csat_mean", "nps", "survey_responses")
SERVICE_CARDS: tuple[str, ...] = (
    "response_sla_rate",
    "complaint_rate",
    "complaint_resolution_hours",
    "service_quality_mean",
)
TABLE_KPIS: tuple[str, ...] = CARDS + SERVICE_CARDS + ("response_speed_mean",)

f, lang = sidebar.current_filters(), sidebar.lang()
page.page_header("page_satisfaction", f, lang)
page.guard(lang, f)
compare = page.load(kpis.compare_detail, f, kpis=CARDS + SERVICE_CARDS)
trend = page.load(kpis.series_detail, trend_window(f), kind="month", kpis=CARDS + SERVICE_CARDS)
by_branch = page.load(kpis.breakdown_detail, f, by="branch", kpis=TABLE_KPIS)
by_tier = page.load(kpis.breakdown_detail, f, by="tier", kpis=TABLE_KPIS)

cards.kpi_cards(CARDS, compare, lang, trend, f=f)
left, right = st.columns([3, 2])
with left:
    kpi_charts.kpi_trend("csat_rate", trend, lang, title=t("csat_monthly", lang), key="csat_trend")
with right:
    dist = page.load(views.score_distribution, f)
    fig = charts.bars(
        [str(s) for s in dist["score"]],
        dist["share"].tolist(),
        "ratio",
        lang,
        title=t("score_dist", lang),
        colors=[charts.STATUS_COLORS[s] for s in ("off", "off", "near", "on", "on")],
    )
    page.chart(fig, key="score_dist")
left, right = st.columns(2)
with left:
    kpi_charts.kpi_bars(
        "csat_rate",
        by_branch,
        lang,
        title=t("by_branch", lang),
        names=names.branch_names(),
        key="csat_branch",
        drill_by="branch",
    )
with right:
    kpi_charts.kpi_bars(
        "csat_rate",
        by_tier,
        lang,
        title=t("by_tier", lang),
        names=names.tier_names(lang),
        key="csat_tier",
        drill_by="tier",
    )

st.subheader(t("service_title", lang))
cards.kpi_cards(SERVICE_CARDS, compare, lang, trend, f=f)
for pair in (("nps", "response_sla_rate"), ("complaint_rate", "complaint_resolution_hours")):
    for col, kpi_id in zip(st.columns(2), pair, strict=True):
        with col:
            kpi_charts.kpi_trend(kpi_id, trend, lang, height=260, key=f"trend_{kpi_id}")

st.subheader(t("kpis_by_group", lang))
tables.breakdown_tabs({"branch": by_branch, "tier": by_tier}, TABLE_KPIS, "satisfaction", f, lang)
drill.drill_down(f, lang, ("branch", "tier"), population="surveyed")
