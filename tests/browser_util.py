"""Helpers for the real-browser tests: wait for a Streamlit rerun to finish, read cards, shoot."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.signin import TEST_PASSWORD, TEST_USER  # every test server has this admin

REPO_ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
APP_TIMEOUT_MS = 30_000

IDLE_APP = "[data-testid=stApp][data-test-script-state=notRunning]"
SKELETON = "[data-testid=stSkeleton]"
EXCEPTION = "[data-testid=stException]"
PLOTLY = ".js-plotly-plot"
PLOTLY_ELEMENT = "[data-testid=stPlotlyChart]"
NAV = "[data-testid=stSidebar] .st-key-nav"  # the page links (ui/nav.py)
LOG_TAIL_CHARS = 6000


@dataclass
class AppServer:
    """A running `streamlit run app.py`: its base URL, the store it reads and its log."""

    url: str
    db: Path
    mappings_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        """The end of the server's combined stdout/stderr."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return text[-chars:]


def wait_for_app(page: Page, timeout_ms: int = APP_TIMEOUT_MS) -> None:
    """Wait until the script run an action triggered has finished and nothing is a placeholder.

    The short pause lets the rerun start first; the status widget is not a reliable signal.
    """
    page.wait_for_timeout(250)
    expect(page.locator(IDLE_APP)).to_have_count(1, timeout=timeout_ms)
    expect(page.locator(SKELETON)).to_have_count(0, timeout=timeout_ms)


SIGN_IN_NAME = ".st-key-auth_name input"
SIGN_IN_PASSWORD = ".st-key-auth_password input"
SIGN_IN_SUBMIT = ".st-key-auth_submit button"


def sign_in(
    page: Page,
    name: str = TEST_USER,
    password: str = TEST_PASSWORD,
    timeout_ms: int = APP_TIMEOUT_MS,
) -> None:
    """Fill the sign-in form shown on the page, submit it and wait for the page behind it."""
    page.locator(SIGN_IN_NAME).fill(name)
    page.locator(SIGN_IN_PASSWORD).fill(password)
    page.locator(SIGN_IN_SUBMIT).click()
    wait_for_app(page, timeout_ms)


def open_app(
    page: Page,
    url: str,
    timeout_ms: int = APP_TIMEOUT_MS,
    *,
    name: str = TEST_USER,
    password: str = TEST_PASSWORD,
) -> None:
    """Navigate to `url`, sign in when the form asks (as `name`), wait until the page is done.

    A browser session is one tab's connection: every goto or reload signs in again.
    """
    page.goto(url)
    wait_for_app(page, timeout_ms)
    if page.locator(SIGN_IN_NAME).count():
        sign_in(page, name, password, timeout_ms)


def go_to(page: Page, title: str, path: str) -> None:
    """Switch page from the sidebar navigation, as a user does, and wait for it to render."""
    page.locator(NAV).get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(re.compile(rf"^[a-z]+://[^/]+/{re.escape(path)}(\?|$)"))
    wait_for_app(page)


def expect_no_exception(page: Page) -> None:
    """No uncaught exception box anywhere on the page."""
    expect(page.locator(EXCEPTION)).to_have_count(0)


def expect_charts_drawn(page: Page, timeout_ms: int = APP_TIMEOUT_MS) -> int:
    """Every Plotly chart on the page is visible and has drawn its SVG; returns their count."""
    charts = page.locator(PLOTLY)
    expect(charts.first).to_be_visible(timeout=timeout_ms)
    count = charts.count()
    for i in range(count):
        chart = charts.nth(i)
        expect(chart).to_be_visible(timeout=timeout_ms)
        # Plotly renders into .main-svg once the figure is laid out.
        expect(chart.locator("svg.main-svg").first).to_be_attached(timeout=timeout_ms)
    # Every st.plotly_chart element holds a drawn plot (none failed to render).
    expect(page.locator(PLOTLY_ELEMENT)).to_have_count(count)
    return count


def metric(page: Page, label: str | re.Pattern[str]) -> Locator:
    """The st.metric card whose label matches `label` (exactly, when a string)."""
    label_loc = page.locator("[data-testid=stMetricLabel]").filter(
        has_text=re.compile(rf"^\s*{re.escape(label)}\s*$") if isinstance(label, str) else label
    )
    return page.locator("[data-testid=stMetric]").filter(has=label_loc)


def metric_value(page: Page, label: str | re.Pattern[str]) -> Locator:
    """The value element of the metric card labelled `label`."""
    return metric(page, label).locator("[data-testid=stMetricValue]")


def choose_in_multiselect(page: Page, widget: Locator, option: str) -> None:
    """Add `option` to a st.multiselect (or pick it in a st.selectbox) and wait for the rerun.

    The widget is scrolled to the middle first, so its dropdown has room to open below it
    (a long sidebar puts the filters at the viewport's bottom edge).
    """
    widget.evaluate("el => el.scrollIntoView({block: 'center'})")
    widget.locator("input").first.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page)


def dataframe_rows(frame: Locator) -> list[dict[str, str]]:
    """The rows a st.dataframe shows, read from the grid's accessibility table (header -> text).

    The grid paints on a canvas; its hidden ARIA table holds the rendered cells as text.
    """
    expect(frame.locator("table [role=gridcell]").first).to_be_attached(timeout=APP_TIMEOUT_MS)
    rows: list[dict[str, str]] = frame.evaluate(
        """el => {
            const t = el.querySelector('table');
            const head = [...t.querySelectorAll('thead th')].map(th => th.textContent.trim());
            return [...t.querySelectorAll('tbody tr')].map(tr => Object.fromEntries(
                [...tr.querySelectorAll('td')].map((td, i) => [head[i], td.textContent.trim()])));
        }"""
    )
    return rows


def screenshot(page: Page, name: str, lang: str) -> Path:
    """Save the whole page (scrolled content too) as test-artifacts/screenshots/<name>-<lang>.png.

    Streamlit scrolls inside its main container, not the document, so the viewport is
    stretched to the content's height for the shot and restored afterwards.
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{_slug(name)}-{lang}.png"
    size = page.viewport_size or {"width": 1440, "height": 1000}
    height = page.evaluate(
        """() => {
            let h = document.documentElement.scrollHeight;
            for (const el of document.querySelectorAll('*')) {
                const s = getComputedStyle(el);
                if (/(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight) {
                    h = Math.max(h, el.scrollHeight + el.getBoundingClientRect().top);
                }
            }
            return Math.ceil(h);
        }"""
    )
    tall = max(size["height"], min(int(height) + 40, 12_000))
    page.mouse.move(size["width"] - 5, 5)  # no hover effects (tooltips, sidebar toggle)
    try:
        if tall != size["height"]:
            page.set_viewport_size({"width": size["width"], "height": tall})
            page.wait_for_timeout(400)  # let Plotly resize to the new layout
        page.screenshot(path=str(path), full_page=True)
    finally:
        if tall != size["height"]:
            page.set_viewport_size(size)
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "page"
