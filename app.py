"""Entry point: page config, the navigation (every page listed), the shared sidebar, run."""

from __future__ import annotations

import streamlit as st

from ui import style
from ui.data import ensure_demo_store
from ui.i18n import t
from ui.sidebar import nav_lang, render_sidebar

st.set_page_config(
    page_title="CRM KPI · 对公客户经营看板",
    page_icon=":material/account_balance:",
    layout="wide",
    initial_sidebar_state="expanded",
)

ensure_demo_store()  # a fresh clone's first start shows the demo bank, not an empty page
lang = nav_lang()
pg = st.navigation(
    {
        t("nav_dashboard", lang): [
            st.Page("app_pages/overview.py", title=t("page_overview", lang),
                    icon=":material/dashboard:", url_path="overview", default=True),
            st.Page("app_pages/satisfaction.py", title=t("page_satisfaction", lang),
                    icon=":material/sentiment_satisfied:", url_path="satisfaction"),
            st.Page("app_pages/retention.py", title=t("page_retention", lang),
                    icon=":material/autorenew:", url_path="retention"),
            st.Page("app_pages/funnel.py", title=t("page_funnel", lang),
                    icon=":material/filter_alt:", url_path="funnel"),
            st.Page("app_pages/lending.py", title=t("page_lending", lang),
                    icon=":material/account_balance_wallet:", url_path="lending"),
        ],
        t("nav_analysis", lang): [
            st.Page("app_pages/tiers.py", title=t("page_tiers", lang),
                    icon=":material/groups:", url_path="tiers"),
            st.Page("app_pages/value.py", title=t("page_value", lang),
                    icon=":material/paid:", url_path="value"),
        ],
        t("nav_desk", lang): [
            st.Page("app_pages/managers.py", title=t("page_managers", lang),
                    icon=":material/badge:", url_path="managers"),
            st.Page("app_pages/watchlist.py", title=t("page_watchlist", lang),
                    icon=":material/notification_important:", url_path="watchlist"),
            st.Page("app_pages/whitespace.py", title=t("page_whitespace", lang),
                    icon=":material/grid_view:", url_path="whitespace"),
        ],
        t("nav_reference", lang): [
            st.Page("app_pages/glossary.py", title=t("page_glossary", lang),
                    icon=":material/menu_book:", url_path="glossary"),
            st.Page("app_pages/upload.py", title=t("page_upload", lang),
                    icon=":material/upload_file:", url_path="upload"),
        ],
    }
)  # fmt: skip
style.apply()
render_sidebar()
pg.run()
