"""Initiative impact worked out by hand on the seed bank (tests/seed/*.csv) plus two events
(tests/eventseed.py): E1 2025-05-01 bank-wide, E2 2025-01-01 branch B01.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from metrics import impact
from metrics.filters import Filters
from tests.eventseed import build_seed_with_events


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_with_events(tmp_path_factory.mktemp("impact") / "crm.duckdb")


def _impact(
    db: Path, event_id: str, kpis: list[str], days: int, f: Filters | None = None
) -> dict[str, impact.Impact]:
    from metrics.store import connect_reader

    con = connect_reader(db)
    try:
        rows = impact.impact(con, impact.event(con, event_id), f, kpis, days)
    finally:
        con.close()
    return {r.kpi: r for r in rows}


def test_windows_are_w_days_before_and_from_the_event_day() -> None:
    before, after = impact.windows(dt.date(2025, 5, 1), 121)
    assert before == (dt.date(2024, 12, 31), dt.date(2025, 4, 30))  # 1 May - 121 d
    assert after == (dt.date(2025, 5, 1), dt.date(2025, 8, 29))  # 1 May + 120 d


def test_a_rate_kpi_changes_with_its_interval(db: Path) -> None:
    r = _impact(db, "E1", ["csat_rate"], 121)["csat_rate"]
    # Before 2024-12-31..2025-04-30: S07 (1), S01 (5), S02 (4) -> 2 of 3 satisfied.
    # After 2025-05-01..2025-08-29: S03 (3), S04 (2) -> 0 of 2.
    assert (r.before, r.after, r.n_before, r.n_after) == (pytest.approx(2 / 3), 0.0, 3, 2)
    assert r.change == pytest.approx(-2 / 3)
    # SE_before = sqrt(2/3 x 1/3 / 3) = sqrt(2/27) = 0.272166; SE_after = sqrt(0 x 1 / 2) = 0.
    # half width = 1.959964 x 0.2721655 = 0.5334346 -> [-1.2001013, -0.1332321]
    assert r.ci_low == pytest.approx(-2 / 3 - 1.959964 * math.sqrt(2 / 27), abs=1e-6)
    assert r.ci_high == pytest.approx(-0.1332321, abs=1e-6)
    assert r.did is None  # a bank-wide event has no difference-in-differences


def test_a_branch_event_has_its_difference_in_differences(db: Path) -> None:
    r = _impact(db, "E2", ["new_customers"], 365)["new_customers"]
    # Before 2024-01-02..2024-12-31, after 2025-01-01..2025-12-31, branch B01:
    # before none, after C09 (2025-07-01) -> change +1.
    assert (r.before, r.after, r.change) == (0, 1, 1)
    # Other branches: before C07 (B03, 2024-03-01), C06 (B02, 2024-06-01) = 2;
    # after C08 (B03, 2025-02-14) = 1 -> change -1; DiD = 1 - (-1) = 2.
    assert r.did == 2
    assert r.ci_low is None  # a count has no interval


def test_the_others_are_the_filters_other_branches(db: Path) -> None:
    f = Filters(dt.date(2025, 1, 1), dt.date(2025, 12, 31), branches=("B01", "B03"))
    r = _impact(db, "E2", ["new_customers"], 365, f)["new_customers"]
    # Others = B03 only: before C07, after C08 -> change 0; DiD = 1 - 0 = 1.
    assert (r.change, r.did) == (1, 1)


def test_a_branch_event_outside_the_selection_is_refused(db: Path) -> None:
    f = Filters(dt.date(2025, 1, 1), dt.date(2025, 12, 31), branches=("B02",))
    with pytest.raises(ValueError, match="concerns B01"):
        _impact(db, "E2", ["new_customers"], 365, f)  # a B02 view never shows B01's numbers


def test_a_window_the_sources_do_not_cover_is_null(db: Path) -> None:
    rows = _impact(db, "E2", ["csat_rate"], 365)
    # Surveys start 2024-12-31 (S07); the before window starts 2024-01-02.
    r = rows["csat_rate"]
    assert not r.covered
    assert (r.before, r.after, r.change, r.ci_low, r.did) == (None, None, None, None, None)
    # E1 with 300 days: the after window ends 2026-02-24, past the surveys' as-of 2025-12-31.
    late = _impact(db, "E1", ["csat_rate"], 300)["csat_rate"]
    assert not late.covered and late.change is None


def test_default_kpis_are_those_with_a_direction(db: Path) -> None:
    from metrics.kpis.catalog import KPIS

    rows = _impact(db, "E1", None, 30)  # type: ignore[arg-type]
    assert "survey_responses" not in rows and "outstanding_balance" not in rows
    assert len(rows) == sum(1 for k in KPIS.values() if k.direction != "none")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metrics", "impact", *args], capture_output=True, text=True
    )


def test_cli_prints_json_with_nulls(db: Path) -> None:
    out = _cli("E2", "--kpi", "new_customers", "--kpi", "csat_rate", "--window-days", "365",
               "--json", "--db", str(db))  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["event"]["branch_id"] == "B01"
    assert data["before"] == {"from": "2024-01-02", "to": "2024-12-31"}
    assert data["kpis"]["new_customers"]["did"] == 2
    assert data["kpis"]["csat_rate"]["change"] is None


def test_cli_refuses_an_unknown_event_in_one_line(db: Path) -> None:
    out = _cli("NOPE", "--db", str(db))
    assert out.returncode == 2
    assert out.stderr.strip() == "error: no event 'NOPE'"
