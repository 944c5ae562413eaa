"""Entry point: page config, the navigation (every page listed), the shared sidebar, run."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

# cells and tables load the interval library and pandas' Styler at start-up, not in a
# page's first render
from ui import auth, cells, nav, style, tables  # noqa: F401
from ui.data import ensure_demo_store
from ui.i18n import t
from ui.sidebar import current_filters, nav_lang, render_sidebar

# The favicon is a file of the repo: nothing is fetched from another origin (issue 10, offline).
FAVICON = Path(__file__).parent / "static" / "favicon.png"
st.set_page_config(
    page_title="CRM KPI · 对公客户经营看板",
    page_icon=str(FAVICON),
    layout="wide",
    initial_sidebar_state="auto",  # open on a desktop, collapsed on a phone
)

ensure_demo_store()  # a fresh clone's first start shows the demo bank, not an empty page
lang = nav_lang()
user = auth.gate()  # the signed-in user, or None: nothing below reads data without one


def may(action: str) -> bool:
    """Whether a page is listed: all of them before sign-in (so a link resolves), then by role."""
    return user is None or user.can(action)


sections = {
    t("nav_dashboard", lang): [
        st.Page("app_pages/overview.py", title=t("page_overview", lang),
                icon=":material/dashboard:", url_path="home", default=True),
        # the default page is served at "/" only: /overview opens it too, unlisted
        st.Page("app_pages/overview.py", title=t("page_overview", lang),
                icon=":material/dashboard:", url_path="overview", visibility="hidden"),
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
        st.Page("app_pages/impact.py", title=t("page_impact", lang),
                icon=":material/insights:", url_path="impact"),
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
        *([st.Page("app_pages/upload.py", title=t("page_upload", lang),
                   icon=":material/upload_file:", url_path="upload")]
          if may("upload") else []),
        *([st.Page("app_pages/admin.py", title=t("page_admin", lang),
                   icon=":material/admin_panel_settings:", url_path="admin")]
          if may("accounts") else []),
    ],
}  # fmt: skip
# The sidebar's links are drawn by ui.nav (they keep the view in the URL), not by Streamlit.
pg = st.navigation(sections, position="hidden")
style.apply()
if user is None:  # every page's URL resolves, but shows the sign-in form until signed in
    auth.sign_in_page(lang)
    st.stop()
nav_box = st.sidebar.container(key="nav")  # the page links, above the filters
nav.render(nav_box, sections, render_sidebar())
auth.account_box(user, lang)
auth.scope_notice(pg.url_path, lang)
auth.audit_view(pg.url_path, current_filters())
pg.run()
