"""The view a user is looking at (period, branches, tiers, language) and its URL form.

Pure functions: `from_query` reads URL parameters such as
`?from=2025-01-01&to=2025-12-31&branch=B01&tier=A&lang=en`, `to_query` writes them
back, so a copied URL opens the same view. Periods are anchored on the latest data
date in the store, not the wall clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from metrics.contract import TIERS
from metrics.filters import Filters, shift_year

PRESETS: tuple[str, ...] = ("month", "quarter", "ytd", "last12", "year", "custom")
DEFAULT_PRESET = "ytd"
LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"
QUERY_KEYS: tuple[str, ...] = ("period", "from", "to", "branch", "tier", "lang")


@dataclass(frozen=True)
class ViewState:
    """Everything the sidebar decides; `filters()` turns it into the metrics' Filters."""

    preset: str
    date_from: dt.date
    date_to: dt.date
    branches: tuple[str, ...] = field(default_factory=tuple)
    tiers: tuple[str, ...] = field(default_factory=tuple)
    lang: str = DEFAULT_LANG

    def filters(self) -> Filters:
        return Filters(self.date_from, self.date_to, self.branches, self.tiers)


def month_end(day: dt.date) -> dt.date:
    """Last day of `day`'s month."""
    nxt = day.replace(day=28) + dt.timedelta(days=4)
    return nxt - dt.timedelta(days=nxt.day)


def preset_range(preset: str, anchor: dt.date, year: int | None = None) -> tuple[dt.date, dt.date]:
    """The period a preset means when the latest data is on `anchor`."""
    if preset == "month":
        return anchor.replace(day=1), anchor
    if preset == "quarter":
        return anchor.replace(month=(anchor.month - 1) // 3 * 3 + 1, day=1), anchor
    if preset == "last12":
        return shift_year(anchor) + dt.timedelta(days=1), anchor
    if preset == "year":
        y = anchor.year if year is None else year
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    # ytd, and the starting point of a custom range
    return anchor.replace(month=1, day=1), anchor


def trailing_year(f: Filters) -> Filters:
    """The 12 whole months ending with date_to's month: the window of trend charts."""
    end = month_end(f.date_to)
    index = end.year * 12 + end.month - 1 - 11
    return f.with_period(dt.date(index // 12, index % 12 + 1, 1), end)


def trend_window(f: Filters) -> Filters:
    """Months shown by trend charts: the period when it spans a year or more, else 12 months."""
    if f.days >= 365:
        return f.with_period(f.date_from.replace(day=1), month_end(f.date_to))
    return trailing_year(f)


def cohort_window(f: Filters, quarters: int = 12) -> Filters:
    """Cohorts shown: the `quarters` calendar quarters ending with date_to's quarter."""
    index = f.date_to.year * 4 + (f.date_to.month - 1) // 3 - (quarters - 1)
    start = dt.date(index // 4, index % 4 * 3 + 1, 1)
    return f.with_period(min(start, f.date_from), f.date_to)


def _values(params: Mapping[str, str | Sequence[str]], key: str) -> list[str]:
    raw = params.get(key)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        out += [p.strip() for p in str(item).split(",") if p.strip()]
    return out


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def from_query(
    params: Mapping[str, str | Sequence[str]],
    anchor: dt.date,
    known_branches: Sequence[str] | None = None,
) -> ViewState:
    """Read a view from URL parameters; anything invalid falls back to the default."""
    langs = _values(params, "lang")
    lang = langs[0] if langs and langs[0] in LANGS else DEFAULT_LANG
    branches = tuple(dict.fromkeys(_values(params, "branch")))
    if known_branches is not None:
        branches = tuple(b for b in branches if b in known_branches)
    tiers = tuple(dict.fromkeys(t.upper() for t in _values(params, "tier") if t.upper() in TIERS))
    periods = _values(params, "period")
    asked = periods[0] if periods and periods[0] in PRESETS else None
    froms, tos = _values(params, "from"), _values(params, "to")
    start = _date(froms[0] if froms else None)
    end = _date(tos[0] if tos else None)
    if start is not None and end is not None and start <= end:
        if asked and asked != "custom" and preset_range(asked, anchor, start.year) == (start, end):
            preset = asked
        elif asked is None and preset_range("year", anchor, start.year) == (start, end):
            preset = "year"
        else:
            preset = "custom"
        return ViewState(preset, start, end, branches, tiers, lang)
    preset = asked if asked and asked != "custom" else DEFAULT_PRESET
    start, end = preset_range(preset, anchor)
    return ViewState(preset, start, end, branches, tiers, lang)


def to_query(state: ViewState) -> dict[str, str | list[str]]:
    """URL parameters for a view (explicit dates, so a copied link shows the same numbers)."""
    out: dict[str, str | list[str]] = {
        "period": state.preset,
        "from": state.date_from.isoformat(),
        "to": state.date_to.isoformat(),
    }
    if state.branches:
        out["branch"] = list(state.branches)
    if state.tiers:
        out["tier"] = list(state.tiers)
    out["lang"] = state.lang
    return out
