"""The app's few CSS rules: card labels and badges wrap instead of being cut off.

Streamlit truncates metric labels, delta descriptions and badges with an ellipsis
("Complaint resolution (medi…"); a bank's board reads the whole label.
"""

from __future__ import annotations

import streamlit as st

CSS = """
<style>
[data-testid="stMetricLabel"] .stMarkdownEllipsis,
[data-testid="stMetricLabel"] .stMarkdownEllipsis p,
[data-testid="stMetricDeltaDescription"],
[data-testid="stMetricDeltaDescription"] .stMarkdownEllipsis,
[data-testid="stMetricDeltaDescription"] p {
    white-space: normal !important;
    overflow: visible !important;
    text-overflow: clip !important;
}
[data-testid="stMetricLabel"] { height: auto !important; min-height: 1.5rem; }
[data-testid="stMetricLabel"] p { line-height: 1.3; }
.stMarkdownBadge { white-space: normal !important; line-height: 1.5; }
[data-testid="stSidebar"] [data-testid="stCaptionContainer"] p { line-height: 1.5; }
</style>
"""


def apply() -> None:
    """Add the stylesheet to the page (a style-only st.html takes no space)."""
    st.html(CSS)
