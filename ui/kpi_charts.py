"""A KPI drawn on the page: its trend over months, its bars across groups."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from metrics.registry import KPIS
from ui import charts
from ui.i18n import t
from ui.page import chart


def kpi_trend(
    kpi_id: str,
    frame: pd.DataFrame,
    lang: str,
    *,
    title: str | None = None,
    height: int = 300,
    key: str | None = None,
) -> None:
    """One KPI over months (a kpis.series frame), with its target line when it has one."""

    kpi = KPIS[kpi_id]
    fig = charts.trend(
        frame,
        {kpi_id: kpi.label(lang)},
        kpi.unit,
        lang,
        title=title if title is not None else kpi.label(lang),
        target=kpi.target,
        target_label=t("target", lang),
        height=height,
    )
    chart(fig, key=key)


def kpi_bars(
    kpi_id: str,
    frame: pd.DataFrame,
    lang: str,
    *,
    title: str,
    names: Mapping[str, str] | None = None,
    colors: Mapping[str, str] | None = None,
    key: str | None = None,
) -> None:
    """One KPI across groups (a kpis.breakdown frame): target colours, or the group colours."""

    kpi = KPIS[kpi_id]
    groups = [str(g) for g in frame.index]
    values = frame[kpi_id].tolist() if kpi_id in frame.columns else []
    fig = charts.bars(
        [(names or {}).get(g, g) for g in groups],
        values,
        kpi.unit,
        lang,
        title=title,
        colors=[colors.get(g, charts.NAVY) for g in groups] if colors and not kpi.target else None,
        target=kpi.target,
        target_label=t("target", lang),
        direction=kpi.direction,
        horizontal=len(groups) > 6,
        height=max(300, 28 * len(groups) + 80) if len(groups) > 6 else 300,
    )
    chart(fig, key=key)
