"""The board brief (issue 12): a month's KPIs as an A4 PDF of 2-4 pages.

content.py decides what it says (metrics numbers, ui.fmt formatting, rule sentences),
render.py turns the app's Plotly figures into vector PDF pages (kaleido + system
Chromium), pdf.py lays out the pages (fpdf2, an embedded CJK font; pypdf places the
charts), cli.py is `python -m metrics brief`. It sits in ui/ because it formats numbers
exactly as the app does (ui.fmt, ui.charts, ui.i18n); it never imports Streamlit.
This module imports nothing at load time, so registering the CLI command stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.brief.content import Scope


def make_pdf(db: Path, scope: Scope) -> bytes:
    """The brief of `scope` from the store at `db`, as PDF bytes."""
    from metrics.store import connect_reader
    from ui.brief.content import build
    from ui.brief.pdf import to_pdf

    con = connect_reader(db)
    try:
        brief = build(con, scope)
    finally:
        con.close()
    return to_pdf(brief, scope.lang)
