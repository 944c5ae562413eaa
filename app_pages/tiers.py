"""Tiers & relationships: every customer KPI by tier, the five relationship types, RFM segments."""

from __future__ import annotations

import streamlit as st

from metrics import analysis, kpis
from metrics.registry import KPIS
from ui import charts, drill, kpi_charts, names, page, sidebar, tables
from ui.i18n import t

CUSTOMER_KPIS: tuple[str, ...] = tuple(k.id for k in KPIS.values() if k.customer_based)
TIER_CHARTS: tuple[str, ...] = ("active_customers", "avg_annual_revenue", "retention_rate")

f, lang = sidebar.current_filters(), sidebar.lang()
page.page_header("page_tiers", f, lang)
page.guard(lang, f)
rel_names, tier_names = names.rel_names(lang), names.tier_names(lang)
by_tier = page.load(kpis.breakdown_detail, f, by="tier", kpis=CUSTOMER_KPIS)

st.subheader(t("kpis_by_tier", lang))
for col, kpi_id in zip(st.columns(3), TIER_CHARTS, strict=True):
    with col:
        kpi_charts.kpi_bars(
            kpi_id,
            by_tier,
            lang,
            title=KPIS[kpi_id].label(lang),
            names=tier_names,
            colors=charts.TIER_COLORS,
            key=f"tier_{kpi_id}",
            drill_by="tier",
        )
tables.kpi_table(
    by_tier,
    CUSTOMER_KPIS,
    "kpis_by_tier",
    f,
    lang,
    group_label=t("dim_tier", lang),
    group_names=tier_names,
    title=t("kpis_by_tier", lang),
    key="t_tier",
)

st.subheader(t("rel_title", lang))
st.caption(t("rel_caption", lang, day=f.date_to))
summary = page.load(analysis.relationship_summary, f)
for col, (column, unit, title_key) in zip(
    st.columns(2),
    (("customers", "count", "rel_customers"), ("r12", "cny", "rel_revenue_share")),
    strict=True,
):
    with col:
        fig = charts.relationship_bars(
            summary, column, rel_names, lang, unit=unit, title=t(title_key, lang)
        )
        types = [str(r) for r in summary["rel_type"]] if "rel_type" in summary.columns else []
        drill.clickable(fig, "relationship_type", types, key=f"rel_{column}")
tables.table(
    names.readable(summary, lang),
    "relationship_types",
    f,
    lang,
    title=t("rel_title", lang),
    key="t_rel",
)
movement = page.load(analysis.type_movement, f)
fig = charts.sankey(
    movement,
    rel_names,
    lang,
    title=t("rel_movement", lang),
    start_label=t("start", lang),
    end_label=t("end", lang),
)
page.chart(fig, key="movement")
with st.expander(t("rel_movement_table", lang)):
    tables.table(
        tables.movement_table(movement, lang),
        "relationship_movement",
        f,
        lang,
        title=t("rel_movement", lang),
        index=True,
        key="t_movement",
    )

st.subheader(t("rfm_title", lang))
segments = page.load(analysis.rfm_segments, f)
rfm_ids = [str(s) for s in segments["segment"]]  # a click on a cell drills to its customers
drill.clickable(
    charts.rfm_treemap(segments, names.rfm_names(lang), lang), "rfm_segment", rfm_ids, key="rfm"
)
tables.table(
    names.readable(segments, lang), "rfm_segments", f, lang, title=t("rfm_title", lang), key="t_rfm"
)
drill.drill_down(f, lang, ("relationship_type", "rfm_segment", "tier", "branch"))
