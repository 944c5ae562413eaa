"""Events on trends: each event in scope as a labelled vertical line at its month.

A figure function, nothing else: the caller passes the events in scope (bank-wide ones
and those of the selected branches, dated within the chart's months; see
metrics.impact.events_between). The title is data, so it is shown as its characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from ui.safe import plot_text

EVENT_COLOR = "#7b5ea7"


def draw_events(fig: go.Figure, events: Sequence[Any]) -> go.Figure:
    """Draw `events` (with event_date, title, branch_id) on a trend whose x axis holds months
    as 'YYYY-MM' categories; an event outside the chart's months is not drawn."""
    months = {str(x) for trace in fig.data for x in (getattr(trace, "x", None) or ())}
    for n, ev in enumerate(sorted(events, key=lambda e: (e.event_date, e.event_id))):
        month = f"{ev.event_date:%Y-%m}"
        if month not in months:
            continue
        fig.add_shape(
            type="line",
            x0=month,
            x1=month,
            xref="x",
            y0=0,
            y1=1,
            yref="paper",
            line={"color": EVENT_COLOR, "width": 1.5, "dash": "dot"},
            layer="below",
            name=f"event {ev.event_id}",
        )
        label = ev.title if ev.branch_id is None else f"{ev.title} ({ev.branch_id})"
        fig.add_annotation(
            x=month,
            xref="x",
            y=0.98 - 0.09 * (n % 3),  # events close together stagger their labels
            yref="paper",
            text=plot_text(f"▍{label}"),
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font={"color": EVENT_COLOR, "size": 11},
            bgcolor="rgba(255,255,255,0.8)",
            name=f"event {ev.event_id}",
        )
    return fig


def events_for(index: Any) -> list[Any]:
    """The events in scope of a trend over `index` (month ends): the sidebar's branches
    (clamped to the user's), the chart's months; none when the store cannot say."""
    import duckdb
    import pandas as pd

    from metrics.impact import events_in
    from ui import data, sidebar

    if len(index) == 0:
        return []
    months = pd.DatetimeIndex(index)
    f = sidebar.current_filters()
    window = f.with_period(months.min().date().replace(day=1), months.max().date())
    try:
        return data.run(events_in, window)
    except (duckdb.Error, FileNotFoundError):
        return []
