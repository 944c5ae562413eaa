"""Cross-sell whitespace: per tier who holds which product, per customer the next best one."""

from __future__ import annotations

import streamlit as st

from metrics import whitespace
from ui import desk, page, sidebar
from ui.fmt import fmt_date
from ui.i18n import t

f, lang = sidebar.current_filters(), sidebar.lang()
page.page_header("page_whitespace", f, lang)
page.guard(lang, f)
on = desk.day(f)
st.caption(t("ws_caption", lang, day=fmt_date(on)))

st.subheader(t("ws_heatmap", lang))
shares = page.load(whitespace.peer_shares, f, on)
page.chart(desk.peer_heatmap(shares, lang, title=t("ws_heatmap", lang)), key="ws_heatmap")

st.subheader(t("ws_campaign_title", lang))
counts = page.load(whitespace.next_best_counts, f, on)
category = desk.category_picker(counts, lang, key="ws_category")
if category is None:
    page.empty("no_data_period", lang)
else:
    desk.customer_list(
        whitespace.customers,
        whitespace.count_customers,
        f,
        lang,
        on,
        next_best=category,
        name=f"next_best_{category}",
        title=t("ws_campaign", lang, category=desk.category_name(category, lang)),
        key="t_campaign",
    )

st.subheader(t("ws_customers", lang))
desk.customer_list(
    whitespace.customers,
    whitespace.count_customers,
    f,
    lang,
    on,
    name="whitespace",
    title=t("ws_customers", lang),
    key="t_whitespace",
)
