"""Lending & risk: new lending vs last year and the 15 % growth target, NPL, risk classes."""

from __future__ import annotations

import streamlit as st

from metrics import kpis, views
from ui import cards, charts, drill, kpi_charts, page, sidebar, tables
from ui.i18n import t
from ui.state import trend_window

CARDS: tuple[str, ...] = ("new_loan_amount", "new_loan_growth", "outstanding_balance", "npl_ratio")
TABLE_KPIS: tuple[str, ...] = (*CARDS, "renewal_rate", "repurchase_rate")

f, lang = sidebar.current_filters(), sidebar.lang()
page.page_header("page_lending", f, lang)
page.guard(lang, f)
compare = page.load(kpis.compare_detail, f, kpis=CARDS)
trend = page.load(kpis.series_detail, trend_window(f), kind="month", kpis=CARDS)
cards.kpi_cards(CARDS, compare, lang, trend, f=f)

monthly = page.load(views.new_lending_by_month, f)
fig = charts.grouped_bars(
    monthly,
    {"current": t("this_period", lang), "last_year": t("last_year", lang)},
    "cny",
    lang,
    title=t("lending_monthly", lang),
    colors={
        "current": charts.SERIES_COLORS["current"],
        "last_year": charts.SERIES_COLORS["previous"],
    },
    monthly=True,
)
page.chart(fig, key="lending_monthly")

left, right = st.columns(2)
with left:
    kpi_charts.kpi_trend("npl_ratio", trend, lang, title=t("npl_trend", lang), key="npl_trend")
with right:
    kpi_charts.kpi_trend(
        "outstanding_balance",
        trend,
        lang,
        title=t("outstanding_trend", lang),
        key="outstanding_trend",
    )
risk = page.load(views.risk_classes_by_month, trend_window(f))
fig = charts.stacked_area(
    risk,
    {r: t(f"risk_{r}", lang) for r in charts.RISK_COLORS if r != "normal"},
    charts.RISK_COLORS,
    "cny",
    lang,
    title=t("risk_classes_watch", lang),
)
page.chart(fig, key="risk_classes")

st.subheader(t("lending_monthly", lang))
tables.table(
    monthly,
    "new_lending_by_month",
    f,
    lang,
    title=t("lending_monthly", lang),
    units={"current": "cny", "last_year": "cny"},
    index=True,
    key="t_monthly",
)
st.subheader(t("risk_classes", lang))
tables.table(
    risk,
    "risk_classes_by_month",
    f,
    lang,
    title=t("risk_classes", lang),
    units=dict.fromkeys(charts.RISK_COLORS, "cny"),
    index=True,
    key="t_risk",
)
st.subheader(t("kpis_by_group", lang))
frames = {
    by: page.load(kpis.breakdown_detail, f, by=by, kpis=TABLE_KPIS) for by in ("branch", "tier")
}
tables.breakdown_tabs(frames, TABLE_KPIS, "lending", f, lang)
drill.drill_down(f, lang, ("branch", "tier", "relationship_type"), population="borrowers")
