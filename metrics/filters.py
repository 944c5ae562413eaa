"""Filters: one frozen, hashable value that becomes bound query parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from metrics.config import get_settings
from metrics.contract import TIERS

UNASSIGNED = "(unassigned)"  # the manager value of customers with no relationship_manager


def _default_discount_rate() -> float:
    return get_settings().discount_rate


def shift_year(day: dt.date, years: int = -1) -> dt.date:
    """Same calendar date `years` later (negative: earlier); 29 Feb becomes 28 Feb."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Filters:
    """A period [date_from, date_to] (both included) and the customers selected.

    Empty `branches` or `tiers` mean "all". Values only ever reach SQL through
    `params()`, as bound parameters.
    """

    date_from: dt.date
    date_to: dt.date
    branches: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()  # relationship_manager; UNASSIGNED selects those with none
    discount_rate: float = field(default_factory=_default_discount_rate)

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        bad = [t for t in self.tiers if t not in TIERS]
        if bad:
            raise ValueError(f"unknown tier {bad[0]!r}; expected one of {', '.join(TIERS)}")
        # Normalize order so equal selections hash equally (cache keys).
        object.__setattr__(self, "branches", tuple(sorted(set(self.branches))))
        object.__setattr__(self, "tiers", tuple(sorted(set(self.tiers))))
        object.__setattr__(self, "managers", tuple(sorted(set(self.managers))))

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def params(self) -> dict[str, Any]:
        """Bound parameters every KPI query understands."""
        return {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "branches": list(self.branches),
            "tiers": list(self.tiers),
            "managers": list(self.managers),
            "discount_rate": self.discount_rate,
        }

    def with_period(self, date_from: dt.date, date_to: dt.date) -> Filters:
        return replace(self, date_from=date_from, date_to=date_to)

    def previous_period(self) -> Filters:
        """The period of equal length that ends the day before this one starts."""
        end = self.date_from - dt.timedelta(days=1)
        return self.with_period(end - dt.timedelta(days=self.days - 1), end)

    def year_earlier(self) -> Filters:
        """The same period moved back one year."""
        return self.with_period(shift_year(self.date_from), shift_year(self.date_to))

    def describe(self, lang: str = "en") -> str:
        """Plain-language summary for captions and exported files."""
        if lang == "zh":
            branches = "、".join(self.branches) if self.branches else "全部机构"
            tiers = "、".join(self.tiers) if self.tiers else "全部分层"
            text = f"期间 {self.date_from} 至 {self.date_to}；机构：{branches}；客户分层：{tiers}"
            if self.managers:
                text += "；客户经理：" + "、".join(
                    "未分配" if m == UNASSIGNED else m for m in self.managers
                )
            return text
        branches = ", ".join(self.branches) if self.branches else "all branches"
        tiers = ", ".join(self.tiers) if self.tiers else "all tiers"
        text = f"Period {self.date_from} to {self.date_to}; branches: {branches}; tiers: {tiers}"
        if self.managers:
            text += "; managers: " + ", ".join(self.managers)
        return text
