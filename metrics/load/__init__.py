"""Load extracts into the store: one code path for the CLI, the demo bank and the upload page.

Driven entirely by `metrics.contract`, one module per job: `parse` reads a file's
bytes into text columns (encodings, CSV, xlsx, Parquet), `headers` matches them
to contract columns, `checks` types and checks them in DuckDB SQL, `write` loads
a batch in one store transaction, `history` records every load and `undo` puts
one back. `mappings` keeps named header mappings. The CLI is in `metrics.cli`.
"""

from metrics.load.checks import CLEAN_ID, broken_links
from metrics.load.headers import HeaderMatch, match_headers, recognise_table
from metrics.load.history import history
from metrics.load.parse import Extract, ExtractError, read_extract, sheet_names
from metrics.load.report import MAX_PROBLEMS, LoadRefusedError, LoadReport, Problem
from metrics.load.undo import UNDO_KEEP, UndoError, undo_load
from metrics.load.write import (
    EXTRACT_SUFFIXES,
    MODES,
    extract_files,
    load_batch,
    load_dir,
    load_file,
    load_frames,
    preview,
    validate,
    validate_batch,
)

__all__ = [
    "CLEAN_ID",
    "EXTRACT_SUFFIXES",
    "MAX_PROBLEMS",
    "MODES",
    "UNDO_KEEP",
    "Extract",
    "ExtractError",
    "HeaderMatch",
    "LoadRefusedError",
    "LoadReport",
    "Problem",
    "UndoError",
    "broken_links",
    "extract_files",
    "history",
    "load_batch",
    "load_dir",
    "load_file",
    "load_frames",
    "match_headers",
    "preview",
    "read_extract",
    "recognise_table",
    "sheet_names",
    "undo_load",
    "validate",
    "validate_batch",
]
