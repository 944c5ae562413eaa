"""The shared sidebar, drawn once by app.py for every page: period, branches, tiers, language.

The view lives in widget state (kept across page switches because app.py draws the
widgets on every run) and is mirrored into st.query_params in one write per run, so a
copied URL opens the same view and each change is one browser-history entry. A URL that
differs from the one last written (Back, Forward, an edited address) is followed: the
widgets are seeded from it again. Pages read the view with `current_filters()` and `lang()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import streamlit as st

from metrics import views
from metrics.contract import TIERS
from metrics.filters import Filters
from metrics.store import StoreMissingError
from ui import auth, data
from ui.fmt import fmt_date
from ui.i18n import LANG_STATE_KEY, t
from ui.state import (
    DEFAULT_LANG,
    LANGS,
    PRESETS,
    QUERY_KEYS,
    ViewState,
    from_query,
    preset_range,
    to_query,
)

K_LANG = LANG_STATE_KEY
K_PRESET = "w_preset"
K_YEAR = "w_year"
K_RANGE = "w_range"
K_BRANCHES = "w_branches"
K_TIERS = "w_tiers"
K_VIEW = "view_state"
K_INIT = "view_initialised"
K_URL = "view_url"  # the view's URL parameters as last written (or followed)


def _bounds() -> tuple[dt.date, dt.date, bool]:
    """(earliest, latest) data date and whether the store has any; today when it has none."""
    today = dt.date.today()
    try:
        lo, hi = data.run(views.data_bounds, None)
    except (StoreMissingError, duckdb.Error):  # the page itself says what is wrong
        return today, today, False
    if hi is None:
        return today, today, False
    return (lo or hi), hi, True


def _branches() -> dict[str, str]:
    """branch_id -> "id name" label, in id order; empty without a store."""
    try:
        frame = data.run(views.branch_list, None)
    except (StoreMissingError, duckdb.Error):
        return {}
    return {
        str(r.branch_id): f"{r.branch_id} {r.branch_name}" for r in frame.itertuples(index=False)
    }


def _query_dict() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in QUERY_KEYS if k in st.query_params}


def _url_moved() -> bool:
    """The address is not the one this session last wrote: Back/Forward or an edited URL."""
    return st.session_state.get(K_URL) != _query_dict()


def nav_lang() -> str:
    """The language for the navigation, which app.py builds before the sidebar is drawn.

    Called first on every run: when the address moved, its language wins (and the language
    switch is set to it before it is drawn).
    """
    if st.session_state.get(K_INIT) and _url_moved():
        st.session_state[K_INIT] = False  # render_sidebar seeds every widget from the URL
    value = st.session_state.get(K_LANG) if st.session_state.get(K_INIT) else None
    if value is None:
        asked = st.query_params.get("lang")
        value = asked if asked in LANGS else DEFAULT_LANG
    return str(value) if value in LANGS else DEFAULT_LANG


def _initialise(anchor: dt.date, branch_ids: Sequence[str]) -> None:
    """On a session's first run, seed the widgets from the URL (or the defaults)."""
    query = _query_dict()
    auth.note_url_branches(query.get("branch", []))  # a link to a branch outside the scope
    state = from_query(query, anchor, branch_ids if branch_ids else None)
    st.session_state[K_LANG] = state.lang
    st.session_state[K_PRESET] = state.preset
    st.session_state[K_YEAR] = state.date_from.year
    st.session_state[K_RANGE] = (state.date_from, state.date_to)
    st.session_state[K_BRANCHES] = list(state.branches)
    st.session_state[K_TIERS] = list(state.tiers)
    st.session_state[K_INIT] = True


def _keep_values_across_languages() -> None:
    """After a language switch the browser sends a selection back as its old label (本季度,
    A 类), which matches no option in the new language: take the values of the last view."""
    view: ViewState | None = st.session_state.get(K_VIEW)
    if view is None:
        return
    if st.session_state.get(K_PRESET) not in PRESETS:
        st.session_state[K_PRESET] = view.preset
    tiers = st.session_state.get(K_TIERS)
    if not isinstance(tiers, list) or any(x not in TIERS for x in tiers):
        st.session_state[K_TIERS] = list(view.tiers)


def _on_preset_change() -> None:
    """Entering "custom" starts from the period that was shown."""
    view: ViewState | None = st.session_state.get(K_VIEW)
    if view is not None:
        st.session_state[K_RANGE] = (view.date_from, view.date_to)
        st.session_state[K_YEAR] = view.date_from.year


def _sync_url(state: ViewState) -> None:
    """Write the view into the URL in one update (one history entry), keeping other keys."""
    wanted = {k: v if isinstance(v, list) else [v] for k, v in to_query(state).items()}
    if _query_dict() != wanted:
        others = {k: st.query_params.get_all(k) for k in st.query_params if k not in QUERY_KEYS}
        st.query_params.from_dict({**others, **wanted})
    st.session_state[K_URL] = wanted


def render_sidebar() -> ViewState:
    """Draw the sidebar and return the view it selects (also kept in session state)."""
    earliest, latest, has_data = _bounds()
    branch_labels = _branches()
    if not st.session_state.get(K_INIT):
        _initialise(latest, list(branch_labels))
    else:
        _keep_values_across_languages()
    sb = st.sidebar
    lang_value = sb.radio(
        t("language"),
        LANGS,
        key=K_LANG,
        horizontal=True,
        format_func=lambda x: {"zh": "中文", "en": "English"}[x],
    )
    lang = lang_value if lang_value in LANGS else DEFAULT_LANG

    preset = sb.selectbox(
        t("period", lang),
        PRESETS,
        key=K_PRESET,
        format_func=lambda p: t(f"preset_{p}", lang),
        on_change=_on_preset_change,
    )
    if preset == "year":
        asked = st.session_state.get(K_YEAR)
        if not isinstance(asked, int):
            st.session_state[K_YEAR] = asked = latest.year
        # every year with data, and the year a link asked for even if it has none
        years = sorted(set(range(earliest.year, latest.year + 1)) | {asked}, reverse=True)
        year = sb.selectbox(t("year", lang), years, key=K_YEAR)
        start, end = preset_range("year", latest, int(year))
    elif preset == "custom":
        if K_RANGE not in st.session_state:
            st.session_state[K_RANGE] = preset_range("ytd", latest)
        picked = sb.date_input(t("date_range", lang), key=K_RANGE, format="YYYY-MM-DD")
        view_before: ViewState | None = st.session_state.get(K_VIEW)
        if isinstance(picked, Sequence) and len(picked) == 2:
            start, end = picked[0], picked[1]
        elif view_before is not None:  # the second date is not picked yet
            start, end = view_before.date_from, view_before.date_to
        else:
            start, end = preset_range("ytd", latest)
    else:
        start, end = preset_range(str(preset), latest)
    if preset != "custom":
        sb.caption(t("range_caption", lang, start=start.isoformat(), end=end.isoformat()))

    known = list(branch_labels)
    chosen_branches = [b for b in st.session_state.get(K_BRANCHES, []) if b in known]
    st.session_state[K_BRANCHES] = chosen_branches
    branches = sb.multiselect(
        t("branches", lang),
        known,
        key=K_BRANCHES,
        format_func=lambda b: branch_labels.get(b, b),
        placeholder=t("all", lang),
    )
    tiers = sb.multiselect(
        t("tiers", lang),
        list(TIERS),
        key=K_TIERS,
        format_func=lambda x: t("tier_name", lang, tier=x),
        placeholder=t("all", lang),
    )
    state = ViewState(str(preset), start, end, tuple(sorted(branches)), tuple(sorted(tiers)), lang)
    st.session_state[K_VIEW] = state
    _sync_url(state)
    _freshness(latest if has_data else None, lang)
    return state


def _freshness(latest: dt.date | None, lang: str) -> None:
    """The data-freshness line: latest data date and the last load."""
    sb = st.sidebar
    sb.divider()
    if latest is None:
        sb.caption(t("no_data_short", lang))
        return
    lines = [t("freshness", lang, date=fmt_date(latest))]
    try:
        load = data.run(views.last_load, None)
    except (StoreMissingError, duckdb.Error):
        load = None
    if load is None:
        lines.append(t("no_loads", lang))
    else:
        lines.append(
            t(
                "last_load",
                lang,
                when=_stamp(load["loaded_at"]),
                table=_table(load["table_name"], lang),
            )
        )
    sb.caption("  \n".join(lines))
    sb.caption(t("share_hint", lang))


def _stamp(when: object) -> str:
    """A load time, short: "11-24 09:30" this year, "2025-11-24" before."""
    if not isinstance(when, dt.datetime):
        return str(when)[:16]
    if when.year == dt.date.today().year:
        return when.strftime("%m-%d %H:%M")
    return when.strftime("%Y-%m-%d")


def _table(name: str, lang: str) -> str:
    """A store table by its business name: 客户收入 / Revenue."""
    from metrics.contract import TABLES

    table = TABLES.get(name)
    if table is None:
        return name
    return table.alias if lang == "zh" else name.replace("_", " ").capitalize()


def view() -> ViewState:
    """The view the sidebar selected on this run."""
    state: ViewState | None = st.session_state.get(K_VIEW)
    if state is None:
        return render_sidebar()
    return state


def current_filters() -> Filters:
    """The Filters every page passes to metrics, clamped to the signed-in user's branches."""
    return auth.scoped(view().filters())


def lang() -> str:
    """'zh' or 'en', as selected in the sidebar."""
    return view().lang
