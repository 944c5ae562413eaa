"""The brief's A4 pages: fpdf2 lays out text and tables in an embedded CJK TrueType font;
the charts (vector PDF pages from render.py) are placed onto their boxes with pypdf.

Every page carries the title, the filters and the data's as-of dates at the top, and the
page number at the bottom. Page 1: headline table, sentences, off target, movers, events.
Page 2: the trends. Page 3: branch ranking, tier mix, risk-class migration, notes.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ui.brief.content import Brief
from ui.i18n import t

FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
FONT = "cjk"
MARGIN = 14.0  # mm
CHART_PX = (560, 300)  # CSS pixels of each chart; drawn 88 mm wide
MM_PER_PT = 25.4 / 72
FIXED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # same inputs, same file metadata


def cjk_font() -> Path:
    """The first CJK TrueType font installed (README: apt-get install fonts-wqy-microhei)."""
    for path in FONT_CANDIDATES:
        if path.exists():
            return path
    raise FileNotFoundError(
        "no CJK font found; install one: apt-get install fonts-wqy-microhei "
        f"(looked for {', '.join(str(p) for p in FONT_CANDIDATES)})"
    )


@dataclass(frozen=True)
class Box:
    """Where a chart goes: page index (0-based) and its rectangle in mm from the top left."""

    page: int
    x: float
    y: float
    w: float
    h: float


class _Doc(FPDF):
    def __init__(self, brief: Brief, lang: str) -> None:
        super().__init__(format="A4", unit="mm")
        self.brief, self.lang = brief, lang
        font = str(cjk_font())
        self.add_font(FONT, "", font)
        self.add_font(FONT, "B", font)
        self.set_margins(MARGIN, 30, MARGIN)
        self.set_auto_page_break(True, margin=16)
        self.set_creation_date(FIXED_DATE)
        self.set_title(brief.title)
        self.alias_nb_pages("{nb}")

    def header(self) -> None:
        self.set_y(8)
        self.set_font(FONT, "B", 13)
        self.cell(0, 6, self.brief.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(70, 80, 90)
        self.multi_cell(0, 3.6, self.brief.filters_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.multi_cell(0, 3.6, self.brief.as_of_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_draw_color(200, 205, 210)
        self.line(MARGIN, self.get_y() + 1, self.w - MARGIN, self.get_y() + 1)
        self.set_y(max(self.get_y() + 3, 30))

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(110, 120, 130)
        self.cell(0, 4, t("brief.generated", self.lang), align="L")
        self.set_x(MARGIN)
        self.cell(0, 4, t("brief.page", self.lang, n=self.page_no(), total="{nb}"), align="R")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(FONT, "B", 11)
        self.set_text_color(31, 78, 121)
        self.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def para(self, text: str, size: float = 9) -> None:
        self.set_font(FONT, "", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, head: list[str], rows: list[list[str]], widths: tuple[float, ...]) -> None:
        self.set_font(FONT, "", 8)
        with self.table(
            col_widths=widths,
            text_align=("LEFT", *("RIGHT",) * (len(head) - 1)),
            line_height=4.6,
            headings_style=_heading_style(),
            borders_layout="HORIZONTAL_LINES",
            first_row_as_headings=True,
        ) as table:
            for r in [head, *rows]:
                line = table.row()
                for cell in r:
                    line.cell(cell)


def _heading_style() -> object:
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", color=(31, 78, 121), fill_color=(238, 242, 246))


def _page_one(doc: _Doc, b: Brief, lang: str) -> None:
    doc.add_page()
    doc.heading(t("brief.headline", lang))
    head = [t(f"brief.col.{c}", lang) for c in ("kpi", "value", "target", "mom", "yoy", "n", "ci")]
    doc.grid(head, b.headline, (40, 22, 18, 26, 26, 16, 34))
    doc.heading(t("brief.summary", lang))
    for s in b.sentences:
        doc.para("• " + s)
    doc.para("• " + b.off_target)
    doc.para("• " + b.movers)
    doc.heading(t("brief.events", lang))
    for e in b.events or [t("brief.no_events", lang)]:
        doc.para("• " + e)
    for note in b.notes:
        doc.para(note, size=7.5)


def _page_two(doc: _Doc, b: Brief, lang: str) -> list[Box]:
    doc.add_page()
    doc.heading(t("brief.trends", lang))
    top = doc.get_y() + 2
    w = (doc.w - 2 * MARGIN - 6) / 2
    h = w * CHART_PX[1] / CHART_PX[0]
    boxes = []
    for i, _ in enumerate(b.figures):
        x = MARGIN + (i % 2) * (w + 6)
        y = top + (i // 2) * (h + 6)
        boxes.append(Box(doc.page_no() - 1, x, y, w, h))
    doc.set_y(top + ((len(b.figures) + 1) // 2) * (h + 6))
    return boxes


def _page_three(doc: _Doc, b: Brief, lang: str) -> None:
    from metrics.kpis.catalog import KPIS
    from ui.brief.content import BRANCH_KPIS, TIER_KPIS

    doc.add_page()
    doc.heading(t("brief.branches", lang))
    head = [t("brief.col.branch", lang), *(KPIS[k].label(lang) for k in BRANCH_KPIS)]
    doc.grid([*head, t("brief.col.n", lang)], b.branches, (40, 26, 30, 24, 30, 16))
    doc.heading(t("brief.tiers", lang))
    head = [t("brief.col.tier", lang), KPIS["active_customers"].label(lang)]
    head += [t("brief.col.share", lang), *(KPIS[k].label(lang) for k in TIER_KPIS[1:])]
    doc.grid(head, b.tiers, (20, 36, 24, 40, 40))
    doc.heading(t("brief.migration", lang))
    if b.migration:
        head = [t(f"brief.col.{c}", lang) for c in ("from", "to", "loans", "balance")]
        doc.grid(head, b.migration, (40, 40, 24, 36))
    else:
        doc.para(t("brief.no_migration", lang))
    for note in b.table_notes:
        doc.para(note, size=7.5)


def _place(pdf: bytes, boxes: list[Box], charts: list[bytes]) -> bytes:
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for box, chart in zip(boxes, charts, strict=True):
        page = writer.pages[box.page]
        src = PdfReader(io.BytesIO(chart)).pages[0]
        scale = box.w / (float(src.mediabox.width) * MM_PER_PT)
        height_pt = float(page.mediabox.height)
        x = box.x / MM_PER_PT
        y = height_pt - (box.y + box.h) / MM_PER_PT
        page.merge_transformed_page(src, Transformation().scale(scale, scale).translate(x, y))
    writer.add_metadata({"/CreationDate": "D:20000101000000Z", "/ModDate": "D:20000101000000Z"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def to_pdf(b: Brief, lang: str) -> bytes:
    """The brief as A4 PDF bytes: three pages, charts as vector graphics, fonts embedded."""
    from ui.brief.render import figures_to_pdf

    doc = _Doc(b, lang)
    _page_one(doc, b, lang)
    boxes = _page_two(doc, b, lang)
    _page_three(doc, b, lang)
    base = bytes(doc.output())
    charts = figures_to_pdf(b.figures, *CHART_PX)
    return _place(base, boxes, charts)
