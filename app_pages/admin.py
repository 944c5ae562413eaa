"""Accounts & audit (admins only): who may sign in with which role and branches; what happened."""

from __future__ import annotations

import streamlit as st

from metrics import views
from ui import admin, auth, page, sidebar
from ui.i18n import t

if not auth.allowed("accounts", {"page": "admin"}):  # the page is hidden too; this is the check
    st.stop()
lang = sidebar.lang()
st.title(t("page_admin", lang))
st.caption(t("admin_intro", lang))
admin.message()
branches = [str(b) for b in page.load(views.branch_list, None)["branch_id"]]

st.subheader(t("admin_accounts", lang))
names = admin.accounts_table(lang)
admin.add_form(lang, branches)
admin.change_form(lang, names, branches)

st.divider()
admin.audit_section(lang, names)
