"""Tables: every cell formatted by unit, sortable by value, with CSV and Excel downloads.

A page asks for a table by column meaning; how it reads and how it downloads is
decided here once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler  # here, not in a page's first grid (jinja2)

from metrics.filters import Filters
from metrics.kpis import Cell
from metrics.registry import KPIS
from ui import auth, cells, export
from ui.chart_theme import LOW_N_COLOR
from ui.fmt import DASH, fmt_date, fmt_int, fmt_month, fmt_values, is_missing
from ui.i18n import VALUE_COLUMNS, t, value_name
from ui.names import group_names, rel_names
from ui.page import empty, load

MONTH_COLUMNS: frozenset[str] = frozenset({"month", "as_of_month"})

ROW_PX = 35  # st.dataframe's row height, header included

MAX_ROWS_SHOWN = 15
GRID_ROWS = 500  # rows a grid draws (styling 1,000 costs 0.4 s); its downloads hold every row


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
    """The rows for CSV/Excel: numbers stay numbers (Excel can sum them), dates stay dates,
    months are their first day (shown yyyy-mm), codes translated."""
    out = frame.copy()
    out.columns = [str(c) for c in out.columns]
    for col in out.columns:
        kind = VALUE_COLUMNS.get(col)
        if kind and not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(lambda v, k=kind: value_name(k, v, lang))
        elif col in MONTH_COLUMNS and _is_dates(out[col]):
            out[col] = [None if is_missing(v) else pd.Timestamp(v).replace(day=1) for v in out[col]]
    return out


def export_formats(frame: pd.DataFrame, units: Mapping[str, str]) -> dict[str, str]:
    """Number formats of the exported columns (before renaming): by unit, months yyyy-mm."""
    out: dict[str, str] = {}
    for col in frame.columns:
        name = str(col)
        if name in units:
            out[name] = export.number_format(units[name], frame[col].tolist())
        elif name in MONTH_COLUMNS and _is_dates(frame[col]):
            out[name] = export.MONTH_FORMAT
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
    frame: pd.DataFrame,
    units: Mapping[str, str],
    lang: str,
    labels: Mapping[str, str],
    grey: pd.DataFrame | None = None,
) -> pd.DataFrame | Styler:
    """What st.dataframe gets: numbers and dates as values carrying display_frame's text as
    Styler display values (so the grid shows "¥4.85万" but sorts by 48,500), other columns as
    that text. A frame over pandas' styler cell limit (which Streamlit refuses to style) is
    shown as text only. `grey` (bool, the frame's columns, positional rows) greys the
    cells too few to judge.
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
    styler = values.style.format(formats)  # type: ignore[arg-type]
    if grey is not None:
        mask = grey.rename(columns=labels).reset_index(drop=True)
        css = pd.DataFrame("", index=values.index, columns=values.columns)
        for col in mask.columns:
            if col in css.columns:
                css[col] = [f"color: {LOW_N_COLOR}" if m else "" for m in mask[col]]
        styler = styler.apply(lambda _: css, axis=None)
    return styler


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
    exported: tuple[pd.DataFrame, Mapping[str, str | Sequence[str]]] | None = None,
    grey: pd.DataFrame | None = None,
    total: int | None = None,
    everything: Callable[[], pd.DataFrame] | None = None,
) -> None:
    """An interactive table with CSV and Excel downloads that carry the filters and period.

    `columns` picks and orders columns; `labels` renames them for display and export
    (default: the col_<name> strings); `units` formats numeric columns (default: guessed
    from the column names); `right` names already-formatted columns to right-align.
    `static` draws a plain table whose text wraps (for reference text such as the
    glossary) instead of the interactive grid. `exported` replaces what the files hold
    (a frame with its labelled columns and their number formats) when the screen shows
    text of several units in one column.

    The grid draws the first GRID_ROWS rows and says how many there are; the files hold
    every row and are built only when a button is clicked. A caller that fetched only
    the first rows passes `total` (how many there are) and `everything` (fetches them all).
    """
    frame = _columns(df, index, columns)
    labels = dict(column_labels(list(frame.columns), lang) if labels is None else labels)
    units = guess_units(frame) if units is None else units
    if frame.empty:
        empty("no_data_period", lang)
        return
    rows = len(frame) if total is None else total
    files = _files(frame, everything, index, columns, labels, units, lang, exported)
    if static:
        st.table(display_frame(frame, units, lang).rename(columns=labels), hide_index=True)
        downloads(files, rows, name, f, lang, title=title or name, key=key or name)
        return
    shown = frame.head(GRID_ROWS)
    if rows > len(shown):
        st.caption(t("rows_first", lang, shown=fmt_int(len(shown)), n=fmt_int(rows)))
    st.dataframe(
        grid_frame(shown, units, lang, labels, None if grey is None else grey.head(GRID_ROWS)),
        hide_index=True,
        column_config={
            labels.get(c, c): st.column_config.TextColumn(alignment="right")
            for c in [*_text_numbers(shown, units), *right]
        },
        height=table_height(len(shown)) if height == "auto" else height,  # type: ignore[arg-type]
        placeholder=DASH,
        key=key,
    )
    downloads(files, rows, name, f, lang, title=title or name, key=key or name)


Exported = tuple[pd.DataFrame, Mapping[str, str | Sequence[str]]]


def _columns(df: pd.DataFrame, index: bool, columns: Sequence[str] | None) -> pd.DataFrame:
    frame = df.reset_index() if index else df
    if columns is not None:
        frame = frame[[col for col in columns if col in frame.columns]]
    return frame.rename(columns=str)


def _files(
    frame: pd.DataFrame,
    everything: Callable[[], pd.DataFrame] | None,
    index: bool,
    columns: Sequence[str] | None,
    labels: Mapping[str, str],
    units: Mapping[str, str],
    lang: str,
    exported: Exported | None,
) -> Callable[[], Exported]:
    """What the downloads hold, built when one is clicked: every row, typed, labelled."""

    def build() -> Exported:
        if exported is not None:
            return exported
        rows = frame if everything is None else _columns(everything(), index, columns)
        formats = {labels.get(c, c): v for c, v in export_formats(rows, units).items()}
        return export_frame(rows, lang).rename(columns=labels), formats

    return build


def as_of_line(lang: str) -> str:
    """ "Data as of 2025-12-31": the latest date the store holds, for exports."""
    from metrics import views

    latest = load(views.data_bounds, None)[1]
    return t("data_as_of", lang, date=fmt_date(latest))


def downloads(
    files: Callable[[], Exported],
    rows: int,
    name: str,
    f: Filters,
    lang: str,
    *,
    title: str,
    key: str,
) -> None:
    """The two download buttons under a table; `files` (the frame and its number formats)
    is called only when one is clicked.

    The sheet is named by the table's title; the files state the filters, the period,
    the data's as-of date and the time of export.
    """
    meta = export.meta_lines(title, f.describe(lang), t("exported", lang), as_of_line(lang))
    stem = export.file_stem(name, f.date_from, f.date_to)
    c1, c2, _ = st.columns([1, 1, 4])
    with c1:
        st.download_button(
            t("download_csv", lang),
            data=auth.audited_export(lambda: _csv(files(), meta), f"{stem}.csv", rows, f),
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
                lambda: _xlsx(files(), meta, title),
                f"{stem}.xlsx",
                rows,
                f,
            ),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_xlsx",
            icon=":material/download:",
            on_click="ignore",
        )


def _csv(exported: Exported, meta: Sequence[str]) -> bytes:
    return export.to_csv_bytes(exported[0], meta, formats=exported[1])


def _xlsx(exported: Exported, meta: Sequence[str], title: str) -> bytes:
    return export.to_xlsx_bytes(exported[0], meta, sheet=title, formats=exported[1])


Breakdown = Mapping[str, Mapping[str, Cell]]


def breakdown_frame(groups: Breakdown, kpi_ids: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A breakdown_detail answer as a table: each KPI's values, then its n (rates and means),
    and the mask of low-sample cells (greyed)."""
    keys = list(groups)
    data: dict[str, list[Any]] = {}
    grey: dict[str, list[bool]] = {}
    for k in kpi_ids:
        if not any(k in row for row in groups.values()):
            continue
        row_cells = [groups[g].get(k) for g in keys]
        data[k] = [None if c is None else c.value for c in row_cells]
        grey[k] = [cells.low_n(k, c) for c in row_cells]
        if cells.has_n(k):
            data[f"{k}__n"] = [cells.sample_size(k, c) for c in row_cells]
            grey[f"{k}__n"] = grey[k]
    frame = pd.DataFrame(data, index=pd.Index(keys))
    for col in frame.columns:
        frame[col] = frame[col].astype("Int64" if col.endswith("__n") else "float64")
    return frame, pd.DataFrame(grey, index=frame.index)


def kpi_table(
    groups: Breakdown,
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
    """A breakdown (kpis.breakdown_detail) as a labelled, exportable table: one column per
    KPI and, after each rate or mean, its n; low-sample cells grey."""
    frame, grey = breakdown_frame(groups, kpi_ids)
    if group_names:
        frame.index = [group_names.get(str(g), str(g)) for g in frame.index]
    frame.index.name = group_label
    labels: dict[str, str] = {}
    units: dict[str, str] = {}
    for col in frame.columns:
        kpi = KPIS[col.removesuffix("__n")]
        if col.endswith("__n"):
            labels[col] = t("col_n_of", lang, label=kpi.label(lang))
            units[col] = "count"
        else:
            labels[col] = kpi.label(lang)
            units[col] = kpi.unit
    table(
        frame,
        name,
        f,
        lang,
        title=title,
        labels=labels,
        units=units,
        index=True,
        key=key,
        grey=grey.reset_index(drop=True),
    )


def breakdown_tabs(
    frames: Mapping[str, Breakdown],
    kpi_ids: Sequence[str],
    name: str,
    f: Filters,
    lang: str,
    *,
    title: str = "",
) -> None:
    """KPI tables by branch / tier / relationship type, one tab each, each exportable."""
    tabs = st.tabs([t(f"dim_{by}", lang) for by in frames])
    for tab, (by, groups) in zip(tabs, frames.items(), strict=True):
        with tab:
            kpi_table(
                groups,
                kpi_ids,
                f"{name}_by_{by}",
                f,
                lang,
                group_label=t(f"dim_{by}", lang),
                group_names=group_names(by, lang),
                title=f"{title or t('kpis_by_group', lang)} · {t(f'dim_{by}', lang)}",
                key=f"{name}_{by}",
            )


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
