"""KPI cards: value, change, target status and sparkline; the list of KPIs off target.

How a card is coloured (on/near/off target, "down is good") is decided here once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from metrics.config import get_settings
from metrics.filters import Filters
from metrics.kpis import Cell
from metrics.registry import KPIS, Kpi
from ui import cells, export
from ui.chart_theme import LOW_N_COLOR, STATUS_BADGE, status_of
from ui.fmt import DASH, delta, fmt_delta, fmt_int, fmt_pp, fmt_value, is_missing
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


def _card_css() -> None:
    """A low-sample card's value is grey: too few to judge (one rule, drawn once a run)."""
    st.html(
        "<style>[class*='st-key-card_low_n_'] [data-testid='stMetricValue']"
        f"{{color:{LOW_N_COLOR};}}</style>"
    )


def _change(kpi_id: str, cur: Cell, base: Cell | None, lang: str) -> tuple[str | None, bool]:
    """The text of a change against `base` and whether it is a real comparison (coloured)."""
    kpi = KPIS[kpi_id]
    if cur.mature is False:
        return t("delta_immature", lang), False
    if base is None or not base.covered:
        return None, False
    text = fmt_delta(cur.value, base.value, kpi.unit, lang)
    fair = text is not None and cur.complete and not cells.low_n(kpi_id, cur)
    return text, fair


def kpi_card(
    kpi_id: str,
    row: Mapping[str, Cell],
    lang: str,
    spark: Sequence[Any] | None = None,
    f: Filters | None = None,
) -> None:
    """One KPI: value, change vs previous period and a year earlier, target status, sparkline,
    and how far to trust it: n and interval, low sample (grey, no status colour), a period
    still running, an immature funnel value, a comparison before the data starts.

    `row` holds the current, previous and year_ago Cells (kpis.compare_detail).
    """
    kpi = KPIS[kpi_id]
    cur = row.get("current") or Cell(None)
    prev, ago = row.get("previous"), row.get("year_ago")
    low = cells.low_n(kpi_id, cur)
    points = [float(v) for v in (spark or []) if not is_missing(v)]
    change, fair = _change(kpi_id, cur, prev, lang)
    if change is None and prev is not None and not prev.covered:
        change = t("delta_not_covered", lang)
    about = cells.describe(kpi_id, cur, lang)
    key = f"card_low_n_{kpi_id}" if low else f"card_{kpi_id}"
    with st.container(border=True, height="stretch", key=key):  # cards of a row end level
        st.metric(
            kpi.label(lang),
            fmt_value(cur.value, kpi.unit, lang),
            delta=change,
            delta_color=delta_color(kpi) if fair else "off",  # type: ignore[arg-type]
            delta_arrow="auto" if fair else "off",
            delta_description=t("vs_previous", lang),
            help=f"{kpi.definition(lang)}\n\n{about}",
            chart_data=points if len(points) > 1 else None,
            chart_type="line",
        )
        yoy, yoy_fair = _change(kpi_id, cur, ago, lang)
        if ago is not None and not ago.covered:
            yoy_text = t("yoy_not_covered", lang)
        else:
            good = _good(kpi, delta(cur.value, ago.value if ago else None, kpi.unit))
            yoy_text = _coloured(yoy or DASH, good if yoy_fair else None)
        st.caption(f"{t('vs_year_ago', lang)}: {yoy_text}")
        n = cells.sample_size(kpi_id, cur)
        if n is not None:
            detail = " · ".join(
                p for p in (cells.n_text(n, lang), cells.interval_text(kpi_id, cur, lang)) if p
            )
            st.caption(f":gray[{detail}]")  # fmt: skip
        _flags(kpi_id, cur, lang, f)
        _badge(kpi, cur, low, n, lang)


def _flags(kpi_id: str, cur: Cell, lang: str, f: Filters | None) -> None:
    kpi = KPIS[kpi_id]
    if cur.mature is False:
        days = get_settings().maturity_days
        st.caption(f":gray[{t('card_immature', lang, days=days)}]")
    elif not cur.complete:
        st.caption(f":gray[{t('card_running', lang)}]")
    if f is not None and f.tiers and not kpi.customer_based:
        st.caption(f":orange[{t('tier_filter_ignored', lang)}]")


def _badge(kpi: Kpi, cur: Cell, low: bool, n: int | None, lang: str) -> None:
    if low:  # too few to judge: no status colour, whatever the value
        st.badge(t("status_low_n", lang, n=fmt_int(n)), color="gray")
        return
    status = status_of(cur.value, kpi.target, kpi.direction)
    if kpi.target is not None:
        target = fmt_value(kpi.target, kpi.unit, lang)
        word = t("status_nodata" if status == "none" else f"status_{status}", lang)
        label = f"{word} · {t('target', lang)} {target}"
        gap = f"{t('gap', lang)} {fmt_gap(kpi, cur.value, lang)}"
        st.badge(label, color=STATUS_BADGE[status], help=gap)  # type: ignore[arg-type]
    else:
        st.badge(t(f"dir_{kpi.direction}_short", lang), color="gray")


Compare = Mapping[str, Mapping[str, Cell]]
Series = Mapping[dt.date, Mapping[str, Cell]]


def kpi_cards(
    kpi_ids: Sequence[str],
    compare: Compare,
    lang: str,
    trend: Series | None = None,
    per_row: int = 4,
    f: Filters | None = None,
) -> None:
    """A grid of cards; `compare` is kpis.compare_detail, `trend` a kpis.series_detail for
    sparklines; `f` the filters (a card says when its KPI ignores the tier filter)."""
    _card_css()
    for start in range(0, len(kpi_ids), per_row):
        cols = st.columns(per_row)
        for col, kpi_id in zip(cols, kpi_ids[start : start + per_row], strict=False):
            row = {name: compare[name][kpi_id] for name in compare if kpi_id in compare[name]}
            spark = None
            if trend is not None:
                spark = [r[kpi_id].value for r in trend.values() if kpi_id in r]
            with col:
                kpi_card(kpi_id, row, lang, spark, f)


def off_target_rows(compare: Compare, kpi_ids: Sequence[str]) -> list[str]:
    """KPIs with a target that are near or off it; low-sample values are never listed."""
    out = []
    for kpi_id in kpi_ids:
        kpi = KPIS[kpi_id]
        cell = compare["current"].get(kpi_id)
        if kpi.target is None or cell is None or cells.low_n(kpi_id, cell):
            continue
        if status_of(cell.value, kpi.target, kpi.direction) in ("near", "off"):
            out.append(kpi_id)
    return out


def status_table(compare: Compare, kpi_ids: Sequence[str], lang: str) -> pd.DataFrame:
    """KPIs near or off target, as text: label, value, n, target, gap, status."""
    rows = []
    for kpi_id in off_target_rows(compare, kpi_ids):
        kpi = KPIS[kpi_id]
        cell = compare["current"][kpi_id]
        status = status_of(cell.value, kpi.target, kpi.direction)
        n = cells.sample_size(kpi_id, cell)
        rows.append(
            {
                t("kpi", lang): kpi.label(lang),
                t("value", lang): fmt_value(cell.value, kpi.unit, lang),
                "n": DASH if n is None else fmt_int(n),
                t("target", lang): fmt_value(kpi.target, kpi.unit, lang),
                t("gap_col", lang): fmt_gap(kpi, cell.value, lang),
                t("status", lang): t(f"status_{status}", lang),
            }
        )
    return pd.DataFrame(rows)


def status_export(
    compare: Compare, kpi_ids: Sequence[str], lang: str
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The off-target list for the files: numbers with one number format per row (each row
    is a KPI of its own unit); gaps of ratios in percentage points."""
    pp = " 个百分点" if lang == "zh" else " pp"
    rows, value_fmt, gap_fmt = [], [], []
    for kpi_id in off_target_rows(compare, kpi_ids):
        kpi = KPIS[kpi_id]
        cell = compare["current"][kpi_id]
        target = float(kpi.target or 0)
        gap = None if cell.value is None else float(cell.value) - target
        ratio = kpi.unit == "ratio"
        rows.append(
            {
                t("kpi", lang): kpi.label(lang),
                t("value", lang): cell.value,
                "n": cells.sample_size(kpi_id, cell),
                t("target", lang): target,
                t("gap_col", lang): None if gap is None else (gap * 100 if ratio else gap),
                t("status", lang): t(
                    f"status_{status_of(cell.value, target, kpi.direction)}", lang
                ),
            }
        )
        fmt = export.number_format(kpi.unit, [cell.value, target])
        value_fmt.append(fmt)
        gap_fmt.append(f'+0.0"{pp}";-0.0"{pp}"' if ratio else fmt)
    formats: dict[str, list[str]] = {
        t("value", lang): value_fmt,
        t("target", lang): value_fmt,
        t("gap_col", lang): gap_fmt,
        "n": ["#,##0"] * len(rows),
    }
    return pd.DataFrame(rows), formats


def off_target(compare: Compare, kpi_ids: Sequence[str], f: Filters, lang: str) -> None:
    """The KPIs near or off target as a table; "all on target" only when there were values
    that could be judged (low-sample values are not)."""
    measured = [
        k
        for k in kpi_ids
        if KPIS[k].target is not None
        and k in compare["current"]
        and not is_missing(compare["current"][k].value)
        and not cells.low_n(k, compare["current"][k])
    ]
    off = status_table(compare, kpi_ids, lang)
    if not measured:
        empty("no_data_period", lang)
    elif off.empty:
        st.success(t("all_on_target", lang), icon=":material/check_circle:")
    else:
        numbers = (t("value", lang), "n", t("target", lang), t("gap_col", lang))
        title = t("off_target_title", lang)
        table(
            off,
            "off_target",
            f,
            lang,
            title=title,
            right=numbers,
            key="off_target",
            exported=status_export(compare, kpi_ids, lang),
        )
