"""What a KPI declaration is made of (MetricFlow-style simple, ratio and derived metrics).

A `Measure` is one aggregate over one source (engine.sources): an SQL expression over
its rows `x` (and the customer `c`, the period `p`). A KPI computes as a `Count` (one
measure), a `Ratio` of two measures, or a `Derived` formula of other KPIs, possibly
taken over another period (a year earlier, the 365 days ending at date_to).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from metrics.filters import Filters

Value = float | None
Unit = Literal["ratio", "score", "points", "count", "per100", "hours", "days", "cny", "multiple"]
Direction = Literal["higher", "lower", "none"]
Shift = Literal["same", "year_ago", "year_to_date_to"]
SHIFTS: tuple[str, ...] = ("same", "year_ago", "year_to_date_to")


@dataclass(frozen=True)
class Measure:
    """One aggregate over one source; `additive` ones are summed from the rollups.

    Non-additive ones (medians, distinct counts, anything reading the period `p`) run
    on the source's rows filtered by date. `empty` is its value over no rows.
    """

    id: str
    source: str
    expr: str
    additive: bool = True
    empty: float | None = 0


@dataclass(frozen=True)
class Count:
    """The KPI is one measure's value; `n` names the measure counting its sample, if any."""

    measure: str
    n: str | None = None


@dataclass(frozen=True)
class Ratio:
    """scale x numerator / denominator; None when the denominator is 0.

    interval: the 95 % Wilson interval applies (the denominator counts units);
    counts=False: the denominator is money, not a sample size (no low_n);
    matures: the value is only final `maturity_days` after date_to (funnel).
    """

    numerator: str
    denominator: str
    scale: float = 1.0
    interval: bool = False
    counts: bool = True
    matures: bool = False


@dataclass(frozen=True)
class Input:
    """Another KPI's value over the same period, a year earlier, or the 365 days to date_to."""

    kpi: str
    shift: Shift = "same"


@dataclass(frozen=True)
class Derived:
    """formula(input values, filters) -> value; inputs are KPIs declared before this one.

    needs_covered: the value is None when a shifted input's period is not covered.
    """

    inputs: tuple[Input, ...]
    formula: Callable[[tuple[Value, ...], Filters], Value]
    needs_covered: bool = False


Computation = Count | Ratio | Derived


@dataclass(frozen=True)
class Kpi:
    """One KPI: how it is computed, labels, unit, direction, target, definition.

    `empty` is its value over nothing: 0 for sums and counts, None for ratios.
    """

    id: str
    group: str
    label_zh: str
    label_en: str
    unit: Unit
    direction: Direction
    definition_en: str
    definition_zh: str
    computes: Computation
    customer_based: bool = True
    empty: float | None = None
    target: float | None = None

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def definition(self, lang: str = "zh") -> str:
        return self.definition_zh if lang == "zh" else self.definition_en


def shifted(shift: str, date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period an input with `shift` reads, for the period [date_from, date_to]."""
    from metrics.filters import shift_year

    if shift == "same":
        return date_from, date_to
    if shift == "year_ago":
        return shift_year(date_from), shift_year(date_to)
    if shift == "year_to_date_to":
        return date_to - dt.timedelta(days=364), date_to
    raise ValueError(f"unknown shift {shift!r}; expected one of {', '.join(SHIFTS)}")
