"""metrics.analysis on the seed bank; every expected value is worked out by hand below.

Revenue (tests/seed/revenue.csv) as R12 = 2025-01..12, P12 = 2024-01..12, L6 = 2025-07..12:
  C01 R12 200000 P12 160000 L6 80000   C08 R12 30000 P12 0 L6 5000
  C02 R12  50000 P12  50000 L6 20000   C09 R12  8000 P12 0 L6 8000
  C04 R12  40000 P12  40000 L6 40000   C11 R12 20000 P12 60000 L6 20000
  C06 R12  15000 P12      0 L6 15000   C12 R12 70000 P12 70000 L6 70000
  C07 R12  15000 P12  10000 L6  5000   C13 R12 19000 P12 30000 L6 -1000
  C14 R12  90000 P12  90000 L6 90000
Snapshot 2025-12: L07 (C13) and L11 (C12) special_mention, L05 (C04) substandard,
L08 (C06) doubtful. Snapshot 2025-11: only L08 is not normal (substandard).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from metrics import analysis
from metrics.config import get_settings
from metrics.filters import Filters
from metrics.store import connect_reader
from tests.seedstore import build_seed_store

D = dt.date
Y25 = Filters(D(2025, 1, 1), D(2025, 12, 31))


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = build_seed_store(tmp_path_factory.mktemp("seed") / "seed.duckdb")
    c = connect_reader(Path(path))
    yield c
    c.close()


def test_customer_tiers_stored_and_derived(con: duckdb.DuckDBPyConnection) -> None:
    t = analysis.customer_tiers(con).set_index("customer_id")
    expected = {
        "C01": ("A", "stored"),
        "C02": ("A", "derived"),  # AA and 1.5e9 >= 1e9
        "C03": ("B", "derived"),  # BBB, 5e8
        "C04": ("B", "stored"),  # stored B although BB
        "C05": ("B", "derived"),  # rating A but 2e8 < 1e9, and >= 1e8
        "C06": ("C", "derived"),  # CCC, whatever the assets (8e8)
        "C07": ("C", "derived"),  # empty assets count as 0 < 1e8
        "C08": ("A", "derived"),  # A and 1.2e9
        "C09": ("B", "derived"),
        "C10": ("C", "stored"),
        "C11": ("B", "derived"),
        "C12": ("B", "stored"),  # stored B wins over AAA and 3e9
        "C13": ("B", "derived"),
        "C14": ("A", "derived"),  # A and 1.1e9
    }
    got = {cid: (row["tier"], row["tier_source"]) for cid, row in t.iterrows()}
    assert got == expected
    assert list(t.columns) == ["customer_name", "branch_id", "tier", "tier_source"]


def test_tier_thresholds_are_configurable(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "settings.toml"
    cfg.write_text("[tiers]\na_min_assets = 1.3e9\n", encoding="utf-8")
    monkeypatch.setenv("CRM_SETTINGS", str(cfg))
    assert get_settings().tiers.a_min_assets == 1.3e9
    t = analysis.customer_tiers(con).set_index("customer_id")["tier"]
    # C08 (1.2e9) and C14 (1.1e9) fall below the raised threshold -> B; C02 (1.5e9) stays A
    assert (t["C08"], t["C14"], t["C02"]) == ("B", "B", "A")


# Types on 2025-12-31, first rule that holds wins:
#   churning C11 (20000 < 0.5 x 60000), C13 (L6 -1000 <= 0 with P12 > 0; its special_mention
#            loan would make it risk: churning comes first)
#   risk     C04 (BB), C06 (CCC; also onboarded 2024-06, growth: risk comes first),
#            C12 (special_mention loan L11 in the 2025-12 snapshot)
#   strategic C01 (tier A, R12 rank 1 <= 0.1 x 11 active = 1.1; also R12 >= 1.2 x P12)
#   growth   C07 (15000 >= 1.2 x 10000), C08 C09 (onboarded in the last 24 months)
#   stable   C02 (A but rank 3), C14 (A, rank 2 > 1.1)
TYPES_DEC31 = {
    "C01": "strategic",
    "C02": "stable",
    "C04": "risk",
    "C06": "risk",
    "C07": "growth",
    "C08": "growth",
    "C09": "growth",
    "C11": "churning",
    "C12": "risk",
    "C13": "churning",
    "C14": "stable",
}


def test_relationship_types_rules_and_order(con: duckdb.DuckDBPyConnection) -> None:
    rel = analysis.relationship_types(con, Y25).set_index("customer_id")
    assert dict(rel["rel_type"]) == TYPES_DEC31
    assert (rel.at["C13", "r12"], rel.at["C13", "p12"]) == (19000.0, 30000.0)
    assert list(rel.columns) == ["customer_name", "branch_id", "tier", "rel_type", "r12", "p12"]


def test_relationship_types_snapshot_and_filters(con: duckdb.DuckDBPyConnection) -> None:
    # On 2025-12-30 the snapshot is 2025-11, where L11 is normal: C12 is stable again.
    rel = analysis.relationship_types(con, Y25, on=D(2025, 12, 30)).set_index("customer_id")
    assert rel.at["C12", "rel_type"] == "stable"
    # Filters pick customers, the ranking stays bank-wide: B01 alone still sees C01 strategic.
    b01 = analysis.relationship_types(con, Filters(D(2025, 1, 1), D(2025, 12, 31), ("B01",)))
    assert dict(zip(b01["customer_id"], b01["rel_type"], strict=True)) == {
        "C01": "strategic",
        "C02": "stable",
        "C09": "growth",
        "C13": "churning",
    }


def test_top_share_is_configurable(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "settings.toml"
    cfg.write_text("[relationship]\ntop_share = 0.2\n", encoding="utf-8")
    monkeypatch.setenv("CRM_SETTINGS", str(cfg))
    rel = analysis.relationship_types(con, Y25).set_index("customer_id")
    # 0.2 x 11 = 2.2: C14 (tier A, rank 2) becomes strategic too
    assert rel.at["C14", "rel_type"] == "strategic"
    assert "CRM_SETTINGS" in os.environ


def test_relationship_summary(con: duckdb.DuckDBPyConnection) -> None:
    s = analysis.relationship_summary(con, Y25).set_index("rel_type")
    assert list(s.index) == [t[0] for t in analysis.REL_TYPES]
    # churning C11 + C13 = 39000; risk C04 + C06 + C12 = 125000; strategic 200000;
    # growth C07 + C08 + C09 = 53000; stable C02 + C14 = 140000; total 557000
    assert s["customers"].tolist() == [2, 3, 1, 3, 2]
    assert s["r12"].tolist() == [39000.0, 125000.0, 200000.0, 53000.0, 140000.0]
    assert s.at["strategic", "revenue_share"] == pytest.approx(200000 / 557000)
    # Tier C selects C06 C07 only: risk 15000, growth 15000 -> shares 0.5/0.5, others 0
    c = analysis.relationship_summary(con, Filters(D(2025, 1, 1), D(2025, 12, 31), tiers=("C",)))
    assert c["customers"].tolist() == [0, 1, 0, 1, 0]
    assert c["revenue_share"].tolist() == [0.0, 0.5, 0.0, 0.5, 0.0]


def test_type_movement(con: duckdb.DuckDBPyConnection) -> None:
    m = analysis.type_movement(con, Y25)
    # On 2025-01-01 (no snapshot yet; P12 = 2023-02..2024-01 holds no revenue, so P12 = 0
    # for all and R12 >= 1.2 x 0 makes every non-risk customer growth): active are 10
    # (C03 churned that day). risk C04 C06; strategic C01 (R12 160000, rank 1 <= 1.0);
    # growth C02 C05 C07 C11 C12 C13 C14. To 2025-12-31 (TYPES_DEC31): C05 leaves,
    # C08 C09 enter as growth.
    assert m.at["risk", "risk"] == 2
    assert m.at["strategic", "strategic"] == 1
    assert m.at["growth", "stable"] == 2  # C02 C14
    assert m.at["growth", "churning"] == 2  # C11 C13
    assert m.at["growth", "risk"] == 1  # C12
    assert m.at["growth", "growth"] == 1  # C07
    assert m.at["growth", "not_active"] == 1  # C05
    assert m.at["not_active", "growth"] == 2  # C08 C09
    assert int(m.to_numpy().sum()) == 12
    assert list(m.index) == [*[t[0] for t in analysis.REL_TYPES], "not_active"]


def test_cohort_retention(con: duckdb.DuckDBPyConnection) -> None:
    c = analysis.cohort_retention(con, Filters(D(2019, 1, 1), D(2025, 12, 31)))
    # Onboarded 2019..2025: C14 C01 (2019Q1), C12 (2019Q4), C11 (2020Q1), C02 (2020Q2),
    # C03 (2021Q1), C13 (2021Q2), C05 (2022Q2), C07 (2024Q1), C06 (2024Q2), C08 (2025Q1),
    # C09 (2025Q3). C04 (2018) and C10 (2017) are outside the period.
    assert list(c.index) == [
        "2019Q1", "2019Q4", "2020Q1", "2020Q2", "2021Q1", "2021Q2",
        "2022Q2", "2024Q1", "2024Q2", "2025Q1", "2025Q3",
    ]  # fmt: skip
    # 2019Q1..2025Q4 is 28 quarters: k = 0..27
    assert list(c.columns) == ["size", *range(28)]
    assert c.at["2019Q1", "size"] == 2
    # C03 churned 2025-01-01: active on 2024-12-31 (k = 15), not on 2025-03-31 (k = 16)
    assert (c.at["2021Q1", 15], c.at["2021Q1", 16]) == (1.0, 0.0)
    # C05 churned 2025-12-31: active on 2025-09-30 (k = 13), not on 2025-12-31 (k = 14);
    # k = 15 ends 2026-03-31, after date_to: empty
    assert (c.at["2022Q2", 13], c.at["2022Q2", 14]) == (1.0, 0.0)
    assert c[15].isna()["2022Q2"]
    # C09 (2025Q3): k = 1 ends 2025-12-31 -> 1.0; k = 2 is in the future
    assert c.at["2025Q3", 1] == 1.0 and c[2].isna()["2025Q3"]


def test_funnel_stages_and_rates(con: duckdb.DuckDBPyConnection) -> None:
    fn = analysis.funnel(con, Filters(D(2025, 1, 1), D(2025, 12, 31), tiers=("C",)))
    # 2025 leads LD01..LD06 (the tier filter does not apply to leads):
    # created 6; contacted LD01 LD02 LD03 (skipped, but applied) LD04 = 4;
    # applied LD01 LD03 LD04 = 3; approved the same 3; disbursed LD01 LD04 = 2
    assert fn["stage"].tolist() == ["created", "contacted", "applied", "approved", "disbursed"]
    assert fn["reached"].tolist() == [6, 4, 3, 3, 2]
    assert math.isnan(fn["step_rate"].iloc[0])
    assert fn["step_rate"].iloc[1:].tolist() == pytest.approx([4 / 6, 3 / 4, 1.0, 2 / 3])
    assert fn["overall_rate"].tolist() == pytest.approx([1, 4 / 6, 3 / 6, 3 / 6, 2 / 6])
    by_branch = analysis.funnel(con, Y25, by="branch")
    b02 = by_branch[by_branch["group"] == "B02"]
    # B02: LD03 (contacted skipped, approved) and LD05 (lost) -> 2, 1, 1, 1, 0
    assert b02["reached"].tolist() == [2, 1, 1, 1, 0]
    by_source = analysis.funnel(con, Y25, by="source_channel")
    campaign = by_source[by_source["group"] == "campaign"]
    # campaign: LD01 (disbursed) and LD06 (created only) -> 2, 1, 1, 1, 1
    assert campaign["reached"].tolist() == [2, 1, 1, 1, 1]


# RFM on 2025-12-31 over the 9 active customers with a loan (C07, C09 have none):
#   days since last loan: C14 2525, C12 2191, C11 1825, C13 1086, C02 564, C06 548,
#   C01 305, C08 274, C04 121 -> R = ceil(5 k / 9) for k = 1..9 in that order:
#   1, 2, 2, 3, 3, 4, 4, 5, 5
#   F (loans 2023-01-01..2025-12-31) on the amended fixed thresholds (1 loan 1, 2 loans 2,
#   3 -> 3, 4-5 -> 4, 6+ -> 5; none -> 1): C11 C12 C14 0 -> 1; C02 C04 C06 C08 C13 1 -> 1;
#   C01 2 -> 2
#   M: 0 (x3) -> 2; C06 0.5M -> ceil(5 x 4/9) = 3; C13 0.8M -> 3; C04 1M -> 4;
#   C02 2M -> 4; C08 3M -> 5; C01 11M -> 5
#   segments (first rule on R, F): C01 R4 F2 potential_loyalist; C02 R3 F1 and C13 R3 F1
#   about_to_sleep; C04 R5 F1 and C08 R5 F1 new; C06 R4 F1 promising; C11 R2 F1, C12 R2 F1,
#   C14 R1 F1 hibernating
RFM_EXPECTED = {
    # id: (recency_days, frequency, monetary, r, f, m, segment)
    "C01": (305, 2, 11_000_000.0, 4, 2, 5, "potential_loyalist"),
    "C02": (564, 1, 2_000_000.0, 3, 1, 4, "about_to_sleep"),
    "C04": (121, 1, 1_000_000.0, 5, 1, 4, "new"),
    "C06": (548, 1, 500_000.0, 4, 1, 3, "promising"),
    "C08": (274, 1, 3_000_000.0, 5, 1, 5, "new"),
    "C11": (1825, 0, 0.0, 2, 1, 2, "hibernating"),
    "C12": (2191, 0, 0.0, 2, 1, 2, "hibernating"),
    "C13": (1086, 1, 800_000.0, 3, 1, 3, "about_to_sleep"),
    "C14": (2525, 0, 0.0, 1, 1, 2, "hibernating"),
}


def test_rfm_scores_and_segments(con: duckdb.DuckDBPyConnection) -> None:
    r = analysis.rfm(con, Y25)
    cols = ["recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"]
    got = {row["customer_id"]: tuple(row[c] for c in cols) for row in r.to_dict("records")}
    assert got == RFM_EXPECTED
    seg = analysis.rfm_segments(con, Y25).set_index("segment")
    assert list(seg.index) == [s[0] for s in analysis.RFM_SEGMENTS]
    assert seg["customers"].to_dict() == {
        "champions": 0,
        "loyal": 0,
        "potential_loyalist": 1,
        "new": 2,
        "promising": 1,
        "need_attention": 0,
        "about_to_sleep": 2,
        "at_risk": 0,
        "cant_lose": 0,
        "hibernating": 3,
    }
    # new customers' monetary: C04 1M + C08 3M
    assert seg.at["new", "monetary"] == 4_000_000.0


def test_rfm_frequency_scores_on_the_amended_thresholds(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # loans in 36 months -> F: 0 1, 1 1, 2 2, 3 3, 4 4, 5 4, 6 5, 9 5 (kpis.md, amended)
    scored = analysis.f_scores(con, [0, 1, 2, 3, 4, 5, 6, 9])
    assert scored == [1, 1, 2, 3, 4, 4, 5, 5]


def test_every_rfm_segment_is_reachable(con: duckdb.DuckDBPyConnection) -> None:
    # R and F each take 1..5 (R by quintile, F on thresholds up to 6+ loans): every segment
    # of the map is the first matching rule for at least one (R, F) cell of the 5 x 5 grid.
    grid = analysis.segment_grid(con)
    assert set(grid.values()) == {s[0] for s in analysis.RFM_SEGMENTS}
    assert grid[(5, 1)] == "new" and grid[(4, 1)] == "promising"


def test_drill_down(con: duckdb.DuckDBPyConnection) -> None:
    ids = lambda frame: frame["customer_id"].tolist()  # noqa: E731
    # Tier C customers of 2025: C06, C07 (C10 churned in 2024 is not in the period)
    assert ids(analysis.drill_down(con, Y25, "tier", "C")) == ["C06", "C07"]
    # B01 in 2025: C01 C02 C03 (churned on date_from, still in the period) C09 C13
    assert ids(analysis.drill_down(con, Y25, "branch", "B01")) == [
        "C01",
        "C02",
        "C03",
        "C09",
        "C13",
    ]
    assert ids(analysis.drill_down(con, Y25, "relationship_type", "risk")) == ["C04", "C06", "C12"]
    new = analysis.drill_down(con, Y25, "rfm_segment", "new")  # see RFM_EXPECTED
    assert ids(new) == ["C04", "C08"]
    assert {"customer_name", "branch_id", "tier", "onboard_date", "churn_date"} <= set(new.columns)
    with pytest.raises(ValueError, match="unknown dimension"):
        analysis.drill_down(con, Y25, "region", "x")  # type: ignore[arg-type]


def test_balance_by_risk_class_per_month(con: duckdb.DuckDBPyConnection) -> None:
    from metrics import views

    # tests/seed/loan_balances.csv, snapshots of 2025-11 and 2025-12 only:
    # 2025-11 normal L02 5.6M + L05 0.95M + L06 3.0M + L07 0.25M + L10 8.1M + L11 1.05M
    #         = 18.95M; substandard L08 0.2M
    # 2025-12 normal L02 5.5M + L06 3.0M + L10 8.0M = 16.5M; substandard L05 0.9M;
    #         special_mention L07 0.2M + L11 1.0M = 1.2M; doubtful L08 0.1M
    wide = views.risk_classes_by_month(con, Filters(D(2025, 1, 1), D(2025, 12, 31)))
    assert len(wide) == 12 and wide.iloc[:10].isna().all().all()  # no snapshot Jan..Oct
    nov, dec = wide.iloc[10], wide.iloc[11]
    assert (nov["normal"], nov["substandard"], nov["loss"]) == (18_950_000, 200_000, 0)
    assert (dec["normal"], dec["substandard"]) == (16_500_000, 900_000)
    assert (dec["special_mention"], dec["doubtful"]) == (1_200_000, 100_000)
    # branch B01 (C01 C02 C03 C09 C13): C01's L02 and C13's L07 -> 5.5M normal, 0.2M
    # special mention in December
    b01 = views.risk_classes_by_month(con, Filters(D(2025, 12, 1), D(2025, 12, 31), ("B01",)))
    assert (b01.iloc[-1]["normal"], b01.iloc[-1]["special_mention"]) == (5_500_000, 200_000)
    assert b01.iloc[-1]["substandard"] == 0
