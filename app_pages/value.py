"""Value: acquisition cost, lifetime value, cross-sell, referrals and revenue per customer."""

from __future__ import annotations

import streamlit as st

from metrics import kpis
from ui import cards, charts, drill, kpi_charts, names, page, sidebar, tables
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
page.page_header("value_title", f, lang, note_key="cac_note" if f.tiers else None)
page.guard(lang, f)
compare = page.load(kpis.compare_detail, f, kpis=CARDS)
trend = page.load(kpis.series_detail, trend_window(f), kind="trailing12", kpis=CARDS)
by_branch = page.load(kpis.breakdown_detail, f, by="branch", kpis=TABLE_KPIS)
by_tier = page.load(kpis.breakdown_detail, f, by="tier", kpis=TABLE_KPIS)
cards.kpi_cards(CARDS, compare, lang, trend, f=f)

left, right = st.columns([3, 2])
with left:
    kpi_charts.kpi_bars(
        "avg_annual_revenue",
        by_branch,
        lang,
        title=t("rev_by_branch", lang),
        names=names.branch_names(),
        key="rev_branch",
        drill_by="branch",
    )
with right:
    kpi_charts.kpi_bars(
        "avg_annual_revenue",
        by_tier,
        lang,
        title=t("rev_by_tier", lang),
        names=names.tier_names(lang),
        colors=charts.TIER_COLORS,
        key="rev_tier",
        drill_by="tier",
    )
left, right = st.columns(2)
with left:
    kpi_charts.kpi_bars(
        "clv_cac_ratio",
        by_branch,
        lang,
        title=t("clv_cac_by_branch", lang),
        names=names.branch_names(),
        key="clv_cac_branch",
        drill_by="branch",
    )
with right:
    kpi_charts.kpi_trend(
        "cross_sell_rate", trend, lang, title=t("cross_sell_trend", lang), key="cross_sell_trend"
    )

st.subheader(t("kpis_by_group", lang))
tables.breakdown_tabs({"branch": by_branch, "tier": by_tier}, TABLE_KPIS, "value", f, lang)
drill.drill_down(f, lang, ("branch", "tier", "rfm_segment"), population="revenue")
