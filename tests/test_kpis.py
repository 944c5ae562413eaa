"""KPI cases as data: (kpi, period, filters, expected), each worked out by hand on tests/seed.

Seed facts used below (see tests/seed/*.csv):
customers (tier: stored S / derived D)
  C01 B01 A(S) on 2019-03-15          C08 B03 A(D: A, 1.2e9) on 2025-02-14, referred by C01
  C02 B01 A(D: AA, 1.5e9) 2020-06-01  C09 B01 B(D) on 2025-07-01
  C03 B01 B(D) 2021-02-10, churn 2025-01-01 (= date_from)
  C04 B02 B(S) 2018-09-01             C10 B03 C(S) 2017-01-10, churn 2024-06-30
  C05 B02 B(D: A but 2e8) 2022-04-01, churn 2025-12-31 (= date_to)
  C06 B02 C(D: CCC) 2024-06-01        C11 B02 B(D) 2020-01-01
  C07 B03 C(D: no assets) 2024-03-01  C12 B03 B(S) 2019-11-11
  C13 B01 B(D) 2021-05-01             C14 B02 A(D: A, 1.1e9) 2019-01-01
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from metrics import kpis
from metrics.filters import Filters
from metrics.registry import KPIS
from metrics.store import connect_reader
from tests.seedstore import build_seed_store

D = dt.date
Y25 = (D(2025, 1, 1), D(2025, 12, 31))
H2 = (D(2025, 7, 1), D(2025, 12, 31))
DAY1 = (D(2025, 1, 1), D(2025, 1, 1))
DAY31 = (D(2025, 12, 31), D(2025, 12, 31))
FEB = (D(2025, 2, 1), D(2025, 2, 28))
TO_DEC30 = (D(2025, 1, 1), D(2025, 12, 30))
H1 = (D(2025, 1, 1), D(2025, 6, 30))
Y18 = (D(2018, 1, 1), D(2018, 12, 31))
NO = ()


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = build_seed_store(tmp_path_factory.mktemp("seed") / "seed.duckdb")
    c = connect_reader(Path(path))
    yield c
    c.close()


# (kpi, period, branches, tiers, expected) -- expected worked out by hand in the comment.
CASES: list[tuple[str, tuple[dt.date, dt.date], tuple[str, ...], tuple[str, ...], Any]] = [
    # Surveys in 2025: S01 5 (on date_from), S02 4, S03 3, S04 2, S05 5, S06 4 (on date_to);
    # S07 is dated 2024-12-31 and stays out.  Satisfied (>= 4): S01 S02 S05 S06 -> 4/6.
    ("csat_rate", Y25, NO, NO, 4 / 6),
    # (5 + 4 + 3 + 2 + 5 + 4) / 6 = 23/6
    ("csat_mean", Y25, NO, NO, 23 / 6),
    # S04 has no service score: (5 + 4 + 3 + 5 + 4) / 5 = 4.2
    ("service_quality_mean", Y25, NO, NO, 4.2),
    # S02 has no speed score: (4 + 2 + 2 + 5 + 4) / 5 = 3.4
    ("response_speed_mean", Y25, NO, NO, 3.4),
    # S05 has no NPS: 10, 9, 6, 3, 9 -> promoters 3, detractors 2 -> 100 x (3 - 2) / 5 = 20
    ("nps", Y25, NO, NO, 20.0),
    ("survey_responses", Y25, NO, NO, 6),
    # A survey exactly on date_from (S01 2025-01-01) and on date_to (S06 2025-12-31) counts.
    ("survey_responses", DAY1, NO, NO, 1),
    ("survey_responses", DAY31, NO, NO, 1),
    # No survey in February 2025: ratio is None (zero denominator), the count is 0.
    ("csat_rate", FEB, NO, NO, None),
    ("csat_mean", FEB, NO, NO, None),
    ("survey_responses", FEB, NO, NO, 0),
    # Tier A customers C01 C02 C08 answered S01 (5) S02 (4) S05 (5): all satisfied -> 1.0
    ("csat_rate", Y25, NO, ("A",), 1.0),
    # Tier C (C06 C07 C10) answered nothing: NPS None
    ("nps", Y25, NO, ("C",), None),
    # Branch B02 (C04 C05 ...): S03 3, S04 2 -> 0/2 = 0.0, a real zero, not None
    ("csat_rate", Y25, ("B02",), NO, 0.0),
    # Requests opened in 2025: R01 6 h, R02 exactly 24 h (within), R03 25 h (missed),
    # R04 never answered (missed), R05 1 h, R06 1 h -> 4/6.
    ("response_sla_rate", Y25, NO, NO, 4 / 6),
    # Complaints opened in 2025: R02 R03 R05 R06 = 4 (R07 is 2024). Customers active on any
    # day of 2025 (onboard <= 12-31, churn empty or > 01-01): all 14 but C03 (churn = 01-01)
    # and C10 (churned 2024) = 12 -> 100 x 4 / 12.
    ("complaint_rate", Y25, NO, NO, 100 * 4 / 12),
    # Resolved complaints: R02 60 h, R03 48 h, R05 72 h (resolved in 2026 still counts),
    # R06 unresolved -> median(48, 60, 72) = 60
    ("complaint_resolution_hours", Y25, NO, NO, 60.0),
    # B03's only complaint (R07, C12) was opened in 2024: no value
    ("complaint_resolution_hours", Y25, ("B03",), NO, None),
    # Start set of 2025: onboarded before 2025-01-01 and not churned before it: 14 - C08 C09
    # (new) - C10 (churned 2024) = 11; C03 (churn on date_from) is in it.
    ("customers_at_start", Y25, NO, NO, 11),
    # Of those, churned by 12-31: C03 (on date_from) and C05 (on date_to) = 2
    ("churned_customers", Y25, NO, NO, 2),
    ("retention_rate", Y25, NO, NO, 9 / 11),
    ("churn_rate", Y25, NO, NO, 2 / 11),
    ("new_customers", Y25, NO, NO, 2),
    # Active on 2025-12-31: 14 - C03 - C05 (churn_date = d is not active) - C10 = 11
    ("active_customers", Y25, NO, NO, 11),
    # Active on 2025-01-01: C03 churned that day, C10 gone, C08 C09 not yet -> 10
    ("active_customers", DAY1, NO, NO, 10),
    # Period = 2025-01-01 only: start set 11 (C03 in it), churned C03 -> 1
    ("churned_customers", DAY1, NO, NO, 1),
    # Period = 2025-12-31 only: start set = all onboarded before and not churned before:
    # 14 - C03 - C10 = 12; churned on 12-31: C05 -> retention 11/12
    ("churned_customers", DAY31, NO, NO, 1),
    ("retention_rate", DAY31, NO, NO, 11 / 12),
    # H2 2025: start set 11 (C08 now in, C03 out); churned C05 -> 10/11
    ("retention_rate", H2, NO, NO, 10 / 11),
    # Tier A start set C01 C02 C14, none churned -> 1.0; tier A new: C08 (derived A) -> 1
    ("retention_rate", Y25, NO, ("A",), 1.0),
    ("new_customers", Y25, NO, ("A",), 1),
    # Tier B churned: C03 and C05, both derived B -> 2
    ("churned_customers", Y25, NO, ("B",), 2),
    # Loans maturing in 2025: L01 (renewed by L02), L03, L04 (renewed by L05), L08 -> 2/4
    ("renewal_rate", Y25, NO, NO, 0.5),
    # Borrowers in 2025: C01 (also 2023), C04 (also 2022), C08 (first loan) -> 2/3
    ("repurchase_rate", Y25, NO, NO, 2 / 3),
    # Leads created in 2025: LD01..LD06 (LD06 on date_to; LD07 is 2024) = 6
    ("leads_created", Y25, NO, NO, 6),
    # Leads have no tier: the tier filter is ignored
    ("leads_created", Y25, NO, ("C",), 6),
    # Disbursed: LD01 and LD04 -> 2/6
    ("lead_conversion_rate", Y25, NO, NO, 2 / 6),
    # LD01 01-05 -> 02-20 = 46 days, LD04 06-01 -> 07-01 = 30 days -> 38
    ("avg_days_to_convert", Y25, NO, NO, 38.0),
    # Applied -> approved: LD01 21, LD03 20 (contacted skipped), LD04 10 -> 51/3 = 17
    ("avg_approval_days", Y25, NO, NO, 17.0),
    # B02 leads: LD03, LD05 -> 2, none disbursed -> 0.0 and no days to convert
    ("leads_created", Y25, ("B02",), NO, 2),
    ("lead_conversion_rate", Y25, ("B02",), NO, 0.0),
    ("avg_days_to_convert", Y25, ("B02",), NO, None),
    # Spend of 2025-01, -03, -06: 40000 + 20000 + 10000 (2024-12 out) = 70000
    ("marketing_spend", Y25, NO, NO, 70000.0),
    ("marketing_spend", Y25, NO, ("A",), 70000.0),
    # Period from 2025-01-02: January's first day is not in it -> 20000 + 10000
    ("marketing_spend", (D(2025, 1, 2), D(2025, 12, 31)), NO, NO, 30000.0),
    # CAC = 70000 / new customers C08 C09 = 35000; with tier A still 70000 / 2 (tier ignored)
    ("cac", Y25, NO, NO, 35000.0),
    ("cac", Y25, NO, ("A",), 35000.0),
    # B01: 40000 / C09 = 40000; B02: 20000 / 0 new customers -> None
    ("cac", Y25, ("B01",), NO, 40000.0),
    ("cac", Y25, ("B02",), NO, None),
    # New: C08 (referred by C01), C09 -> 1/2
    ("referral_rate", Y25, NO, NO, 0.5),
    # Revenue 2025-01..12 by customer: C01 200000, C02 50000, C04 40000, C05 25000,
    # C06 15000, C07 15000, C08 30000, C09 8000, C11 20000, C12 70000, C13 19000,
    # C14 90000 -> 582000 / 12 customers = 48500
    ("avg_annual_revenue", Y25, NO, NO, 48500.0),
    # Positive in 2+ categories: C01 (loan, deposit), C02 (loan, fx), C07 (loan,
    # cash_management), C08 (loan, deposit); C05 and C13 have a negative 2nd category -> 4/12
    ("cross_sell_rate", Y25, NO, NO, 4 / 12),
    # r = retention over [2025-12-31 - 364 d, 2025-12-31] = 2025 = 9/11;
    # CLV = 48500 x (9/11) / (1.08 - 9/11) = 48500 x 9 / (11.88 - 9) = 48500 x 3.125
    ("clv", Y25, NO, NO, 151562.5),
    # H2: CLV still uses the 365 days ending 12-31 (r = 9/11), not H2's retention 10/11
    ("clv", H2, NO, NO, 151562.5),
    # clv / cac = 151562.5 / 35000
    ("clv_cac_ratio", Y25, NO, NO, 151562.5 / 35000),
    # Tier A: revenue C01 200000 + C02 50000 + C08 30000 + C14 90000 = 370000 / 4 = 92500;
    # r = 3/3 = 1 -> CLV = 92500 / 0.08 = 1156250; CAC ignores tiers (35000)
    ("clv", Y25, NO, ("A",), 1156250.0),
    ("clv_cac_ratio", Y25, NO, ("A",), 1156250.0 / 35000),
    # Disbursed in 2025: L02 6M + L05 1M + L06 3M = 10M; in 2024: L03 2M + L08 0.5M
    ("new_loan_amount", Y25, NO, NO, 10_000_000.0),
    ("new_loan_growth", Y25, NO, NO, 10 / 2.5 - 1),
    # Tier A: 2025 L02 6M + L06 3M = 9M; 2024 L03 2M -> 9/2 - 1 = 3.5
    ("new_loan_growth", Y25, NO, ("A",), 3.5),
    # Tier C: 2025 nothing, 2024 L08 0.5M -> 0/0.5 - 1 = -1.0
    ("new_loan_growth", Y25, NO, ("C",), -1.0),
    # 2018 and 2017 have no loans: 0 and None
    ("new_loan_amount", Y18, NO, NO, 0),
    ("new_loan_growth", Y18, NO, NO, None),
    # Snapshot 2025-12: 5.5M + 0.9M + 3M + 0.2M + 8M + 1M + 0.1M = 18.7M;
    # NPL = L05 0.9M substandard + L08 0.1M doubtful = 1.0M (special_mention is not NPL)
    ("outstanding_balance", Y25, NO, NO, 18_700_000.0),
    ("npl_ratio", Y25, NO, NO, 1.0 / 18.7),
    # date_to 2025-12-30: December's last day is after it -> snapshot 2025-11:
    # 5.6 + 0.95 + 3 + 0.25 + 8.1 + 1.05 + 0.2 = 19.15M; NPL L08 0.2M
    ("outstanding_balance", TO_DEC30, NO, NO, 19_150_000.0),
    ("npl_ratio", TO_DEC30, NO, NO, 0.2 / 19.15),
    # No snapshot on or before 2025-06-30: balance KPIs are None
    ("outstanding_balance", H1, NO, NO, None),
    ("npl_ratio", H1, NO, NO, None),
    # Tier A loans L02 5.5M, L06 3M, L10 8M, none NPL -> 0.0 (not None)
    ("npl_ratio", Y25, NO, ("A",), 0.0),
]


_COMPUTED: dict[Filters, dict[str, Any]] = {}


def _close(got: Any, expected: Any) -> bool:
    if expected is None:
        return got is None
    return got is not None and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("kpi", "period", "branches", "tiers", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[1][0]}..{c[1][1]}-{'+'.join(c[2] + c[3]) or 'all'}" for c in CASES],
)
def test_kpi_case(
    con: duckdb.DuckDBPyConnection,
    kpi: str,
    period: tuple[dt.date, dt.date],
    branches: tuple[str, ...],
    tiers: tuple[str, ...],
    expected: Any,
) -> None:
    f = Filters(period[0], period[1], branches, tiers)
    if f not in _COMPUTED:  # many cases share one filter: compute it once
        _COMPUTED[f] = kpis.compute(con, f)
    got = _COMPUTED[f][kpi]
    assert _close(got, expected), f"{kpi}: got {got}, expected {expected}"


def test_cases_cover_every_kpi() -> None:
    assert {c[0] for c in CASES} == set(KPIS)


def test_compute_returns_plain_numbers(con: duckdb.DuckDBPyConnection) -> None:
    values = kpis.compute(con, Filters(*Y25))
    assert list(values) == list(KPIS)
    for k, v in values.items():
        assert v is None or type(v) in (int, float), (k, type(v))
    # Counts come back as ints: 6 surveys, 11 active customers.
    assert values["survey_responses"] == 6 and type(values["survey_responses"]) is int


def test_discount_rate_reaches_clv(con: duckdb.DuckDBPyConnection) -> None:
    # d = 0.10: 48500 x (9/11) / (1.10 - 9/11) = 48500 x 9 / (12.1 - 9) = 48500 x 9 / 3.1
    f = Filters(*Y25, discount_rate=0.10)
    assert math.isclose(kpis.compute(con, f)["clv"] or 0, 48500 * 9 / 3.1)


def _same(a: Any, b: Any) -> bool:
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else a
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else b
    return (a is None and b is None) or (
        a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    )


def test_compare_matches_compute(con: duckdb.DuckDBPyConnection) -> None:
    f = Filters(*H2, tiers=("A", "B"))
    frame = kpis.compare(con, f)
    assert list(frame.index) == list(KPIS)
    assert list(frame.columns) == ["current", "previous", "year_ago"]
    # previous of 2025-07-01..12-31 (184 days) is 2024-12-29..2025-06-30
    assert f.previous_period().date_from == D(2024, 12, 29)
    for col, g in (
        ("current", f),
        ("previous", f.previous_period()),
        ("year_ago", f.year_earlier()),
    ):
        expected = kpis.compute(con, g)
        for k in KPIS:
            assert _same(frame.at[k, col], expected[k]), (col, k)


def test_series_months_match_compute(con: duckdb.DuckDBPyConnection) -> None:
    f = Filters(D(2025, 1, 15), D(2025, 12, 10), branches=("B01", "B03"))
    frame = kpis.series(con, f)
    # Every calendar month overlapping the period: Jan..Dec, indexed by month end.
    assert [d.date() for d in frame.index] == [
        (D(2025, m + 1, 1) if m < 12 else D(2026, 1, 1)) - dt.timedelta(days=1)
        for m in range(1, 13)
    ]
    for month_end, row in zip(frame.index, frame.to_dict("records"), strict=True):
        end = month_end.date()
        expected = kpis.compute(con, Filters(end.replace(day=1), end, ("B01", "B03")))
        for k in KPIS:
            assert _same(row[k], expected[k]), (end, k)


def test_series_values_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    frame = kpis.series(con, Filters(*Y25))
    # New customers per month: C08 in February, C09 in July, none elsewhere.
    assert frame["new_customers"].tolist() == [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    # Balances exist only from the 2025-11 snapshot on.
    assert frame["outstanding_balance"].isna().tolist() == [True] * 10 + [False, False]
    trailing = kpis.series(con, Filters(*Y25), kind="trailing12")
    # The trailing-12 value at December is the whole of 2025.
    year = kpis.compute(con, Filters(*Y25))
    for k in KPIS:
        assert _same(trailing[k].iloc[-1], year[k]), k
    # Trailing 12 months to 2025-01-31 = 2024-02-01..2025-01-31: surveys S07 (2024-12-31)
    # and S01 (2025-01-01) -> 2.
    assert trailing["survey_responses"].iloc[0] == 2


def test_breakdown_by_tier_matches_filtered_compute(con: duckdb.DuckDBPyConnection) -> None:
    f = Filters(*Y25)
    frame = kpis.breakdown(con, f, "tier")
    assert list(frame.index) == ["A", "B", "C"]
    for tier in ("A", "B", "C"):
        expected = kpis.compute(con, Filters(*Y25, tiers=(tier,)))
        for k in KPIS.values():
            if k.customer_based:
                assert _same(frame.at[tier, k.id], expected[k.id]), (tier, k.id)
            else:  # leads and spend have no tier
                assert frame[k.id].isna()[tier], (tier, k.id)
    # Active customers by tier: A C01 C02 C08 C14 = 4; B C04 C09 C11 C12 C13 = 5; C C06 C07 = 2
    assert frame["active_customers"].tolist() == [4, 5, 2]
    # CAC has no tier, yet CLV/CAC is each tier's CLV over the whole selection's CAC:
    # tier A 1156250 / 35000 (see CASES)
    assert frame["cac"].isna()["A"]
    assert frame.at["A", "clv_cac_ratio"] == pytest.approx(1156250.0 / 35000)


def test_breakdown_by_branch_matches_filtered_compute(con: duckdb.DuckDBPyConnection) -> None:
    frame = kpis.breakdown(con, Filters(*Y25, tiers=("A", "B")), "branch")
    assert list(frame.index) == ["B01", "B02", "B03"]
    for b in ("B01", "B02", "B03"):
        expected = kpis.compute(con, Filters(*Y25, branches=(b,), tiers=("A", "B")))
        for k in KPIS:
            assert _same(frame.at[b, k], expected[k]), (b, k)
    # Leads by branch: B01 LD01 LD02, B02 LD03 LD05, B03 LD04 LD06
    assert frame["leads_created"].tolist() == [2, 2, 2]


def test_breakdown_by_relationship_type(con: duckdb.DuckDBPyConnection) -> None:
    frame = kpis.breakdown(con, Filters(*Y25), "relationship_type")
    assert list(frame.index) == ["churning", "risk", "strategic", "growth", "stable"]
    # Types on 2025-12-31 (see test_analysis): churning C11 C13, risk C04 C06 C12,
    # strategic C01, growth C07 C08 C09, stable C02 C14
    assert frame["active_customers"].tolist() == [2, 3, 1, 3, 2]
    # Strategic C01's revenue 200000 in 2025 (loan 120000 + deposit 80000)
    assert frame.at["strategic", "avg_annual_revenue"] == 200000.0
    assert frame["leads_created"].isna().all()


def test_breakdown_rejects_unknown_dimension(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="unknown breakdown"):
        kpis.breakdown(con, Filters(*Y25), "region")  # type: ignore[arg-type]
