"""Every KPI's metadata, read by pages, the glossary, the CLI's JSON and the tests.

The declarations live in metrics.kpis.catalog (one entry per KPI, with what computes
it); this module re-exports them under their historical names.
"""

from __future__ import annotations

from metrics.kpis.catalog import _ALL, DIRECTIONS, GROUPS, KPIS, UNITS, kpis_in_group
from metrics.kpis.model import Direction, Kpi, Unit

Lang = str

__all__ = [
    "DIRECTIONS",
    "GROUPS",
    "KPIS",
    "UNITS",
    "_ALL",
    "Direction",
    "Kpi",
    "Lang",
    "Unit",
    "kpis_in_group",
]
