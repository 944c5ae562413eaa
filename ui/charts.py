"""One Plotly look for every chart, and one colour meaning everywhere.

Green/amber/red always mean on/near/off target; tiers, relationship types and risk
classes keep the same colour on every page. Figures only: pages render them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from ui.event_markers import draw_events
from ui.fmt import DASH, UNIT_SUFFIX, fmt_value, fmt_values, is_missing
from ui.i18n import t

FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
NAVY = "#1f4e79"
GREY = "#9aa5b1"
INK = "#1f2933"
GRID = "#e4e7eb"

STATUS_COLORS: dict[str, str] = {
    "on": "#2e7d32",
    "near": "#e0a100",
    "off": "#c62828",
    "none": "#5f6b7a",
}
# Streamlit's named colours for badges and coloured text, same meaning.
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
SERIES_COLORS: dict[str, str] = {"current": NAVY, "previous": GREY, "target": "#c62828"}
PALETTE = [NAVY, "#4a90c2", "#2e7d32", "#e08a00", "#7b5ea7", "#00897b", "#a9c6e3", "#8d6e63"]
LEGEND_MARGIN = 80  # top margin of a chart with a legend under its title
# Near target: within this share of the target value, on the wrong side.
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


def money_scale(values: Sequence[Any], lang: str) -> tuple[float, str]:
    """Divisor and suffix so money axes read ¥1.2亿 / ¥3.4万 (zh) or ¥1.2bn / ¥3.4M (en)."""
    finite = [abs(float(v)) for v in values if not is_missing(v)]
    top = max(finite, default=0.0)
    steps = [(1e8, "亿"), (1e4, "万")] if lang == "zh" else [(1e9, "bn"), (1e6, "M"), (1e3, "K")]
    for divisor, suffix in steps:
        if top >= divisor:
            return divisor, suffix
    return 1.0, ""


def _scaled(fig: go.Figure, unit: str, lang: str, axis: str = "y") -> None:
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


def _integer_ticks(fig: go.Figure, axis: str) -> None:
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


def _axis_format(fig: go.Figure, unit: str, axis: str = "y", lang: str = "zh") -> None:
    fmt = {"ratio": ".0%", "count": ",d"}.get(unit)
    if unit == "count":
        _integer_ticks(fig, axis)
    if unit in ("count", "cny"):  # amounts and counts never dip below zero on the axis
        fig.update_layout({f"{axis}axis": {"rangemode": "nonnegative"}})
    if unit == "ratio":
        values: list[Any] = []
        for trace in fig.data:
            values += list(getattr(trace, axis) or [])
        finite = [float(v) for v in values if not is_missing(v)]
        if finite and (max(map(abs, finite)) < 0.1 or max(finite) - min(finite) < 0.05):
            fmt = ".1%"
    if fmt:
        fig.update_layout({f"{axis}axis": {"tickformat": fmt}})
    if unit in UNIT_SUFFIX:  # 45 天 / 45 d: the axis says what it counts
        fig.update_layout({f"{axis}axis": {"ticksuffix": UNIT_SUFFIX[unit][lang]}})
    _scaled(fig, unit, lang, axis)


def _months(index: Any) -> list[str]:
    """Month labels "2025-01" for a month-end (or any date) index: categories, not dates."""
    out = []
    for x in index:
        try:
            out.append(pd.Timestamp(x).strftime("%Y-%m"))
        except (ValueError, TypeError):
            out.append(str(x))
    return out


def _hover(values: Sequence[Any], unit: str, lang: str) -> list[str]:
    """Labels of one series: the cards' format, one precision for the whole series."""
    return fmt_values(values, unit, lang)


def _empty(title: str, message: str | None, lang: str = "zh") -> go.Figure:
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


def _target_line(fig: go.Figure, target: float | None, unit: str, label: str, lang: str) -> None:
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


def trend(
    df: pd.DataFrame,
    columns: Mapping[str, str],
    unit: str,
    lang: str,
    *,
    title: str = "",
    target: float | None = None,
    target_label: str = "",
    empty_message: str | None = None,
    height: int = 320,
    events: Sequence[Any] = (),
) -> go.Figure:
    """Lines over a month-end index; `columns` maps a frame column to its legend name;
    `events` (metrics.impact.Event) in scope are drawn as labelled vertical markers."""
    cols = [c for c in columns if c in df.columns]
    if df.empty or not cols or df[cols].isna().all().all():
        return _empty(title, empty_message, lang)
    fig = go.Figure()
    for i, col in enumerate(cols):
        y = df[col]
        fig.add_trace(
            go.Scatter(
                x=_months(df.index),
                y=y.astype("float64").tolist(),
                name=columns[col],
                mode="lines+markers",
                line={"width": 2.5 if i == 0 else 2, "color": PALETTE[i % len(PALETTE)]},
                customdata=_hover(y.tolist(), unit, lang),
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    _target_line(fig, target, unit, target_label, lang)
    _axis_format(fig, unit, "y", lang)
    fig.update_layout(template=TEMPLATE, title=title, height=height, showlegend=len(cols) > 1)
    if len(cols) > 1:
        fig.update_layout(margin={"t": LEGEND_MARGIN})
    fig.update_xaxes(type="category", nticks=7)
    return draw_events(fig, events)


def bars(
    labels: Sequence[str],
    values: Sequence[Any],
    unit: str,
    lang: str,
    *,
    title: str = "",
    colors: Sequence[str] | None = None,
    target: float | None = None,
    target_label: str = "",
    direction: str = "none",
    horizontal: bool = False,
    empty_message: str | None = None,
    height: int = 300,
) -> go.Figure:
    """One bar per group; with a target, bars take the on/near/off colour."""
    vals = [None if is_missing(v) else float(v) for v in values]
    if not labels or all(v is None for v in vals):
        return _empty(title, empty_message, lang)
    if colors is None:
        if target is not None:
            colors = [STATUS_COLORS[status_of(v, target, direction)] for v in vals]
        else:
            colors = [NAVY] * len(vals)
    text = _hover(vals, unit, lang)
    if horizontal:
        trace = go.Bar(
            y=list(labels), x=vals, orientation="h", marker_color=list(colors), text=text
        )
    else:
        trace = go.Bar(x=list(labels), y=vals, marker_color=list(colors), text=text)
    trace.update(cliponaxis=False, hovertemplate="%{text}<extra></extra>")
    if target is None:
        trace.update(textposition="outside")
    else:  # labels inside the bar's end: the target line, drawn behind the bars, never crosses one
        trace.update(
            textposition="auto",
            insidetextanchor="end",
            insidetextfont={"color": "white"},
            outsidetextfont={"color": INK},
        )
    fig = go.Figure(trace)
    if target is not None:
        # the target is named in the title: a label on the line would sit on the bar values
        line = {"color": SERIES_COLORS["target"], "dash": "dash", "width": 1.5}
        if horizontal:  # under the bars and their labels
            fig.add_vline(x=target, line=line, layer="below")
        else:
            fig.add_hline(y=target, line=line, layer="below")
        title = f"{title} · {target_label} {fmt_value(target, unit, lang)}"
    axis = "x" if horizontal else "y"
    _axis_format(fig, unit, axis, lang)
    if unit == "ratio":  # bars start at zero: whole percents unless every value is small
        small = max((abs(v) for v in vals if v is not None), default=0) < 0.1
        fig.update_layout({f"{axis}axis": {"tickformat": ".1%" if small else ".0%"}})
    # headroom for the labels and the target, in the axis's own (万/亿, K/M) scale
    divisor = money_scale(vals, lang)[0] if unit == "cny" else 1.0
    finite = [v for v in vals if v is not None] + ([target] if target is not None else [])
    if finite and min(finite) >= 0 and max(finite) > 0:
        fig.update_layout({f"{axis}axis": {"range": [0, max(finite) / divisor * 1.12]}})
    fig.update_layout(template=TEMPLATE, title=title, height=height, showlegend=False)
    if horizontal:
        fig.update_layout(margin={"r": 64})  # room for the value labels right of the bars
    if horizontal:
        fig.update_yaxes(autorange="reversed", type="category")
    else:
        fig.update_xaxes(type="category")
    return fig


def grouped_bars(
    df: pd.DataFrame,
    series: Mapping[str, str],
    unit: str,
    lang: str,
    *,
    title: str = "",
    colors: Mapping[str, str] | None = None,
    monthly: bool = False,
    empty_message: str | None = None,
    height: int = 320,
) -> go.Figure:
    """Side-by-side bars per index value, one series per column (e.g. this year vs last)."""
    cols = [c for c in series if c in df.columns]
    if df.empty or not cols:
        return _empty(title, empty_message, lang)
    fig = go.Figure()
    for i, col in enumerate(cols):
        y = df[col]
        color = (colors or {}).get(col, PALETTE[i % len(PALETTE)])
        fig.add_trace(
            go.Bar(
                x=_months(df.index) if monthly else list(df.index),
                y=y.astype("float64").tolist(),
                name=series[col],
                marker_color=color,
                customdata=_hover(y.tolist(), unit, lang),
                hovertemplate="%{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    _axis_format(fig, unit, "y", lang)
    fig.update_layout(
        template=TEMPLATE, title=title, height=height, barmode="group", margin={"t": LEGEND_MARGIN}
    )
    fig.update_xaxes(type="category")
    return fig


def stacked_area(
    df: pd.DataFrame,
    names: Mapping[str, str],
    colors: Mapping[str, str],
    unit: str,
    lang: str,
    *,
    title: str = "",
    empty_message: str | None = None,
    height: int = 320,
) -> go.Figure:
    """Stacked areas over a month index, one per column (risk classes over time)."""
    cols = [c for c in names if c in df.columns]
    if df.empty or not cols or df[cols].isna().all().all():
        return _empty(title, empty_message, lang)
    fig = go.Figure()
    for col in cols:
        y = df[col]
        fig.add_trace(
            go.Scatter(
                x=_months(df.index),
                y=y.astype("float64").tolist(),
                name=names[col],
                stackgroup="one",
                mode="lines",
                line={"width": 0.5, "color": colors.get(col, GREY)},
                fillcolor=colors.get(col, GREY),
                customdata=_hover(y.tolist(), unit, lang),
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    _axis_format(fig, unit, "y", lang)
    fig.update_layout(template=TEMPLATE, title=title, height=height, margin={"t": LEGEND_MARGIN})
    fig.update_xaxes(type="category")
    return fig


def funnel(
    stages: Sequence[str],
    reached: Sequence[Any],
    step_rates: Sequence[Any],
    lang: str,
    *,
    title: str = "",
    step_label: str = "",
    empty_message: str | None = None,
) -> go.Figure:
    """Stage counts with each stage's share of the stage before."""
    counts = [0 if is_missing(v) else int(v) for v in reached]
    if not stages or sum(counts) == 0:
        return _empty(title, empty_message, lang)
    text = []
    for i, (n, rate) in enumerate(zip(counts, step_rates, strict=True)):
        text.append(f"{n:,}" if i == 0 else f"{n:,}<br>{fmt_value(rate, 'ratio', lang)}")
    fig = go.Figure(
        go.Funnel(
            y=list(stages),
            x=counts,
            text=text,
            textinfo="text",
            textposition="inside",
            insidetextanchor="middle",
            textfont={"color": "white"},
            marker={"color": [PALETTE[0], PALETTE[1], "#6c8ebf", "#8fb3d9", "#2e7d32"]},
            connector={"line": {"color": GRID}},
            customdata=[
                DASH if i == 0 else fmt_value(r, "ratio", lang) for i, r in enumerate(step_rates)
            ],
            hovertemplate="%{y}: %{x:,}<br>" + step_label + " %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(template=TEMPLATE, title=title, height=340)
    return fig


def heatmap(
    df: pd.DataFrame,
    lang: str,
    *,
    title: str = "",
    x_title: str = "",
    y_title: str = "",
    empty_message: str | None = None,
    unit: str = "ratio",
) -> go.Figure:
    """A ratio matrix (cohort retention, type movement) with the value written in each cell."""
    if df.empty:
        return _empty(title, empty_message, lang)
    z = df.astype("float64").to_numpy()
    text = [[fmt_value(v, unit, lang) if not is_missing(v) else "" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(c) for c in df.columns],
            y=[str(i) for i in df.index],
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#f1f5fa"], [1, NAVY]],
            showscale=False,
            hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    fig.update_layout(template=TEMPLATE, title=title, height=max(260, 34 * len(df) + 90))
    fig.update_xaxes(title=x_title, type="category", side="top")
    fig.update_yaxes(title=y_title, type="category", autorange="reversed")
    return fig


def sankey(
    matrix: pd.DataFrame,
    names: Mapping[str, str],
    lang: str,
    *,
    title: str = "",
    start_label: str = "",
    end_label: str = "",
    empty_message: str | None = None,
) -> go.Figure:
    """Movement between types: rows are where customers started, columns where they ended."""
    if matrix.empty or float(matrix.to_numpy().sum()) == 0:
        return _empty(title, empty_message, lang)
    rows, cols = [str(r) for r in matrix.index], [str(c) for c in matrix.columns]
    labels = [f"{names.get(r, r)} ({start_label})" for r in rows]
    labels += [f"{names.get(c, c)} ({end_label})" for c in cols]
    colors = [REL_COLORS.get(r, GREY) for r in rows] + [REL_COLORS.get(c, GREY) for c in cols]
    src, dst, val, link_colors = [], [], [], []
    values = matrix.to_numpy(dtype="float64", na_value=0.0)
    for i, r in enumerate(rows):
        for j in range(len(cols)):
            v = float(values[i, j])
            if v > 0:
                src.append(i)
                dst.append(len(rows) + j)
                val.append(v)
                link_colors.append(_rgba(REL_COLORS.get(r, GREY), 0.35))
    fig = go.Figure(
        go.Sankey(
            node={"label": labels, "color": colors, "pad": 14, "thickness": 16},
            link={"source": src, "target": dst, "value": val, "color": link_colors},
        )
    )
    fig.update_layout(template=TEMPLATE, title=title, height=420)
    return fig


def donut(
    labels: Sequence[str],
    values: Sequence[Any],
    colors: Sequence[str],
    lang: str,
    *,
    title: str = "",
    unit: str = "count",
    empty_message: str | None = None,
) -> go.Figure:
    """Shares of a whole (relationship types by customers or revenue)."""
    vals = [0.0 if is_missing(v) else max(float(v), 0.0) for v in values]
    if not labels or sum(vals) == 0:
        return _empty(title, empty_message, lang)
    fig = go.Figure(
        go.Pie(
            labels=list(labels),
            values=vals,
            hole=0.55,
            marker={"colors": list(colors)},
            sort=False,
            customdata=_hover(vals, unit, lang),
            hovertemplate="%{label}: %{customdata} (%{percent})<extra></extra>",
            texttemplate="%{percent:.1%}",
        )
    )
    fig.update_layout(template=TEMPLATE, title=title, height=340, margin={"t": LEGEND_MARGIN})
    return fig


def treemap(
    labels: Sequence[str],
    values: Sequence[Any],
    lang: str,
    *,
    title: str = "",
    colors: Sequence[str] | None = None,
    empty_message: str | None = None,
) -> go.Figure:
    """Segment sizes (RFM segments) as a treemap."""
    vals = [0 if is_missing(v) else int(v) for v in values]
    if not labels or sum(vals) == 0:
        return _empty(title, empty_message, lang)
    fig = go.Figure(
        go.Treemap(
            labels=list(labels),
            parents=[""] * len(labels),
            values=vals,
            marker={"colors": list(colors or PALETTE)},
            texttemplate="%{label}<br>%{value:,}",
            hovertemplate="%{label}: %{value:,} (%{percentRoot:.0%})<extra></extra>",
        )
    )
    fig.update_layout(template=TEMPLATE, title=title, height=360)
    return fig


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    return f"rgba({r},{g},{b},{alpha})"


def cohort_heatmap(
    df: pd.DataFrame,
    lang: str,
    *,
    title: str = "",
    x_title: str = "",
    size_label: str = "n",
    empty_message: str | None = None,
) -> go.Figure:
    """Cohort retention (index cohort, column 'size' then 0..K): share active, by quarter."""
    if df.empty:
        return _empty(title, empty_message, lang)
    shares = df.drop(columns=["size"], errors="ignore")
    if "size" in df.columns:
        shares.index = [
            f"{i} ({size_label} {int(n):,})" for i, n in zip(df.index, df["size"], strict=True)
        ]
    return heatmap(shares, lang, title=title, x_title=x_title, empty_message=empty_message)


def funnel_frame(
    df: pd.DataFrame,
    stage_names: Mapping[str, str],
    lang: str,
    *,
    title: str = "",
    step_label: str = "",
    empty_message: str | None = None,
) -> go.Figure:
    """The funnel of analysis.funnel (one group): stage counts and step conversion."""
    if df.empty:
        return _empty(title, empty_message, lang)
    return funnel(
        [stage_names.get(str(s), str(s)) for s in df["stage"]],
        df["reached"].tolist(),
        df["step_rate"].tolist(),
        lang,
        title=title,
        step_label=step_label,
        empty_message=empty_message,
    )


def funnel_by_group(
    df: pd.DataFrame,
    stage_names: Mapping[str, str],
    lang: str,
    *,
    group_names: Mapping[str, str] | None = None,
    title: str = "",
    empty_message: str | None = None,
) -> go.Figure:
    """Share of each group's leads reaching every stage after creation (analysis.funnel by=...)."""
    if df.empty:
        return _empty(title, empty_message, lang)
    fig = go.Figure()
    stages = [s for s in dict.fromkeys(df["stage"]) if s != "created"]
    shades = ["#a9c6e3", "#6c8ebf", "#4a90c2", NAVY]
    for i, stage in enumerate(stages):
        part = df[df["stage"] == stage]
        groups = [(group_names or {}).get(str(g), str(g)) for g in part["group"]]
        fig.add_trace(
            go.Bar(
                x=groups,
                y=part["overall_rate"].astype("float64").tolist(),
                name=stage_names.get(str(stage), str(stage)),
                marker_color=shades[i % len(shades)] if stage != "disbursed" else "#2e7d32",
                customdata=_hover(part["overall_rate"].tolist(), "ratio", lang),
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    _axis_format(fig, "ratio", "y", lang)
    fig.update_layout(
        template=TEMPLATE, title=title, height=340, barmode="group", margin={"t": LEGEND_MARGIN}
    )
    fig.update_xaxes(type="category")
    return fig


def relationship_donut(
    summary: pd.DataFrame,
    column: str,
    names: Mapping[str, str],
    lang: str,
    *,
    title: str = "",
    unit: str = "count",
    empty_message: str | None = None,
) -> go.Figure:
    """Relationship types (analysis.relationship_summary) as shares of customers or revenue."""
    types = [str(r) for r in summary["rel_type"]] if "rel_type" in summary.columns else []
    return donut(
        [names.get(r, r) for r in types],
        summary[column].tolist() if types else [],
        [REL_COLORS.get(r, GREY) for r in types],
        lang,
        title=title,
        unit=unit,
        empty_message=empty_message,
    )


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


def rfm_treemap(
    segments: pd.DataFrame,
    names: Mapping[str, str],
    lang: str,
    *,
    title: str = "",
    empty_message: str | None = None,
) -> go.Figure:
    """RFM segments (analysis.rfm_segments) sized by customers."""
    if segments.empty:
        return _empty(title, empty_message, lang)
    ids = [str(s) for s in segments["segment"]]
    return treemap(
        [names.get(s, s) for s in ids],
        segments["customers"].tolist(),
        lang,
        title=title,
        colors=[RFM_COLORS.get(s, GREY) for s in ids],
        empty_message=empty_message,
    )
