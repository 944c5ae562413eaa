"""The demo bank: deterministic, contract-clean, and telling the stories the dashboard shows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics import cli
from metrics.contract import NPL_CLASSES, TABLES, Table
from metrics.demo import LAGGING_BRANCH, build_demo, generate

Frames = dict[str, pd.DataFrame]
END = pd.Timestamp(date(2026, 10, 31))


@pytest.fixture(scope="module")
def small() -> Frames:
    return generate(seed=11, customers=300)


@pytest.fixture(scope="module")
def bank() -> Frames:
    return generate()


# --- determinism and shape ---------------------------------------------------------------


def test_same_seed_gives_identical_frames_and_another_seed_differs() -> None:
    first, second = generate(seed=3, customers=300), generate(seed=3, customers=300)
    assert list(first) == list(TABLES)
    for name in TABLES:
        pd.testing.assert_frame_equal(first[name], second[name])
    other = generate(seed=4, customers=300)
    assert not other["customers"].equals(first["customers"])
    assert not other["surveys"].equals(first["surveys"])


def test_every_table_is_non_empty_with_exactly_the_canonical_columns(small: Frames) -> None:
    for name, table in TABLES.items():
        df = small[name]
        assert len(df) > 0, name
        assert tuple(df.columns) == table.column_names, name


def test_columns_are_typed_naturally(small: Frames) -> None:
    for name, table in TABLES.items():
        df = small[name]
        for col in table.columns:
            s = df[col.name]
            if col.type in ("date", "month", "timestamp"):
                assert pd.api.types.is_datetime64_dtype(s), (name, col.name)
            elif col.type == "integer":
                assert s.dtype == "Int64", (name, col.name)
            elif col.type == "decimal":
                values = s.dropna().to_numpy(dtype=float)
                # Money is rounded to cents: 100 * value is a whole number.
                assert np.allclose(values * 100, np.round(values * 100)), (name, col.name)
            else:
                assert pd.api.types.is_string_dtype(s), (name, col.name)
        for col in table.columns:
            if col.type == "month":
                assert (df[col.name].dt.day == 1).all(), (name, col.name)
    assert small["customers"]["customer_id"].str.fullmatch(r"C\d{6}").all()
    assert small["customers"]["customer_id"].iloc[0] == "C000001"  # leading zeros kept


# --- the contract, checked independently of the loader ------------------------------------


def _contract_violations(table: Table, frames: Frames) -> list[str]:
    """Every rule of the declared contract, checked with pandas on one frame."""
    df = frames[table.name]
    out: list[str] = []
    for col in table.columns:
        s = df[col.name]
        present = s.notna()
        if col.required and not present.all():
            out.append(f"{col.name}: {(~present).sum()} empty")
        v = s[present]
        if col.choices is not None and not v.isin(list(col.choices)).all():
            out.append(f"{col.name}: values outside {list(col.choices)}")
        if col.minimum is not None:
            bad = v <= col.minimum if col.exclusive_minimum else v < col.minimum
            if bad.any():
                out.append(f"{col.name}: {bad.sum()} below {col.minimum}")
        if col.maximum is not None and (v > col.maximum).any():
            out.append(f"{col.name}: above {col.maximum}")
        if col.references is not None:
            parent, pcol = col.references
            if not v.isin(frames[parent][pcol]).all():
                out.append(f"{col.name}: orphans of {parent}.{pcol}")
        if col.not_before is not None:
            other = df[col.not_before]
            if (present & other.notna() & (s < other)).any():
                out.append(f"{col.name}: before {col.not_before}")
    if df.duplicated(list(table.key)).any():
        out.append(f"key {table.key} not unique")
    # Present stage dates never decrease (compare each present date with the latest before it).
    running = pd.Series(pd.NaT, index=df.index, dtype="datetime64[s]")
    for name in table.ordered_dates:
        s = df[name]
        if (s.notna() & running.notna() & (s < running)).any():
            out.append(f"{name}: earlier than a previous stage")
        running = running.where(s.isna() | (running > s), s)
    return out


@pytest.mark.parametrize("size", ["small", "bank"])
@pytest.mark.parametrize("table", list(TABLES))
def test_every_row_satisfies_the_contract(
    request: pytest.FixtureRequest, size: str, table: str
) -> None:
    frames: Frames = request.getfixturevalue(size)
    assert _contract_violations(TABLES[table], frames) == []


def test_the_contract_check_itself_catches_a_broken_row(small: Frames) -> None:
    broken = dict(small)
    leads = small["leads"].copy()
    # A lead approved the day before it applied: the stage order rule must fire.
    row = leads.index[leads["applied_date"].notna()][0]
    leads.loc[row, "approved_date"] = leads.loc[row, "applied_date"] - pd.Timedelta(days=1)
    broken["leads"] = leads
    assert any("approved_date" in v for v in _contract_violations(TABLES["leads"], broken))


# --- the demo's own consistency -----------------------------------------------------------


def _derived_tier(c: pd.DataFrame) -> pd.Series:
    """kpis.md Tiers: A = assets >= 1e9 and AAA/AA/A; C = CCC/CC/C or assets < 1e8 (empty 0)."""
    assets = c["total_assets"].fillna(0)
    tier = np.where(
        (assets >= 1e9) & c["credit_rating"].isin(["AAA", "AA", "A"]),
        "A",
        np.where(c["credit_rating"].isin(["CCC", "CC", "C"]) | (assets < 1e8), "C", "B"),
    )
    return pd.Series(tier, index=c.index)


def test_stored_tiers_agree_with_the_rule_and_about_a_fifth_are_derived(small: Frames) -> None:
    c = small["customers"]
    stored = c["tier"].notna()
    assert (c.loc[stored, "tier"] == _derived_tier(c)[stored]).all()
    assert 0.12 < (~stored).mean() < 0.28  # 20 % empty, 300 customers: sd about 2.3 points


def test_referrals_point_at_earlier_customers(small: Frames) -> None:
    c = small["customers"].set_index("customer_id")
    referred = c[c["referred_by"].notna()]
    assert len(referred) > 10
    assert (referred["acquisition_channel"] == "referral").all()
    referrer_onboard = c.loc[referred["referred_by"], "onboard_date"].to_numpy()
    assert (referrer_onboard < referred["onboard_date"].to_numpy()).all()
    assert set(c["acquisition_channel"].dropna()) == {
        "referral",
        "branch",
        "campaign",
        "online",
        "partner",
    }


def test_renewals_follow_a_matured_loan_of_the_same_customer(small: Frames) -> None:
    loans = small["loans"]
    renewals = loans[loans["renewed_from"].notna()]
    assert len(renewals) > 20
    parents = loans.set_index("loan_id").loc[renewals["renewed_from"]]
    assert (parents["customer_id"].to_numpy() == renewals["customer_id"].to_numpy()).all()
    assert (parents["maturity_date"].to_numpy() <= renewals["disbursed_date"].to_numpy()).all()


def test_balance_snapshots_are_monthly_amortising_and_consistent_with_risk(
    small: Frames,
) -> None:
    bal = small["loan_balances"]
    loans = small["loans"].set_index("loan_id")
    # Every month while outstanding: a loan's snapshot months are contiguous.
    months = bal["as_of_month"].dt.year * 12 + bal["as_of_month"].dt.month
    span = months.groupby(bal["loan_id"]).agg(["min", "max", "count"])
    assert (span["max"] - span["min"] + 1 == span["count"]).all()
    # No snapshot before the loan's disbursement month; balances never exceed the amount.
    disb = loans.loc[bal["loan_id"], "disbursed_date"].to_numpy()
    first_of_disb_month = disb.astype("datetime64[M]").astype("datetime64[s]")
    assert (bal["as_of_month"].to_numpy() >= first_of_disb_month).all()
    amount = loans.loc[bal["loan_id"], "amount"].to_numpy()
    assert (bal["outstanding_balance"].to_numpy() <= amount + 0.005).all()
    # Amortising: some loan's balance falls from one month to the next.
    assert (bal.groupby("loan_id")["outstanding_balance"].diff() < 0).any()
    # Five-class bands by days past due: normal 0, special mention 1-89, substandard
    # 90-179, doubtful 180-359, loss 360 or more.
    bands = {
        "normal": (0, 0),
        "special_mention": (1, 89),
        "substandard": (90, 179),
        "doubtful": (180, 359),
        "loss": (360, 10**6),
    }
    for risk, (lo, hi) in bands.items():
        dpd = bal.loc[bal["risk_class"] == risk, "days_past_due"]
        assert len(dpd) > 0, risk
        assert dpd.between(lo, hi).all(), risk
    # A loan that reaches loss went through special mention first (migration).
    lost = set(bal.loc[bal["risk_class"] == "loss", "loan_id"])
    mentioned = set(bal.loc[bal["risk_class"] == "special_mention", "loan_id"])
    assert lost & mentioned


def test_requests_have_unanswered_late_and_unresolved_cases(small: Frames) -> None:
    r = small["service_requests"]
    assert set(r["category"]) == {"inquiry", "service", "complaint"}
    late = (r["first_response_at"] - r["opened_at"]) > pd.Timedelta(hours=24)
    assert late.any()
    assert r["first_response_at"].isna().any()
    assert r["resolved_at"].isna().any()
    # Nothing happens after the extract date.
    assert (r["resolved_at"].dropna() < END + pd.Timedelta(days=1)).all()


def test_surveys_leave_some_optional_scores_empty(small: Frames) -> None:
    s = small["surveys"]
    for col in ("service_quality_score", "response_speed_score", "nps_score"):
        assert s[col].isna().any(), col
        assert s[col].notna().mean() > 0.7, col


def test_leads_are_lost_at_every_stage_and_converted_ones_name_a_customer(
    small: Frames,
) -> None:
    leads = small["leads"]
    stages = ["created_date", "contacted_date", "applied_date", "approved_date", "disbursed_date"]
    reached = leads[stages].notna().to_numpy()
    # Furthest stage reached: the last present stage date (a skipped stage still counts).
    furthest = np.where(reached.any(axis=1), 4 - np.argmax(reached[:, ::-1], axis=1), -1)
    lost = leads["lost_date"].notna().to_numpy()
    assert set(furthest[lost]) == {0, 1, 2, 3}
    converted = leads["disbursed_date"].notna()
    assert (leads["customer_id"].notna() == converted).all()
    skipped = leads["contacted_date"].isna() & leads["applied_date"].notna()
    assert skipped.any()


def test_revenue_covers_every_category_with_a_few_negatives(small: Frames) -> None:
    rev = small["revenue"]
    assert set(rev["product_category"]) == {
        "loan",
        "deposit",
        "cash_management",
        "fx",
        "trade_finance",
        "wealth",
        "advisory",
    }
    negative_share = (rev["revenue"] < 0).mean()
    assert 0 < negative_share < 0.05


# --- the stories, at the default size ------------------------------------------------------


def _satisfaction(surveys: pd.DataFrame, lo: str, hi: str) -> float:
    s = surveys[surveys["survey_date"].between(pd.Timestamp(lo), pd.Timestamp(hi))]
    return float((s["overall_score"] >= 4).mean())


def test_programme_lifts_satisfaction_and_one_branch_lags(bank: Frames) -> None:
    surveys = bank["surveys"]
    # Brief: about 65 % before the programme, towards 90 % at the end.
    assert _satisfaction(surveys, "2022-01-01", "2022-06-30") < 0.75
    assert _satisfaction(surveys, "2025-11-01", "2026-10-31") > 0.82
    recent = surveys[surveys["survey_date"] >= pd.Timestamp("2025-11-01")]
    branch = recent["customer_id"].map(bank["customers"].set_index("customer_id")["branch_id"])
    by_branch = (recent["overall_score"] >= 4).groupby(branch).mean()
    others = by_branch.drop(LAGGING_BRANCH)
    assert by_branch[LAGGING_BRANCH] < others.min()


def test_programme_cuts_complaints_and_response_times_except_in_the_lagging_branch(
    bank: Frames,
) -> None:
    r = bank["service_requests"]
    branch = r["customer_id"].map(bank["customers"].set_index("customer_id")["branch_id"])
    within = (r["first_response_at"] - r["opened_at"]) <= pd.Timedelta(hours=24)
    before = r["opened_at"] < pd.Timestamp("2023-07-01")
    late = r["opened_at"] >= pd.Timestamp("2025-11-01")
    complaint = r["category"] == "complaint"
    assert complaint[late].mean() < complaint[before].mean()
    assert within[late].mean() > within[before].mean()
    lag = branch == LAGGING_BRANCH
    assert within[late & lag].mean() < within[late & ~lag].mean()


def test_lagging_branch_churns_more(bank: Frames) -> None:
    c = bank["customers"]
    churned = c["churn_date"].notna()
    lag = c["branch_id"] == LAGGING_BRANCH
    assert churned[lag].mean() > churned[~lag].mean()


def test_q4_lending_surge_and_chinese_new_year_dip(bank: Frames) -> None:
    loans = bank["loans"]
    in_window = loans[loans["disbursed_date"] >= pd.Timestamp("2021-11-01")]
    by_month = in_window.groupby(in_window["disbursed_date"].dt.month)["amount"].sum()
    q1, q4 = by_month[[1, 2, 3]].sum(), by_month[[10, 11, 12]].sum()
    assert q4 > q1
    assert by_month[[1, 2]].mean() < by_month[[4, 5, 6, 7, 8, 9]].mean()


def test_npl_ratio_is_around_one_to_two_percent(bank: Frames) -> None:
    bal = bank["loan_balances"]
    latest = bal[bal["as_of_month"] == bal["as_of_month"].max()]
    assert latest["as_of_month"].iloc[0] == pd.Timestamp("2026-10-01")
    npl = latest.loc[latest["risk_class"].isin(NPL_CLASSES), "outstanding_balance"].sum()
    ratio = npl / latest["outstanding_balance"].sum()
    assert 0.005 < ratio < 0.025


def test_tier_mix_is_near_10_40_50(bank: Frames) -> None:
    c = bank["customers"]
    tier = c["tier"].fillna(_derived_tier(c))
    share = tier.value_counts(normalize=True)
    # 3,000 customers: sampling sd of a 10 % share is 0.55 points, of 50 % 0.9 points.
    assert abs(share["A"] - 0.10) < 0.03
    assert abs(share["B"] - 0.40) < 0.03
    assert abs(share["C"] - 0.50) < 0.03


def test_revenue_fades_before_churn_and_grows_for_young_customers(bank: Frames) -> None:
    c = bank["customers"].set_index("customer_id")
    rev = bank["revenue"]
    month = rev["month"]
    recent = month > pd.Timestamp("2025-10-01")
    previous = month.between(pd.Timestamp("2024-11-01"), pd.Timestamp("2025-10-01"))
    active = c.index[c["churn_date"].isna()]
    # R12 = revenue in Nov 2025..Oct 2026, P12 = Nov 2024..Oct 2025, per active customer.
    r12 = rev[recent].groupby("customer_id")["revenue"].sum().reindex(active, fill_value=0)
    p12 = rev[previous].groupby("customer_id")["revenue"].sum().reindex(active, fill_value=0)
    both = pd.DataFrame({"r12": r12, "p12": p12})
    # kpis.md 'churning': R12 < 0.5 x P12 with P12 > 0, for customers still active.
    assert ((both["r12"] < 0.5 * both["p12"]) & (both["p12"] > 0)).sum() >= 10
    young = c.index[c["onboard_date"].between(pd.Timestamp("2024-11-01"), END)]
    young_monthly = rev[rev["customer_id"].isin(young)].groupby("month")["revenue"].sum()
    assert young_monthly.iloc[-1] > young_monthly.iloc[0]


# --- loading -----------------------------------------------------------------------------


def _store_counts(db: Path) -> dict[str, int]:
    from metrics.store import connect_reader

    con = connect_reader(db)
    try:
        counts = {}
        for name in TABLES:
            row = con.execute(f"SELECT count(*) FROM {name}").fetchone()
            counts[name] = int(row[0]) if row else -1
        return counts
    finally:
        con.close()


def test_build_demo_loads_every_row_and_a_rebuild_replaces_them(tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    messages: list[str] = []
    reports = build_demo(db, seed=5, customers=200, on_progress=messages.append)
    assert [r.table for r in reports] == list(TABLES)
    assert messages
    expected = {k: len(v) for k, v in generate(seed=5, customers=200).items()}
    assert _store_counts(db) == expected
    build_demo(db, seed=6, customers=150)
    assert _store_counts(db) == {k: len(v) for k, v in generate(seed=6, customers=150).items()}


def test_cli_demo_prints_a_one_line_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cli.duckdb"
    assert cli.main(["demo", "--db", str(db), "--seed", "2", "--customers", "120"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "customers 120" in out[0] and str(db) in out[0]
    assert _store_counts(db)["customers"] == 120


def test_cli_demo_refuses_a_bank_too_small_to_tell_its_stories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "tiny.duckdb"
    assert cli.main(["demo", "--db", str(db), "--customers", "10"]) == 2
    assert "at least 50" in capsys.readouterr().err
    assert not db.exists()


def test_an_earlier_extract_date_that_is_not_a_month_end() -> None:
    end = date(2025, 6, 15)
    frames = generate(seed=1, customers=200, end=end)
    for name, table in TABLES.items():
        assert _contract_violations(table, frames) == [], name
    # The last full month ending on or before 15 June 2025 is May (31 May <= 15 June,
    # 30 June is not), so the latest snapshot is 2025-05; revenue runs to June.
    assert frames["loan_balances"]["as_of_month"].max() == pd.Timestamp("2025-05-01")
    assert frames["revenue"]["month"].max() == pd.Timestamp("2025-06-01")
    # Five years of history: the first month is July 2020 (June 2025 minus 59 months).
    assert frames["marketing_spend"]["month"].min() == pd.Timestamp("2020-07-01")
    last_day = pd.Timestamp(end)
    assert frames["loans"]["disbursed_date"].max() <= last_day
    assert frames["surveys"]["survey_date"].max() <= last_day
    assert frames["customers"]["churn_date"].max() <= last_day
    assert frames["service_requests"]["opened_at"].max() < last_day + pd.Timedelta(days=1)
