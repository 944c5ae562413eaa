"""Step 4, the load: one transaction, its progress, and the headline KPIs before and after."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from metrics import kpis
from metrics import load as loader
from metrics.contract import TABLE_ORDER
from metrics.filters import Filters
from metrics.registry import KPIS
from metrics.store import StoreBusyError, connect_reader
from metrics.views import data_bounds
from ui import auth, upload_text
from ui.fmt import fmt_value
from ui.i18n import current_lang, t
from ui.safe import md
from ui.upload.check import any_blocked, show_report
from ui.upload.common import GEN_KEY, HEADLINE_KPIS, RESULT_KEY, FileItem, count, tr


def default_user() -> str:
    """Who is loading: the signed-in user's e-mail where the app has one, else the OS user."""
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or st.user.get("name") or "")
    except (AttributeError, KeyError, RuntimeError):
        pass
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def load_section(db: Path, items: Sequence[FileItem], mode: str, filters: Filters) -> None:
    """Who, the Load button (disabled while a file is refused), progress, then rerun."""
    if not items:
        return
    user = auth.current_user()  # loads record who is signed in, not a typed name
    who = user.name if user is not None else default_user()
    st.caption(f"{tr('upload.loaded_by')}: {who}")
    blocked = any_blocked(items)
    if blocked:
        st.warning(tr("upload.load_blocked"))
    if st.button(tr("upload.load"), type="primary", disabled=blocked, key="upload_load"):
        run_load(db, items, mode, who or None, filters)


def run_load(
    db: Path, items: Sequence[FileItem], mode: str, who: str | None, filters: Filters
) -> None:
    """One transaction through load_batch; keeps the outcome for `result_section`."""
    files = [{"file": i.name, "table": i.table} for i in items]
    if not auth.allowed("upload", {"files": files, "mode": mode}):  # server-side role check
        return
    order = sorted(items, key=lambda i: TABLE_ORDER.index(str(i.table)))
    batch = [i.batch_item() for i in order]
    before = connect_reader(db) if db.exists() else None  # holds the old file open
    bar = st.progress(0.0, text=tr("upload.loading"))

    def progress(fraction: float, message: str) -> None:
        text = f"{tr('upload.loading')} {progress_step(message)}"
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=text)

    try:
        reports = loader.load_batch(db, batch, mode, loaded_by=who, on_progress=progress)
    except (StoreBusyError, duckdb.Error, ValueError, OSError) as exc:
        auth.audit("load", "error", {"files": files, "mode": mode, "error": str(exc)})
        st.session_state[RESULT_KEY] = {"error": exc}  # worded when shown, in its language
        if before is not None:
            before.close()
        return
    ok = all(r.ok for r in reports)
    for r in reports:
        auth.audit("load", "ok" if r.ok else "refused", load_detail(r))
    st.session_state[RESULT_KEY] = {"ok": ok, "reports": reports}
    if ok:
        st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1  # empty the uploader
        try:
            st.session_state[RESULT_KEY]["kpis"] = kpi_comparison(before, db, filters)
        except (duckdb.Error, ValueError, KeyError) as exc:  # the load itself stands
            st.session_state[RESULT_KEY]["kpi_error"] = str(exc)
    if before is not None:
        before.close()
    st.rerun()


def load_detail(report: Any) -> dict[str, Any]:
    """What the audit keeps of one file's load: file, checksum, table, mode, rows, load id."""
    keys = ("file_name", "checksum", "table", "mode", "rows_in", "rows_added", "rows_replaced")
    detail = {k: getattr(report, k, None) for k in keys}
    detail["load_id"] = report.load_id
    if not report.ok:
        detail["problems"] = report.total_problems
    return detail


# load_batch's on_progress messages (English) -> the page's step labels.
_STEPS: dict[str, str] = {
    "Opening the store": "upload.step.open",
    "Checking the rows": "upload.step.check",
    "Publishing the new store": "upload.step.publish",
    "Done": "upload.step.done",
    "The store is busy with another load; waiting for it to finish": "upload.step.wait",
}


def progress_step(message: str, lang: str | None = None) -> str:
    """A load step in the page's language; a message it does not know (e.g. a wait) as is."""
    plain = message.rstrip("…. ")
    if plain in _STEPS:
        return t(_STEPS[plain], lang)
    if plain.startswith("Writing "):
        table = upload_text.table_name(plain.removeprefix("Writing "), lang or current_lang())
        return t("upload.step.write", lang, table=table)
    return message


def kpi_comparison(
    before: duckdb.DuckDBPyConnection | None, db: Path, filters: Filters
) -> dict[str, Any] | None:
    """Headline KPIs of the latest month (of the store after the load), on both stores.

    `before` is a reader opened before the load: it still reads the old file.
    """
    after = connect_reader(db)
    try:
        f = latest_month(after, filters)
        if f is None:
            return None
        new = kpis.compute(after, f)
        old = kpis.compute(before, f) if before is not None else {}
    finally:
        after.close()
    values = [(k, old.get(k), new.get(k)) for k in HEADLINE_KPIS if k in KPIS]
    return {"filters": f, "values": values}


def kpi_frame(comparison: dict[str, Any]) -> pd.DataFrame:
    """KPI | before | after, formatted by unit in the selected language."""
    lang = current_lang()
    return pd.DataFrame(
        [
            {
                tr("upload.kpi"): KPIS[k].label(lang),
                tr("upload.before"): fmt_value(old, KPIS[k].unit, lang),
                tr("upload.after"): fmt_value(new, KPIS[k].unit, lang),
            }
            for k, old, new in comparison["values"]
        ]
    )


def latest_month(con: duckdb.DuckDBPyConnection, filters: Filters) -> Filters | None:
    """The current filters narrowed to the month of the latest data date (None: no data)."""
    _, anchor = data_bounds(con)
    if anchor is None:
        return None
    return filters.with_period(anchor.replace(day=1), anchor)


def result_section() -> None:
    """What the last load did: rows added/replaced per file and KPIs before/after."""
    result = st.session_state.get(RESULT_KEY)
    if not result:
        return
    if "error" in result:
        error = upload_text.error_text(result["error"], current_lang())
        st.error(tr("upload.load_failed", error=md(error)))
        return
    if not result["ok"]:
        st.error(tr("upload.load_refused"))
        for report in result["reports"]:
            if not report.ok:
                show_report(report, f"upload_result_{report.table}")
        return
    for r in result["reports"]:
        st.success(
            tr(
                "upload.loaded",
                file=md(r.file_name),
                table=upload_text.table_name(r.table, current_lang()),
                added=count(r.rows_added, "row"),
                replaced=count(r.rows_replaced, "row"),
                load_id=r.load_id,
            )
        )
    kpi = result.get("kpis")
    if kpi:
        f: Filters = kpi["filters"]
        st.markdown(f"**{tr('upload.kpi_title', period=f'{f.date_from} – {f.date_to}')}**")
        st.caption(f.describe(current_lang()))
        st.dataframe(kpi_frame(kpi), hide_index=True, key="upload_kpis")
    elif result.get("kpi_error"):
        st.warning(tr("upload.kpi_error", error=md(result["kpi_error"])))
