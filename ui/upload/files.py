"""Step 1, the files: mode, the uploader, and per file its encoding, sheet and table."""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from metrics import load as loader
from metrics.contract import TABLES
from metrics.load.parse import Extract, ExtractError, read_extract, sheet_names
from ui import upload_text
from ui.i18n import current_lang
from ui.safe import md
from ui.upload.common import (
    ENCODINGS,
    FILE_TYPES,
    GEN_KEY,
    MODES,
    FileItem,
    cached,
    count,
    prune_cache,
    tr,
    upload_limit_mb,
)
from ui.upload.mapping import mapping_editor


def mode_picker() -> str:
    """append / upsert / replace."""
    mode: str = st.radio(
        tr("upload.mode"),
        MODES,
        format_func=lambda m: tr(f"upload.mode.{m}"),
        horizontal=True,
        key="upload_mode",
    )
    return mode


def pick_files() -> list[UploadedFile]:
    """The uploader (emptied after a successful load), minus files over the size limit."""
    limit = upload_limit_mb()
    st.caption(tr("upload.limit", mb=limit))
    files = st.file_uploader(
        tr("upload.files"),
        type=list(FILE_TYPES),
        accept_multiple_files=True,
        key=f"upload_files_{st.session_state.get(GEN_KEY, 0)}",
        help=tr("upload.files_help"),
    )
    kept: list[UploadedFile] = []
    for f in files or []:
        if f.size > limit * 1024 * 1024:
            size = f"{f.size / 2**20:,.1f}"
            st.error(tr("upload.too_large", name=md(f.name), size=size, mb=limit))
        else:
            kept.append(f)
    prune_cache(kept)
    return kept


def _read(f: UploadedFile, sheet: str | None, encoding: str | None = None) -> Extract | str:
    try:
        return read_extract(f.getvalue(), f.name, sheet, encoding=encoding)
    except (ExtractError, ValueError) as exc:
        error = upload_text.error_text(exc, current_lang())
        return tr("upload.read_error", name=md(f.name), error=md(error))


def _pick_encoding(f: UploadedFile, key: str) -> str | None:
    """Automatic, or the encoding the analyst names (CSV only)."""
    if not f.name.lower().endswith((".csv", ".txt")):
        return None
    encoding: str | None = st.selectbox(
        tr("upload.encoding"),
        ENCODINGS,
        format_func=lambda e: (
            tr("upload.encoding_auto")
            if e is None
            else upload_text.encoding_name(e, current_lang())
        ),
        key=f"{key}_encoding",
        help=tr("upload.encoding_help"),
    )
    return encoding


def _pick_sheet(f: UploadedFile, key: str) -> str | None:
    if not f.name.lower().endswith((".xlsx", ".xlsm")):
        return None
    try:
        names = cached(("sheets", f.file_id), lambda: sheet_names(f.getvalue()))
    except ExtractError:
        return None  # read_extract names the problem
    if len(names) <= 1:
        return names[0] if names else None
    sheet: str = st.selectbox(tr("upload.sheet"), names, key=f"{key}_sheet")
    return sheet


def _pick_table(extract: Extract, key: str, origin: tuple[Any, ...]) -> str | None:
    """Table selectbox defaulting to the recognised table; reset when the file or sheet changes."""
    recognised = loader.recognise_table(extract.headers)
    marker = f"{key}_table_for"
    if st.session_state.get(marker) != (*origin, recognised):
        st.session_state.pop(f"{key}_table", None)
        st.session_state[marker] = (*origin, recognised)
    names = list(TABLES)
    table: str | None = st.selectbox(
        tr("upload.table"),
        names,
        index=names.index(recognised) if recognised in names else None,
        format_func=lambda n: upload_text.table_name(n, current_lang()),
        key=f"{key}_table",
    )
    if recognised is not None:
        shown = upload_text.table_name(recognised, current_lang())
        st.caption(tr("upload.table_recognised", table=shown))
    else:
        st.warning(tr("upload.table_unknown"))
    return table


def file_panel(index: int, f: UploadedFile) -> FileItem:
    """Read one file and ask for its sheet, table and hand mapping; `check_batch` adds the rest."""
    key = f"upload_{index}"
    item = FileItem(key, f.name, file_id=f.file_id)
    item.box = st.container(border=True)
    with item.box:
        st.markdown(f"**{md(f.name)}**")
        item.sheet = _pick_sheet(f, key)
        encoding = _pick_encoding(f, key)
        got = cached(
            ("extract", f.file_id, item.sheet, encoding),
            lambda: _read(f, item.sheet, encoding),
            busy=tr("upload.reading", name=md(f.name)),
        )
        if isinstance(got, str):
            st.error(got)
            item.error = got
            return item
        item.extract = got
        lang = current_lang()
        st.caption(
            tr(
                "upload.detected",
                format=upload_text.format_name(got.format, lang)
                + (f" ({got.sheet})" if got.sheet else ""),
                encoding=upload_text.encoding_name(got.encoding, lang) if got.encoding else "—",
                rows=count(got.n_rows, "row"),
                cols=count(len(got.headers), "column"),
            )
        )
        item.table = _pick_table(got, key, (f.file_id, item.sheet))
        if item.table is not None:
            item.mapping = mapping_editor(item.table, got.headers, key)
    return item
