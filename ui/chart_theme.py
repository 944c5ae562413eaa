"""One Plotly look for every chart, one colour meaning everywhere, and the axis rules.

Green/amber/red always mean on/near/off target; tiers, relationship types and risk
classes keep the same colour on every page. Axes follow one rule set (see
`axis_format`), so no chart decides its own range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from ui.fmt import UNIT_SUFFIX, fmt_value, fmt_values, is_missing, money_scale
from ui.i18n import t

FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'

NAVY = "#1f4e79"

GREY = "#9aa5b1"

INK = "#1f2933"
LOW_N_COLOR = "#c5ccd4"  # a value from too few to judge: no status colour

GRID = "#e4e7eb"

STATUS_COLORS: dict[str, str] = {
    "on": "#2e7d32",
    "near": "#e0a100",
    "off": "#c62828",
    "none": "#5f6b7a",
}

STATUS_BADGE: dict[str, str] = {"on": "green", "near": "orange", "off": "red", "none": "gray"}

TIER_COLORS: dict[str, str] = {"A": "#1f4e79", "B": "#4a90c2", "C": "#a9c6e3"}

REL_COLORS: dict[str, str] = {
    "strategic": "#1f4e79",
    "growth": "#2e7d32",
    "stable": "#6c8ebf",
    "risk": "#e08a00",
    "churning": "#c62828",
    "not_active": "#b0b7c3",
}

RISK_COLORS: dict[str, str] = {
    "normal": "#2e7d32",
    "special_mention": "#e0a100",
    "substandard": "#ef6c00",
    "doubtful": "#c62828",
    "loss": "#6d1b1b",
}

RFM_COLORS: dict[str, str] = {
    "champions": "#1f4e79",
    "loyal": "#2f6796",
    "potential_loyalist": "#4a90c2",
    "new": "#6cb0d6",
    "promising": "#8fc1e3",
    "need_attention": "#e0a100",
    "about_to_sleep": "#f0c46b",
    "at_risk": "#ef6c00",
    "cant_lose": "#c62828",
    "hibernating": "#9aa5b1",
}

SERIES_COLORS: dict[str, str] = {"current": NAVY, "previous": GREY, "target": "#c62828"}

PALETTE = [NAVY, "#4a90c2", "#2e7d32", "#e08a00", "#7b5ea7", "#00897b", "#a9c6e3", "#8d6e63"]

LEGEND_MARGIN = 80  # top margin of a chart with a legend under its title

NEAR_BAND = 0.05


pio.templates["bank"] = go.layout.Template(
    layout={
        "font": {"family": FONT, "size": 13, "color": INK},
        "colorway": PALETTE,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 8, "r": 16, "t": 44, "b": 8},
        "title": {
            "font": {"size": 15},
            "x": 0,
            "xanchor": "left",
            "xref": "paper",
            "y": 0.985,
            "yref": "container",
            "yanchor": "top",
        },
        "xaxis": {
            "showgrid": False,
            "linecolor": GRID,
            "ticks": "outside",
            "tickcolor": GRID,
            "automargin": True,
        },
        "yaxis": {"gridcolor": GRID, "zeroline": False, "automargin": True},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0, "title": None},
        "hoverlabel": {"font": {"family": FONT}},
        "separators": ".,",
    }
)
TEMPLATE = "bank"


def status_of(value: Any, target: float | None, direction: str) -> str:
    """'on', 'near' or 'off' target (a lower-is-better KPI is on target at or below it)."""
    if target is None or is_missing(value) or direction not in ("higher", "lower"):
        return "none"
    v = float(value)
    band = abs(target) * NEAR_BAND
    if direction == "higher":
        return "on" if v >= target else ("near" if v >= target - band else "off")
    return "on" if v <= target else ("near" if v <= target + band else "off")


def scaled(fig: go.Figure, unit: str, lang: str, axis: str = "y") -> None:
    """Money traces are drawn in 亿/万 or bn/M/K; the axis says which."""
    if unit != "cny":
        return
    values: list[Any] = []
    for trace in fig.data:
        values += list(getattr(trace, axis) or [])
    divisor, suffix = money_scale(values, lang)
    for trace in fig.data:
        data = getattr(trace, axis)
        if data is not None:
            trace.update({axis: [None if is_missing(v) else float(v) / divisor for v in data]})
    # "," keeps ¥1,000万 (plotly's default would write ¥1k万)
    fig.update_layout({f"{axis}axis": {"tickprefix": "¥", "ticksuffix": suffix, "tickformat": ","}})


def nice_step(span: float, ticks: int = 5) -> float:
    """A 1/2/5 x 10^k tick step that cuts `span` into about `ticks` intervals (at least 1)."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * power:
            return max(1.0, m * power)
    return max(1.0, 10 * power)


def integer_ticks(fig: go.Figure, axis: str) -> None:
    """Counts tick at whole numbers only, each label once (10, 11, 12, not 10, 11, 11, 12)."""
    values: list[float] = []
    for trace in fig.data:
        values += [float(v) for v in (getattr(trace, axis) or []) if not is_missing(v)]
    if not values:
        return
    low = min(values)
    if any(isinstance(trace, go.Bar) for trace in fig.data):
        low = min(low, 0.0)  # bars start at zero
    step = nice_step(max(values) - low)
    fig.update_layout({f"{axis}axis": {"tickmode": "linear", "tick0": 0, "dtick": step}})


BAND_TRACES: tuple[str, ...] = ("ci_high", "ci_low")
MIN_RATIO_SPAN = 0.10  # a ratio axis spans at least 10 percentage points
AXIS_PAD = 0.06  # share of the span left free above and below the data


def _axis_values(fig: go.Figure, axis: str) -> list[float]:
    values: list[float] = []
    for trace in fig.data:
        if getattr(trace, "name", None) in BAND_TRACES:  # an interval band is not data
            continue
        values += [float(v) for v in (getattr(trace, axis) or []) if not is_missing(v)]
    return values


def ratio_range(values: Sequence[float], target: float | None, bars: bool) -> list[float]:
    """The one rule for ratio axes: the target is on the axis, the axis spans at least
    10 pp, bars start at 0, and a range within 0..100 % is not pushed outside it."""
    points = [*values, *([target] if target is not None else [])]
    if not points:
        return [0.0, 1.0]
    lo, hi = min(points), max(points)
    if bars:
        lo = min(lo, 0.0)
        hi = max(hi, lo + MIN_RATIO_SPAN)
        return [lo, hi + (hi - lo) * AXIS_PAD * 2]
    if hi - lo < MIN_RATIO_SPAN:
        mid = (hi + lo) / 2
        lo, hi = mid - MIN_RATIO_SPAN / 2, mid + MIN_RATIO_SPAN / 2
        if min(points) >= 0 and lo < 0:
            lo, hi = 0.0, MIN_RATIO_SPAN
        if max(points) <= 1 and hi > 1:
            lo, hi = 1 - MIN_RATIO_SPAN, 1.0
    pad = (hi - lo) * AXIS_PAD
    return [lo - pad, hi + pad]


def axis_format(
    fig: go.Figure,
    unit: str,
    axis: str = "y",
    lang: str = "zh",
    *,
    target: float | None = None,
    bars: bool = False,
) -> None:
    """The axis rules, one place for every chart: ratio axes hold the target and span at
    least 10 pp; bars (money, counts, ratios) start at 0; amounts and counts never dip
    below 0; money in 亿/万 or B/M/K; counts tick at whole numbers; units on the ticks."""
    fmt = {"ratio": ".0%", "count": ",d"}.get(unit)
    if unit == "count":
        integer_ticks(fig, axis)
    if unit in ("count", "cny"):
        mode = "tozero" if bars else "nonnegative"
        fig.update_layout({f"{axis}axis": {"rangemode": mode}})
    if unit == "ratio":
        finite = _axis_values(fig, axis)
        rng = ratio_range(finite, target, bars)
        if rng[1] - rng[0] < 0.3:
            fmt = ".1%"
        fig.update_layout({f"{axis}axis": {"range": rng}})
    elif bars:  # from 0, with headroom for the value labels, in the axis's own scale
        finite = [*_axis_values(fig, axis), *([target] if target is not None else [])]
        divisor = money_scale(finite, lang)[0] if unit == "cny" else 1.0
        if finite and min(finite) >= 0 and max(finite) > 0:
            fig.update_layout({f"{axis}axis": {"range": [0, max(finite) / divisor * 1.12]}})
        else:
            fig.update_layout({f"{axis}axis": {"rangemode": "tozero"}})
    if fmt:
        fig.update_layout({f"{axis}axis": {"tickformat": fmt}})
    if unit in UNIT_SUFFIX:  # 45 天 / 45 d: the axis says what it counts
        fig.update_layout({f"{axis}axis": {"ticksuffix": UNIT_SUFFIX[unit][lang]}})
    scaled(fig, unit, lang, axis)


def months(index: Any) -> list[str]:
    """Month labels "2025-01" for a month-end (or any date) index: categories, not dates."""
    out = []
    for x in index:
        try:
            out.append(pd.Timestamp(x).strftime("%Y-%m"))
        except (ValueError, TypeError):
            out.append(str(x))
    return out


def hover(values: Sequence[Any], unit: str, lang: str) -> list[str]:
    """Labels of one series: the cards' format, one precision for the whole series."""
    return fmt_values(values, unit, lang)


def empty_figure(title: str, message: str | None, lang: str = "zh") -> go.Figure:
    """An empty chart that says so, instead of blank axes."""
    message = message or t("no_data_short", lang)
    fig = go.Figure()
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        height=260,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": message, "showarrow": False, "font": {"size": 14, "color": GREY}}],
    )
    return fig


def target_line(fig: go.Figure, target: float | None, unit: str, label: str, lang: str) -> None:
    if target is None:
        return
    # The label sits above the plot, right-aligned on the title's line: never on a data point.
    color = SERIES_COLORS["target"]
    fig.add_hline(y=target, line={"color": color, "dash": "dash", "width": 1.5}, layer="below")
    fig.add_annotation(
        text=f"<b>- -</b> {label} {fmt_value(target, unit, lang)}",
        xref="paper",
        yref="paper",
        x=1,
        y=1.02,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font={"color": color, "size": 12},
    )


def rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    return f"rgba({r},{g},{b},{alpha})"
