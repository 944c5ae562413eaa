"""Step 3, the check: a dry run of the batch, its report and preview per file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import streamlit as st
from pandas.io.formats.style import Styler

from metrics import load as loader
from ui import export, upload_text
from ui.i18n import current_lang
from ui.safe import md
from ui.upload.cells import preview_cells, preview_styler, styled
from ui.upload.common import PREVIEW_ROWS, FileItem, cached, count, tr, version
from ui.upload.mapping import header_frame


def report_csv(report: Any, lang: str | None = None) -> bytes:
    """The problems (row, column, value, expected) as CSV, UTF-8 with BOM so Excel reads it;
    worded in `lang` (headings and the expected column), or as the loader wrote it."""
    frame = report.problems_frame() if lang is None else upload_text.problems_frame(report, lang)
    return export.to_csv_bytes(frame)


def show_report(report: Any, key: str) -> None:
    """OK, or the problems (row, column, value, expected) with a CSV download; then warnings."""
    lang = current_lang()
    st.markdown(f"**{tr('upload.report')}**")
    if report.ok:
        st.success(tr("upload.report_ok", rows=count(report.rows_in, "row")))
    elif report.total_problems:
        st.error(
            tr(
                "upload.report_bad",
                problems=count(report.total_problems, "problem"),
                refused=count(report.rows_refused, "row"),
                rows_in=f"{report.rows_in:,}",
            )
        )
    else:
        message = upload_text.message_text(report, lang)
        st.error(md(message) if message else tr("upload.load_refused"))
    if report.problems:
        message = upload_text.message_text(report, lang)
        if message and report.message != _counted_message(report):
            st.caption(md(message))  # e.g. rows an upsert or replace would orphan
        problems = upload_text.problems_frame(report, lang)
        st.dataframe(styled(problems), hide_index=True, key=f"{key}_problems")
        if report.total_problems > len(report.problems):
            st.caption(
                tr("upload.first_problems", n=len(report.problems), total=report.total_problems)
            )
        st.download_button(
            tr("upload.download_report"),
            report_csv(report, lang),
            file_name=f"{Path(report.file_name).stem}-report.csv",
            mime="text/csv",
            key=f"{key}_download",
        )
    for warning in upload_text.warnings(report, lang):
        st.warning(md(warning))


def _counted_message(report: Any) -> str:
    """The loader's default message, which only repeats the counts of the headline above it."""
    return f"{report.total_problems} problem(s) in {report.rows_refused} of {report.rows_in} rows"


def _validate(db: Path, items: Sequence[FileItem], mode: str) -> list[Any]:
    """Dry run of the whole batch (foreign keys may be met by another file of it), cached."""
    batch = [i.batch_item() for i in items]
    key = (
        "report",
        tuple(i.file_id for i in items),
        tuple((i.file_id, i.sheet, i.table, tuple(sorted(i.mapping.items()))) for i in items),
        mode,
        version(db),
    )
    reports: list[Any] = cached(
        key, lambda: loader.validate_batch(db, batch, mode), busy=tr("upload.checking")
    )
    return reports


def _preview(item: FileItem) -> Styler:
    table, extract, mapping = item.batch_item()
    typed, bad = preview_cells(extract, table, mapping, item.report)
    return preview_styler(typed, bad, table)


def check_batch(db: Path, items: Sequence[FileItem], mode: str) -> None:
    """Validate every readable file with a table; show header map, preview and report in its box."""
    lang = current_lang()
    ready = [i for i in items if i.error is None and i.table is not None and i.extract]
    tables = [i.table for i in ready]
    twice = {t for t in tables if tables.count(t) > 1}
    for i in ready:
        if i.table in twice:
            i.error = tr("upload.table_twice", table=upload_text.table_name(str(i.table), lang))
            with i.box:
                st.error(i.error)
    ready = [i for i in ready if i.error is None]
    if not ready:
        return
    try:
        reports = _validate(db, ready, mode)
    except ValueError as exc:  # e.g. a hand mapping naming a column twice
        for i in ready:
            i.error = upload_text.error_text(exc, lang)
            with i.box:
                st.error(md(i.error))
        return
    for i, report in zip(ready, reports, strict=True):
        i.report = report
        with i.box:
            st.markdown(f"**{tr('upload.headers')}**")
            st.dataframe(styled(header_frame(report)), hide_index=True, key=f"{i.key}_headers")
            st.markdown(f"**{tr('upload.preview', n=PREVIEW_ROWS)}**")
            st.dataframe(_preview(i), hide_index=True, key=f"{i.key}_preview")
            show_report(report, i.key)


def any_blocked(items: Sequence[FileItem]) -> bool:
    """Nothing to load, or a file unread, without table, or refused by the batch dry run."""
    return not items or any(not i.checked or not i.report.ok for i in items)
