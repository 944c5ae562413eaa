"""Table cells as the upload page shows them: empty as —, failing cells with the file's text."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from metrics import load as loader
from metrics.contract import TABLES
from metrics.load.parse import Extract
from ui.i18n import current_lang
from ui.upload.common import BAD_MARK, BAD_STYLE, MISSING, PREVIEW_ROWS, tr


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
