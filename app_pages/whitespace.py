"""Cross-sell whitespace: per tier who holds which product, per customer the next best one."""

from __future__ import annotations

import streamlit as st

from metrics import whitespace
from ui import components as c
from ui import desk, sidebar
from ui.fmt import fmt_date
from ui.i18n import t

f, lang = sidebar.current_filters(), sidebar.lang()
c.page_header("page_whitespace", f, lang)
c.guard(lang, f)
on = desk.day(f)
st.caption(t("ws_caption", lang, day=fmt_date(on)))

st.subheader(t("ws_heatmap", lang))
shares = c.load(whitespace.peer_shares, f, on)
c.chart(desk.peer_heatmap(shares, lang, title=t("ws_heatmap", lang)), key="ws_heatmap")

st.subheader(t("ws_campaign_title", lang))
counts = c.load(whitespace.next_best_counts, f, on)
category = desk.category_picker(counts, lang, key="ws_category")
if category is None:
    c.empty("no_data_period", lang)
else:
    campaign = c.load(whitespace.customers, f, on, next_best=category)
    c.table(
        desk.whitespace_frame(campaign, lang),
        f"next_best_{category}",
        f,
        lang,
        title=t("ws_campaign", lang, category=desk.category_name(category, lang)),
        key="t_campaign",
    )

st.subheader(t("ws_customers", lang))
every = c.load(whitespace.customers, f, on)
c.table(
    desk.whitespace_frame(every, lang),
    "whitespace",
    f,
    lang,
    title=t("ws_customers", lang),
    key="t_whitespace",
)
