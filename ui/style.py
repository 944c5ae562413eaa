"""The app's few CSS rules: labels that wrap, a phone layout, a print layout.

Streamlit truncates metric labels, delta descriptions and badges with an ellipsis
("Complaint resolution (medi…"); a bank's board reads the whole label. On a phone
(under 640 px) Streamlit stacks every column: KPI cards flow two by two instead, and
the chart toolbars (Plotly's and Streamlit's, useless for touch) no longer cover chart
titles. Printed, a page leaves out the sidebar and the app's header and keeps each
chart whole on a sheet.
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
@media (max-width: 640px) {
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"]) {
    flex-wrap: wrap !important;
    gap: 0.75rem !important;
  }
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])
    > [data-testid="stColumn"] {
    flex: 1 1 calc(50% - 0.75rem) !important;
    width: calc(50% - 0.75rem) !important;
    min-width: calc(50% - 0.75rem) !important;
    max-width: calc(50% - 0.375rem) !important;
  }
  .js-plotly-plot .modebar-container { display: none !important; }
  [data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"])
    [data-testid="stElementToolbar"] { display: none !important; }
}
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stElementToolbar"], .js-plotly-plot .modebar-container {
    display: none !important;
  }
  [data-testid="stMain"] { margin-left: 0 !important; }
  [data-testid="stPlotlyChart"], [data-testid="stMetric"], [data-testid="stDataFrame"] {
    break-inside: avoid;
    page-break-inside: avoid;
  }
}
</style>
"""


def apply() -> None:
    """Add the stylesheet to the page (a style-only st.html takes no space)."""
    st.html(CSS)
