"""The view in a real browser (issue 10, items 6, 9, 10): history, direct URLs, offline, phone.

Playwright drives /usr/bin/chromium against the app on the seed store (tests/seed/*.csv);
seed branches B01 北京分行, B02 上海分行, B03 广州分行.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser_util import (
    AppServer,
    choose_in_multiselect,
    expect_no_exception,
    go_to,
    open_app,
    wait_for_app,
)

pytestmark = pytest.mark.browser

# (URL path, Chinese title, English title) of every page an admin has, in navigation order
PAGES: tuple[tuple[str, str, str], ...] = (
    ("overview", "总览", "Overview"),
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
SIDEBAR = "[data-testid=stSidebar]"
# Set by a script in every document: whether "Page not found" was ever on screen.
WATCH_NOT_FOUND = """
window.__notFound = false;
new MutationObserver(() => {
  if (document.body && /Page not found|找不到页面/.test(document.body.innerText)) {
    window.__notFound = true;
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


@pytest.fixture
def context(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    ctx = browser.new_context(**browser_context_args)
    yield ctx
    ctx.close()


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _history_length(page: Page) -> int:
    return int(page.evaluate("history.length"))


def _back(page: Page) -> None:
    page.go_back()
    wait_for_app(page)


def _preset(page: Page) -> Any:
    return page.locator(f"{SIDEBAR} .st-key-w_preset")


def _multiselect(page: Page, key: str) -> Any:
    return page.locator(f"{SIDEBAR} .st-key-{key}")


def _expect_view(
    page: Page, path: str, title: str, preset: str, branches: str, tiers: str, lang: str
) -> None:
    """The URL, the page heading and every sidebar widget show this view."""
    expect(page).to_have_url(re.compile(rf"/{path}\?"))
    query = _query(page)
    assert query.get("lang") == [lang]
    assert query.get("branch", []) == ([branches] if branches else [])
    assert query.get("tier", []) == ([tiers] if tiers else [])
    expect(page.locator("h1").first).to_contain_text(title)
    expect(_preset(page).locator("input")).to_have_value(preset)
    lang_label = "English" if lang == "en" else "中文"
    expect(
        page.locator(f"{SIDEBAR} .st-key-w_lang").get_by_role("radio", name=lang_label)
    ).to_be_checked()
    branch_box = _multiselect(page, "w_branches")
    if branches:
        expect(branch_box).to_contain_text(branches)
    else:
        expect(branch_box.locator("[data-baseweb=tag]")).to_have_count(0)
    tier_box = _multiselect(page, "w_tiers")
    if tiers:
        expect(tier_box).to_contain_text(f"{tiers} 类" if lang == "zh" else f"Tier {tiers}")
    else:
        expect(tier_box.locator("[data-baseweb=tag]")).to_have_count(0)


def test_each_action_is_one_history_entry_and_back_restores_the_view(
    context: BrowserContext, app_server: AppServer
) -> None:
    """Five actions (period, tier, branch, language, page), five history entries; five Backs
    walk the same views in reverse, every widget and the URL as they were."""
    page = context.new_page()
    open_app(page, f"{app_server.url}/overview?period=ytd&lang=zh")
    _expect_view(page, "overview", "总览", "年初至今", "", "", "zh")
    start = _history_length(page)

    choose_in_multiselect(page, _preset(page), "本季度")
    expect(page).to_have_url(re.compile(r"period=quarter"))
    assert _history_length(page) == start + 1
    choose_in_multiselect(page, _multiselect(page, "w_tiers"), "A 类")
    expect(page).to_have_url(re.compile(r"tier=A"))
    assert _history_length(page) == start + 2
    choose_in_multiselect(page, _multiselect(page, "w_branches"), "B02 上海分行")
    expect(page).to_have_url(re.compile(r"branch=B02"))
    assert _history_length(page) == start + 3
    page.locator(f"{SIDEBAR} .st-key-w_lang").get_by_text("English").click()
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"lang=en"))
    assert _history_length(page) == start + 4
    go_to(page, "Retention", "retention")
    expect(page.locator("h1").first).to_contain_text("Retention")
    assert _history_length(page) == start + 5
    expect_no_exception(page)

    _back(page)
    _expect_view(page, "overview", "Overview", "This quarter", "B02", "A", "en")
    _back(page)
    _expect_view(page, "overview", "总览", "本季度", "B02", "A", "zh")
    _back(page)
    _expect_view(page, "overview", "总览", "本季度", "", "A", "zh")
    _back(page)
    _expect_view(page, "overview", "总览", "本季度", "", "", "zh")
    _back(page)
    _expect_view(page, "overview", "总览", "年初至今", "", "", "zh")
    page.go_forward()
    wait_for_app(page)
    _expect_view(page, "overview", "总览", "本季度", "", "", "zh")
    expect_no_exception(page)


@pytest.mark.parametrize("path", [p for p, _, _ in PAGES])
def test_every_page_url_loads_directly(
    context: BrowserContext, app_server: AppServer, path: str
) -> None:
    """Typing /<page>?... opens that page, in that view, never showing "Page not found" (the
    page that runs instead of a missing one is the overview, so any other heading proves it)."""
    context.add_init_script(WATCH_NOT_FOUND)
    page = context.new_page()
    open_app(page, f"{app_server.url}/{path}?from=2025-01-01&to=2025-12-31&tier=B&lang=en")
    heading = page.locator("h1").first
    if path == "overview":
        expect(heading).to_have_text("Overview")
    else:
        expect(heading).to_be_visible()
        expect(heading).not_to_have_text("Overview")
    expect(page).to_have_url(re.compile(rf"/{path}\?.*tier=B"))
    expect(page.locator(f"{SIDEBAR} .st-key-w_tiers")).to_contain_text("Tier B")
    assert page.evaluate("window.__notFound") is False
    expect_no_exception(page)


def _nav_path(path: str) -> str:
    """Where the navigation links a page: the default page (overview) is served at "/"."""
    return "" if path == "overview" else path


def _same_origin(url: str, origin: str) -> bool:
    if url.startswith(("data:", "about:")):
        return True  # inline, no request leaves the page
    if url.startswith("blob:"):
        url = url[len("blob:") :]
    parts = urlsplit(url)
    host = f"{parts.hostname}:{parts.port}"
    return host == urlsplit(origin).netloc and parts.scheme in ("http", "https", "ws", "wss")


def test_a_full_tour_requests_nothing_from_another_origin(
    context: BrowserContext, app_server: AppServer
) -> None:
    """Every request (documents, scripts, fonts, images, the favicon, the websocket) of a
    tour of every page in both languages goes to the app's own origin."""
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    page = context.new_page()
    page.on("websocket", lambda ws: requested.append(ws.url))
    open_app(page, f"{app_server.url}/overview?from=2025-01-01&to=2025-12-31&lang=zh")
    for lang in ("zh", "en"):
        if lang == "en":
            page.locator(f"{SIDEBAR} .st-key-w_lang").get_by_text("English").click()
            wait_for_app(page)
        for path, zh, en in PAGES:
            go_to(page, zh if lang == "zh" else en, _nav_path(path))
            expect_no_exception(page)
    favicon = page.locator("link[rel~=icon]").first.get_attribute("href") or ""
    requested.append(urlsplit(page.url)._replace(path=favicon, query="").geturl())
    assert favicon and "material" not in favicon
    outside = sorted({u for u in requested if not _same_origin(u, app_server.url)})
    assert len(requested) > 20  # the tour did load things (scripts, fonts, the socket)
    assert outside == []


PHONE = {"width": 390, "height": 844}
TOOLBARS = ".js-plotly-plot .modebar, [data-testid=stElementToolbar]"


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return dict(box)


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@pytest.fixture
def phone(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        **{**browser_context_args, "viewport": PHONE, "is_mobile": True, "has_touch": True}
    )
    yield ctx
    ctx.close()


@pytest.fixture
def narrow(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    """A 390 px window with a mouse: hovering shows every toolbar (a touch screen may not)."""
    ctx = browser.new_context(**{**browser_context_args, "viewport": PHONE})
    yield ctx
    ctx.close()


def test_on_a_phone_the_sidebar_starts_closed_and_cards_flow_two_by_two(
    phone: BrowserContext, app_server: AppServer
) -> None:
    """390 px wide: the sidebar is collapsed on first load and covers nothing; the overview's
    KPI cards sit two per row (two distinct left edges, each card under 60 % of the width)."""
    page = phone.new_page()
    open_app(page, f"{app_server.url}/?from=2025-01-01&to=2025-12-31&lang=zh")
    sidebar = page.locator(SIDEBAR)
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    expect(sidebar.locator(".st-key-nav")).not_to_be_in_viewport()
    heading = page.locator("h1").first
    box = _box(heading)
    covering = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('h1') !== null",
        [box["x"] + 10, box["y"] + box["height"] / 2],
    )
    assert covering, "something covers the page heading"
    cards = page.locator("[data-testid=stMetric]")
    expect(cards.first).to_be_visible()
    boxes = [_box(cards.nth(i)) for i in range(min(cards.count(), 4))]
    assert len(boxes) == 4
    assert len({round(b["x"]) for b in boxes}) == 2  # two columns
    assert boxes[0]["y"] == pytest.approx(boxes[1]["y"], abs=2)  # first two side by side
    assert boxes[2]["y"] > boxes[0]["y"] + boxes[0]["height"] - 2  # then the next row
    assert all(b["width"] < 0.6 * PHONE["width"] for b in boxes)


@pytest.mark.parametrize("path", ["", "satisfaction", "retention", "lending"])
def test_on_a_phone_no_toolbar_covers_a_chart_title(
    narrow: BrowserContext, app_server: AppServer, path: str
) -> None:
    """With the pointer on each chart (hover), no toolbar is drawn over the chart: Plotly's
    sits over the top right of the plot, where a long title runs (shown on a desktop only)."""
    page = narrow.new_page()
    open_app(page, f"{app_server.url}/{path}?from=2025-01-01&to=2025-12-31&lang=zh")
    charts = page.locator("[data-testid=stPlotlyChart]")
    expect(charts.first.locator("svg.main-svg").first).to_be_attached()
    assert charts.count() >= 1
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        chart.hover()
        chart_box = _box(chart)
        titles = chart.locator(".gtitle")
        bars = page.locator(TOOLBARS)
        for j in range(bars.count()):
            bar = bars.nth(j)
            if not bar.is_visible():
                continue
            bar_box = _box(bar)
            assert not _overlap(bar_box, chart_box), (i, bar.evaluate("e => e.className"))
            for k in range(titles.count()):
                assert not _overlap(bar_box, _box(titles.nth(k))), i


def test_printing_leaves_out_the_sidebar_and_keeps_charts_whole(
    context: BrowserContext, app_server: AppServer
) -> None:
    """Print media: no sidebar, no header; the charts are shown and never split across sheets."""
    page = context.new_page()
    open_app(page, f"{app_server.url}/?from=2025-01-01&to=2025-12-31&lang=zh")
    expect(page.locator(SIDEBAR)).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(SIDEBAR)).to_be_hidden()
    expect(page.locator("[data-testid=stHeader]")).to_be_hidden()
    charts = page.locator("[data-testid=stPlotlyChart]")
    expect(charts.first).to_be_visible()
    breaks = charts.evaluate_all("els => els.map(e => getComputedStyle(e).breakInside)")
    assert breaks and set(breaks) == {"avoid"}
    pdf = page.pdf()  # Chromium prints it: a real PDF of some pages
    assert pdf.startswith(b"%PDF")
