"""Figures for the pages: KPI charts (ui.charts.kpi) and domain charts (ui.charts.domain).

The look, the colours and the axis rules are in ui.chart_theme; these names are
re-exported so a page reads `charts.trend(...)`, `charts.funnel_frame(...)`.
"""

from __future__ import annotations

from ui.chart_theme import (
    GREY,
    NAVY,
    PALETTE,
    REL_COLORS,
    RFM_COLORS,
    RISK_COLORS,
    SERIES_COLORS,
    STATUS_BADGE,
    STATUS_COLORS,
    TIER_COLORS,
    money_scale,
    status_of,
)
from ui.charts.domain import (
    cohort_heatmap,
    donut,
    funnel,
    funnel_by_group,
    funnel_frame,
    heatmap,
    relationship_bars,
    rfm_treemap,
    sankey,
    treemap,
)
from ui.charts.kpi import bars, grouped_bars, stacked_area, trend

__all__ = [
    "GREY",
    "NAVY",
    "PALETTE",
    "REL_COLORS",
    "RFM_COLORS",
    "RISK_COLORS",
    "SERIES_COLORS",
    "STATUS_BADGE",
    "STATUS_COLORS",
    "TIER_COLORS",
    "bars",
    "cohort_heatmap",
    "donut",
    "funnel",
    "funnel_by_group",
    "funnel_frame",
    "grouped_bars",
    "heatmap",
    "money_scale",
    "relationship_bars",
    "rfm_treemap",
    "sankey",
    "stacked_area",
    "status_of",
    "treemap",
    "trend",
]
