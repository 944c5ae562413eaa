"""Glossary: every KPI of the registry, the RFM segment map and the relationship-type rules."""

from __future__ import annotations

import streamlit as st

from ui import components as c
from ui import sidebar
from ui.i18n import t

f, lang = sidebar.current_filters(), sidebar.lang()
st.title(t("page_glossary", lang))
st.caption(t("glossary_intro", lang))

c.table(
    c.glossary_frame(lang),
    "kpi_glossary",
    f,
    lang,
    title=t("page_glossary", lang),
    static=True,
    key="t_glossary",
)

st.subheader(t("rel_rules", lang))
c.table(
    c.rules_frame("rel", lang),
    "relationship_rules",
    f,
    lang,
    title=t("rel_rules", lang),
    static=True,
    key="t_rel_rules",
)
st.subheader(t("tier_rules", lang))
c.table(
    c.rules_frame("tier", lang),
    "tier_rules",
    f,
    lang,
    title=t("tier_rules", lang),
    static=True,
    key="t_tier_rules",
)
st.subheader(t("rfm_map", lang))
st.caption(t("rfm_intro", lang))
c.table(
    c.rules_frame("rfm", lang),
    "rfm_segment_map",
    f,
    lang,
    title=t("rfm_map", lang),
    static=True,
    key="t_rfm_map",
)
