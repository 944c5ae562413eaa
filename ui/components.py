"""Building blocks every page uses: KPI cards, tables with export, charts, empty states.

A page asks for a card or a table by KPI id or by column meaning; how it looks,
how it is coloured (on/near/off target, "down is good") and how it downloads is
decided here once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics.filters import Filters
from metrics.registry import KPIS, Kpi
from metrics.store import StoreMissingError
from ui import auth, data, export, safe
from ui.charts import STATUS_BADGE, status_of
from ui.fmt import (
    DASH,
    delta,
    fmt_date,
    fmt_delta,
    fmt_int,
    fmt_month,
    fmt_pp,
    fmt_value,
    fmt_values,
    is_missing,
)
from ui.i18n import VALUE_COLUMNS, t, value_name

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

T = TypeVar("T")

PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d"]}


def load(fn: Callable[..., T], f: Filters | None, *args: Any, **kwargs: Any) -> T:
    """A cached metrics call; with no store, or one DuckDB cannot read, say so and stop.

    The message replaces the page's remaining content, never a traceback.
    """
    try:
        return data.run(fn, f, *args, **kwargs)
    except StoreMissingError:
        no_store()
        st.stop()
        raise  # unreachable: st.stop ends the script run
    except duckdb.Error as exc:
        st.error(t("store_error", error=str(exc).splitlines()[0]), icon=":material/error:")
        st.stop()
        raise


def no_store() -> None:
    st.info(t("no_store", path=str(data.db_path())), icon=":material/database:")


def page_header(title_key: str, f: Filters, lang: str, note_key: str | None = None) -> None:
    """Title, the filters in words, and an optional note (e.g. a filter that does not apply)."""
    st.title(t(title_key, lang))
    st.caption(safe.md(f.describe(lang)))
    if note_key:
        st.info(t(note_key, lang), icon=":material/info:")


def empty(message_key: str = "no_data_period", lang: str | None = None, **fmt: Any) -> None:
    """The empty state: a clear sentence, never an exception."""
    st.info(t(message_key, lang, **fmt), icon=":material/search_off:")


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


def chart(fig: go.Figure, key: str | None = None) -> None:
    """Render a figure with the app's own template (not Streamlit's theme)."""
    st.plotly_chart(safe.figure(fig), theme=None, config=PLOTLY_CONFIG, key=key)


MONTH_COLUMNS: frozenset[str] = frozenset({"month", "as_of_month"})
ROW_PX = 35  # st.dataframe's row height, header included
MAX_ROWS_SHOWN = 15


def _is_dates(series: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    sample = series.dropna()
    return not sample.empty and all(isinstance(v, dt.date) for v in sample.head(20))


def display_frame(frame: pd.DataFrame, units: Mapping[str, str], lang: str) -> pd.DataFrame:
    """Every cell as the text a reader sees: values by unit (the cards' formats, one precision
    per column), months as 2025-01, dates as 2025-01-31, known codes translated, "—" for none.
    """
    out: dict[str, list[str]] = {}
    for col in frame.columns:
        name = str(col)
        series = frame[col]
        values = series.tolist()
        unit = units.get(name)
        if unit:
            out[name] = fmt_values(values, unit, lang)
        elif name in MONTH_COLUMNS and _is_dates(series):
            out[name] = [fmt_month(v) for v in values]
        elif _is_dates(series):
            out[name] = [fmt_date(v) for v in values]
        elif pd.api.types.is_bool_dtype(series):
            out[name] = [DASH if is_missing(v) else t("yes" if v else "no", lang) for v in values]
        elif pd.api.types.is_integer_dtype(series):
            out[name] = [fmt_int(v) for v in values]
        elif pd.api.types.is_numeric_dtype(series):
            out[name] = fmt_values(values, "points", lang)
        else:
            kind = VALUE_COLUMNS.get(name)
            out[name] = [
                DASH if is_missing(v) else str(value_name(kind, v, lang) if kind else v)
                for v in values
            ]
    return pd.DataFrame(out, index=frame.index, columns=[str(c) for c in frame.columns])


def export_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows for CSV/Excel: numbers stay numbers (Excel can sum them), codes translated."""
    out = frame.copy()
    out.columns = [str(c) for c in out.columns]
    for col in out.columns:
        kind = VALUE_COLUMNS.get(col)
        if kind and not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(lambda v, k=kind: value_name(k, v, lang))
        elif col in MONTH_COLUMNS and _is_dates(out[col]):
            out[col] = [None if is_missing(v) else fmt_month(v) for v in out[col]]
    return out


def table_height(rows: int) -> int:
    """Pixels for a grid that shows every row up to MAX_ROWS_SHOWN (no empty rows below)."""
    return ROW_PX * (min(max(rows, 1), MAX_ROWS_SHOWN) + 1) + 3


def _sorts_by_value(series: pd.Series) -> bool:
    """Numbers and dates keep their values in the grid (so a header click sorts by value)."""
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    return numeric or _is_dates(series)


def _text_numbers(frame: pd.DataFrame, units: Mapping[str, str]) -> list[str]:
    """Columns with a unit that reach the grid as text: right-aligned, as in bank reports."""
    return [str(c) for c in frame.columns if str(c) in units and not _sorts_by_value(frame[c])]


def _shown_as(raw: Sequence[Any], shown: Sequence[str]) -> Callable[[Any], str]:
    """A Styler formatter giving each raw value of a column the text display_frame gave it."""
    texts: dict[Any, str] = {}
    for value, text in zip(raw, shown, strict=True):
        if not is_missing(value):
            texts.setdefault(value, text)

    def formatter(value: Any) -> str:
        if is_missing(value):
            return DASH
        return texts.get(value, str(value))

    return formatter


def grid_frame(
    frame: pd.DataFrame, units: Mapping[str, str], lang: str, labels: Mapping[str, str]
) -> pd.DataFrame | Styler:
    """What st.dataframe gets: numbers and dates as values carrying display_frame's text as
    Styler display values (so the grid shows "¥4.85万" but sorts by 48,500), other columns as
    that text. A frame over pandas' styler cell limit (which Streamlit refuses to style) is
    shown as text only.
    """
    shown = display_frame(frame, units, lang).rename(columns=labels).reset_index(drop=True)
    if frame.size > int(pd.get_option("styler.render.max_elements")):
        return shown
    raw = frame.rename(columns=labels).reset_index(drop=True)
    data: dict[str, Any] = {}
    formats: dict[str, Callable[[Any], str]] = {}
    for col in shown.columns:
        if _sorts_by_value(raw[col]):
            data[col] = raw[col]
            formats[col] = _shown_as(raw[col].tolist(), shown[col].tolist())
        else:
            data[col] = shown[col]
    values = pd.DataFrame(data, index=shown.index, columns=list(shown.columns))
    return values.style.format(formats)  # type: ignore[arg-type]


def table(
    df: pd.DataFrame,
    name: str,
    f: Filters,
    lang: str,
    *,
    title: str = "",
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    index: bool = False,
    columns: Sequence[str] | None = None,
    height: int | str = "auto",
    static: bool = False,
    right: Sequence[str] = (),
    key: str | None = None,
) -> None:
    """An interactive table with CSV and Excel downloads that carry the filters and period.

    `columns` picks and orders columns; `labels` renames them for display and export
    (default: the col_<name> strings); `units` formats numeric columns (default: guessed
    from the column names); `right` names already-formatted columns to right-align.
    `static` draws a plain table whose text wraps (for reference text such as the
    glossary) instead of the interactive grid.
    """
    frame = df.reset_index() if index else df
    if columns is not None:
        frame = frame[[col for col in columns if col in frame.columns]]
    frame = frame.rename(columns=str)
    labels = dict(column_labels(list(frame.columns), lang) if labels is None else labels)
    units = guess_units(frame) if units is None else units
    if frame.empty:
        empty("no_data_period", lang)
        return
    exported = export_frame(frame, lang).rename(columns=labels)
    if static:
        st.table(display_frame(frame, units, lang).rename(columns=labels), hide_index=True)
        downloads(exported, name, f, lang, title=title or name, key=key or name)
        return
    st.dataframe(
        grid_frame(frame, units, lang, labels),
        hide_index=True,
        column_config={
            labels.get(c, c): st.column_config.TextColumn(alignment="right")
            for c in [*_text_numbers(frame, units), *right]
        },
        height=table_height(len(frame)) if height == "auto" else height,  # type: ignore[arg-type]
        placeholder=DASH,
        key=key,
    )
    downloads(exported, name, f, lang, title=title or name, key=key or name)


def downloads(df: pd.DataFrame, name: str, f: Filters, lang: str, *, title: str, key: str) -> None:
    """The two download buttons under a table; files are built only when clicked."""
    meta = export.meta_lines(title, f.describe(lang), t("exported", lang))
    stem = export.file_stem(name, f.date_from, f.date_to)
    c1, c2, _ = st.columns([1, 1, 4])
    with c1:
        st.download_button(
            t("download_csv", lang),
            data=auth.audited_export(
                lambda: export.to_csv_bytes(df, meta), f"{stem}.csv", len(df), f
            ),
            file_name=f"{stem}.csv",
            mime="text/csv",
            key=f"{key}_csv",
            icon=":material/download:",
            on_click="ignore",
        )
    with c2:
        st.download_button(
            t("download_xlsx", lang),
            data=auth.audited_export(
                lambda: export.to_xlsx_bytes(df, meta, sheet=name), f"{stem}.xlsx", len(df), f
            ),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_xlsx",
            icon=":material/download:",
            on_click="ignore",
        )


def kpi_table(
    df: pd.DataFrame,
    kpi_ids: Sequence[str],
    name: str,
    f: Filters,
    lang: str,
    *,
    group_label: str,
    group_names: Mapping[str, str] | None = None,
    title: str = "",
    key: str | None = None,
) -> None:
    """A breakdown frame (index group, one column per KPI id) as a labelled, exportable table."""
    ids = [k for k in kpi_ids if k in df.columns]
    frame = df[ids].copy()
    if group_names:
        frame.index = [group_names.get(str(g), str(g)) for g in frame.index]
    frame.index.name = group_label
    labels = {k: KPIS[k].label(lang) for k in ids}
    units = {k: KPIS[k].unit for k in ids}
    table(frame, name, f, lang, title=title, labels=labels, units=units, index=True, key=key)


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


def guard(lang: str, f: Filters | None = None) -> None:
    """Stop the page with a clear message when there is no store or it holds no customers;
    say so (and go on, showing "—") when the period and filters select no customer."""
    from metrics import store, views

    missing = load(store.missing_tables, None)
    if missing:
        empty("store_incomplete", lang, tables=", ".join(missing))
        st.stop()
    if load(views.customer_count, None) == 0:
        empty("store_empty", lang)
        st.stop()
    if f is not None and load(views.period_customers, f) == 0:
        empty("no_customers_selected", lang)


def kpi_trend(
    kpi_id: str,
    frame: pd.DataFrame,
    lang: str,
    *,
    title: str | None = None,
    height: int = 300,
    key: str | None = None,
) -> None:
    """One KPI over months (a kpis.series frame), with its target line and the events."""
    from ui import charts, event_markers

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
        events=event_markers.events_for(frame.index),
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
    from ui import charts

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


def branch_names() -> dict[str, str]:
    """branch_id -> branch name, for chart and table labels."""
    from metrics import views

    frame = load(views.branch_list, None)
    return {str(r.branch_id): str(r.branch_name) for r in frame.itertuples(index=False)}


def tier_names(lang: str) -> dict[str, str]:
    """A/B/C -> "A 类" / "Tier A"."""
    from metrics.contract import TIERS

    return {tier: t("tier_name", lang, tier=tier) for tier in TIERS}


def rel_names(lang: str) -> dict[str, str]:
    """Relationship type id -> its name, in rule order, plus not_active (movement charts)."""
    from metrics import analysis

    names = {r[0]: (r[1] if lang == "zh" else r[2]) for r in analysis.REL_TYPES}
    return {**names, analysis.NOT_ACTIVE: t("rel_not_active", lang)}


def rfm_names(lang: str) -> dict[str, str]:
    """RFM segment id -> its name, in the segment map's order."""
    from metrics import analysis

    return {s[0]: (s[1] if lang == "zh" else s[2]) for s in analysis.RFM_SEGMENTS}


_MONEY_HINTS = (
    "revenue",
    "r12",
    "p12",
    "amount",
    "balance",
    "outstanding",
    "monetary",
    "clv",
    "assets",
)
_RATIO_HINTS = ("share", "rate", "ratio")


def column_labels(columns: Sequence[str], lang: str) -> dict[str, str]:
    """Display names for known columns (col_<name> strings); unknown ones keep their name."""
    from ui.i18n import ALL_STRINGS

    return {c: t(f"col_{c}", lang) for c in columns if f"col_{c}" in ALL_STRINGS}


def guess_units(df: pd.DataFrame) -> dict[str, str]:
    """Units of a customer list's numeric columns, from their names (money, ratios, counts)."""
    units: dict[str, str] = {}
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            continue
        name = str(col).lower()
        if any(h in name for h in _RATIO_HINTS):
            units[str(col)] = "ratio"
        elif any(h in name for h in _MONEY_HINTS):
            units[str(col)] = "cny"
        elif "days" in name:
            units[str(col)] = "days"
        elif pd.api.types.is_float_dtype(df[col]):
            units[str(col)] = "score"  # two decimals
    return units


def search_rows(df: pd.DataFrame, text: str) -> pd.DataFrame:
    """Rows where any text column contains `text` (case-insensitive, literal)."""
    needle = text.strip().lower()
    if not needle or df.empty:
        return df
    mask = pd.Series(False, index=df.index)
    for col in df.columns:
        if pd.api.types.is_numeric_dtype(df[col]):
            continue
        mask |= df[col].astype("string").str.lower().str.contains(needle, regex=False).fillna(False)
    return df[mask]


def dimension_values(dimension: str, lang: str) -> dict[str, str]:
    """The values one can drill into for a dimension, with their display names."""
    if dimension == "branch":
        return {b: f"{b} {name}" for b, name in branch_names().items()}
    if dimension == "tier":
        return tier_names(lang)
    if dimension == "relationship_type":
        return {k: v for k, v in rel_names(lang).items() if k != "not_active"}
    if dimension == "rfm_segment":
        return rfm_names(lang)
    return {}


def readable(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Customer list with ids of types and segments replaced by their names."""
    names = {
        "rel_type": rel_names(lang),
        "rfm_segment": rfm_names(lang),
        "segment": rfm_names(lang),
        "tier_source": {"stored": t("tier_stored", lang), "derived": t("tier_derived", lang)},
    }
    out = df.copy()
    for col, mapping in names.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, m=mapping: m.get(v, v) if isinstance(v, str) else v)
    return out


def drill_down(
    f: Filters,
    lang: str,
    dimensions: Sequence[str],
    *,
    key: str = "drill",
) -> None:
    """From a branch, tier, relationship type or RFM segment to its customers (searchable)."""
    from metrics import analysis

    st.subheader(t("drill_title", lang))
    c1, c2, c3 = st.columns([1, 1, 2])
    with c1:
        dimension = st.selectbox(
            t("drill_by", lang),
            list(dimensions),
            format_func=lambda d: t(f"dim_{d}", lang),
            key=f"{key}_dim",
        )
    values = dimension_values(str(dimension), lang)
    if not values:
        empty("no_data_period", lang)
        return
    with c2:
        value = st.selectbox(
            t("drill_value", lang),
            list(values),
            format_func=lambda v: values.get(v, v),
            key=f"{key}_value_{dimension}",
        )
    with c3:
        needle = st.text_input(
            t("search", lang), placeholder=t("search_placeholder", lang), key=f"{key}_search"
        )
    frame = readable(load(analysis.drill_down, f, str(dimension), str(value)), lang)
    shown = search_rows(frame, needle or "")
    if shown.empty:
        empty("no_rows_match" if needle else "no_data_period", lang)
        return
    st.caption(t("rows", lang, n=f"{len(shown):,}"))
    table(
        shown,
        f"customers_{dimension}_{value}",
        f,
        lang,
        title=f"{t(f'dim_{dimension}', lang)}: {values.get(str(value), value)}",
        labels=column_labels(list(shown.columns), lang),
        units=guess_units(shown),
        key=f"{key}_table",
    )


def group_names(by: str, lang: str) -> dict[str, str]:
    """Display names of a breakdown's groups."""
    if by == "branch":
        return branch_names()
    if by == "tier":
        return tier_names(lang)
    if by == "relationship_type":
        return rel_names(lang)
    return {}


def breakdown_tabs(
    frames: Mapping[str, pd.DataFrame],
    kpi_ids: Sequence[str],
    name: str,
    f: Filters,
    lang: str,
) -> None:
    """KPI tables by branch / tier / relationship type, one tab each, each exportable."""
    tabs = st.tabs([t(f"dim_{by}", lang) for by in frames])
    for tab, (by, frame) in zip(tabs, frames.items(), strict=True):
        with tab:
            kpi_table(
                frame,
                kpi_ids,
                f"{name}_by_{by}",
                f,
                lang,
                group_label=t(f"dim_{by}", lang),
                group_names=group_names(by, lang),
                key=f"{name}_{by}",
            )


def readable_funnel(
    df: pd.DataFrame, lang: str, group_names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """A funnel frame with stage and group names instead of ids."""
    out = df.copy()
    if "stage" in out.columns:
        out["stage"] = [t(f"stage_{s}", lang) for s in out["stage"]]
    if group_names and "group" in out.columns:
        out["group"] = [group_names.get(str(g), str(g)) for g in out["group"]]
    return out


def glossary_frame(lang: str) -> pd.DataFrame:
    """Every KPI of the registry as a table: group, labels, definition, unit, direction, target."""
    from metrics.registry import GROUPS

    rows = []
    for kpi in KPIS.values():
        rows.append(
            {
                t("kpi_group", lang): GROUPS.get(kpi.group, {}).get(lang, kpi.group),
                t("label_zh", lang): kpi.label_zh,
                t("label_en", lang): kpi.label_en,
                "id": kpi.id,
                t("definition", lang): kpi.definition(lang),
                t("unit", lang): t(f"unit_{kpi.unit}", lang),
                t("direction", lang): t(f"dir_{kpi.direction}", lang),
                t("target", lang): fmt_value(kpi.target, kpi.unit, lang),
                t("tier_filter", lang): t("yes" if kpi.customer_based else "no", lang),
            }
        )
    return pd.DataFrame(rows)


def rules_frame(kind: str, lang: str) -> pd.DataFrame:
    """The rule tables of the glossary: relationship types, tiers, RFM segment map."""
    from metrics import analysis

    if kind == "rel":
        names = rel_names(lang)
        rows = [
            {"#": i, t("type", lang): names[r[0]], t("rule", lang): t(f"rel_rule_{r[0]}", lang)}
            for i, r in enumerate(analysis.REL_TYPES, start=1)
        ]
    elif kind == "tier":
        rows = [
            {
                t("dim_tier", lang): tier_names(lang)[tier],
                t("rule", lang): t(f"tier_rule_{tier}", lang),
            }
            for tier in ("A", "C", "B")
        ]
    else:
        rows = [
            {
                t("segment", lang): s[1] if lang == "zh" else s[2],
                "id": s[0],
                t("rule", lang): t(f"rfm_rule_{s[0]}", lang) if lang == "zh" else s[3],
            }
            for s in analysis.RFM_SEGMENTS
        ]
    return pd.DataFrame(rows)


def movement_table(matrix: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The type-movement matrix with type names: rows at the period's start, columns at its end."""
    names = rel_names(lang)
    out = matrix.copy()
    out.index = pd.Index(
        [names.get(str(i), str(i)) for i in out.index],
        name=f"{t('start', lang).capitalize()} \\ {t('end', lang)}",
    )
    out.columns = [names.get(str(c), str(c)) for c in out.columns]
    return out
