"""KPI charts: trends over months and bars across groups (pure figure builders)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ui.chart_theme import (
    GREY,
    INK,
    LEGEND_MARGIN,
    NAVY,
    PALETTE,
    SERIES_COLORS,
    STATUS_COLORS,
    TEMPLATE,
    axis_format,
    empty_figure,
    hover,
    money_scale,
    months,
    status_of,
    target_line,
)
from ui.fmt import fmt_value, is_missing


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
) -> go.Figure:
    """Lines over a month-end index; `columns` maps a frame column to its legend name."""
    cols = [c for c in columns if c in df.columns]
    if df.empty or not cols or df[cols].isna().all().all():
        return empty_figure(title, empty_message, lang)
    fig = go.Figure()
    for i, col in enumerate(cols):
        y = df[col]
        fig.add_trace(
            go.Scatter(
                x=months(df.index),
                y=y.astype("float64").tolist(),
                name=columns[col],
                mode="lines+markers",
                line={"width": 2.5 if i == 0 else 2, "color": PALETTE[i % len(PALETTE)]},
                customdata=hover(y.tolist(), unit, lang),
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    target_line(fig, target, unit, target_label, lang)
    axis_format(fig, unit, "y", lang)
    fig.update_layout(template=TEMPLATE, title=title, height=height, showlegend=len(cols) > 1)
    if len(cols) > 1:
        fig.update_layout(margin={"t": LEGEND_MARGIN})
    fig.update_xaxes(type="category", nticks=7)
    return fig


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
        return empty_figure(title, empty_message, lang)
    if colors is None:
        if target is not None:
            colors = [STATUS_COLORS[status_of(v, target, direction)] for v in vals]
        else:
            colors = [NAVY] * len(vals)
    text = hover(vals, unit, lang)
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
    axis_format(fig, unit, axis, lang)
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
        return empty_figure(title, empty_message, lang)
    fig = go.Figure()
    for i, col in enumerate(cols):
        y = df[col]
        color = (colors or {}).get(col, PALETTE[i % len(PALETTE)])
        fig.add_trace(
            go.Bar(
                x=months(df.index) if monthly else list(df.index),
                y=y.astype("float64").tolist(),
                name=series[col],
                marker_color=color,
                customdata=hover(y.tolist(), unit, lang),
                hovertemplate="%{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    axis_format(fig, unit, "y", lang)
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
        return empty_figure(title, empty_message, lang)
    fig = go.Figure()
    for col in cols:
        y = df[col]
        fig.add_trace(
            go.Scatter(
                x=months(df.index),
                y=y.astype("float64").tolist(),
                name=names[col],
                stackgroup="one",
                mode="lines",
                line={"width": 0.5, "color": colors.get(col, GREY)},
                fillcolor=colors.get(col, GREY),
                customdata=hover(y.tolist(), unit, lang),
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    axis_format(fig, unit, "y", lang)
    fig.update_layout(template=TEMPLATE, title=title, height=height, margin={"t": LEGEND_MARGIN})
    fig.update_xaxes(type="category")
    return fig
