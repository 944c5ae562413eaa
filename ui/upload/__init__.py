"""The upload page's steps, so the page itself reads as a description of the UI.

Flow: files (`files`) -> one `FileItem` each (read, table, header mapping in `mapping`,
preview and dry-run report in `check`) -> one `load_batch` transaction (`load`) -> rows
added and the headline KPIs before and after -> the load history with undo (`history`).
Everything heavy (reading, validating) is kept in session_state keyed by the file and
the store's data_version (`common`), so a click elsewhere on the page does not re-read a
400 MB file. Cells are shown by `cells`; the loader's words by ui.upload_text.
"""

from __future__ import annotations

from ui.upload.check import check_batch, report_csv
from ui.upload.common import store_path, tr
from ui.upload.files import file_panel, mode_picker, pick_files
from ui.upload.history import history_section, undo
from ui.upload.load import load_section, progress_step, result_section

__all__ = [
    "check_batch",
    "file_panel",
    "history_section",
    "load_section",
    "mode_picker",
    "pick_files",
    "progress_step",
    "report_csv",
    "result_section",
    "store_path",
    "tr",
    "undo",
]
