"""Sections of the upload page, so the page itself reads as a description of the UI.

Flow: files -> one `FileItem` each (read, table, header mapping, preview, dry-run
report) -> one `load_batch` transaction -> rows added and the headline KPIs before
and after -> the load history with undo. Everything heavy (reading, validating)
is kept in session_state keyed by the file and the store's data_version, so a
click elsewhere on the page does not re-read a 400 MB file.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit.runtime.uploaded_file_manager import UploadedFile

from metrics import kpis
from metrics import load as loader
from metrics.contract import TABLE_ORDER, TABLES, header_lookup, normalize_header
from metrics.filters import Filters
from metrics.load import mappings
from metrics.load.parse import Extract, ExtractError, read_extract, sheet_names
from metrics.registry import KPIS
from metrics.store import StoreBusyError, connect_reader, data_version
from metrics.views import data_bounds, undo_preview
from ui import auth, export, upload_text
from ui.data import db_path
from ui.fmt import DASH, fmt_value
from ui.i18n import current_lang, t
from ui.safe import md

MODES: tuple[str, ...] = ("append", "upsert", "replace")
FILE_TYPES: tuple[str, ...] = ("csv", "txt", "xlsx", "xlsm", "parquet")
PREVIEW_ROWS = 20
MAX_MAPPING_WIDGETS = 20  # hand-mapping selectboxes drawn; more unknown headers are summarised
# CSV encodings offered besides automatic detection (the page's "Encoding" choice).
ENCODINGS: tuple[str | None, ...] = (None, "utf-8", "gb18030", "big5", "cp1252", "latin-1")
MISSING = DASH  # what an empty cell shows, in every table of the page
BAD_MARK = " ⚠"  # after the file's text of a preview cell that fails the check
BAD_STYLE = "background-color: rgba(255, 75, 75, 0.22)"
# The headline KPIs compared before and after a load (ids of metrics.registry.KPIS).
HEADLINE_KPIS: tuple[str, ...] = (
    "csat_rate",
    "new_loan_amount",
    "npl_ratio",
    "retention_rate",
    "active_customers",
    "new_customers",
    "response_sla_rate",
)
_CACHE = "_upload_cache"
RESULT_KEY = "upload_result"
UNDO_KEY = "upload_undo_message"
GEN_KEY = "upload_gen"
UNDO_PICK_KEY = "upload_undo_id"  # + newest load id + undone count, see undo_key
UNDO_CONFIRM_KEY = "upload_undo_pending"  # the load whose undo waits for its second click


def tr(key: str, **values: Any) -> str:
    """A translated label with `{name}` fields filled in."""
    return t(key, **values)


def count(n: int, noun: str) -> str:
    """`n` and a noun in the right number: "1 row", "2 rows" (Chinese has no plural)."""
    return tr(f"upload.n.{noun}" if n == 1 else f"upload.n.{noun}s", n=f"{n:,}")


def store_path() -> Path:
    """The store this app reads (CRM_DB or data/crm.duckdb), as ui.data resolves it."""
    return db_path()


def upload_limit_mb() -> int:
    """server.maxUploadSize: the largest file, in MB, the uploader accepts."""
    return int(st.get_option("server.maxUploadSize"))


@dataclass
class FileItem:
    """One dropped file and everything the page worked out about it."""

    key: str
    name: str
    file_id: str = ""
    sheet: str | None = None
    box: Any = None  # the bordered container the file's sections render into
    extract: Extract | None = None
    table: str | None = None
    mapping: dict[str, str | None] = field(default_factory=dict)
    report: Any = None  # loader.LoadReport once validated
    error: str | None = None

    @property
    def checked(self) -> bool:
        return self.error is None and self.table is not None and self.report is not None

    def batch_item(self) -> tuple[str, Extract, dict[str, str | None] | None]:
        """(table, extract, mapping) as loader.validate_batch/load_batch take them."""
        assert self.table is not None and self.extract is not None
        return self.table, self.extract, dict(self.mapping) or None


# --------------------------------------------------------------------------- cache


def _cache() -> dict[Any, Any]:
    if _CACHE not in st.session_state:
        st.session_state[_CACHE] = {}
    cache: dict[Any, Any] = st.session_state[_CACHE]
    return cache


def _cached(key: tuple[Any, ...], make: Callable[[], Any], busy: str | None = None) -> Any:
    """`make()` once per key and session; `busy` is shown in a spinner while it runs."""
    cache = _cache()
    if key not in cache:
        if busy is None:
            cache[key] = make()
        else:
            with st.spinner(busy):
                cache[key] = make()
    return cache[key]


def prune_cache(files: Sequence[UploadedFile]) -> None:
    """Forget extracts and reports of files no longer in the uploader (frees memory)."""
    live = {f.file_id for f in files}
    cache = _cache()
    for key in list(cache):
        ids = key[1] if isinstance(key[1], tuple) else (key[1],)
        if not set(ids) <= live:
            del cache[key]


def _version(db: Path) -> tuple[int, int, int] | None:
    return data_version(db) if db.exists() else None


# --------------------------------------------------------------------------- controls


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


# --------------------------------------------------------------------------- one file


def _read(f: UploadedFile, sheet: str | None, encoding: str | None = None) -> Extract | str:
    try:
        return read_extract(f.getvalue(), f.name, sheet, encoding=encoding)
    except (ExtractError, ValueError) as exc:
        return tr("upload.read_error", name=md(f.name), error=md(exc))


def _pick_encoding(f: UploadedFile, key: str) -> str | None:
    """Automatic, or the encoding the analyst names (CSV only)."""
    if not f.name.lower().endswith((".csv", ".txt")):
        return None
    encoding: str | None = st.selectbox(
        tr("upload.encoding"),
        ENCODINGS,
        format_func=lambda e: tr("upload.encoding_auto") if e is None else str(e),
        key=f"{key}_encoding",
        help=tr("upload.encoding_help"),
    )
    return encoding


def _pick_sheet(f: UploadedFile, key: str) -> str | None:
    if not f.name.lower().endswith((".xlsx", ".xlsm")):
        return None
    try:
        names = _cached(("sheets", f.file_id), lambda: sheet_names(f.getvalue()))
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


def unmatched_headers(table: str, headers: Sequence[str]) -> list[str]:
    """Headers that are neither a canonical name nor a Chinese alias of `table`."""
    lookup = header_lookup(TABLES[table])
    return [h for h in headers if h and normalize_header(h) not in lookup]


def _mapping_editor(table: str, headers: Sequence[str], key: str) -> dict[str, str | None]:
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
        st.session_state[f"{key}_save_msg"] = (False, tr("upload.save_error", error=exc))
        return
    st.session_state[f"{key}_saved"] = saved.stem
    st.session_state[f"{key}_save_msg"] = (True, tr("upload.saved", name=saved.stem))


def header_frame(report: Any) -> pd.DataFrame:
    """The report's header map as a table a person reads (kind translated, and in Chinese the
    stored column by its Chinese name)."""
    lang = current_lang()
    rows = [
        {
            tr("upload.col.file_header"): header,
            tr("upload.col.column"): upload_text.field_name(report.table, column, lang)
            if column
            else "—",
            tr("upload.col.match"): tr(f"upload.match.{kind}"),
        }
        for header, column, kind in report.header_map
    ]
    return pd.DataFrame(rows)


def report_csv(report: Any, lang: str | None = None) -> bytes:
    """The problems (row, column, value, expected) as CSV, UTF-8 with BOM so Excel reads it;
    worded in `lang` (headings and the expected column), or as the loader wrote it."""
    frame = report.problems_frame() if lang is None else upload_text.problems_frame(report, lang)
    return export.to_csv_bytes(frame)


def _show_report(report: Any, key: str) -> None:
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


def cell_text(value: Any, kind: str = "") -> str:
    """A cell as the page shows it: MISSING when empty, dates YYYY-MM-DD, months YYYY-MM."""
    if value is None or (not isinstance(value, (str, bytes)) and bool(pd.isna(value))):
        return MISSING
    if isinstance(value, dt.date):  # pd.Timestamp and datetime are dates too
        if kind == "month":
            return value.strftime("%Y-%m")
        if kind == "date" or not isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:.15g}"  # 150000000.0 -> 150000000, 1234.5 -> 1234.5
    return str(value)


def display_frame(
    frame: pd.DataFrame,
    kinds: dict[str, str] | None = None,
    bad: dict[tuple[int, str], str] | None = None,
) -> pd.DataFrame:
    """`frame` ready for st.dataframe: a column with an empty or failing cell becomes text.

    The browser draws a null cell as "None" whatever a Styler says, so an empty cell
    must hold MISSING itself, and a failing cell the file's text + BAD_MARK. Columns
    without such cells keep their type (numbers stay numbers, sorted as numbers).
    """
    out = frame.copy()
    for col in frame.columns:
        marks = {i: text for (i, c), text in (bad or {}).items() if c == col}
        if not marks and not frame[col].isna().any():
            continue
        kind = (kinds or {}).get(str(col), "")
        cells = [
            marks[i] + BAD_MARK if i in marks else cell_text(value, kind)
            for i, value in enumerate(frame[col])
        ]
        out[col] = pd.Series(cells, index=frame.index, dtype=object)
    return out


def styled(
    frame: pd.DataFrame,
    kinds: dict[str, str] | None = None,
    bad: dict[tuple[int, str], str] | None = None,
) -> Styler:
    """`display_frame` of `frame`, every cell shown by `cell_text`, failing cells shaded."""
    shown = display_frame(frame, kinds, bad)
    sty = shown.style
    for col in shown.columns:
        sty = sty.format(partial(cell_text, kind=(kinds or {}).get(str(col), "")), subset=[col])
    if bad:
        marks = pd.DataFrame("", index=shown.index, columns=shown.columns)
        for i, column in bad:
            marks.at[shown.index[i], column] = BAD_STYLE
        sty = sty.apply(lambda _frame: marks, axis=None)
    return sty


def preview_cells(
    extract: Extract,
    table: str,
    mapping: dict[str, str | None] | None,
    report: Any,
    n: int = PREVIEW_ROWS,
) -> tuple[pd.DataFrame, dict[tuple[int, str], str]]:
    """The first `n` rows typed as stored, and the file's text of each cell failing the check.

    A cell fails when the report names its row and header, or when its text is not
    empty but does not parse (the typed value is then NULL). Keys are (position, column).
    """
    typed = loader.preview(extract, table, mapping=mapping, n=n)
    positions: dict[str, int] = {}
    for pos, match in enumerate(loader.match_headers(TABLES[table], extract.headers, mapping)):
        if match.column is not None and match.column not in positions:
            positions[match.column] = pos
    named = {(p.row, p.column) for p in report.problems if p.row is not None}
    head = extract.table.slice(0, n)
    rows = [int(r) for r in typed["row"]]
    bad: dict[tuple[int, str], str] = {}
    for column, pos in positions.items():
        if column not in typed.columns:
            continue
        header = extract.headers[pos]
        texts = head.column(pos).to_pylist()
        for i, (row, text, value) in enumerate(zip(rows, texts, typed[column], strict=True)):
            blank = text is None or not str(text).strip()
            if (row, header) in named or (not blank and cell_text(value) == MISSING):
                bad[(i, column)] = MISSING if blank else str(text)
    return typed, bad


def preview_styler(typed: pd.DataFrame, bad: dict[tuple[int, str], str], table: str) -> Styler:
    """Valid cells as they will be stored; a failing cell as the file's text + BAD_MARK, shaded."""
    kinds: dict[str, str] = {c.name: c.type for c in TABLES[table].columns}
    if current_lang() != "zh":
        return styled(typed, kinds, bad)
    # in Chinese the preview is headed by the contract's Chinese names (客户编号, not customer_id)
    alias = {"row": tr("upload.col.file_row"), **{c.name: c.alias for c in TABLES[table].columns}}
    return styled(
        typed.rename(columns=alias),
        {alias.get(k, k): v for k, v in kinds.items()},
        {(i, alias.get(c, c)): text for (i, c), text in bad.items()},
    )


def file_panel(index: int, f: UploadedFile) -> FileItem:
    """Read one file and ask for its sheet, table and hand mapping; `check_batch` adds the rest."""
    key = f"upload_{index}"
    item = FileItem(key, f.name, file_id=f.file_id)
    item.box = st.container(border=True)
    with item.box:
        st.markdown(f"**{md(f.name)}**")
        item.sheet = _pick_sheet(f, key)
        encoding = _pick_encoding(f, key)
        got = _cached(
            ("extract", f.file_id, item.sheet, encoding),
            lambda: _read(f, item.sheet, encoding),
            busy=tr("upload.reading", name=md(f.name)),
        )
        if isinstance(got, str):
            st.error(got)
            item.error = got
            return item
        item.extract = got
        st.caption(
            tr(
                "upload.detected",
                format=got.format + (f" ({got.sheet})" if got.sheet else ""),
                encoding=got.encoding or "—",
                rows=count(got.n_rows, "row"),
                cols=count(len(got.headers), "column"),
            )
        )
        item.table = _pick_table(got, key, (f.file_id, item.sheet))
        if item.table is not None:
            item.mapping = _mapping_editor(item.table, got.headers, key)
    return item


def _validate(db: Path, items: Sequence[FileItem], mode: str) -> list[Any]:
    """Dry run of the whole batch (foreign keys may be met by another file of it), cached."""
    batch = [i.batch_item() for i in items]
    key = (
        "report",
        tuple(i.file_id for i in items),
        tuple((i.file_id, i.sheet, i.table, tuple(sorted(i.mapping.items()))) for i in items),
        mode,
        _version(db),
    )
    reports: list[Any] = _cached(
        key, lambda: loader.validate_batch(db, batch, mode), busy=tr("upload.checking")
    )
    return reports


def _preview(item: FileItem) -> Styler:
    table, extract, mapping = item.batch_item()
    typed, bad = preview_cells(extract, table, mapping, item.report)
    return preview_styler(typed, bad, table)


def check_batch(db: Path, items: Sequence[FileItem], mode: str) -> None:
    """Validate every readable file with a table; show header map, preview and report in its box."""
    ready = [i for i in items if i.error is None and i.table is not None and i.extract]
    tables = [i.table for i in ready]
    twice = {t for t in tables if tables.count(t) > 1}
    for i in ready:
        if i.table in twice:
            i.error = tr("upload.table_twice", table=i.table)
            with i.box:
                st.error(i.error)
    ready = [i for i in ready if i.error is None]
    if not ready:
        return
    try:
        reports = _validate(db, ready, mode)
    except ValueError as exc:  # e.g. a hand mapping naming a column twice
        for i in ready:
            i.error = str(exc)
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
            _show_report(report, i.key)


# --------------------------------------------------------------------------- loading


def _blocked(items: Sequence[FileItem]) -> bool:
    """Nothing to load, or a file unread, without table, or refused by the batch dry run."""
    return not items or any(not i.checked or not i.report.ok for i in items)


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
    blocked = _blocked(items)
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
        st.session_state[RESULT_KEY] = {"error": str(exc)}
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
}


def progress_step(message: str, lang: str | None = None) -> str:
    """A load step in the page's language; a message it does not know (e.g. a wait) as is."""
    plain = message.rstrip("…. ")
    if plain in _STEPS:
        return t(_STEPS[plain], lang)
    if plain.startswith("Writing "):
        return t("upload.step.write", lang, table=plain.removeprefix("Writing "))
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
        st.error(tr("upload.load_failed", error=md(result["error"])))
        return
    if not result["ok"]:
        st.error(tr("upload.load_refused"))
        for report in result["reports"]:
            if not report.ok:
                _show_report(report, f"upload_result_{report.table}")
        return
    for r in result["reports"]:
        st.success(
            tr(
                "upload.loaded",
                file=md(r.file_name),
                table=r.table,
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


# --------------------------------------------------------------------------- history


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
            table=preview["table_name"],
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
            table=table,
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
        reason = md(str(exc))  # the reason quotes data (file names, keys): shown literally
        st.session_state[UNDO_KEY] = (
            False,
            tr("upload.undo_refused", load_id=load_id, reason=reason),
        )
    else:
        auth.audit("undo", "ok", detail)
        st.session_state[UNDO_KEY] = (True, tr("upload.undone", load_id=load_id))
        st.session_state.pop(RESULT_KEY, None)
    st.rerun()
