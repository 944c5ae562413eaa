"""Glossary: every KPI of the registry, the RFM segment map and the relationship-type rules."""

from __future__ import annotations

import streamlit as st

from ui import glossary, sidebar, tables
from ui.i18n import t

f, lang = sidebar.current_filters(), sidebar.lang()
st.title(t("page_glossary", lang))
st.caption(t("glossary_intro", lang))

# (section title key, intro key or None, export name, frame)
SECTIONS = (
    ("page_glossary", None, "kpi_glossary", glossary.glossary_frame(lang)),
    ("rel_rules", None, "relationship_rules", glossary.rules_frame("rel", lang)),
    ("tier_rules", None, "tier_rules", glossary.rules_frame("tier", lang)),
    ("rfm_map", "rfm_intro", "rfm_segment_map", glossary.rules_frame("rfm", lang)),
)
for title_key, intro_key, name, frame in SECTIONS:
    if title_key != "page_glossary":
        st.subheader(t(title_key, lang))
    if intro_key:
        st.caption(t(intro_key, lang))
    tables.table(
        frame,
        name,
        f,
        lang,
        title=t(title_key, lang),
        static=True,
        key=f"t_{name}",
        exported=glossary.glossary_export(lang) if name == "kpi_glossary" else None,
    )
