"""The metrics engine: KPI declarations (metrics.kpis.catalog) -> SQL over the rollups.

Public API (pure functions of a DuckDB cursor and Filters; `kpis` limits the work):
compute, compare, series, breakdown -> plain values / frames; detail, compare_detail,
series_detail, breakdown_detail -> Cells with numerator, denominator, interval, flags;
source_dates; rollups.build (at publish).
"""

from __future__ import annotations

from metrics.engine.query import (
    ALL,
    BREAKDOWNS,
    REL_TYPE_IDS,
    BreakdownBy,
    Cell,
    SourceDates,
    breakdown,
    breakdown_detail,
    cells,
    compare,
    compare_detail,
    compute,
    detail,
    group_values,
    month_periods,
    series,
    series_detail,
    source_dates,
    wilson,
)

__all__ = [
    "ALL",
    "BREAKDOWNS",
    "REL_TYPE_IDS",
    "BreakdownBy",
    "Cell",
    "SourceDates",
    "breakdown",
    "breakdown_detail",
    "cells",
    "compare",
    "compare_detail",
    "compute",
    "detail",
    "group_values",
    "month_periods",
    "series",
    "series_detail",
    "source_dates",
    "wilson",
]
