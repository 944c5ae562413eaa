"""Sections of the accounts & audit page; every action re-checks the admin role on the server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from metrics import access
from ui import auth, export
from ui.i18n import t

MSG_KEY = "admin_message"


def _run(what: str, action: Callable[[], Any]) -> None:
    """Do one account change if the signed-in user is an admin; keep the outcome for the page."""
    if not auth.allowed("accounts", {"change": what}):
        return
    try:
        action()
    except access.AccessError as exc:
        st.session_state[MSG_KEY] = (False, t("admin_error", error=exc))
    else:
        st.session_state[MSG_KEY] = (True, t("admin_done", what=what))


def message() -> None:
    """The outcome of the last change (shown once)."""
    msg = st.session_state.pop(MSG_KEY, None)
    if msg:
        (st.success if msg[0] else st.error)(msg[1])


def _who() -> dict[str, Any]:
    user = auth.current_user()
    return {"by": user.name if user else None, "address": auth.address()}


def _roles(lang: str) -> Callable[[str], str]:
    return lambda r: t(f"role_{r}", lang)


def accounts_table(lang: str) -> list[str]:
    """Every account (no hashes); returns the names."""
    frame = access.list_users(auth.admin_path())
    shown = frame.assign(role=frame["role"].map(lambda r: t(f"role_{r}", lang)))
    labels = {c: t(f"col_{c}", lang) for c in shown.columns}
    st.dataframe(shown.rename(columns=labels), hide_index=True, key="admin_users")
    return [str(n) for n in frame["name"]]


def add_form(lang: str, branches: list[str]) -> None:
    """Name, role, branches, password -> a new account."""
    with st.form("admin_add_form", clear_on_submit=True):
        st.markdown(f"**{t('admin_add', lang)}**")
        c1, c2, c3, c4 = st.columns(4)
        name = c1.text_input(t("auth_name", lang), key="admin_add_name")
        role = c2.selectbox(
            t("admin_role", lang), access.ROLES, format_func=_roles(lang), key="admin_add_role"
        )
        chosen = c3.multiselect(t("admin_branches", lang), branches, key="admin_add_branches")
        password = c4.text_input(
            t("admin_new_password", lang), type="password", key="admin_add_password"
        )
        if st.form_submit_button(t("admin_create", lang), key="admin_add_submit"):
            _run(
                f"+ {name}",
                lambda: access.add_user(
                    auth.admin_path(), name, str(role), password, chosen, **_who()
                ),
            )
            st.rerun()


def change_form(lang: str, names: list[str], branches: list[str]) -> None:
    """Pick an account: new role and branches, a new password, disable or enable."""
    if not names:
        return
    st.markdown(f"**{t('admin_change', lang)}**")
    c1, c2, c3 = st.columns(3)
    name = str(c1.selectbox(t("admin_account", lang), names, key="admin_pick"))
    role = c2.selectbox(
        t("admin_role", lang), access.ROLES, format_func=_roles(lang), key="admin_role"
    )
    chosen = c3.multiselect(t("admin_branches", lang), branches, key="admin_branches")
    admin = auth.admin_path()
    b1, b2, b3, _ = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
    if b1.button(t("admin_save_role", lang), key="admin_save_role"):
        _run(f"{name} → {role}", lambda: access.set_role(admin, name, str(role), chosen, **_who()))
        st.rerun()
    password = b2.text_input(t("admin_new_password", lang), type="password", key="admin_pw")
    if b2.button(t("admin_save_password", lang), key="admin_save_pw"):
        _run(f"{name}: ***", lambda: access.set_password(admin, name, password, **_who()))
        st.rerun()
    if b3.button(t("admin_disable", lang), key="admin_disable"):
        _run(f"{name} ✕", lambda: access.set_disabled(admin, name, True, **_who()))
        st.rerun()
    if b3.button(t("admin_enable", lang), key="admin_enable"):
        _run(f"{name} ✓", lambda: access.set_disabled(admin, name, False, **_who()))
        st.rerun()


def audit_section(lang: str, names: list[str]) -> None:
    """The audit trail, newest last, filtered by day and user, with a CSV download."""
    st.subheader(t("admin_audit", lang))
    c1, c2 = st.columns(2)
    since = c1.date_input(
        t("admin_audit_since", lang),
        value=dt.date.today() - dt.timedelta(days=30),
        key="admin_audit_since",
    )
    options: list[str | None] = [None, *names]
    who = c2.selectbox(
        t("admin_audit_user", lang),
        options,
        format_func=lambda n: t("admin_audit_all", lang) if n is None else str(n),
        key="admin_audit_user",
    )
    day = since if isinstance(since, dt.date) else None
    frame = access.audit_rows(auth.admin_path(), since=day, user=who)
    labels = {c: t(f"col_{c}", lang) for c in frame.columns}
    st.dataframe(frame.rename(columns=labels), hide_index=True, key="admin_audit")
    name = f"audit_{(day or dt.date.today()):%Y%m%d}.csv"
    st.download_button(
        t("download_csv", lang),
        data=_audit_export(frame, name),
        file_name=name,
        mime="text/csv",
        key="admin_audit_csv",
        icon=":material/download:",
        on_click="ignore",
    )


def _audit_export(frame: pd.DataFrame, name: str) -> Callable[[], bytes]:
    user = auth.current_user()
    who, where, admin = (user.name if user else None), auth.address(), auth.admin_path()

    def build() -> bytes:
        access.audit(admin, who, "export", "ok", {"file": name, "rows": len(frame)}, where)
        return export.to_csv_bytes(frame)

    return build
