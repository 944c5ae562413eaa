"""The sidebar's page links, each carrying the current view in its URL.

Streamlit's own navigation drops every URL parameter not bound to a widget on a page
switch, so the view would come back as a second write (a second history entry, and a
link without the view). A link here switches page and keeps the view in one step, and
opened in a new tab it shows the same view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.navigation.page import StreamlitPage

from ui.state import ViewState, to_query


def render(
    box: DeltaGenerator, sections: Mapping[str, Sequence[StreamlitPage]], view: ViewState
) -> None:
    """Every listed page of every section, under its section's title, into `box`."""
    query = to_query(view)
    with box:
        for title, pages in sections.items():
            listed = [p for p in pages if p.visibility == "visible"]
            if not listed:
                continue
            st.caption(title)
            for page in listed:
                st.page_link(page, query_params=query, width="stretch")
