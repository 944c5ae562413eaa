"""Early-warning watchlist: the customers flagged on a day, with the facts behind each flag."""

from __future__ import annotations

import streamlit as st

from metrics import watchlist
from ui import desk, page, sidebar
from ui.fmt import fmt_date
from ui.i18n import t

f, lang = sidebar.current_filters(), sidebar.lang()
page.page_header("page_watchlist", f, lang)
page.guard(lang, f)
on = desk.day(f)
st.caption(t("wl_caption", lang, day=fmt_date(on)))

chosen, flags = desk.watch_pickers(f, lang)
n_flagged = page.load(watchlist.watchlist_count, chosen, on, flags=flags)
if not n_flagged:
    page.empty("wl_none", lang)
else:
    st.metric(t("wl_count", lang), f"{n_flagged:,}")
    desk.customer_list(
        watchlist.watchlist,
        watchlist.watchlist_count,
        chosen,
        lang,
        on,
        flags=flags,
        name="watchlist",
        title=f"{t('page_watchlist', lang)} {fmt_date(on)}",
        key="t_watchlist",
        shape=desk.watch_frame,
    )
