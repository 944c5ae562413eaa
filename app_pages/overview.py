"""Overview: the headline KPI cards, the KPIs off target and the year's trend."""

from __future__ import annotations

import streamlit as st

from metrics import kpis
from metrics.registry import KPIS
from ui import brief_panel, sidebar
from ui import components as c
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

f, lang = sidebar.current_filters(), sidebar.lang()
c.page_header("overview_title", f, lang)
c.guard(lang, f)
TARGETED: tuple[str, ...] = tuple(k for k in KPIS if KPIS[k].target is not None)
compare = c.load(kpis.compare, f, kpis=HEADLINE + TARGETED)
trend = c.load(kpis.series, trend_window(f), kind="month", kpis=HEADLINE + TREND)

st.subheader(t("headline", lang))
c.kpi_cards(HEADLINE, compare, lang, trend)

st.subheader(t("off_target_title", lang))
c.off_target(compare, list(TARGETED), f, lang)
brief_panel.fired_alerts(f, lang)
brief_panel.brief_download(f, lang)

st.subheader(t("trend_title", lang))
for start in range(0, len(TREND), 3):
    for col, kpi_id in zip(st.columns(3), TREND[start : start + 3], strict=False):
        with col:
            c.kpi_trend(kpi_id, trend, lang, height=260, key=f"trend_{kpi_id}")
