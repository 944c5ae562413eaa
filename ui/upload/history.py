"""Step 5, the history: every load, and undo of the latest one of a table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from metrics import load as loader
from metrics.store import StoreBusyError, connect_reader
from metrics.views import undo_preview
from ui import auth, upload_text
from ui.i18n import current_lang, t
from ui.safe import md
from ui.upload.cells import cell_text, styled
from ui.upload.common import RESULT_KEY, UNDO_CONFIRM_KEY, UNDO_KEY, UNDO_PICK_KEY, count, tr


def history_section(db: Path) -> None:
    """Every load (who, when, table, file, checksum, rows, outcome) and undo of one."""
    st.subheader(tr("upload.history"))
    message = st.session_state.pop(UNDO_KEY, None)
    if message:
        (st.success if message[0] else st.error)(md(message[1]))
    if not db.exists():
        st.info(tr("upload.no_store"))
        return
    con = connect_reader(db)
    try:
        frame = loader.history(con, db)
    finally:
        con.close()
    if frame.empty:
        st.info(tr("upload.history_empty"))
        return
    frame = frame.assign(undo_status=undo_status(frame))
    st.dataframe(styled(history_display(frame)), hide_index=True, key="upload_history")
    undoable = undoable_loads(frame)
    if not undoable:
        st.caption(tr("upload.nothing_to_undo"))
        return
    labels = undo_labels(frame)
    cols = st.columns([3, 1], vertical_alignment="bottom")
    load_id = cols[0].selectbox(
        tr("upload.undo_pick"),
        undoable,
        format_func=lambda i: labels.get(i, str(i)),
        key=undo_key(frame),
        help=tr("upload.undo_help"),
    )
    if cols[1].button(tr("upload.undo"), key="upload_undo"):
        st.session_state[UNDO_CONFIRM_KEY] = int(load_id)  # first click: say what goes
    pending = st.session_state.get(UNDO_CONFIRM_KEY)
    if pending is not None and pending != int(load_id):
        st.session_state.pop(UNDO_CONFIRM_KEY)  # another load was picked since
    elif pending is not None:
        confirm_undo(db, int(pending))


def confirm_undo(db: Path, load_id: int) -> None:
    """The second step of an undo: the file and the rows per table it removes, then a click."""
    con = connect_reader(db)
    try:
        preview = undo_preview(con, load_id)
    finally:
        con.close()
    if preview is None:
        st.session_state.pop(UNDO_CONFIRM_KEY, None)
        return
    st.warning(
        t(
            "undo_confirm",
            load_id=load_id,
            file=preview["file_name"],
            table=upload_text.table_name(preview["table_name"], current_lang()),
            removed=count(preview["removed"], "row"),
            restored=count(preview["restored"], "row"),
        ),
        icon=":material/warning:",
    )
    cols = st.columns([1, 1, 4])
    if cols[0].button(t("undo_confirm_button"), type="primary", key="upload_undo_confirm"):
        st.session_state.pop(UNDO_CONFIRM_KEY, None)
        undo(db, load_id, preview)
    if cols[1].button(t("undo_cancel"), key="upload_undo_cancel"):
        st.session_state.pop(UNDO_CONFIRM_KEY, None)
        st.rerun()


def undo_key(frame: pd.DataFrame) -> str:
    """The picker's key: new after every load (newest id) and undo (count of undone loads).

    A fixed key would keep the browser's old choice (say load 9 after load 10 went in),
    and Undo would reverse a load the analyst did not mean.
    """
    newest = int(frame["load_id"].max())
    undone = int(frame["undone_at"].notna().sum())
    return f"{UNDO_PICK_KEY}_{newest}_{undone}"


HISTORY_COLUMNS: tuple[str, ...] = (
    "load_id",
    "loaded_at",
    "loaded_by",
    "table_name",
    "file_name",
    "mode",
    "rows_in",
    "rows_refused",
    "outcome",
    "undone_at",
    "undo_status",
    "checksum",
    "message",
)


def history_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The load history with the columns a person scans first, headings translated.

    `undoable` is left out: the undo_status column says it in words.
    """
    cols = [c for c in HISTORY_COLUMNS if c in frame.columns]
    cols += [c for c in frame.columns if c not in cols and c != "undoable"]
    shown = upload_text.history_values(frame[cols], current_lang())
    return shown.rename(columns={c: tr(f"upload.h.{c}") for c in cols})


def _kept(frame: pd.DataFrame) -> pd.Series:
    """Per load: its replaced rows are still kept (load_history.undoable; older stores: True)."""
    if "undoable" not in frame.columns:
        return pd.Series(True, index=frame.index)
    return frame["undoable"].fillna(True).astype(bool)


def _undo_blockers(frame: pd.DataFrame) -> pd.Series:
    """Per load: the later live load of its table that must be undone first, else NA."""
    live = frame["undone_at"].isna() & (frame["outcome"] == "loaded")
    ids = frame["load_id"].where(live)
    newest = ids.groupby(frame["table_name"]).transform("max")
    return newest.where(live & (frame["load_id"] < newest))


def undo_status(frame: pd.DataFrame) -> pd.Series:
    """Per load, whether it can be undone now or why not (loader.undo_load's rules)."""
    out: list[str] = []
    for outcome, undone_at, keep, blocker in zip(
        frame["outcome"], frame["undone_at"], _kept(frame), _undo_blockers(frame), strict=True
    ):
        if outcome != "loaded":
            out.append(tr("upload.status.refused"))
        elif not pd.isna(undone_at):
            out.append(tr("upload.status.undone"))
        elif not pd.isna(blocker):
            out.append(tr("upload.status.later", later=int(blocker)))
        elif not bool(keep):
            out.append(tr("upload.status.expired", keep=loader.UNDO_KEEP))
        else:
            out.append(tr("upload.status.ready"))
    return pd.Series(out, index=frame.index, dtype=object)


def undoable_loads(frame: pd.DataFrame) -> list[int]:
    """Loads undo_load accepts now: the latest live load of each table, kept; newest first."""
    live = frame["undone_at"].isna() & (frame["outcome"] == "loaded")
    ok = frame[live & _kept(frame) & _undo_blockers(frame).isna()]
    return sorted((int(x) for x in ok["load_id"]), reverse=True)


def undo_labels(frame: pd.DataFrame) -> dict[int, str]:
    """Load id -> "id · table · file · time · rows" for the undo picker."""
    columns = ("load_id", "table_name", "file_name", "loaded_at", "rows_in")
    return {
        int(load_id): tr(
            "upload.undo_option",
            load_id=int(load_id),
            table=upload_text.table_name(table, current_lang()),
            file=file,
            at=cell_text(at)[:16],  # to the minute
            rows=count(int(rows), "row"),
        )
        for load_id, table, file, at, rows in frame[list(columns)].itertuples(index=False)
    }


def undo(db: Path, load_id: int, preview: dict[str, Any] | None = None) -> None:
    """Undo one load (analysts and admins only), or keep why it cannot be; audit; rerun."""
    detail = {"load_id": load_id, **(preview or {})}
    if not auth.allowed("undo", detail):  # server-side role check
        return
    try:
        loader.undo_load(db, load_id)
    except (loader.UndoError, StoreBusyError, OSError) as exc:  # OSError: disk full, I/O
        auth.audit("undo", "refused", {**detail, "reason": str(exc)})
        # the reason quotes data (file names, keys): shown literally
        reason = md(upload_text.error_text(exc, current_lang()))
        st.session_state[UNDO_KEY] = (
            False,
            tr("upload.undo_refused", load_id=load_id, reason=reason),
        )
    else:
        auth.audit("undo", "ok", detail)
        st.session_state[UNDO_KEY] = (True, tr("upload.undone", load_id=load_id))
        st.session_state.pop(RESULT_KEY, None)
    st.rerun()
