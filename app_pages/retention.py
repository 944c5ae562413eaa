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
TRENDS: tuple[tuple[str, str], ...] = (
    ("retention_rate", "retention_trend"),
    ("churn_rate", "churn_trend"),
    ("renewal_rate", "renewal_trend"),
    ("repurchase_rate", "repeat_trend"),
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
compare = page.load(kpis.compare_detail, f, kpis=CARDS)
rolling = page.load(kpis.series_detail, trend_window(f), kind="trailing12", kpis=CARDS)
cards.kpi_cards(CARDS, compare, lang, rolling, f=f)

st.caption(kpi_charts.window_title(rolling, lang) + " · " + t("trend_legend", lang))
for start in range(0, len(TRENDS), 2):
    for col, (kpi_id, title_key) in zip(st.columns(2), TRENDS[start : start + 2], strict=True):
        with col:
            kpi_charts.kpi_trend(kpi_id, rolling, lang, title=t(title_key, lang), key=kpi_id)

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
drill.drill_down(f, lang, ("branch", "tier", "relationship_type"), population="churned")
