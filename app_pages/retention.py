"""Retention: retention and churn over time, cohorts, renewals, repeat borrowers, who churned."""

from __future__ import annotations

import streamlit as st

from metrics import analysis, kpis, views
from ui import cards, charts, drill, kpi_charts, page, sidebar, tables
from ui.i18n import t
from ui.state import cohort_window, trend_window

CARDS: tuple[str, ...] = (
    "retention_rate",
    "churn_rate",
    "churned_customers",
    "customers_at_start",
    "new_customers",
    "active_customers",
    "renewal_rate",
    "repurchase_rate",
)
CHURN_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "customer_name",
    "branch_name",
    "tier",
    "industry",
    "relationship_manager",
    "onboard_date",
    "churn_date",
    "r12",
)

f, lang = sidebar.current_filters(), sidebar.lang()
page.page_header("page_retention", f, lang)
page.guard(lang, f)
compare = page.load(kpis.compare, f, kpis=CARDS)
rolling = page.load(kpis.series, trend_window(f), kind="trailing12", kpis=CARDS)
cards.kpi_cards(CARDS, compare, lang, rolling)

left, right = st.columns(2)
with left:
    kpi_charts.kpi_trend(
        "retention_rate", rolling, lang, title=t("retention_trend", lang), key="ret"
    )
with right:
    kpi_charts.kpi_trend("churn_rate", rolling, lang, title=t("churn_trend", lang), key="churn")
left, right = st.columns(2)
with left:
    kpi_charts.kpi_trend("renewal_rate", rolling, lang, title=t("renewal_trend", lang), key="renew")
with right:
    kpi_charts.kpi_trend(
        "repurchase_rate", rolling, lang, title=t("repeat_trend", lang), key="repeat"
    )

cohort_f = cohort_window(f)
cohorts = page.load(analysis.cohort_retention, cohort_f)
st.subheader(t("cohort_title", lang))
st.caption(t("cohort_caption", lang, start=cohort_f.date_from, end=cohort_f.date_to))
fig = charts.cohort_heatmap(
    cohorts,
    lang,
    x_title=t("quarters_after", lang),
    size_label=t("cohort_size", lang),
)
page.chart(fig, key="cohorts")

st.subheader(t("churned_list", lang))
churned = page.load(views.churned_customers, f)
if churned.empty:
    st.success(t("no_churn", lang), icon=":material/check_circle:")
else:
    tables.table(
        churned,
        "churned_customers",
        f,
        lang,
        title=t("churned_list", lang),
        columns=CHURN_COLUMNS,
        key="t_churned",
    )
drill.drill_down(f, lang, ("branch", "tier", "relationship_type"))
