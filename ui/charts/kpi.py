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
    LOW_N_COLOR,
    NAVY,
    PALETTE,
    SERIES_COLORS,
    STATUS_COLORS,
    TEMPLATE,
    axis_format,
    empty_figure,
    hover,
    months,
    rgba,
    status_of,
    target_line,
)
from ui.event_markers import draw_events
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
    honesty: pd.DataFrame | None = None,
    events: Sequence[Any] = (),
) -> go.Figure:
    """Lines over a month-end index; `columns` maps a frame column to its legend name;
    `events` (metrics.impact.Event) in scope are drawn as labelled vertical markers.

    `honesty` (ui.cells.honesty_frame of the first column, same index) adds the 95 %
    band, draws values that are not final (a running month, an immature funnel month)
    dotted and labelled, greys low-n points and puts n and the interval in the hover.
    """
    cols = [c for c in columns if c in df.columns]
    if df.empty or not cols or df[cols].isna().all().all():
        return empty_figure(title, empty_message, lang)
    fig = go.Figure()
    x = months(df.index)
    for i, col in enumerate(cols):
        y = df[col].astype("float64").tolist()
        color = PALETTE[i % len(PALETTE)]
        if i == 0 and honesty is not None:
            _honest_line(fig, x, y, honesty, columns[col], color)
            continue
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=columns[col],
                mode="lines+markers",
                line={"width": 2.5 if i == 0 else 2, "color": color},
                customdata=hover(y, unit, lang),
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    target_line(fig, target, unit, target_label, lang)
    axis_format(fig, unit, "y", lang, target=target)
    fig.update_layout(template=TEMPLATE, title=title, height=height, showlegend=len(cols) > 1)
    if len(cols) > 1:
        fig.update_layout(margin={"t": LEGEND_MARGIN})
    fig.update_xaxes(type="category", nticks=7)
    return draw_events(fig, events)


def _honest_line(
    fig: go.Figure, x: list[str], y: list[Any], honesty: pd.DataFrame, name: str, color: str
) -> None:
    """Band, final values solid, provisional ones dotted (joined to the last final one)."""
    lo, hi = honesty["ci_low"].tolist(), honesty["ci_high"].tolist()
    runs = _runs([not is_missing(v) for v in lo])
    for first, last in runs:  # one band per run of months with an interval, none across gaps
        if first == last:
            continue
        xs = x[first : last + 1]
        fig.add_trace(
            go.Scatter(x=xs, y=hi[first : last + 1], mode="lines", line={"width": 0},
                       hoverinfo="skip", showlegend=False, name="ci_high")
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(x=xs, y=lo[first : last + 1], mode="lines", line={"width": 0},
                       fill="tonexty", fillcolor=rgba(color, 0.15), hoverinfo="skip",
                       showlegend=False, name="ci_low")
        )  # fmt: skip
    alone = {first for first, last in runs if first == last}  # a lone month: a whisker
    whisker = {
        "type": "data", "symmetric": False, "color": rgba(color, 0.45), "thickness": 1,
        "width": 3,
        "array": [hi[j] - y[j] if j in alone and not is_missing(y[j]) else 0
                  for j in range(len(y))],
        "arrayminus": [y[j] - lo[j] if j in alone and not is_missing(y[j]) else 0
                       for j in range(len(y))],
    }  # fmt: skip
    flags = honesty["provisional"].tolist()
    final = [None if f else v for v, f in zip(y, flags, strict=True)]
    dotted: list[Any] = [None] * len(y)
    for j, flag in enumerate(flags):
        if flag:
            dotted[j] = y[j]
            if j > 0 and not flags[j - 1]:
                dotted[j - 1] = y[j - 1]  # the dotted piece starts at the last final value
    markers = [GREY if low else color for low in honesty["low_n"].tolist()]
    texts = honesty["hover"].tolist()
    fig.add_trace(
        go.Scatter(x=x, y=final, name=name, mode="lines+markers", line={"width": 2.5,
                   "color": color}, marker={"color": markers, "size": 7}, customdata=texts,
                   hovertemplate="%{x}: %{customdata}<extra></extra>", connectgaps=False,
                   error_y=whisker if alone else None)
    )  # fmt: skip
    if any(flags):
        fig.add_trace(
            go.Scatter(x=x, y=dotted, name=name, mode="lines+markers", showlegend=False,
                       line={"width": 2, "color": color, "dash": "dot"},
                       marker={"color": "white", "size": 8, "line": {"color": color, "width": 2}},
                       customdata=texts, hovertemplate="%{x}: %{customdata}<extra></extra>")
        )  # fmt: skip
        last = max(j for j, f in enumerate(flags) if f)
        if not is_missing(y[last]):
            fig.add_annotation(
                x=x[last], y=y[last], text=flags[last], showarrow=True, arrowhead=0, ax=0,
                ay=-26, font={"size": 11, "color": GREY}, name="provisional",
            )  # fmt: skip


def _runs(present: Sequence[bool]) -> list[tuple[int, int]]:
    """(first, last) index of each run of consecutive True values."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    for j, here in enumerate([*present, False]):
        if here and start is None:
            start = j
        elif not here and start is not None:
            out.append((start, j - 1))
            start = None
    return out


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
    honesty: pd.DataFrame | None = None,
) -> go.Figure:
    """One bar per group; with a target, bars take the on/near/off colour.

    `honesty` (ui.cells.honesty_frame, one row per bar) adds 95 % error bars, n in the
    label and the hover, and greys low-n bars (no status colour: too few to judge).
    """
    vals = [None if is_missing(v) else float(v) for v in values]
    if not labels or all(v is None for v in vals):
        return empty_figure(title, empty_message, lang)
    if colors is None:
        if target is not None:
            colors = [STATUS_COLORS[status_of(v, target, direction)] for v in vals]
        else:
            colors = [NAVY] * len(vals)
    colors = list(colors)
    text = hover(vals, unit, lang)
    tips = text
    error: dict[str, Any] | None = None
    if honesty is not None:
        lows = honesty["low_n"].tolist()
        colors = [LOW_N_COLOR if low else c for c, low in zip(colors, lows, strict=True)]
        ns = honesty["n"].tolist()
        text = [
            f"{v} · n = {int(n):,}" if low and not is_missing(n) else v
            for v, n, low in zip(text, ns, lows, strict=True)
        ]
        tips = honesty["hover"].tolist()
        error = _error_bars(vals, honesty)
    trace_args: dict[str, Any] = {"marker_color": colors, "text": text, "customdata": tips}
    if horizontal:
        trace = go.Bar(y=list(labels), x=vals, orientation="h", **trace_args)
        if error:
            trace.update(error_x=error)
    else:
        trace = go.Bar(x=list(labels), y=vals, **trace_args)
        if error:
            trace.update(error_y=error)
    trace.update(cliponaxis=False, hovertemplate="%{customdata}<extra></extra>")
    if target is None and error is None:
        trace.update(textposition="outside")
    else:  # labels inside the bar's end: the target line and error bars never cross one
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
    axis_format(fig, unit, axis, lang, target=target, bars=True)
    fig.update_layout(template=TEMPLATE, title=title, height=height, showlegend=False)
    if horizontal:
        fig.update_layout(margin={"r": 64})  # room for the value labels right of the bars
    if horizontal:
        fig.update_yaxes(autorange="reversed", type="category")
    else:
        fig.update_xaxes(type="category")
    return fig


def _error_bars(vals: Sequence[float | None], honesty: pd.DataFrame) -> dict[str, Any] | None:
    """Plotly error bars from the Wilson interval (asymmetric), None without intervals."""
    lo, hi = honesty["ci_low"].tolist(), honesty["ci_high"].tolist()
    if all(is_missing(v) for v in lo):
        return None
    plus = [0.0 if v is None or is_missing(h) else h - v for v, h in zip(vals, hi, strict=True)]
    minus = [0.0 if v is None or is_missing(lw) else v - lw for v, lw in zip(vals, lo, strict=True)]
    return {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus,
            "color": INK, "thickness": 1.2, "width": 4}  # fmt: skip


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
    axis_format(fig, unit, "y", lang, bars=True)
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
