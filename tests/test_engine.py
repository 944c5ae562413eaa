"""The engine against the raw-fact oracle, numerators, intervals and flags by hand, publish.

Seed facts: see tests/test_kpis.py. Source dates of the seed (kpis.md, As-of date):
surveys 2024-12-31 (S07) .. 2025-12-31 (S06); leads start 2024-12-20 (LD07 created),
as-of 2025-12-31 (LD06 created); loans 2019-02-01 (L10) .. 2025-09-01 (L05);
loan_balances 2025-11-01 .. 2025-12-31; customers 2017-01-10 (C10) .. 2025-12-31 (C05 churn).
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import load
from metrics.engine import query, rollups
from metrics.filters import Filters
from metrics.kpis import catalog
from metrics.kpis.model import Count, Kpi
from metrics.load import read_extract
from metrics.registry import KPIS
from metrics.store import connect, connect_reader
from tests import oracle
from tests.seedstore import build_seed_store

D = dt.date
Y25 = (D(2025, 1, 1), D(2025, 12, 31))
H1 = (D(2025, 1, 1), D(2025, 6, 30))
H2 = (D(2025, 7, 1), D(2025, 12, 31))
Z = 1.959964


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_store(tmp_path_factory.mktemp("seed") / "seed.duckdb")


@pytest.fixture(scope="module")
def con(seed: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect_reader(seed)
    yield c
    c.close()


def _same(a: Any, b: Any) -> bool:
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else a
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else b
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


# --- The rollups answer what the raw facts answer -----------------------------------------

_DAYS = st.integers(min_value=0, max_value=(D(2026, 1, 31) - D(2023, 12, 1)).days)


@st.composite
def _views(draw: st.DrawFn) -> tuple[Filters, str | None]:
    a, b = sorted((draw(_DAYS), draw(_DAYS)))
    start = D(2023, 12, 1)
    f = Filters(
        start + dt.timedelta(days=a),
        start + dt.timedelta(days=b),
        branches=tuple(draw(st.sets(st.sampled_from(["B01", "B02", "B03"]), max_size=2))),
        tiers=tuple(draw(st.sets(st.sampled_from(["A", "B", "C"]), max_size=2))),
        managers=tuple(
            draw(
                st.sets(
                    st.sampled_from(["王伟", "李娜", "张敏", "陈杰", "(unassigned)"]), max_size=2
                )
            )
        ),
    )
    by = draw(
        st.sampled_from([None, "tier", "branch", "relationship_type", "relationship_manager"])
    )
    return f, by


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(view=_views())
def test_rollups_equal_the_raw_facts(
    con: duckdb.DuckDBPyConnection, view: tuple[Filters, str | None]
) -> None:
    f, by = view
    periods = [(f.date_from, f.date_to)]
    want = oracle._evaluate(con, f, periods, by)
    got = query.cells(con, f, periods, by)
    assert {g for _, g in got} == {g for _, g in want}
    for (pid, g), row in got.items():
        expected = want[(pid, g)]
        for k, cell in row.items():
            assert _same(cell.value, expected[k]), (f, by, g, k, cell.value, expected[k])
            if f"num:{k}" in expected:
                num, den = expected[f"num:{k}"], expected[f"den:{k}"]
            elif isinstance(KPIS[k].computes, Count):
                num, den = expected[k], None  # counts and sums: the value itself
            else:
                num = den = None  # derived
            assert _same(cell.numerator, num), (f, by, g, k, "numerator", cell.numerator, num)
            assert _same(cell.denominator, den), (f, by, g, k, "denominator")


def test_a_store_without_rollups_answers_the_same(seed: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    shutil.copyfile(seed, old)
    w = connect(old, read_only=False)
    for (name,) in w.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'rollup_%'"
    ).fetchall():
        w.execute(f"DROP TABLE {name}")
    w.close()
    a, b = connect_reader(seed), connect_reader(old)
    f = Filters(*Y25, tiers=("A", "B"))
    assert query.compute(a, f) == query.compute(b, f)
    assert query.breakdown(a, f, "relationship_manager").equals(
        query.breakdown(b, f, "relationship_manager")
    )
    # The old store got private rollups in its reader's memory, not in the file.
    assert rollups.location(b) == "memory.main."
    assert rollups.location(a) == ""
    a.close()
    b.close()


# --- Numerators, denominators, intervals and flags by hand --------------------------------


def _wilson(k: float, n: float) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def test_csat_rate_detail(con: duckdb.DuckDBPyConnection) -> None:
    c = query.detail(con, Filters(*Y25), ["csat_rate"])["csat_rate"]
    # 4 of 6 surveys satisfied (tests/test_kpis.py)
    assert (c.numerator, c.denominator, c.value) == (4, 6, pytest.approx(4 / 6))
    # Wilson, n = 6, p = 2/3, z^2 = 3.841459: centre = (0.666667 + 0.320122) / 1.640243
    # = 0.601611; half = 1.959964 x sqrt(0.037037 + 0.026677) / 1.640243 = 0.301617
    assert c.ci_low == pytest.approx(0.299994, abs=1e-5)
    assert c.ci_high == pytest.approx(0.903228, abs=1e-5)
    assert (c.ci_low, c.ci_high) == pytest.approx(_wilson(4, 6))
    # n = 6 < 30: low_n. Surveys' as-of 2025-12-31 = date_to: complete. Not a funnel KPI.
    assert c.low_n is True and c.complete is True and c.mature is None


def test_low_n_follows_min_n(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "settings.toml"
    cfg.write_text("min_n = 6\n", encoding="utf-8")
    monkeypatch.setenv("CRM_SETTINGS", str(cfg))
    cells = query.detail(con, Filters(*Y25), ["csat_rate", "retention_rate"])
    # n = 6 is not below min_n = 6; retention's n = 11 neither
    assert cells["csat_rate"].low_n is False and cells["retention_rate"].low_n is False
    # February 2025: no survey, n = 0 -> value and interval null, low_n
    feb = query.detail(con, Filters(D(2025, 2, 1), D(2025, 2, 28)), ["csat_rate"])["csat_rate"]
    assert (feb.value, feb.ci_low, feb.ci_high, feb.denominator, feb.low_n) == (
        None, None, None, 0, True,
    )  # fmt: skip


def test_retention_rate_detail(con: duckdb.DuckDBPyConnection) -> None:
    c = query.detail(con, Filters(*Y25), ["retention_rate", "churn_rate"])
    r = c["retention_rate"]
    # start set 11, churned 2 (C03, C05): numerator 11 - 2 = 9, n = 11
    assert (r.numerator, r.denominator) == (9, 11)
    # Wilson n = 11, p = 0.818182: centre = (0.818182 + 0.174612) / 1.349224 = 0.735824;
    # half = 1.959964 x sqrt(0.013524 + 0.007937) / 1.349224 = 0.212809
    assert r.ci_low == pytest.approx(0.523015, abs=1e-5)
    assert r.ci_high == pytest.approx(0.948633, abs=1e-5)
    # customers' as-of = C05's churn 2025-12-31: complete
    assert r.low_n and r.complete and r.mature is None
    assert (c["churn_rate"].numerator, c["churn_rate"].denominator) == (2, 11)


def test_lead_conversion_immature_and_mature(con: duckdb.DuckDBPyConnection) -> None:
    year = query.detail(con, Filters(*Y25), ["lead_conversion_rate"])["lead_conversion_rate"]
    # 2 of 6 leads disbursed; leads' as-of 2025-12-31 < 2025-12-31 + 90 days: immature
    assert (year.numerator, year.denominator, year.mature) == (2, 6, False)
    half = query.detail(con, Filters(*H1), ["lead_conversion_rate"])["lead_conversion_rate"]
    # H1: LD01 LD02 LD03 LD04 created, LD01 LD04 disbursed -> 2/4;
    # 2025-06-30 + 90 days = 2025-09-28 <= 2025-12-31: mature
    assert (half.numerator, half.denominator, half.value, half.mature) == (2, 4, 0.5, True)
    # Wilson n = 4, p = 0.5: centre 0.5; half = 1.959964 x sqrt(0.0625 + 3.841459 / 64)
    # / (1 + 3.841459 / 4) = 1.959964 x sqrt(0.122523) / 1.960365 = 0.686052 / 1.960365
    # = 0.349962
    assert half.ci_low == pytest.approx(0.150038, abs=1e-5)
    assert half.ci_high == pytest.approx(0.849962, abs=1e-5)


def test_npl_ratio_detail(con: duckdb.DuckDBPyConnection) -> None:
    c = query.detail(con, Filters(*Y25), ["npl_ratio", "outstanding_balance"])
    npl = c["npl_ratio"]
    # 2025-12 snapshot: NPL 0.9M + 0.1M = 1.0M of 18.7M; money, not a sample: no interval,
    # never low_n
    assert (npl.numerator, npl.denominator) == (1_000_000, 18_700_000)
    assert (npl.ci_low, npl.ci_high, npl.low_n, npl.complete) == (None, None, False, True)
    # a sum: its numerator is the value itself, no denominator
    ob = c["outstanding_balance"]
    assert (ob.numerator, ob.denominator) == (18_700_000, None)
    # complaint resolution is a median: no numerator; n = 3 resolved complaints
    h = query.detail(con, Filters(*Y25), ["complaint_resolution_hours"])
    median = h["complaint_resolution_hours"]
    assert (median.value, median.numerator, median.denominator) == (60.0, None, 3)


def test_incomplete_when_a_source_ends_before_date_to(con: duckdb.DuckDBPyConnection) -> None:
    c = query.detail(con, Filters(D(2025, 7, 1), D(2026, 1, 31)), ["csat_rate", "npl_ratio"])
    # surveys end 2025-12-31 and the last snapshot is 2025-12: January 2026 is not in yet
    assert c["csat_rate"].complete is False and c["npl_ratio"].complete is False


def test_trailing12_point_not_covered(con: duckdb.DuckDBPyConnection) -> None:
    points = query.series_detail(con, Filters(*Y25), "trailing12", ["survey_responses"])
    jan = points[D(2025, 1, 31)]["survey_responses"]
    # 2024-02-01..2025-01-31 starts before surveys start (2024-12-31): not covered -> null,
    # though S07 and S01 fall in it
    assert (jan.value, jan.covered) == (None, False)
    dec = points[D(2025, 12, 31)]["survey_responses"]
    # 2025-01-01..2025-12-31 starts after 2024-12-31: covered, 6 surveys
    assert (dec.value, dec.covered) == (6, True)


def test_year_ago_comparison_not_covered(con: duckdb.DuckDBPyConnection) -> None:
    blocks = query.compare_detail(con, Filters(*H2), ["leads_created"])
    # H2 2025: LD05, LD06 created
    assert blocks["current"]["leads_created"].value == 2
    # previous 2024-12-29..2025-06-30 starts after leads start 2024-12-20: LD01..LD04 = 4
    prev = blocks["previous"]["leads_created"]
    assert (prev.value, prev.covered) == (4, True)
    # a year earlier 2024-07-01..2024-12-31 starts before 2024-12-20: not covered, null
    # (LD07 would count 1)
    ago = blocks["year_ago"]["leads_created"]
    assert (ago.value, ago.covered) == (None, False)
    # compare() keeps the plain values for the pages of today
    assert query.compare(con, Filters(*H2), ["leads_created"]).at["leads_created", "year_ago"] == 1


def test_breakdown_by_manager_and_month(con: duckdb.DuckDBPyConnection) -> None:
    frame = query.breakdown(con, Filters(*Y25), "relationship_manager", ["active_customers"])
    # active on 2025-12-31 (11): 王伟 C01 C02; 李娜 C09 C13 (C03 churned); 张敏 C04 C06 C11 C14
    # (C05 churned on 12-31); 陈杰 C07 C08 C12 (C10 gone)
    assert frame["active_customers"].to_dict() == {"张敏": 4, "李娜": 2, "王伟": 2, "陈杰": 3}
    funnel = query.breakdown(con, Filters(*Y25), "relationship_manager", ["leads_created", "cac"])
    assert funnel.isna().all().all()  # leads and spend have no manager
    months = query.breakdown(
        con, Filters(D(2025, 2, 10), D(2025, 4, 5)), "month", ["new_customers"]
    )
    # C08 onboarded 2025-02-14; March none; April 1-5 none
    assert months["new_customers"].to_dict() == {"2025-02": 1, "2025-03": 0, "2025-04": 0}
    only = query.compute(
        con, Filters(*Y25, managers=("陈杰",)), ["active_customers", "new_customers"]
    )
    assert only == {"active_customers": 3, "new_customers": 1}  # C08 onboarded 2025-02-14


# --- Publish: facts and rollups in one rename ---------------------------------------------


def test_a_load_changes_the_rollups_in_the_same_publish(seed: Path, tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    shutil.copyfile(seed, db)
    before = connect_reader(db)
    csv = (
        b"response_id,customer_id,survey_date,touchpoint,channel,overall_score\n"
        b"S08,C01,2025-06-15,annual_review,visit,5\n"
    )
    reports = load.load_batch(db, [("surveys", read_extract(csv, "s.csv"), None)], "append")
    assert reports[0].ok, reports[0].render_text()
    after = connect_reader(db)

    def facts_and_rollup(c: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
        row = c.execute(
            "SELECT (SELECT count(*) FROM surveys), (SELECT sum(surveys) FROM rollup_surveys)"
        ).fetchone()
        assert row is not None
        return tuple(row)

    # The reader opened before the load reads the old file: 7 facts, 7 in the rollup;
    # the new one reads both with S08: 8 and 8. Never 8 facts with a 7-survey rollup.
    assert facts_and_rollup(before) == (7, 7)
    assert facts_and_rollup(after) == (8, 8)
    assert rollups.location(after) == ""  # the rollups were built in the publish
    assert query.compute(before, Filters(*Y25), ["survey_responses"]) == {"survey_responses": 6}
    assert query.compute(after, Filters(*Y25), ["survey_responses"]) == {"survey_responses": 7}
    before.close()
    after.close()


# --- Declarations resolve, or the import fails --------------------------------------------


def test_every_declaration_resolves() -> None:
    catalog.check()
    for k in KPIS.values():
        assert catalog.sources_of(k.id), k.id
        assert catalog.tables_of(k.id), k.id


def test_a_declaration_without_a_query_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = Kpi(
        "broken", "service", "坏", "Broken", "count", "none", "x", "x", computes=Count("no_such")
    )
    monkeypatch.setattr(catalog, "_ALL", (*catalog._ALL, broken))
    monkeypatch.setattr(catalog, "KPIS", {**catalog.KPIS, "broken": broken})
    with pytest.raises(ValueError, match="unknown measure 'no_such'"):
        catalog.check()


def test_unknown_kpi_is_an_error(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="unknown KPI"):
        query.compute(con, Filters(*Y25), ["no_such_kpi"])
