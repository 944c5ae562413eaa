"""Initiative impact: before and after a chosen event, the DiD for a branch event; events."""

from __future__ import annotations

import streamlit as st

from metrics import impact
from ui import auth, impact_view, page, sidebar
from ui.i18n import t

f, lang = sidebar.current_filters(), sidebar.lang()
page.page_header("impact.title", f, lang)
page.guard(lang, f)
events = page.load(impact.events_in, impact_view.all_time(f))
if not events:
    page.empty("impact.no_events", lang)
else:
    event = impact_view.pick_event(events, lang)
    days = st.number_input(t("impact.window", lang), 7, 1095, impact.DEFAULT_WINDOW_DAYS, 30)
    frame = page.load(impact.impact_frame, f, event.event_id, int(days))
    impact_view.windows_caption(event, int(days), lang)
    impact_view.impact_table(frame, f, lang)
    page.chart(impact_view.change_figure(frame, lang), key="impact_chart")
user = auth.current_user()
if user is not None and user.can("upload"):
    impact_view.events_editor(lang)
