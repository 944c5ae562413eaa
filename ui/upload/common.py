"""What every step of the upload page shares: modes, keys, the file item, the cache."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from metrics.load.parse import Extract
from metrics.store import data_version
from ui.data import db_path
from ui.fmt import DASH
from ui.i18n import t

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


def _cache() -> dict[Any, Any]:
    if _CACHE not in st.session_state:
        st.session_state[_CACHE] = {}
    cache: dict[Any, Any] = st.session_state[_CACHE]
    return cache


def cached(key: tuple[Any, ...], make: Callable[[], Any], busy: str | None = None) -> Any:
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


def version(db: Path) -> tuple[int, int, int] | None:
    return data_version(db) if db.exists() else None
