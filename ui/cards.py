"""KPI cards: value, change, target status and sparkline; the list of KPIs off target.

How a card is coloured (on/near/off target, "down is good") is decided here once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from metrics.filters import Filters
from metrics.registry import KPIS, Kpi
from ui.chart_theme import STATUS_BADGE, status_of
from ui.fmt import DASH, delta, fmt_delta, fmt_pp, fmt_value, is_missing
from ui.i18n import t
from ui.page import empty
from ui.tables import table


def delta_color(kpi: Kpi) -> str:
    """st.metric's colouring: a "down is good" KPI shows a fall in green."""
    return {"higher": "normal", "lower": "inverse"}.get(kpi.direction, "off")


def _good(kpi: Kpi, change: float | None) -> bool | None:
    if change is None or change == 0 or kpi.direction == "none":
        return None
    return (change > 0) == (kpi.direction == "higher")


def _coloured(text: str, good: bool | None) -> str:
    if good is None:
        return text
    return f":{'green' if good else 'red'}[{text}]"


def fmt_gap(kpi: Kpi, value: Any, lang: str) -> str:
    """Distance to target in the KPI's unit ("-1.2 pp" / "-1.2 个百分点", "+0.4×")."""
    if kpi.target is None or is_missing(value):
        return DASH
    diff = float(value) - kpi.target
    if kpi.unit == "ratio":
        return fmt_pp(diff, lang)
    sign = "+" if diff >= 0 else "-"
    return sign + fmt_value(abs(diff), kpi.unit, lang)


def kpi_card(
    kpi_id: str,
    values: Mapping[str, Any],
    lang: str,
    spark: Sequence[Any] | None = None,
) -> None:
    """One KPI: value, change vs previous period and a year earlier, target status, sparkline.

    `values` holds current, previous and year_ago (a row of kpis.compare).
    """
    kpi = KPIS[kpi_id]
    current = values.get("current")
    previous = values.get("previous")
    year_ago = values.get("year_ago")
    points = [float(v) for v in (spark or []) if not is_missing(v)]
    with st.container(border=True, height="stretch"):  # cards of a row end level
        st.metric(
            kpi.label(lang),
            fmt_value(current, kpi.unit, lang),
            delta=fmt_delta(current, previous, kpi.unit, lang),
            delta_color=delta_color(kpi),  # type: ignore[arg-type]
            delta_description=t("vs_previous", lang),
            help=kpi.definition(lang),
            chart_data=points if len(points) > 1 else None,
            chart_type="line",
        )
        yoy = fmt_delta(current, year_ago, kpi.unit, lang)
        st.caption(
            f"{t('vs_year_ago', lang)}: "
            + _coloured(yoy or DASH, _good(kpi, delta(current, year_ago, kpi.unit)))
        )
        status = status_of(current, kpi.target, kpi.direction)
        if kpi.target is not None:
            target = fmt_value(kpi.target, kpi.unit, lang)
            word = t("status_nodata" if status == "none" else f"status_{status}", lang)
            label = f"{word} · {t('target', lang)} {target}"
            gap = f"{t('gap', lang)} {fmt_gap(kpi, current, lang)}"
            st.badge(label, color=STATUS_BADGE[status], help=gap)  # type: ignore[arg-type]
        else:
            st.badge(t(f"dir_{kpi.direction}_short", lang), color="gray")


def kpi_cards(
    kpi_ids: Sequence[str],
    compare: pd.DataFrame,
    lang: str,
    trend: pd.DataFrame | None = None,
    per_row: int = 4,
) -> None:
    """A grid of cards; `compare` is kpis.compare, `trend` a kpis.series frame for sparklines."""
    for start in range(0, len(kpi_ids), per_row):
        cols = st.columns(per_row)
        for col, kpi_id in zip(cols, kpi_ids[start : start + per_row], strict=False):
            row: dict[str, Any] = {}
            if kpi_id in compare.index:
                row = {str(k): v for k, v in compare.loc[kpi_id].items()}
            spark = None
            if trend is not None and kpi_id in trend.columns:
                spark = trend[kpi_id].tolist()
            with col:
                kpi_card(kpi_id, row, lang, spark)


def status_table(compare: pd.DataFrame, kpi_ids: Sequence[str], lang: str) -> pd.DataFrame:
    """KPIs with a target that are near or off it: label, value, target, gap, status."""
    rows = []
    for kpi_id in kpi_ids:
        kpi = KPIS[kpi_id]
        if kpi.target is None or kpi_id not in compare.index:
            continue
        current = compare.loc[kpi_id, "current"]
        status = status_of(current, kpi.target, kpi.direction)
        if status in ("near", "off"):
            rows.append(
                {
                    t("kpi", lang): kpi.label(lang),
                    t("value", lang): fmt_value(current, kpi.unit, lang),
                    t("target", lang): fmt_value(kpi.target, kpi.unit, lang),
                    t("gap_col", lang): fmt_gap(kpi, current, lang),
                    t("status", lang): t(f"status_{status}", lang),
                }
            )
    return pd.DataFrame(rows)


def off_target(compare: pd.DataFrame, kpi_ids: Sequence[str], f: Filters, lang: str) -> None:
    """The KPIs near or off target as a table; "all on target" only when there were values."""
    measured = [
        k
        for k in kpi_ids
        if KPIS[k].target is not None
        and k in compare.index
        and not is_missing(compare.loc[k, "current"])
    ]
    off = status_table(compare, kpi_ids, lang)
    if not measured:
        empty("no_data_period", lang)
    elif off.empty:
        st.success(t("all_on_target", lang), icon=":material/check_circle:")
    else:
        numbers = (t("value", lang), t("target", lang), t("gap_col", lang))
        title = t("off_target_title", lang)
        table(off, "off_target", f, lang, title=title, right=numbers, key="off_target")
