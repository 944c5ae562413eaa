"""Step 2, the headers: how each header matched, and the hand mapping of unknown ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from metrics.contract import TABLES, header_lookup, normalize_header
from metrics.load import mappings
from ui import upload_text
from ui.i18n import current_lang
from ui.safe import md
from ui.upload.common import MAX_MAPPING_WIDGETS, count, tr


def unmatched_headers(table: str, headers: Sequence[str]) -> list[str]:
    """Headers that are neither a canonical name nor a Chinese alias of `table`."""
    lookup = header_lookup(TABLES[table])
    return [h for h in headers if h and normalize_header(h) not in lookup]


def mapping_editor(table: str, headers: Sequence[str], key: str) -> dict[str, str | None]:
    """Saved mapping choice + one selectbox per unmatched header; returns header -> column."""
    unknown = unmatched_headers(table, headers)
    if not unknown:
        st.caption(tr("upload.all_matched"))
        return {}
    saved = {m.name: m for m in mappings.list_mappings(table)}
    chosen: mappings.SavedMapping | None = None
    if saved:
        skey = f"{key}_saved"
        if st.session_state.get(skey) not in (None, *saved):
            st.session_state.pop(skey)  # a mapping that no longer exists
        if skey not in st.session_state:  # first sight: the mapping naming most headers
            best = mappings.best_mapping(headers, table)
            st.session_state[skey] = best.name if best is not None else None
        options: list[str | None] = [None, *saved]
        name = st.selectbox(
            tr("upload.saved_mapping"),
            options,
            format_func=lambda n: tr("upload.saved_none") if n is None else str(n),
            key=skey,
        )
        chosen = saved.get(name) if name else None
        if chosen is not None:
            covered = count(chosen.covers(unknown), "header")
            st.caption(tr("upload.saved_applied", name=md(chosen.name), headers=covered))
    seeds = chosen.for_headers(unknown) if chosen is not None else {}
    lookup = header_lookup(TABLES[table])
    taken = {lookup[normalize_header(h)] for h in headers if normalize_header(h) in lookup}
    free: list[str | None] = [None, *(c for c in TABLES[table].column_names if c not in taken)]
    st.markdown(f"**{tr('upload.manual')}**")
    out: dict[str, str | None] = {}
    suffix = chosen.name if chosen is not None else ""
    for j, header in enumerate(unknown[:MAX_MAPPING_WIDGETS]):
        seed = seeds.get(header)
        column = st.selectbox(
            md(header),
            free,
            index=free.index(seed) if seed in free else 0,
            format_func=lambda c: tr("upload.ignore") if c is None else str(c),
            key=f"{key}_map_{j}_{suffix}",
        )
        if column is not None:
            out[header] = str(column)
    if len(unknown) > MAX_MAPPING_WIDGETS:
        st.caption(tr("upload.more_unknown", n=f"{len(unknown) - MAX_MAPPING_WIDGETS:,}"))
    _save_mapping_form(table, unknown, out, key)
    return out


def _save_mapping_form(
    table: str, unknown: list[str], chosen: dict[str, str | None], key: str
) -> None:
    """Name + button: saves the hand mapping (ignored headers included) for the next extract."""
    cols = st.columns([3, 1], vertical_alignment="bottom")
    cols[0].text_input(tr("upload.save_name"), key=f"{key}_save_name")
    columns: dict[str, str | None] = {h: chosen.get(h) for h in unknown}
    cols[1].button(
        tr("upload.save"), key=f"{key}_save", on_click=_save_mapping, args=(table, columns, key)
    )
    message = st.session_state.pop(f"{key}_save_msg", None)
    if message:
        (st.success if message[0] else st.error)(md(message[1]))


def _save_mapping(table: str, columns: dict[str, str | None], key: str) -> None:
    """Button callback (runs before the rerun): save, then select the saved mapping."""
    name = str(st.session_state.get(f"{key}_save_name", ""))
    try:
        saved = mappings.save_mapping(name, table, columns)
    except mappings.MappingError as exc:
        error = upload_text.error_text(exc, current_lang())
        st.session_state[f"{key}_save_msg"] = (False, tr("upload.save_error", error=error))
        return
    st.session_state[f"{key}_saved"] = saved.stem
    st.session_state[f"{key}_save_msg"] = (True, tr("upload.saved", name=saved.stem))


def header_frame(report: Any) -> pd.DataFrame:
    """The report's header map as a table a person reads (kind translated; the stored column
    by its id, customer_id, which is what the header maps to, and in Chinese by the
    contract's Chinese name too: 客户编号（customer_id）)."""
    rows = [
        {
            tr("upload.col.file_header"): header,
            tr("upload.col.column"): stored_as(report.table, column, current_lang()),
            tr("upload.col.match"): tr(f"upload.match.{kind}"),
        }
        for header, column, kind in report.header_map
    ]
    return pd.DataFrame(rows)


def stored_as(table: str, column: str | None, lang: str) -> str:
    """A stored column as the header map names it: its id, in Chinese after its Chinese name."""
    if not column:
        return "—"
    names = {c.name: c.alias for c in TABLES[table].columns} if table in TABLES else {}
    return f"{names[column]}（{column}）" if lang == "zh" and column in names else column
