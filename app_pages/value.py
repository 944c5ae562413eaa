"""Value: acquisition cost, lifetime value, cross-sell, referrals and revenue per customer."""

from __future__ import annotations

import streamlit as st

from metrics import kpis
from ui import charts, sidebar
from ui import components as c
from ui.i18n import t
from ui.state import trend_window

CARDS: tuple[str, ...] = (
    "cac",
    "clv",
    "clv_cac_ratio",
    "avg_annual_revenue",
    "cross_sell_rate",
    "referral_rate",
    "marketing_spend",
    "new_customers",
)
TABLE_KPIS: tuple[str, ...] = CARDS

f, lang = sidebar.current_filters(), sidebar.lang()
c.page_header("value_title", f, lang, note_key="cac_note")
c.guard(lang, f)
compare = c.load(kpis.compare, f, kpis=CARDS)
trend = c.load(kpis.series, trend_window(f), kind="trailing12", kpis=CARDS)
by_branch = c.load(kpis.breakdown, f, by="branch", kpis=TABLE_KPIS)
by_tier = c.load(kpis.breakdown, f, by="tier", kpis=TABLE_KPIS)
c.kpi_cards(CARDS, compare, lang, trend)

left, right = st.columns([3, 2])
with left:
    c.kpi_bars(
        "avg_annual_revenue",
        by_branch,
        lang,
        title=t("rev_by_branch", lang),
        names=c.branch_names(),
        key="rev_branch",
    )
with right:
    c.kpi_bars(
        "avg_annual_revenue",
        by_tier,
        lang,
        title=t("rev_by_tier", lang),
        names=c.tier_names(lang),
        colors=charts.TIER_COLORS,
        key="rev_tier",
    )
left, right = st.columns(2)
with left:
    c.kpi_bars(
        "clv_cac_ratio",
        by_branch,
        lang,
        title=t("clv_cac_by_branch", lang),
        names=c.branch_names(),
        key="clv_cac_branch",
    )
with right:
    c.kpi_trend(
        "cross_sell_rate", trend, lang, title=t("cross_sell_trend", lang), key="cross_sell_trend"
    )

st.subheader(t("kpis_by_group", lang))
c.breakdown_tabs({"branch": by_branch, "tier": by_tier}, TABLE_KPIS, "value", f, lang)
c.drill_down(f, lang, ("branch", "tier", "rfm_segment"))
