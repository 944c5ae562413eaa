"""What a KPI value says about itself, for the screen: its n, its interval and its flags.

The engine's `*_detail` functions answer with `Cell`s (value, numerator, denominator,
ci_low/ci_high, low_n, complete, mature, covered); this module turns them into the
words a hover or a caption shows and into the frames the charts and tables draw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from metrics.engine import intervals  # noqa: F401 - statsmodels loads here, not in a page's first render
from metrics.kpis import Cell
from metrics.kpis.model import Count, Ratio
from metrics.registry import KPIS
from ui.fmt import DASH, fmt_int, fmt_value, fmt_values, is_missing
from ui.i18n import t

HONESTY_COLUMNS: tuple[str, ...] = (
    "value",
    "n",
    "ci_low",
    "ci_high",
    "low_n",
    "provisional",
    "covered",
    "hover",
)


def has_n(kpi_id: str) -> bool:
    """A rate or a mean: its denominator counts units (surveys, customers, leads)."""
    c = KPIS[kpi_id].computes
    return (isinstance(c, Ratio) and c.counts) or (isinstance(c, Count) and c.n is not None)


def sample_size(kpi_id: str, cell: Cell | None) -> int | None:
    """The n behind a rate or a mean (its denominator), None for other KPIs."""
    if cell is None or not has_n(kpi_id) or is_missing(cell.denominator):
        return None
    return int(float(cell.denominator or 0))


def low_n(kpi_id: str, cell: Cell | None) -> bool:
    """Too few to judge: greyed, no status colour, never listed as off target."""
    return bool(cell is not None and cell.low_n and has_n(kpi_id) and not is_missing(cell.value))


def provisional(cell: Cell | None, lang: str) -> str:
    """Why a value is not final yet ("" when it is): a running period, an immature funnel."""
    if cell is None:
        return ""
    if cell.mature is False:
        return t("flag_immature", lang)
    if not cell.complete:
        return t("flag_running", lang)
    return ""


def n_text(n: int | None, lang: str) -> str:
    return "" if n is None else t("n_equals", lang, n=fmt_int(n))


def interval_text(kpi_id: str, cell: Cell | None, lang: str) -> str:
    """ "95 % CI 22.3%–95.7%", or "" without an interval."""
    if cell is None or is_missing(cell.ci_low) or is_missing(cell.ci_high):
        return ""
    lo, hi = fmt_values([cell.ci_low, cell.ci_high], KPIS[kpi_id].unit, lang)
    return t("ci_range", lang, low=lo, high=hi)


def describe(kpi_id: str, cell: Cell | None, lang: str, value_text: str | None = None) -> str:
    """Everything a hover says about one value: value · n · interval · flags."""
    kpi = KPIS[kpi_id]
    if cell is not None and not cell.covered:
        return f"{DASH} · {t('flag_not_covered', lang)}"
    value = cell.value if cell is not None else None
    parts = [value_text if value_text is not None else fmt_value(value, kpi.unit, lang)]
    parts += [n_text(sample_size(kpi_id, cell), lang), interval_text(kpi_id, cell, lang)]
    if low_n(kpi_id, cell):
        parts.append(t("flag_low_n", lang))
    parts.append(provisional(cell, lang))
    return " · ".join(p for p in parts if p)


def honesty_frame(
    kpi_id: str, cells: Mapping[Any, Cell | None], lang: str, index: Sequence[Any] | None = None
) -> pd.DataFrame:
    """One row per key of `cells` (months or groups): value, n, interval, flags, hover."""
    keys = list(cells) if index is None else list(index)
    unit = KPIS[kpi_id].unit
    row_cells = [cells.get(k) for k in keys]
    texts = fmt_values([c.value if c is not None else None for c in row_cells], unit, lang)
    rows = []
    for cell, text in zip(row_cells, texts, strict=True):
        rows.append(
            {
                "value": None if cell is None else cell.value,
                "n": sample_size(kpi_id, cell),
                "ci_low": None if cell is None else cell.ci_low,
                "ci_high": None if cell is None else cell.ci_high,
                "low_n": low_n(kpi_id, cell),
                "provisional": provisional(cell, lang),
                "covered": True if cell is None else cell.covered,
                "hover": describe(kpi_id, cell, lang, text),
            }
        )
    frame = pd.DataFrame(rows, columns=list(HONESTY_COLUMNS))
    frame.index = pd.Index(keys)
    for col in ("value", "ci_low", "ci_high"):
        frame[col] = frame[col].astype("float64")
    return frame


def series_cells(
    detail: Mapping[dt.date, Mapping[str, Cell]], kpi_id: str
) -> dict[pd.Timestamp, Cell | None]:
    """A series_detail answer as month end -> the KPI's Cell."""
    return {pd.Timestamp(day): row.get(kpi_id) for day, row in detail.items()}


def values_frame(
    detail: Mapping[Any, Mapping[str, Cell]], kpi_ids: Sequence[str], *, months: bool = False
) -> pd.DataFrame:
    """Values only (a kpis.series / kpis.breakdown frame) of a *_detail answer."""
    keys = list(detail)
    index = pd.DatetimeIndex([pd.Timestamp(k) for k in keys]) if months else pd.Index(keys)
    data = {
        k: [detail[g][k].value if k in detail[g] else None for g in keys]
        for k in kpi_ids
        if any(k in row for row in detail.values())
    }
    return pd.DataFrame(data, index=index, dtype="float64")


def uncovered_months(detail: Mapping[dt.date, Mapping[str, Cell]], kpi_id: str) -> list[dt.date]:
    """Months of a series whose KPI cell is not covered by the data (shown as "—")."""
    return [day for day, row in detail.items() if kpi_id in row and not row[kpi_id].covered]
