"""The app's side of issue 12 through AppTest on the seed bank with two events
(tests/eventseed.py): alerts and the brief on the Overview, the Initiative impact page and
the analysts' events editor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.eventseed import build_seed_with_events
from tests.signin import sign_in
from ui.safe import md

APP = str(Path(__file__).resolve().parents[1] / "app.py")
YEAR_2025 = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def seed_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    db = build_seed_with_events(tmp_path / "crm.duckdb")
    monkeypatch.setenv("CRM_DB", str(db))
    yield db


def _app(
    role: str = "admin", name: str = "tester", branches: tuple[str, ...] = (), **query: str
) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return sign_in(at, name=name, role=role, branches=branches)


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _links(at: AppTest) -> list[str]:
    """The alert links of the page (not the sidebar's page links, not the watchlist link)."""
    return [
        el.proto.label
        for el in at.main.get("page_link")
        if "target" in el.proto.label or "目标" in el.proto.label
    ]


def test_overview_lists_the_fired_alerts_with_links_and_offers_the_brief(seed_env: Path) -> None:
    at = _app(**YEAR_2025, lang="en")
    _ok(at)
    # Latest month 2025-12: NPL 1.0 / 18.7 M = 5.3 % > 1.5 % fires (tests/test_alerts.py);
    # satisfaction (1 survey) and the SLA (1 request) are on target in December.
    assert any("1 alert(s) fire" in m.value for m in at.markdown)
    assert _links(at) == [md("NPL ratio (selection): 5.3%, target 1.50%, n —")]
    [link] = [el for el in at.get("page_link") if "NPL" in el.proto.label]
    assert link.proto.page.endswith("lending")  # the page that shows the NPL ratio
    assert [b.proto.label for b in at.get("download_button") if "brief" in b.proto.label] == [
        "Download the board brief (PDF)"
    ]


def test_a_manager_sees_only_alerts_of_their_branch(seed_env: Path) -> None:
    # B02's December NPL is 1.0 of 9.0 M = 11.1 % -> fires; B01's is 0 (L02 normal, L07
    # special mention) -> quiet, and B01's manager never sees the bank's or B02's alert.
    at = _app(role="manager", name="mgr2", branches=("B02",), **YEAR_2025, lang="en")
    _ok(at)
    assert _links(at) == [md("NPL ratio (selection): 11.1%, target 1.50%, n —")]
    at = _app(role="manager", name="mgr1", branches=("B01",), **YEAR_2025, lang="en")
    _ok(at)
    assert not any("NPL" in x for x in _links(at))
    assert any("2025-12: no alert fires." in c.value for c in at.caption)


def test_impact_page_shows_a_branch_events_did(seed_env: Path) -> None:
    at = _app(**YEAR_2025, lang="en")
    at.switch_page("app_pages/impact.py").run()
    _ok(at)
    at.selectbox(key="impact_event").set_value("E2").run()
    at.number_input[0].set_value(365).run()
    _ok(at)
    grid = at.dataframe[0].value.set_index("KPI")
    # tests/test_impact.py: new customers in B01 0 -> 1, other branches 2 -> 1: DiD = +2.
    assert grid.loc["New customers", "Change"] == "+1"
    assert grid.loc["New customers", "Difference-in-differences (vs other branches)"] == "+2"
    # Satisfaction: surveys start 2024-12-31, after the before window's start -> "—".
    assert grid.loc["Satisfaction rate", "Before"] == "—"


def test_analysts_save_the_events_through_the_loader(seed_env: Path) -> None:
    from metrics.load import history
    from metrics.store import connect_reader

    at = _app(role="analyst", name="ana", **YEAR_2025, lang="en")
    at.switch_page("app_pages/impact.py").run()
    _ok(at)
    at.button(key="events_save").click().run()
    _ok(at)
    assert any("Saved 2 events" in s.value for s in at.success)
    con = connect_reader(seed_env)
    try:
        last = history(con, seed_env).iloc[0]
        assert (last["table_name"], last["mode"], last["loaded_by"]) == ("events", "replace", "ana")
        assert con.execute("SELECT count(*) FROM events").fetchone() == (2,)
    finally:
        con.close()


def test_executives_have_no_events_editor(seed_env: Path) -> None:
    at = _app(role="executive", name="exe", **YEAR_2025, lang="en")
    at.switch_page("app_pages/impact.py").run()
    _ok(at)
    assert not [b for b in at.button if b.key == "events_save"]


def test_a_bad_alert_rule_is_a_warning_not_a_traceback(
    seed_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "settings.toml"
    cfg.write_text('[[alerts.rules]]\nkpi = "no_such_kpi"\nthreshold = 1\n', encoding="utf-8")
    monkeypatch.setenv("CRM_SETTINGS", str(cfg))
    at = _app(**YEAR_2025, lang="en")
    assert not at.exception
    wanted = md("An alert rule is wrong, none evaluated: alert rule on unknown KPI 'no_such_kpi'")
    assert [w.value for w in at.warning] == [wanted]
