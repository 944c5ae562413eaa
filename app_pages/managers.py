"""Relationship managers: scorecards ranked on the customer KPIs; a manager's book of business."""

from __future__ import annotations

import streamlit as st

from metrics import scorecards
from ui import desk, page, sidebar, tables
from ui.fmt import fmt_date
from ui.i18n import t

f, lang = sidebar.current_filters(), sidebar.lang()
page.page_header("page_managers", f, lang)
page.guard(lang, f)
on = desk.day(f)

st.subheader(t("score_table", lang))
st.caption(t("score_caption", lang, day=fmt_date(on)))
rank_by = st.selectbox(
    t("score_rank_by", lang),
    scorecards.RANKABLE,
    index=scorecards.RANKABLE.index("csat_rate"),
    format_func=lambda k: desk.rank_label(k, lang),
    key="score_rank_by",
)
cards = page.load(scorecards.scorecards, f, on, rank_by=str(rank_by))
table, labels, units = desk.score_frame(cards, lang)
tables.table(
    table,
    "manager_scorecards",
    f,
    lang,
    title=t("score_table", lang),
    labels=labels,
    units=units,
    key="t_scorecards",
)

st.subheader(t("book_title", lang))
manager = desk.manager_picker(cards, lang, key="book_manager")
if manager is None:
    page.empty("no_data_period", lang)
else:
    st.caption(t("book_caption", lang, name=desk.manager_name(manager, lang), day=fmt_date(on)))
    book = desk.book_frame(page.load(scorecards.book, f, manager, on), lang)
    tables.table(
        book,
        f"book_{manager}",
        f,
        lang,
        title=f"{t('book_title', lang)}: {desk.manager_name(manager, lang)}",
        key="t_book",
    )
