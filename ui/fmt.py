"""Number formatting by KPI unit: one place decides how every value reads, in zh and en."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

DASH = "—"

UNIT_SUFFIX: dict[str, dict[str, str]] = {
    "hours": {"zh": " 小时", "en": " h"},
    "days": {"zh": " 天", "en": " d"},
}
# Every KPI says its unit: a score out of 5, NPS points, complaints per 100 customers.
VALUE_SUFFIX: dict[str, dict[str, str]] = {
    **UNIT_SUFFIX,
    "score": {"zh": " 分", "en": " / 5"},
    "points": {"zh": " 分", "en": " pts"},
    "per100": {"zh": " 次/百户", "en": " per 100"},
}
# Money scales, largest first: (divisor, suffix, decimals of a scaled column).
MONEY_STEPS: dict[str, tuple[tuple[float, str, int], ...]] = {
    "zh": ((1e8, "亿", 2), (1e4, "万", 2)),
    "en": ((1e9, "B", 2), (1e6, "M", 2), (1e3, "K", 1)),
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


def _sig3(x: float) -> str:
    """A scaled amount to three significant digits, whole units at least: 1,000 / 105 / 10.5 /
    1.05 (the digits follow the rounded value, so 9.9999 reads 10.0, not 10.00)."""
    rounded = float(f"{x:.3g}")
    digits = 2 if rounded < 10 else (1 if rounded < 100 else 0)
    return f"{x:,.{digits}f}"


def fmt_cny(value: Any, lang: str = "zh", digits: int = 2) -> str:
    """CNY with 万/亿 in Chinese (three significant digits: ¥4.85万, ¥1,000万, ¥10.5亿) and
    K/M/B in English (¥48.5K, ¥10.00M, ¥4.14B); "—" for nothing."""
    if is_missing(value):
        return DASH
    v = _num(value)
    sign = "-" if v < 0 else ""
    a = abs(v)
    if lang == "zh":
        if a >= 99_995_000:  # rounds to ¥10,000万: say ¥1.00亿 instead
            return f"{sign}¥{_sig3(a / 1e8)}亿"
        if a >= 1e4 - 0.5:
            return f"{sign}¥{_sig3(a / 1e4)}万"
        return f"{sign}¥{a:,.0f}"
    if a >= 1e9:
        return f"{sign}¥{a / 1e9:,.{digits}f}B"
    if a >= 1e6:
        return f"{sign}¥{a / 1e6:,.{digits}f}M"
    if a >= 1e3:
        return f"{sign}¥{a / 1e3:,.{digits - 1 if digits > 0 else 0}f}K"
    return f"{sign}¥{a:,.0f}"


def money_scale(values: Iterable[Any], lang: str) -> tuple[float, str]:
    """Divisor and suffix of the largest amount: one scale for a whole column or axis
    (¥1.2亿 / ¥3.4万 in Chinese, ¥1.2B / ¥3.4M / ¥5.6K in English)."""
    finite = [abs(_num(v)) for v in values if not is_missing(v) and math.isfinite(_num(v))]
    top = max(finite, default=0.0)
    for divisor, suffix, _ in MONEY_STEPS["zh" if lang == "zh" else "en"]:
        if top >= divisor:
            return divisor, suffix
    return 1.0, ""


def fmt_cny_column(values: Iterable[Any], lang: str = "zh") -> list[str]:
    """Amounts shown in one column: every value in the largest one's scale (¥2.47亿 and
    ¥0.927亿, never ¥2.47亿 beside ¥9,274万; ¥53.12B and ¥0.00B, never beside ¥131.1K);
    three significant digits in Chinese, the scale's decimals in English; zero is ¥0."""
    items = list(values)
    divisor, suffix = money_scale(items, lang)
    digits = {s: d for _, s, d in MONEY_STEPS["zh" if lang == "zh" else "en"]}.get(suffix, 0)
    out = []
    for v in items:
        if is_missing(v) or not math.isfinite(_num(v)):
            out.append(DASH)
            continue
        x = _num(v)
        if x == 0:
            out.append("¥0")
            continue
        sign = "-" if x < 0 else ""
        scaled = abs(x) / divisor
        number = _sig3(scaled) if lang == "zh" and suffix else f"{scaled:,.{digits}f}"
        out.append(f"{sign}¥{number}{suffix}")
    return out


def pct_digits(values: Iterable[Any]) -> int:
    """Decimals for percents shown together: two when every value is below 5 % (NPL), else one."""
    finite = [abs(_num(v)) for v in values if not is_missing(v) and math.isfinite(_num(v))]
    return 2 if finite and max(finite) < 0.05 else 1


def fmt_pct(value: Any, digits: int | None = None) -> str:
    """A fraction as percent: 0.9 -> "90.0%"; below 5 % two decimals (NPL 0.0152 -> "1.52%")."""
    if is_missing(value):
        return DASH
    v = _num(value)
    if digits is None:
        digits = pct_digits([v])
    return f"{v * 100:.{digits}f}%"


def fmt_pp(diff: float, lang: str = "zh") -> str:
    """A difference of two ratios in percentage points: "+1.2 pp" / "+1.2 个百分点"."""
    unit = " 个百分点" if lang == "zh" else " pp"
    return f"{diff * 100:+.{2 if abs(diff) < 0.001 else 1}f}{unit}"


def fmt_value(value: Any, unit: str, lang: str = "zh", digits: int | None = None) -> str:
    """One KPI value as it is shown on cards, tables and hovers (`digits`: a ratio's decimals)."""
    if is_missing(value):
        return DASH
    v = _num(value)
    if math.isinf(v):
        return DASH
    if unit == "ratio":
        return fmt_pct(v, digits)
    if unit == "cny":
        return fmt_cny(v, lang)
    if unit == "count":
        return f"{v:,.0f}"
    suffix = VALUE_SUFFIX.get(unit, {}).get(lang, "")
    if unit == "score":
        return f"{v:.2f}{suffix}"
    if unit in ("points", "per100", "number"):
        return f"{v:,.1f}{suffix}"
    if unit == "multiple":
        return f"{v:.1f}×"
    if unit in UNIT_SUFFIX:
        return f"{v:,.1f}{suffix}"
    return f"{v:,.2f}"


def fmt_values(values: Iterable[Any], unit: str, lang: str = "zh") -> list[str]:
    """Values shown side by side (a table column, a chart's labels): one precision for all."""
    items = list(values)
    if unit == "cny":
        return fmt_cny_column(items, lang)
    digits = pct_digits(items) if unit == "ratio" else None
    return [fmt_value(v, unit, lang, digits) for v in items]


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
    """Signed change for a card ("+1.2 pp" / "+1.2 个百分点", "-0.15", "+12.3%"), or None."""
    d = delta(current, base, unit)
    if d is None:
        return None
    if unit == "ratio":
        return fmt_pp(d, lang)
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


def fmt_month(value: Any) -> str:
    """A month as "2025-01" (from a month start, a month end or any date), or "—"."""
    if is_missing(value):
        return DASH
    try:
        return pd.Timestamp(value).strftime("%Y-%m")
    except (ValueError, TypeError):
        return str(value)[:7]


def fmt_int(value: Any) -> str:
    """A whole number with thousands separators, or "—"."""
    if is_missing(value):
        return DASH
    return f"{_num(value):,.0f}"
