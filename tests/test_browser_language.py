"""One language at a time (issue 10, item 7), walked in a real browser, with screenshots.

The sign-in page, then every page opened from the sidebar, in Chinese and in English (the
upload page with a refused file dropped on it: its report, warning and preview). What the
page shows is read from the DOM: every visible text node, every chart's SVG text, every
grid's column headings (cells are data). In Chinese no Latin-script word may appear but
the allowlist (KPI abbreviations, file formats, tier letters, ids); in English no Han
script but data (the seed's branch, customer and manager names) and the language switch.
Each page is also shot at 1440 and 390 px into test-artifacts/screenshots/ (not committed).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser_util import (
    SIGN_IN_NAME,
    AppServer,
    expect_no_exception,
    go_to,
    screenshot,
    sign_in,
    wait_for_app,
)
from tests.conftest import REPO_ROOT
from tests.signin import TEST_USER

pytestmark = pytest.mark.browser

# (nav path, Chinese title, English title) of every page an admin has
PAGES: tuple[tuple[str, str, str], ...] = (
    ("", "总览", "Overview"),
    ("satisfaction", "满意度与服务", "Satisfaction & service"),
    ("retention", "客户保持", "Retention"),
    ("funnel", "转化漏斗", "Conversion funnel"),
    ("lending", "贷款与风险", "Lending & risk"),
    ("tiers", "分层与关系", "Tiers & relationships"),
    ("value", "客户价值", "Value"),
    ("impact", "举措成效", "Initiative impact"),
    ("managers", "客户经理", "Relationship managers"),
    ("watchlist", "预警客户", "Watchlist"),
    ("whitespace", "交叉销售机会", "Cross-sell whitespace"),
    ("glossary", "指标说明", "Glossary"),
    ("upload", "数据导入与记录", "Data: upload & history"),
    ("admin", "账号与审计", "Accounts & audit"),
)
# Shown in Chinese on purpose: KPI abbreviations, file formats and encodings, units of a
# file size, date patterns as typed, the Wilson interval (a name), the language switch.
LATIN_ALLOWED = {
    "NPS", "CLV", "CAC", "RFM", "CSV", "Excel", "Parquet", "GBK", "UTF", "MB", "KB",
    "YYYY", "MM", "DD", "ID", "Wilson", "Language", "English",
}  # fmt: skip
# tiers A/B/C, ratings AAA, ids C01, B02, Q1; a formula's variables (r, d in the CLV formula)
LATIN_ID = re.compile(r"^([A-Z]{1,3}\d*|[a-z])$")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # an id such as csat_rate is one word
HAN_WORD = re.compile(r"[\u3400-\u9fff]+")
HAN_ALLOWED = {"语言", "中文", "备注"}  # the language switch; the dropped file's own header
# Seed columns holding names (data shown as it is stored, in any language)
NAME_COLUMNS = {"branch_name", "region", "customer_name", "relationship_manager", "comment"}
DROPPED = "s.csv"  # the dropped file's name is data too
# The dropped file: score 7 is out of range, C99 is no customer, 备注 is no column.
BAD_FILE = (
    "response_id,customer_id,survey_date,overall_score,备注\n"
    "S90,C01,2025-12-05,7,a\n"
    "S91,C99,2025-12-06,4,b\n"
).encode()
SHOWN_TEXT = """() => {
  const out = [];
  // icons are ligature names (dashboard, info; translate=no); the skip link is Streamlit's
  const skip = '[translate=no], script, style, a[href="#stMain"], [role=gridcell]';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || el.closest(skip) || !node.textContent.trim()) continue;
    const inGrid = el.closest('[data-testid=stDataFrame]');  // its ARIA table is hidden
    if (!inGrid && !el.closest('svg')) {
      const box = el.getBoundingClientRect();
      if (!el.checkVisibility() || box.width <= 1 || box.height <= 1) continue;  // sr-only
    }
    out.push(node.textContent);
  }
  return out.join('\\n');
}"""


def _seed_names() -> set[str]:
    names: set[str] = set()
    for path in (REPO_ROOT / "tests" / "seed").glob("*.csv"):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                names |= {v for k, v in row.items() if k in NAME_COLUMNS and v}
    return names


def _kpi_labels(lang: str) -> set[str]:
    """Every KPI's label in `lang`, as words: the glossary lists both languages side by side."""
    from metrics.registry import KPIS

    pattern = LATIN_WORD if lang == "en" else HAN_WORD
    return {w for k in KPIS.values() for w in pattern.findall(getattr(k, f"label_{lang}"))}


def _ids() -> set[str]:
    """The ids the glossary lists beside the names: KPIs and RFM segments."""
    from metrics.analysis import RFM_SEGMENTS
    from metrics.registry import KPIS

    return set(KPIS) | {s[0] for s in RFM_SEGMENTS}


def foreign_words(text: str, lang: str, page: str = "") -> set[str]:
    """Words of the other language in `text`, allowlist and data (the seed's names, the
    signed-in user, the dropped file's name) left out; on the glossary also the ids and the
    KPI labels of the other language (it lists both side by side)."""
    other = "en" if lang == "zh" else "zh"
    bilingual = _kpi_labels(other) | _ids() if page == "glossary" else set()
    if lang == "zh":
        allowed = {w.lower() for w in LATIN_ALLOWED} | {TEST_USER} | bilingual
        allowed |= set(LATIN_WORD.findall(DROPPED))
        return {
            w
            for w in LATIN_WORD.findall(text)
            if w.lower() not in allowed and w not in allowed and not LATIN_ID.match(w)
        }
    allowed = HAN_ALLOWED | _seed_names() | bilingual
    return {w for w in HAN_WORD.findall(text) if w not in allowed}


def test_foreign_words_finds_what_it_must() -> None:
    """The checker itself: English in a Chinese sentence and Chinese in an English one."""
    assert foreign_words("column '备注' is not part of customers，NPS 为 C01", "zh") == {
        "column", "is", "not", "part", "of", "customers",
    }  # fmt: skip
    assert foreign_words("Branch 北京分行 · 满意率 · 语言 / Language", "en") == {"满意率"}


@pytest.fixture
def context(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    ctx = browser.new_context(**browser_context_args)
    yield ctx
    ctx.close()


def _drop_bad_file(page: Page) -> None:
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        [{"name": DROPPED, "mimeType": "text/csv", "buffer": BAD_FILE}]
    )
    wait_for_app(page)
    expect(page.locator("[data-testid=stAlertContentWarning]").first).to_be_visible()


def _shoot_both_widths(page: Page, name: str, lang: str) -> None:
    screenshot(page, f"{name}-1440", lang)
    size = page.viewport_size or {"width": 1440, "height": 1000}
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.wait_for_timeout(300)  # CSS media rules and Plotly's resize (no rerun to wait on)
        screenshot(page, f"{name}-390", lang)
    finally:
        page.set_viewport_size(size)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_speaks_one_language(
    context: BrowserContext, app_server: AppServer, lang: str
) -> None:
    page = context.new_page()
    page.goto(f"{app_server.url}/?from=2025-01-01&to=2025-12-31&lang={lang}")
    wait_for_app(page, 60_000)
    expect(page.locator(SIGN_IN_NAME)).to_be_visible()  # the sign-in page comes first
    found: dict[str, set[str]] = {}
    words = foreign_words(page.evaluate(SHOWN_TEXT), lang)
    if words:
        found["sign-in"] = words
    sign_in(page, timeout_ms=60_000)
    for path, zh, en in PAGES:
        go_to(page, zh if lang == "zh" else en, path)
        if path == "upload":
            _drop_bad_file(page)
        expect_no_exception(page)
        words = foreign_words(page.evaluate(SHOWN_TEXT), lang, path)
        if words:
            found[path or "overview"] = words
        _shoot_both_widths(page, path or "overview", lang)
    assert not found, repr(found)
