"""Number formatting by KPI unit: one place decides how every value reads, in zh and en."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

DASH = "—"

UNIT_SUFFIX: dict[str, dict[str, str]] = {
    "hours": {"zh": " 小时", "en": " h"},
    "days": {"zh": " 天", "en": " d"},
}


def is_missing(value: Any) -> bool:
    """None, NaN, pandas NA/NaT: anything that must read as "—"."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # NaN, NaT and pd.NA
    except (TypeError, ValueError):  # not a scalar
        return False


def _num(value: Any) -> float:
    return float(value)


def fmt_cny(value: Any, lang: str = "zh", digits: int = 2) -> str:
    """CNY with 万/亿 in Chinese and K/M/bn in English; "—" for nothing."""
    if is_missing(value):
        return DASH
    v = _num(value)
    sign = "-" if v < 0 else ""
    a = abs(v)
    if lang == "zh":
        if a >= 1e8:
            return f"{sign}¥{a / 1e8:,.{digits}f}亿"
        if a >= 1e4:
            return f"{sign}¥{a / 1e4:,.{digits}f}万"
        return f"{sign}¥{a:,.0f}"
    if a >= 1e9:
        return f"{sign}¥{a / 1e9:,.{digits}f}bn"
    if a >= 1e6:
        return f"{sign}¥{a / 1e6:,.{digits}f}M"
    if a >= 1e3:
        return f"{sign}¥{a / 1e3:,.{digits - 1 if digits > 0 else 0}f}K"
    return f"{sign}¥{a:,.0f}"


def fmt_pct(value: Any, digits: int | None = None) -> str:
    """A fraction as percent: 0.9 -> "90.0%"; below 5 % two decimals (NPL 0.0152 -> "1.52%")."""
    if is_missing(value):
        return DASH
    v = _num(value)
    if digits is None:
        digits = 2 if abs(v) < 0.05 else 1
    return f"{v * 100:.{digits}f}%"


def fmt_value(value: Any, unit: str, lang: str = "zh") -> str:
    """One KPI value as it is shown on cards, tables and hovers."""
    if is_missing(value):
        return DASH
    v = _num(value)
    if math.isinf(v):
        return DASH
    if unit == "ratio":
        return fmt_pct(v)
    if unit == "cny":
        return fmt_cny(v, lang)
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "score":
        return f"{v:.2f}"
    if unit in ("points", "per100"):
        return f"{v:.1f}"
    if unit == "multiple":
        return f"{v:.1f}×"
    if unit in UNIT_SUFFIX:
        return f"{v:,.1f}{UNIT_SUFFIX[unit][lang]}"
    return f"{v:,.2f}"


def delta(current: Any, base: Any, unit: str) -> float | None:
    """Change shown on a card: points for ratios (current - base), relative otherwise.

    Returns None when either side is missing or a relative change has a zero base.
    """
    if is_missing(current) or is_missing(base):
        return None
    c, b = _num(current), _num(base)
    if unit in ("ratio", "score", "points", "per100"):
        return c - b
    if b == 0:
        return None
    return c / b - 1


def fmt_delta(current: Any, base: Any, unit: str, lang: str = "zh") -> str | None:
    """Signed change for a card ("+1.2 pp", "-0.15", "+12.3%"); None when it cannot be said."""
    d = delta(current, base, unit)
    if d is None:
        return None
    if unit == "ratio":
        return f"{d * 100:+.{2 if abs(d) < 0.001 else 1}f} pp"
    if unit == "score":
        return f"{d:+.2f}"
    if unit in ("points", "per100"):
        return f"{d:+.1f}"
    return f"{d * 100:+.1f}%"


def fmt_date(value: Any) -> str:
    """ISO date, or "—"."""
    if is_missing(value):
        return DASH
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10]
