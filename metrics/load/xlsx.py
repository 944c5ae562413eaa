"""What an xlsx workbook holds beyond its cell values, read from its XML before the work.

Caps (uncompressed size, cells) are checked before a cell is parsed, so a zip
bomb is refused in well under a second; merged cells and formulas without a
saved value are refused with the cell named; percent-formatted cells are
reported so they are read as the percent a user sees (0.0435 shown as 4.35 %).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from xml.etree import ElementTree as ET

MAX_XLSX_UNCOMPRESSED = 300 << 20
MAX_XLSX_CELLS = 2_000_000
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_PERCENT_BUILTIN = {9, 10}
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([^"]+)"')
_FORMULA_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>[^<]+</(?:\w+:)?v>|<(?:\w+:)?is>")
_REF_RE = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_RE = re.compile(rb"<(?:\w+:)?c\b[^>]*>")
_STYLE_RE = re.compile(rb'\bs="(\d+)"')


class XlsxError(ValueError):
    """The workbook breaks a cap or holds something read wrongly as a value (cell named)."""


def column_index(letters: str) -> int:
    """A -> 0, Z -> 25, AA -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _read_capped(zf: zipfile.ZipFile, name: str, cap: int) -> bytes:
    with zf.open(name) as fh:
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise XlsxError(f"its sheet is larger than {cap >> 20:,} MB uncompressed")
    return data


def _sheet_path(zf: zipfile.ZipFile, sheet: str) -> str | None:
    book = ET.fromstring(zf.read("xl/workbook.xml"))
    rid = None
    for el in book.iterfind("m:sheets/m:sheet", _NS):
        if el.get("name") == sheet:
            rid = el.get(f"{{{_NS['r']}}}id")
    if rid is None:
        return None
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iterfind("pr:Relationship", _NS):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return None


def _percent_styles(zf: zipfile.ZipFile) -> set[int]:
    """Indexes of cellXfs whose number format shows a percent."""
    if "xl/styles.xml" not in zf.namelist():
        return set()
    styles = ET.fromstring(_read_capped(zf, "xl/styles.xml", 16 << 20))
    codes = {
        int(el.get("numFmtId", "-1")): el.get("formatCode", "")
        for el in styles.iterfind("m:numFmts/m:numFmt", _NS)
    }
    out: set[int] = set()
    for i, xf in enumerate(styles.iterfind("m:cellXfs/m:xf", _NS)):
        fmt = int(xf.get("numFmtId", "0"))
        code = re.sub(r'"[^"]*"|\\.', "", codes.get(fmt, ""))
        if fmt in _PERCENT_BUILTIN or "%" in code:
            out.add(i)
    return out


def inspect(data: bytes, sheet: str) -> set[tuple[int, int]]:
    """Check the caps, merges and formulas of one sheet; return its percent cells (row, col).

    Rows are spreadsheet rows (1 = the first), columns 0-based. Raises XlsxError.
    """
    try:
        return _inspect(data, sheet)
    except (zipfile.BadZipFile, EOFError, zlib.error, ET.ParseError, ValueError) as exc:
        if isinstance(exc, XlsxError):
            raise
        raise XlsxError(f"it is not a readable xlsx workbook ({exc})") from None


def _inspect(data: bytes, sheet: str) -> set[tuple[int, int]]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise XlsxError(f"it is not a readable xlsx workbook ({exc})") from None
    total = sum(i.file_size for i in zf.infolist())
    if total > MAX_XLSX_UNCOMPRESSED:
        raise XlsxError(
            f"it unpacks to {total / 2**20:,.0f} MB; at most {MAX_XLSX_UNCOMPRESSED >> 20:,} MB "
            "are read (save a large extract as CSV)"
        )
    try:
        path = _sheet_path(zf, sheet)
    except (KeyError, ET.ParseError):
        path = None
    if path is None or path not in zf.namelist():
        return set()  # calamine reads what it can and names its own problem
    xml = _read_capped(zf, path, MAX_XLSX_UNCOMPRESSED)
    cells = xml.count(b"<c ") + xml.count(b"<c>")
    if cells > MAX_XLSX_CELLS:
        raise XlsxError(
            f"sheet {sheet!r} has {cells:,} cells; at most {MAX_XLSX_CELLS:,} are read "
            "(save a large extract as CSV)"
        )
    merged = _MERGE_RE.search(xml)
    if merged:
        raise XlsxError(
            f"sheet {sheet!r} has merged cells ({merged.group(1).decode()}): only the first "
            "cell of a merge holds the value; unmerge them and fill every cell"
        )
    for m in _FORMULA_RE.finditer(xml):
        start = max(xml.rfind(b"<c ", 0, m.start()), xml.rfind(b"<c>", 0, m.start()))
        end = xml.find(b"</", m.start())
        close = xml.find(b"</c>", m.start())
        cell = xml[start : close if close >= 0 else end]
        if not _VALUE_RE.search(cell):
            ref = _REF_RE.search(cell)
            name = (ref.group(1) + ref.group(2)).decode() if ref else "?"
            raise XlsxError(
                f"cell {name} of sheet {sheet!r} holds a formula without a saved value; "
                "open the file in Excel and save it (or paste the values) before loading"
            )
    styles = _percent_styles(zf)
    out: set[tuple[int, int]] = set()
    if styles:
        for m in _CELL_RE.finditer(xml):
            tag = m.group(0)
            s = _STYLE_RE.search(tag)
            ref = _REF_RE.search(tag)
            if s and ref and int(s.group(1)) in styles:
                out.add((int(ref.group(2)), column_index(ref.group(1).decode())))
    return out
