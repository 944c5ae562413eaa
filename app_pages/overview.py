"""Overview: the headline KPI cards, the KPIs off target and the trend over its real window."""

from __future__ import annotations

import streamlit as st

from metrics import kpis
from metrics.registry import KPIS
from ui import brief_panel, cards, desk, kpi_charts, page, sidebar
from ui.i18n import t
from ui.state import trend_window

HEADLINE: tuple[str, ...] = (
    "csat_rate",
    "nps",
    "response_sla_rate",
    "retention_rate",
    "active_customers",
    "new_customers",
    "lead_conversion_rate",
    "new_loan_amount",
    "new_loan_growth",
    "npl_ratio",
    "avg_annual_revenue",
    "clv_cac_ratio",
)
TREND: tuple[str, ...] = (
    "csat_rate",
    "response_sla_rate",
    "new_loan_amount",
    "npl_ratio",
    "active_customers",
    "lead_conversion_rate",
)
TARGETED: tuple[str, ...] = tuple(k for k in KPIS if KPIS[k].target is not None)

f, lang = sidebar.current_filters(), sidebar.lang()
page.page_header("overview_title", f, lang)
page.guard(lang, f)
compare = page.load(kpis.compare_detail, f, kpis=HEADLINE + TARGETED)
trend = page.load(kpis.series_detail, trend_window(f), kind="month", kpis=HEADLINE + TREND)

st.subheader(t("headline", lang))
cards.kpi_cards(HEADLINE, compare, lang, trend, f=f)
desk.watchlist_link(f, lang)

st.subheader(t("off_target_title", lang))
cards.off_target(compare, TARGETED, f, lang)
brief_panel.fired_alerts(f, lang)
brief_panel.brief_download(f, lang)

st.subheader(kpi_charts.window_title(trend, lang))
st.caption(t("trend_legend", lang))
for start in range(0, len(TREND), 3):
    for col, kpi_id in zip(st.columns(3), TREND[start : start + 3], strict=False):
        with col:
            kpi_charts.kpi_trend(kpi_id, trend, lang, height=260, key=f"trend_{kpi_id}")
