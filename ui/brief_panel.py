"""The Overview's board-brief download and the alerts that fire (the Streamlit side).

The PDF is made by ui.brief (the same code as `python -m metrics brief`) when the button is
clicked, for the month the period ends in and the sidebar's branches and tiers (clamped to
the user's); the download is audited like every export.
"""

from __future__ import annotations

import streamlit as st

from metrics.alerts.evaluate import Fired, fired_latest
from metrics.filters import Filters
from metrics.registry import KPIS
from ui import auth, data, page
from ui.fmt import DASH, fmt_int, fmt_value
from ui.i18n import t
from ui.safe import md

# The page that shows each KPI group (an alert links to it).
PAGE_OF_GROUP: dict[str, str] = {
    "satisfaction": "app_pages/satisfaction.py",
    "service": "app_pages/satisfaction.py",
    "retention": "app_pages/retention.py",
    "funnel": "app_pages/funnel.py",
    "acquisition": "app_pages/value.py",
    "lending": "app_pages/lending.py",
}


def brief_download(f: Filters, lang: str) -> None:
    """One button: the brief of the month f.date_to falls in, as PDF."""
    from ui.brief import make_pdf
    from ui.brief.content import Scope

    month = f"{f.date_to:%Y-%m}"
    scope = Scope(month, lang, f.branches, f.tiers)
    path = data.db_path()
    name = f"brief-{month}-{lang}.pdf"
    st.download_button(
        t("brief.download", lang),
        data=auth.audited_export(lambda: make_pdf(path, scope), name, 1, f),
        file_name=name,
        mime="application/pdf",
        key="brief_pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
    )


def alert_line(a: Fired, lang: str) -> str:
    """'不良贷款率（全行）：5.3%，目标 1.50%，n —' as the app formats the numbers."""
    k = KPIS[a.kpi]
    where = t("alerts.scope.bank", lang) if a.scope == "bank" else a.group
    return t(
        "alerts.line",
        lang,
        label=k.label(lang),
        where=where,
        value=fmt_value(a.value, k.unit, lang),
        rule=t(f"alerts.rule.{a.compare}", lang),
        bound=fmt_value(a.target, k.unit, lang),
        n=DASH if a.n is None else fmt_int(a.n),
    )


def fired_alerts(f: Filters, lang: str) -> None:
    """The alerts firing in the latest month for the user's selection, each with a link."""
    try:
        month, fired = page.load(fired_latest, f)
    except ValueError as exc:  # a rule of the settings TOML that does not resolve
        st.warning(md(t("alerts.bad_rule", lang, error=str(exc))), icon=":material/warning:")
        return
    if month is None:
        return
    if not fired:
        st.caption(t("alerts.none", lang, month=month))
        return
    with st.container(border=True, key="fired_alerts"):
        st.markdown(f"**:red[{t('alerts.some', lang, month=month, count=len(fired))}]**")
        for a in fired:
            st.page_link(
                PAGE_OF_GROUP[KPIS[a.kpi].group],
                label=md(alert_line(a, lang)),
                icon=":material/notifications_active:",
                query_params=_link_params(a),
            )


def _link_params(a: Fired) -> dict[str, str | list[str]]:
    """The view's own URL parameters, narrowed to the alert's branch or tier."""
    params: dict[str, str | list[str]] = {
        k: st.query_params.get_all(k) for k in st.query_params if k not in ("branch", "tier")
    }
    if a.scope in ("branch", "tier"):
        params[a.scope] = a.group
    else:
        for k in ("branch", "tier"):
            if k in st.query_params:
                params[k] = st.query_params.get_all(k)
    return params
