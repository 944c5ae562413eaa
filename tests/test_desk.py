"""The relationship manager's desk on the desk bank (tests/seed_desk/*.csv), worked by hand.

The day d = 2026-03-31 throughout; the period for the scorecards is 2026-01-01..2026-03-31.
d's month is 2026-03, so the watchlist's "3 months ending with d's month" are 2026-01..03,
"the 3 months before" 2025-10..12; the latest snapshot on or before d is 2026-03 (its last
day 03-31 <= d; 2026-04 ends 04-30 > d), one month earlier 2026-02; a complaint counts when
opened before 2026-03-24 00:00 and not resolved by 2026-04-01 00:00; the survey window is
2025-04-01..2026-03-31; maturities in (03-31, 06-29] (03-31 + 30 Apr + 31 May + 29 Jun = 90).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from metrics import kpis, scorecards, watchlist, whitespace
from metrics.config import _load
from metrics.filters import UNASSIGNED, Filters
from metrics.store import connect_reader
from tests.conftest import REPO_ROOT

D = dt.date
DAY = D(2026, 3, 31)
Q1 = Filters(D(2026, 1, 1), DAY)


@pytest.fixture(scope="module")
def desk_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.deskstore import build_desk_store

    return build_desk_store(tmp_path_factory.mktemp("desk") / "desk.duckdb")


@pytest.fixture
def con(desk_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect_reader(desk_path)
    yield c
    c.close()


def _flags(con: duckdb.DuckDBPyConnection, f: Filters = Q1) -> dict[str, list[str]]:
    frame = watchlist.watchlist(con, f, DAY)
    return dict(zip(frame["customer_id"], frame["flags"], strict=True))


# (customer, flag, holds, why)
FLAG_CASES = [
    ("K01", "revenue_drop", True, "Jan 4,000 + Feb 4,000 + Mar 6,000 = 14,000 < 0.5 x 30,000"),
    ("K02", "revenue_drop", False, "3 x 5,000 = 15,000 is not < 0.5 x (3 x 10,000) = 15,000"),
    ("K12", "revenue_drop", False, "Oct-Dec 5,000 - 5,000 = 0 is not > 0"),
    ("K03", "risk_downgrade", True, "M03a normal in 2026-02, special_mention in 2026-03"),
    ("K04", "risk_downgrade", False, "M04 was special_mention already in 2026-02"),
    ("K12", "risk_downgrade", False, "M12 substandard in both snapshots"),
    ("K05", "past_due", True, "M05 31 days > 30 in 2026-03 (the 2026-04 row is after d)"),
    ("K12", "past_due", True, "M12 60 days"),
    ("K04", "past_due", False, "M04 30 days is not > 30"),
    ("K06", "complaint_open", True, "Q01 opened 03-23 23:59 < 03-24 00:00, never resolved"),
    ("K08", "complaint_open", True, "Q06 opened 03-01, resolved 04-01 00:00: after the end of d"),
    ("K15", "complaint_open", True, "Q08 opened 01-10, never resolved"),
    ("K07", "complaint_open", False, "Q03 opened exactly 03-24 00:00; Q04 resolved 03-31 23:59"),
    ("K08", "low_satisfaction", True, "latest survey V02 scores 2, on d itself"),
    ("K05", "low_satisfaction", True, "latest survey V11 (2026-02-01) scores 1"),
    ("K09", "low_satisfaction", False, "latest on or before d is V04 = 3 (V05 = 1 is after d)"),
    ("K10", "low_satisfaction", False, "V06 = 1 on 2025-03-31 is 365 days before d: outside"),
    ("K10", "maturity_no_renewal", True, "M10 matures 2026-06-29 = d + 90, not renewed"),
    ("K03", "maturity_no_renewal", True, "M03m matures 2026-04-15, not renewed"),
    ("K11", "maturity_no_renewal", False, "M11 (05-01) renewed by M11r; M11b matures on d"),
]


@pytest.mark.parametrize(("customer", "flag", "holds", "why"), FLAG_CASES)
def test_each_flag_holds_or_just_fails(
    con: duckdb.DuckDBPyConnection, customer: str, flag: str, holds: bool, why: str
) -> None:
    assert (flag in _flags(con).get(customer, [])) is holds, why


def test_watchlist_order_and_flags(con: duckdb.DuckDBPyConnection) -> None:
    # flags (count) and outstanding balance in the 2026-03 snapshot:
    #   K05 past_due, complaint_open, low_satisfaction (3)     M05 500,000
    #   K03 risk_downgrade, maturity_no_renewal (2)          M03a 1,750,000 + M03m 250,000
    #   K08 complaint_open, low_satisfaction (2)             M08 1,500,000
    #   K01 revenue_drop (1) 3,900,000; K10 maturity (1) M10 900,000 + M10b 300,000;
    #   K12 past_due (1) 400,000; K06 complaint (1) 0; K15 complaint (1) 0 -> by id
    # not flagged: K02 K04 K07 K09 K11 K13 (every flag just fails or none applies) and K14
    # (churned 2026-03-15, so not active on d although its M14 is 180 days past due)
    frame = watchlist.watchlist(con, Q1, DAY)
    assert list(frame["customer_id"]) == ["K05", "K03", "K08", "K01", "K10", "K12", "K06", "K15"]
    assert frame["flags"][0] == ["past_due", "complaint_open", "low_satisfaction"]
    assert frame["flags"][1] == ["risk_downgrade", "maturity_no_renewal"]
    assert list(frame["outstanding_balance"]) == [
        500_000,
        2_000_000,
        1_500_000,
        3_900_000,
        1_200_000,
        400_000,
        0,
        0,
    ]
    assert watchlist.watchlist_count(con, Q1, DAY) == 8


def test_watchlist_facts(con: duckdb.DuckDBPyConnection) -> None:
    rows = watchlist.watchlist(con, Q1, DAY).set_index("customer_id")
    assert (rows.at["K01", "rev_recent"], rows.at["K01", "rev_before"]) == (14_000, 30_000)
    assert (rows.at["K03", "downgraded_loan"], rows.at["K03", "downgraded_to"]) == (
        "M03a",
        "special_mention",
    )
    assert (rows.at["K05", "past_due_loan"], rows.at["K05", "days_past_due"]) == ("M05", 31)
    # Q01 opened 2026-03-23: 8 days before d; Q06 2026-03-01: 30; Q08 2026-01-10: 21 + 28 + 31
    assert (rows.at["K06", "complaint_id"], rows.at["K06", "complaint_age_days"]) == ("Q01", 8)
    assert rows.at["K08", "complaint_age_days"] == 30
    assert rows.at["K15", "complaint_age_days"] == 80
    assert rows.at["K08", "last_score"] == 2
    # K10: M10 (06-29) and not M10b (06-30 = d + 91)
    assert rows.at["K10", "maturing_loan"] == "M10"
    assert rows.at["K10", "maturity_date"] == dt.datetime(2026, 6, 29)


def test_watchlist_filters(con: duckdb.DuckDBPyConnection) -> None:
    def ids(**kw: object) -> list[str]:
        flags = kw.pop("flags", ())
        f = Filters(Q1.date_from, Q1.date_to, **kw)  # type: ignore[arg-type]
        return list(watchlist.watchlist(con, f, DAY, flags=flags)["customer_id"])  # type: ignore[arg-type]

    assert ids(branches=("D2",)) == ["K05", "K12", "K15"]
    assert ids(tiers=("C",)) == ["K05", "K10", "K15"]
    assert ids(managers=(UNASSIGNED,)) == ["K12"]
    assert ids(managers=("周静",)) == ["K03", "K10", "K06"]
    assert ids(flags=("past_due",)) == ["K05", "K12"]
    assert ids(flags=("revenue_drop", "risk_downgrade")) == ["K03", "K01"]
    with pytest.raises(ValueError, match="unknown flag"):
        watchlist.watchlist(con, Q1, DAY, flags=("late",))


@contextlib.contextmanager
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str) -> Iterator[None]:
    """Run with CRM_SETTINGS naming a TOML file holding `toml`."""
    path = tmp_path / "settings.toml"
    path.write_text(toml)
    monkeypatch.setenv("CRM_SETTINGS", str(path))
    _load.cache_clear()
    try:
        yield
    finally:
        monkeypatch.delenv("CRM_SETTINGS")
        _load.cache_clear()


def test_thresholds_come_from_the_settings(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _settings(tmp_path, monkeypatch, "[watchlist]\npast_due_days = 29\ncomplaint_days = 6\n"):
        flags = _flags(con)
    # M04's 30 days now exceed 29; Q03 (opened 03-24 00:00) is now before 03-25 00:00
    assert "past_due" in flags["K04"]
    assert "complaint_open" in flags["K07"]


# --- Relationship-manager breakdown and scorecards --------------------------------------


def test_breakdown_by_manager_has_an_unassigned_group(con: duckdb.DuckDBPyConnection) -> None:
    frame = kpis.breakdown(con, Q1, "relationship_manager")
    # group keys sorted: "(" before the CJK names; 刘 U+5218 < 周 U+5468 < 孙 U+5B59
    assert list(frame.index) == [UNASSIGNED, "刘洋", "周静", "孙强"]
    # active on 03-31: K12 | K01 K02 K08 K13 | K03 K06 K10 (K14 churned 03-15) | six
    assert list(frame["active_customers"]) == [1, 4, 3, 6]
    # surveys in Q1: 刘洋 V07 5, V02 2 -> 1/2; 周静 V08 4 -> 1/1;
    # 孙强 V04 3, V09 4, V10 5, V11 1 -> 2/4; K12 none -> null
    assert frame.at["刘洋", "csat_rate"] == 0.5
    assert frame.at["周静", "csat_rate"] == 1.0
    assert frame.at["孙强", "csat_rate"] == 0.5
    assert frame[["csat_rate"]].isna().at[UNASSIGNED, "csat_rate"]
    # 周静's start set K03 K06 K10 K14, K14 churned -> 3/4
    assert frame.at["周静", "retention_rate"] == 0.75
    # leads, marketing spend, CAC (and so CLV/CAC) have no manager
    for kpi in ("leads_created", "lead_conversion_rate", "marketing_spend", "cac", "clv_cac_ratio"):
        assert frame[kpi].isna().all(), kpi


def test_manager_filter_selects_customers(con: duckdb.DuckDBPyConnection) -> None:
    def active(*managers: str) -> object:
        return kpis.compute(con, Filters(Q1.date_from, DAY, managers=managers))["active_customers"]

    assert active(UNASSIGNED) == 1  # K12
    assert active("刘洋", "周静") == 7  # 4 + 3
    assert active() == 14  # 15 customers but K14
    assert "managers: 刘洋" in Filters(DAY, DAY, managers=("刘洋",)).describe("en")


def test_scorecards(con: duckdb.DuckDBPyConnection) -> None:
    cards = scorecards.scorecards(con, Q1, DAY)
    # every manager has fewer than 30 surveys (low n); by satisfaction: 周静 1.0, then 刘洋 and
    # 孙强 0.5 (a tie, by name), (unassigned) has none (last)
    assert list(cards.index) == ["周静", "刘洋", "孙强", UNASSIGNED]
    assert list(cards["rank"]) == [1, 2, 3, 4]
    assert cards["low_n"].all()
    assert list(cards["csat_n"]) == [1, 2, 4, 0]
    # Wilson for 2/4: centre (0.5 + 3.8415/8) / (1 + 3.8415/4) = 0.5, half = 1.96 x
    # sqrt(0.25/4 + 3.8415/64) / 1.9604 = 0.34996 -> [0.15004, 0.84996]
    assert cards.at["孙强", "csat_low"] == pytest.approx(0.15004, abs=1e-4)
    assert cards.at["孙强", "csat_high"] == pytest.approx(0.84996, abs=1e-4)
    assert cards[["csat_low"]].isna().at[UNASSIGNED, "csat_low"]
    assert dict(cards["watchlist"]) == {"刘洋": 2, "周静": 3, "孙强": 2, UNASSIGNED: 1}
    # 孙强's active customers: K07 K11 (A), K04 K09 (B), K05 K15 (C) -> 2/6 each
    assert cards.at["孙强", "tier_a_share"] == pytest.approx(1 / 3)
    assert cards.at["孙强", "tier_c_share"] == pytest.approx(1 / 3)
    assert cards.at["周静", "tier_a_share"] == 0  # K03 K06 (B), K10 (C)
    by_flags = scorecards.scorecards(con, Q1, DAY, rank_by="watchlist")
    assert list(by_flags.index) == [UNASSIGNED, "刘洋", "孙强", "周静"]  # 1, 2, 2, 3 flagged


def test_low_n_managers_rank_after_the_others(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _settings(tmp_path, monkeypatch, "min_n = 2\n"):
        cards = scorecards.scorecards(con, Q1, DAY)
    # n: 刘洋 2, 孙强 4 are not low; 周静 1 and (unassigned) 0 are, so 周静's 1/1 comes third
    assert list(cards.index) == ["刘洋", "孙强", "周静", UNASSIGNED]
    assert list(cards["low_n"]) == [False, False, True, True]


def test_book_of_business(con: duckdb.DuckDBPyConnection) -> None:
    book = scorecards.book(con, Q1, "周静", DAY)
    assert list(book["customer_id"]) == ["K03", "K10", "K06"]  # K14 churned before d
    rows = book.set_index("customer_id")
    assert rows.at["K03", "outstanding_balance"] == 2_000_000
    assert rows.at["K03", "last_score"] == 4  # V08
    assert rows.at["K06", "open_complaints"] == 2  # Q01 and Q02 (too young to flag) both open
    assert rows.at["K10", "flags"] == ["maturity_no_renewal"]
    assert rows.at["K03", "tier"] == "B"
    # K03: revenue 12 m (2025-04..2026-03) deposit 2,000 < 0.5 x prior 12 m fx 7,000
    assert rows.at["K03", "rel_type"] == "churning"
    assert list(scorecards.book(con, Q1, UNASSIGNED, DAY)["customer_id"]) == ["K12"]


# --- Whitespace ----------------------------------------------------------------------------


def test_peer_shares(con: duckdb.DuckDBPyConnection) -> None:
    # held = revenue > 0 in 2025-04..2026-03, active on d. Categories: loan, deposit, fx,
    # cash_management (K14's wealth does not count: K14 churned; K03's fx is from 2025-03)
    # A with rows: K01 (loan, deposit), K07 (loan, fx), K11 (deposit), K13 (all four) -> 4
    # B with rows: K02 (loan), K03 (deposit), K04 (loan, deposit), K06 (cash_management),
    #   K09 (loan -2,000: nothing held), K12 (loan 5,000 - 5,000 = 0: nothing) -> 6; K08 none
    # C with rows: K05 (fx) -> 1
    shares = whitespace.peer_shares(con, Q1, DAY)
    got = {(r.tier, r.category): r.share for r in shares.itertuples()}
    assert got == {
        ("A", "cash_management"): 0.25,
        ("A", "deposit"): 0.75,
        ("A", "fx"): 0.5,
        ("A", "loan"): 0.75,
        ("B", "cash_management"): pytest.approx(1 / 6),
        ("B", "deposit"): pytest.approx(2 / 6),
        ("B", "fx"): 0.0,
        ("B", "loan"): pytest.approx(2 / 6),
        ("C", "cash_management"): 0.0,
        ("C", "deposit"): 0.0,
        ("C", "fx"): 1.0,
        ("C", "loan"): 0.0,
    }
    only_a = whitespace.peer_shares(con, Filters(Q1.date_from, DAY, tiers=("A",)), DAY)
    assert set(only_a["tier"]) == {"A"}


def test_next_best_category_with_ties(con: duckdb.DuckDBPyConnection) -> None:
    rows = whitespace.customers(con, Q1, DAY).set_index("customer_id")
    assert "K14" not in rows.index  # churned
    assert rows.at["K01", "held"] == ["deposit", "loan"]
    assert rows.at["K01", "next_best"] == "fx"  # A: fx 0.5 > cash_management 0.25
    assert rows.at["K11", "next_best"] == "loan"  # A: loan 0.75 > fx 0.5 > cm 0.25
    # B: deposit and loan tie at 2/6 -> "deposit" comes first alphabetically
    assert rows.at["K06", "next_best"] == "deposit"
    assert rows.at["K03", "next_best"] == "loan"  # holds deposit: loan 2/6
    assert rows.at["K04", "next_best"] == "cash_management"  # 1/6 > fx 0
    # C: K05 holds fx; cash_management, deposit, loan all 0 -> cash_management
    assert rows.at["K05", "next_best"] == "cash_management"
    assert rows.at["K13", "held"] == ["cash_management", "deposit", "fx", "loan"]
    assert rows[["next_best"]].isna().at["K13", "next_best"]  # holds every category
    campaign = whitespace.customers(con, Q1, DAY, next_best="deposit")
    assert list(campaign["customer_id"]) == ["K02", "K06", "K07", "K08", "K09", "K12"]
    counts = whitespace.next_best_counts(con, Q1, DAY)
    # deposit 6; fx K01 K10 K15 = 3; loan K03 K11 = 2; cash_management K04 K05 = 2
    assert list(zip(counts["category"], counts["customers"], strict=True)) == [
        ("deposit", 6),
        ("fx", 3),
        ("cash_management", 2),
        ("loan", 2),
    ]


# --- CLI -----------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_watchlist_json(desk_path: Path) -> None:
    res = _cli("watchlist", "--on", "2026-03-31", "--manager", "周静", "--db", str(desk_path))
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {
        "on": "2026-03-31",
        "customers": [
            {
                "customer_id": "K03",
                "branch_id": "D1",
                "tier": "B",
                "relationship_manager": "周静",
                "flags": ["risk_downgrade", "maturity_no_renewal"],
                "outstanding_balance": 2_000_000.0,
            },
            {
                "customer_id": "K10",
                "branch_id": "D1",
                "tier": "C",
                "relationship_manager": "周静",
                "flags": ["maturity_no_renewal"],
                "outstanding_balance": 1_200_000.0,
            },
            {
                "customer_id": "K06",
                "branch_id": "D1",
                "tier": "B",
                "relationship_manager": "周静",
                "flags": ["complaint_open"],
                "outstanding_balance": 0.0,
            },
        ],
    }
    unassigned = _cli(
        "watchlist", "--on", "2026-03-31", "--manager", UNASSIGNED, "--db", str(desk_path)
    )
    assert [c["relationship_manager"] for c in json.loads(unassigned.stdout)["customers"]] == [None]
    # no --on: the latest data date, 2026-04-30 (the 2026-04 snapshot's month end)
    default = _cli("watchlist", "--branch", "D2", "--tier", "C", "--db", str(desk_path))
    assert json.loads(default.stdout)["on"] == "2026-04-30"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--on", "2026-02-30"), "is not a date"),
        (("--branch", "D9"), "unknown branch 'D9'"),
        (("--manager", "王五"), "unknown manager '王五'"),
        (("--tier", "D"), "unknown tier 'D'"),
    ],
)
def test_cli_refuses_bad_input(desk_path: Path, args: tuple[str, ...], message: str) -> None:
    res = _cli("watchlist", *args, "--db", str(desk_path))
    assert res.returncode == 2
    assert message in res.stderr
    assert res.stdout == ""


def test_cli_whitespace_json(desk_path: Path) -> None:
    res = _cli("whitespace", "--on", "2026-03-31", "--tier", "C", "--db", str(desk_path))
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["on"] == "2026-03-31"
    assert out["peer_share"] == {
        "C": {"cash_management": 0.0, "deposit": 0.0, "fx": 1.0, "loan": 0.0}
    }
    assert out["customers"] == [
        {"customer_id": "K05", "tier": "C", "held": ["fx"], "next_best": "cash_management"},
        {"customer_id": "K10", "tier": "C", "held": [], "next_best": "fx"},
        {"customer_id": "K15", "tier": "C", "held": [], "next_best": "fx"},
    ]
    missing = _cli("whitespace", "--db", str(desk_path.parent / "none.duckdb"))
    assert missing.returncode == 2 and "No store" in missing.stderr
