"""The app's side of access: the sign-in form, the signed-in user, role checks and audit calls.

app.py calls `gate()` before anything reads the store: it returns the signed-in
user (refreshed from the accounts file on every run, so a role change or a
disabled account takes effect at once) or None, and `sign_in_page()` then draws
the form instead of a page. A session ends after `access.idle_limit()` idle.
Every privileged action calls `allowed()` on the server, whatever the UI shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from metrics import access
from metrics.access import User
from metrics.filters import Filters
from ui import data
from ui.i18n import t
from ui.state import LANGS

K_SESSION = "auth_session"  # {"name": str, "last_seen": datetime}
K_USER = "auth_user"  # the User refreshed by gate() on this run
K_NOTICE = "auth_notice"  # why the last session ended: expired / signed_out
K_SCOPE_NOTE = "auth_scope_note"  # branches a URL asked for outside the user's scope
K_VIEWED = "auth_viewed"  # the last page view written to the audit
FORM = "auth_form"
NAME_KEY = "auth_name"
PASSWORD_KEY = "auth_password"
SUBMIT_KEY = "auth_submit"
SIGN_OUT_KEY = "auth_sign_out"
LANG_KEY = "auth_lang"


def admin_path() -> Path:
    """The accounts and audit file of the store the app reads."""
    return access.admin_db_for(data.db_path())


@st.cache_data(show_spinner=False, max_entries=32)
def _demo(path: str, version: Any) -> bool:
    return access.is_demo_store(Path(path))


def demo_mode() -> bool:
    """Whether the store is the demo bank (its demo accounts are shown and accepted)."""
    return _demo(str(data.db_path()), data.store_version())


def address() -> str | None:
    """The client's address where Streamlit knows it (a proxy's X-Forwarded-For first)."""
    try:
        headers = st.context.headers
        forwarded = headers.get("X-Forwarded-For") if headers is not None else None
        if isinstance(forwarded, str) and forwarded.strip():
            return forwarded.split(",")[0].strip()
        ip = st.context.ip_address
        return ip if isinstance(ip, str) and ip else None
    except (AttributeError, RuntimeError, KeyError):
        return None


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def current_user() -> User | None:
    """The user gate() accepted on this run (None before sign-in or outside a page run)."""
    user = st.session_state.get(K_USER)
    return user if isinstance(user, User) else None


def _end(reason: str, notice: str | None = None) -> None:
    """Forget the session and everything it kept (filters, uploads), keeping only a notice."""
    st.session_state.clear()
    if notice:
        st.session_state[K_NOTICE] = notice


def gate() -> User | None:
    """The signed-in user, or None: expired, disabled, removed and stale demo sessions end here."""
    admin = admin_path()
    access.ensure_demo_accounts(admin, data.db_path())
    session = st.session_state.get(K_SESSION)
    if not session:
        st.session_state.pop(K_USER, None)
        return None
    now = _now()
    name = str(session["name"])
    if access.expired(session["last_seen"], now):
        access.audit(admin, name, "session_expired", "ok", None, address())
        _end("expired", "expired")
        return None
    user = access.get_user(admin, name)
    if user is None or user.disabled or (user.demo and not demo_mode()):
        access.audit(admin, name, "session_ended", "refused", {"reason": "account"}, address())
        _end("account")
        return None
    session["last_seen"] = now
    st.session_state[K_USER] = user
    return user


def _attempt() -> None:
    """Form callback: check the name and password; on success start a fresh session."""
    name = str(st.session_state.get(NAME_KEY) or "")
    password = str(st.session_state.get(PASSWORD_KEY) or "")
    result = access.sign_in(
        admin_path(), name, password, demo_allowed=demo_mode(), address=address()
    )
    if result.ok and result.user is not None:
        st.session_state.clear()  # nothing of an earlier session survives a sign-in
        st.session_state[K_SESSION] = {"name": result.user.name, "last_seen": _now()}
        return
    st.session_state[K_NOTICE] = result.reason
    if result.locked_until is not None:
        st.session_state["auth_locked_until"] = result.locked_until


def _pick_lang() -> None:
    """The sign-in page's language goes into the URL, where the sidebar picks it up later."""
    st.query_params["lang"] = str(st.session_state.get(LANG_KEY))


def sign_in_page(lang: str) -> None:
    """The sign-in form (用户名 / Username, 密码 / Password), why the last attempt failed, and
    the demo accounts when the store is the demo bank. Reads nothing but the accounts file."""
    _, mid, _ = st.columns([1, 2, 1])
    with mid:
        st.radio(
            t("language", lang),
            LANGS,
            index=LANGS.index(lang) if lang in LANGS else 0,
            key=LANG_KEY,
            horizontal=True,
            format_func=lambda x: {"zh": "中文", "en": "English"}[x],
            on_change=_pick_lang,
        )
        st.title(t("app_title", lang))
        st.subheader(t("auth_title", lang))
        st.caption(t("auth_intro", lang))
        notice = st.session_state.pop(K_NOTICE, None)
        until = st.session_state.pop("auth_locked_until", None)
        if notice == "bad":
            st.error(t("auth_bad", lang), icon=":material/error:")
        elif notice == "locked":
            st.error(t("auth_locked", lang, until=str(until)[:16]), icon=":material/lock:")
        elif notice == "demo_off":
            st.error(t("auth_demo_off", lang), icon=":material/error:")
        elif notice == "expired":
            hours = f"{access.idle_limit().total_seconds() / 3600:g}"
            st.info(t("auth_expired", lang, hours=hours), icon=":material/schedule:")
        elif notice == "signed_out":
            st.info(t("auth_signed_out", lang), icon=":material/logout:")
        with st.form(FORM, clear_on_submit=True, enter_to_submit=True):
            st.text_input(t("auth_name", lang), key=NAME_KEY, autocomplete="username")
            st.text_input(
                t("auth_password", lang),
                type="password",
                key=PASSWORD_KEY,
                autocomplete="current-password",
            )
            st.form_submit_button(
                t("auth_submit", lang), type="primary", key=SUBMIT_KEY, on_click=_attempt
            )
        if demo_mode():
            _demo_accounts(lang)
        elif not access.has_accounts(admin_path()):
            command = "python -m metrics users add NAME --role admin --password-stdin"
            st.warning(t("auth_no_accounts", lang, command=command), icon=":material/person_add:")


def _demo_accounts(lang: str) -> None:
    st.markdown(f"**{t('auth_demo_title', lang)}**")
    rows = [
        {
            t("col_name", lang): name,
            t("auth_password", lang): password,
            t("col_role", lang): t(f"role_{role}", lang),
            t("col_branches", lang): ", ".join(branches) or t("all_branches", lang),
        }
        for name, role, branches, password in access.DEMO_ACCOUNTS
    ]
    st.table(pd.DataFrame(rows), hide_index=True)


def _sign_out() -> None:
    user = current_user()
    if user is not None:
        access.audit(admin_path(), user.name, "sign_out", "ok", None, address())
    _end("signed_out", "signed_out")


def account_box(user: User, lang: str) -> None:
    """Who is signed in, what they see, and the sign-out button (bottom of the sidebar)."""
    sb = st.sidebar
    sb.divider()
    lines = [t("auth_signed_in_as", lang, name=user.name, role=t(f"role_{user.role}", lang))]
    if not user.all_branches:
        lines.append(t("auth_scope", lang, branches=", ".join(user.branches)))
    sb.caption("  \n".join(lines))
    sb.button(
        t("auth_sign_out", lang), key=SIGN_OUT_KEY, on_click=_sign_out, icon=":material/logout:"
    )


# --------------------------------------------------------------------------- scope


def scoped(f: Filters) -> Filters:
    """`f` clamped to the signed-in user's branches; with nobody signed in, AccessDenied."""
    user = current_user()
    if user is None:
        raise access.AccessDenied("nobody is signed in")
    return access.clamp(f, user)[0]


def visible_branch(branch_id: object) -> bool:
    """Whether the signed-in user may see this branch (False with nobody signed in)."""
    user = current_user()
    return user is not None and access.in_scope(branch_id, user)


def sees_bank() -> bool:
    """Whether bank-wide comparisons may be shown: every role but manager."""
    user = current_user()
    return user is not None and user.all_branches


def note_url_branches(asked: list[str]) -> None:
    """Remember the branches a URL asked for that the user may not see (shown by scope_notice)."""
    ids = [part.strip() for item in asked for part in str(item).split(",") if part.strip()]
    refused = [b for b in dict.fromkeys(ids) if not visible_branch(b)]
    if refused:
        st.session_state[K_SCOPE_NOTE] = {"refused": refused, "page": None}


def scope_notice(page: str, lang: str) -> None:
    """The note that a link asked for branches outside the user's scope, on the page it opened."""
    note = st.session_state.get(K_SCOPE_NOTE)
    user = current_user()
    if not note or user is None:
        return
    if note["page"] is None:
        note["page"] = page
    if note["page"] != page:
        st.session_state.pop(K_SCOPE_NOTE, None)
        return
    st.warning(
        t("auth_scope_note", lang, own=", ".join(user.branches), asked=", ".join(note["refused"])),
        icon=":material/lock:",
    )


# --------------------------------------------------------------------------- checks, audit


def allowed(action: str, detail: dict[str, Any] | None = None) -> bool:
    """Server-side role check of a privileged action; a refusal is audited and shown."""
    user = current_user()
    try:
        access.require(user, action)
    except access.AccessDenied:
        who = user.name if user is not None else None
        access.audit(admin_path(), who, action, "refused", detail, address())
        role = t(f"role_{user.role}", None) if user is not None else "—"
        st.error(t("auth_denied", role=role, action=action), icon=":material/block:")
        return False
    return True


def audit(action: str, outcome: str = "ok", detail: dict[str, Any] | None = None) -> None:
    """Append an event for the signed-in user."""
    user = current_user()
    access.audit(admin_path(), user.name if user else None, action, outcome, detail, address())


def audit_view(page: str, f: Filters) -> None:
    """A page view with its filters, once per change of page or filters."""
    seen = (page, repr(f))
    if st.session_state.get(K_VIEWED) == seen:
        return
    st.session_state[K_VIEWED] = seen
    audit("view", "ok", {"page": page or "overview", "filters": f.describe("en")})


def audited_export(
    make: Callable[[], bytes], file_name: str, rows: int, f: Filters
) -> Callable[[], bytes]:
    """A download's data callable that writes the export to the audit when it is built.

    Streamlit calls it outside the script run, so who and where are taken now.
    """
    user = current_user()
    who = user.name if user else None
    where = address()
    admin = admin_path()
    filters = f.describe("en")

    def build() -> bytes:
        payload = make()
        detail = {"file": file_name, "rows": rows, "filters": filters}
        access.audit(admin, who, "export", "ok", detail, where)
        return payload

    return build
