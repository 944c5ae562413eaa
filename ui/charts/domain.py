"""Domain charts: funnel, heatmaps, Sankey, donut, treemap (pure figure builders)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ui.chart_theme import (
    GREY,
    GRID,
    LEGEND_MARGIN,
    NAVY,
    PALETTE,
    REL_COLORS,
    RFM_COLORS,
    TEMPLATE,
    axis_format,
    empty_figure,
    hover,
    rgba,
)
from ui.fmt import DASH, fmt_value, is_missing


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
        return empty_figure(title, empty_message, lang)
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
        return empty_figure(title, empty_message, lang)
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
        return empty_figure(title, empty_message, lang)
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
                link_colors.append(rgba(REL_COLORS.get(r, GREY), 0.35))
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
        return empty_figure(title, empty_message, lang)
    fig = go.Figure(
        go.Pie(
            labels=list(labels),
            values=vals,
            hole=0.55,
            marker={"colors": list(colors)},
            sort=False,
            customdata=hover(vals, unit, lang),
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
    ids: Sequence[str] | None = None,
) -> go.Figure:
    """Segment sizes (RFM segments) as a treemap; `ids` name the cells (a click reports its
    cell by id and parent, so the chart can drill)."""
    vals = [0 if is_missing(v) else int(v) for v in values]
    if not labels or sum(vals) == 0:
        return empty_figure(title, empty_message, lang)
    fig = go.Figure(
        go.Treemap(
            labels=list(labels),
            ids=list(ids) if ids is not None else None,
            parents=[""] * len(labels),
            values=vals,
            marker={"colors": list(colors or PALETTE)},
            texttemplate="%{label}<br>%{value:,}",
            hovertemplate="%{label}: %{value:,} (%{percentRoot:.0%})<extra></extra>",
        )
    )
    fig.update_layout(template=TEMPLATE, title=title, height=360)
    return fig


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
        return empty_figure(title, empty_message, lang)
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
        return empty_figure(title, empty_message, lang)
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
        return empty_figure(title, empty_message, lang)
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
                customdata=hover(part["overall_rate"].tolist(), "ratio", lang),
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    axis_format(fig, "ratio", "y", lang, bars=True)
    fig.update_layout(
        template=TEMPLATE, title=title, height=340, barmode="group", margin={"t": LEGEND_MARGIN}
    )
    fig.update_xaxes(type="category")
    return fig


def relationship_bars(
    summary: pd.DataFrame,
    column: str,
    names: Mapping[str, str],
    lang: str,
    *,
    title: str = "",
    unit: str = "count",
    empty_message: str | None = None,
) -> go.Figure:
    """Relationship types (analysis.relationship_summary), one horizontal bar each, in the
    types' colours. Bars, not a donut: a click on a bar drills to its customers, and
    Streamlit reports no clicks on a pie."""
    from ui.charts.kpi import bars

    types = [str(r) for r in summary["rel_type"]] if "rel_type" in summary.columns else []
    return bars(
        [names.get(r, r) for r in types],
        summary[column].tolist() if types else [],
        unit,
        lang,
        title=title,
        colors=[REL_COLORS.get(r, GREY) for r in types],
        horizontal=True,
        empty_message=empty_message,
    )


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
        return empty_figure(title, empty_message, lang)
    ids = [str(s) for s in segments["segment"]]
    return treemap(
        [names.get(s, s) for s in ids],
        segments["customers"].tolist(),
        lang,
        title=title,
        colors=[RFM_COLORS.get(s, GREY) for s in ids],
        empty_message=empty_message,
        ids=ids,
    )
