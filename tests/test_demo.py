"""The demo bank: deterministic, contract-clean, and telling the stories the dashboard shows."""

from __future__ import annotations

from collections.abc import Callable
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


# --- streaming: chunks, one publish, the loader's validation -----------------------------


def _history(db: Path) -> list[tuple[str, str, str, str, str]]:
    from metrics.store import connect_reader

    con = connect_reader(db)
    try:
        rows = con.execute(
            "SELECT loaded_by, table_name, file_name, mode, outcome FROM load_history "
            "ORDER BY load_id"
        ).fetchall()
        return [tuple(str(v) for v in r) for r in rows]  # type: ignore[misc]
    finally:
        con.close()


def test_a_bank_larger_than_a_chunk_streams_in_chunks_and_stores_exactly_generate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metrics.demo import build as demo_build

    # 250 customers in chunks of 100: chunks of 100, 100 and 50 customers.
    monkeypatch.setattr(demo_build, "CHUNK_CUSTOMERS", 100)
    parts = list(demo_build.chunks(seed=5, customers=250))
    assert len(parts) == 3
    assert list(parts[0]) == list(TABLES)  # the first chunk carries every table
    facts = ["loans", "loan_balances", "surveys", "service_requests", "revenue"]
    assert [list(p) for p in parts[1:]] == [facts, facts]
    owners = [set(p["revenue"]["customer_id"]) for p in parts]
    assert max(owners[0]) <= "C000100" < min(owners[1])
    assert max(owners[1]) <= "C000200" < min(owners[2]) and max(owners[2]) <= "C000250"
    whole = demo_build.generate(seed=5, customers=250)
    # Ids run on across chunks: L00000001 .. L<number of loans>, no gap, no repeat.
    loan_ids = whole["loans"]["loan_id"]
    assert loan_ids.is_unique and loan_ids.iloc[-1] == f"L{len(loan_ids):08d}"
    assert whole["surveys"]["response_id"].iloc[-1] == f"S{len(whole['surveys']):08d}"
    assert _contract_violations(TABLES["loans"], whole) == []

    db = tmp_path / "chunks.duckdb"
    build_demo(db, seed=5, customers=250)
    assert _store_counts(db) == {k: len(v) for k, v in whole.items()}
    # load_history: one replace load of every table, then an append per fact table and
    # chunk, all as an analyst's extract would be recorded, by and named after the demo.
    expected = [("demo", t, f"demo:{t}", "replace", "loaded") for t in TABLES]
    expected += [("demo", t, f"demo:{t}", "append", "loaded") for t in facts] * 2
    assert _history(db) == expected


def _store_then_break_the_second_chunk(
    db: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[pd.DataFrame], pd.DataFrame]
) -> tuple[dict[str, int], list[tuple[str, str, str, str, str]]]:
    """Build a small bank into `db` (its counts and history are returned), then make the
    next builds draw chunks of 100 customers with `change` applied to the second's surveys."""
    from metrics.demo import build as demo_build

    build_demo(db, seed=3, customers=120)
    before = _store_counts(db), _history(db)
    monkeypatch.setattr(demo_build, "CHUNK_CUSTOMERS", 100)
    real = demo_build.chunks

    def second_chunk_changed(*args: object, **kwargs: object) -> object:
        for k, frames in enumerate(real(*args, **kwargs)):  # type: ignore[arg-type]
            if k == 1:
                frames["surveys"] = change(frames["surveys"])
            yield frames

    monkeypatch.setattr(demo_build, "chunks", second_chunk_changed)
    return before


def test_a_refused_chunk_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metrics.load import LoadRefusedError

    db = tmp_path / "crm.duckdb"
    before, history = _store_then_break_the_second_chunk(
        db,
        monkeypatch,
        # a survey score of 9 is outside 1..5: the loader refuses the chunk
        lambda surveys: surveys.assign(overall_score=9),
    )
    stale = tmp_path / ".crm.duckdb.rebuild-killed"  # what a build killed with -9 leaves
    stale.mkdir()
    (stale / "crm.duckdb").write_bytes(b"half a store")
    with pytest.raises(LoadRefusedError, match="overall_score"):
        build_demo(db, seed=4, customers=250)
    # The first chunk had replaced every table in the private copy, never in the store.
    assert _store_counts(db) == before
    assert _history(db) == history
    # Neither the refused build's private copy nor the dead build's is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.duckdb", "crm.duckdb.lock"]


def test_a_key_differing_by_case_from_an_earlier_chunk_refuses_the_whole_bank(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metrics.load import LoadRefusedError

    def reuse_an_id(surveys: pd.DataFrame) -> pd.DataFrame:
        # S00000001 is the first chunk's first survey: s00000001 differs by case only
        surveys = surveys.copy()
        surveys.loc[0, "response_id"] = "s00000001"
        return surveys

    db = tmp_path / "crm.duckdb"
    before, history = _store_then_break_the_second_chunk(db, monkeypatch, reuse_an_id)
    # Each chunk passes its own checks; the whole bank's check after the last one refuses it.
    with pytest.raises(LoadRefusedError, match=r"surveys: 1 group.*S00000001 = s00000001"):
        build_demo(db, seed=4, customers=250)
    assert _store_counts(db) == before
    assert _history(db) == history


# --- managers, the watchlist and events, counted on the built default bank --------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "crm.duckdb"
    build_demo(db)
    return db


def _sql(db: Path, sql: str, params: dict[str, object] | None = None) -> list[tuple[object, ...]]:
    from metrics.store import connect_reader

    con = connect_reader(db)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def test_every_customer_has_one_of_a_few_managers_of_their_branch(demo_db: Path) -> None:
    from metrics.demo import BRANCHES, manager_names

    # Rule: max(3, round(4 x branch size weight)) managers per branch, drawn uniformly.
    names = dict(zip([b[0] for b in BRANCHES], manager_names(), strict=True))
    assert [len(n) for n in names.values()] == [6, 3, 6, 4, 4, 3, 4, 5, 3, 4, 3, 4]
    unassigned = _sql(
        demo_db,
        "SELECT count(*) FROM customers WHERE coalesce(trim(relationship_manager), '') = ''",
    )
    assert unassigned == [(0,)]
    rows = _sql(
        demo_db,
        "SELECT branch_id, list(DISTINCT relationship_manager ORDER BY relationship_manager), "
        "min(n), max(n) FROM (SELECT branch_id, relationship_manager, count(*) AS n "
        "FROM customers GROUP BY ALL) GROUP BY branch_id ORDER BY branch_id",
    )
    for branch, managers, smallest, largest in rows:
        assert managers == sorted(names[str(branch)]), branch
        # 3,000 customers: about 250 per branch unit of size, 60 per manager; even the
        # smallest book is large enough for a rate (min_n 30).
        assert int(smallest) >= 30 and int(largest) <= 110, branch  # type: ignore[call-overload]
    owners = _sql(
        demo_db,
        "SELECT count(*) FROM (SELECT relationship_manager FROM customers "
        "GROUP BY 1 HAVING count(DISTINCT branch_id) > 1)",
    )
    assert owners == [(0,)]  # a manager serves one branch only


def test_the_weaker_manager_of_every_branch_is_visibly_weaker(demo_db: Path) -> None:
    from metrics.demo import manager_names

    # Rule: the last manager of each branch is the weaker one: satisfied surveys 18 points
    # less likely, first response median twice as long, churn hazard 2.2 times as high.
    weak = [names[-1] for names in manager_names()]
    rows = _sql(
        demo_db,
        """
        WITH c AS (SELECT customer_id, branch_id, churn_date,
                          relationship_manager IN (SELECT unnest($weak)) AS weak FROM customers),
        s AS (SELECT branch_id, weak, avg((overall_score >= 4)::INT) AS csat
              FROM surveys JOIN c USING (customer_id)
              WHERE survey_date >= DATE '2024-11-01' GROUP BY ALL),
        r AS (SELECT branch_id, weak,
                     median(epoch(first_response_at - opened_at)) / 3600 AS hours
              FROM service_requests JOIN c USING (customer_id)
              WHERE opened_at >= DATE '2024-11-01' GROUP BY ALL),
        ch AS (SELECT branch_id, weak, avg((churn_date IS NOT NULL)::INT) AS churned
               FROM c GROUP BY ALL)
        SELECT branch_id, weak, csat, hours, churned
        FROM s JOIN r USING (branch_id, weak) JOIN ch USING (branch_id, weak)
        ORDER BY branch_id, weak
        """,
        {"weak": weak},
    )
    assert len(rows) == 24  # 12 branches x (the weaker manager, the others together)
    for others, weaker in zip(rows[::2], rows[1::2], strict=True):
        branch = others[0]
        assert (others[1], weaker[1]) == (False, True)
        assert weaker[2] < others[2], branch  # type: ignore[operator]  # satisfaction
        assert weaker[3] > others[3], branch  # type: ignore[operator]  # response hours
        assert weaker[4] > others[4], branch  # type: ignore[operator]  # churned share


# Each flag of kpis.md "Early-warning watchlist" on d = 2026-10-31, written out in SQL.
WATCHLIST_SQL = """
WITH active AS (
  SELECT customer_id FROM customers
  WHERE onboard_date <= DATE '2026-10-31' AND (churn_date IS NULL OR churn_date > DATE '2026-10-31')
),
rev AS (
  SELECT customer_id,
    coalesce(sum(revenue) FILTER (WHERE month BETWEEN DATE '2026-08-01' AND DATE '2026-10-01'), 0)
      AS last3,
    sum(revenue) FILTER (WHERE month BETWEEN DATE '2026-05-01' AND DATE '2026-07-01') AS prior3
  FROM revenue GROUP BY customer_id
),
bal AS (
  SELECT l.customer_id, b.loan_id, b.as_of_month, b.risk_class, b.days_past_due
  FROM loan_balances b JOIN loans l USING (loan_id)
),
latest_survey AS (
  SELECT customer_id, arg_max(overall_score, (survey_date, response_id)) AS score
  FROM surveys WHERE survey_date BETWEEN DATE '2025-11-01' AND DATE '2026-10-31'
  GROUP BY customer_id
)
SELECT
  count(*) FILTER (WHERE a.customer_id IN (
    SELECT customer_id FROM rev WHERE last3 < 0.5 * prior3 AND prior3 > 0)),
  count(*) FILTER (WHERE a.customer_id IN (
    SELECT n.customer_id FROM bal n JOIN bal p ON p.loan_id = n.loan_id
    WHERE n.as_of_month = DATE '2026-10-01' AND n.risk_class <> 'normal'
      AND p.as_of_month = DATE '2026-09-01' AND p.risk_class = 'normal')),
  count(*) FILTER (WHERE a.customer_id IN (
    SELECT customer_id FROM bal WHERE as_of_month = DATE '2026-10-01' AND days_past_due > 30)),
  count(*) FILTER (WHERE a.customer_id IN (
    SELECT customer_id FROM service_requests
    WHERE category = 'complaint' AND opened_at < TIMESTAMP '2026-10-24 00:00:00'
      AND (resolved_at IS NULL OR resolved_at >= TIMESTAMP '2026-11-01 00:00:00'))),
  count(*) FILTER (WHERE a.customer_id IN (SELECT customer_id FROM latest_survey WHERE score <= 2)),
  count(*) FILTER (WHERE a.customer_id IN (
    SELECT customer_id FROM loans l
    WHERE maturity_date > DATE '2026-10-31' AND maturity_date <= DATE '2027-01-29'
      AND NOT EXISTS (SELECT 1 FROM loans n WHERE n.renewed_from = l.loan_id))),
  count(*)
FROM active a
"""


def test_every_watchlist_flag_occurs_on_the_latest_as_of_date(demo_db: Path) -> None:
    # The store's latest as-of date (kpis.md: each source's latest date, the last day of
    # the latest month for monthly tables) is the extract date 2026-10-31.
    latest = _sql(
        demo_db,
        "SELECT greatest((SELECT max(survey_date) FROM surveys), "
        "(SELECT max(opened_at)::DATE FROM service_requests), "
        "(SELECT max(disbursed_date) FROM loans), "
        "(SELECT last_day(max(month)) FROM revenue), "
        "(SELECT last_day(max(as_of_month)) FROM loan_balances))",
    )
    assert latest == [(date(2026, 10, 31),)]
    drop, downgrade, past_due, complaint, low_sat, maturing, active = _sql(demo_db, WATCHLIST_SQL)[
        0
    ]
    assert 2000 < int(active) < 3000  # type: ignore[call-overload]
    # revenue_drop: revenue fades as (months to the relationship's end / 18)^2, so the
    # customers whose relationship ends a few months after the extract date drop by half.
    assert int(drop) >= 10  # type: ignore[call-overload]
    # risk_downgrade: defaults start part-way through a troubled loan's term, so each
    # month a few loans move from normal (September) to special mention (October).
    assert int(downgrade) >= 3  # type: ignore[call-overload]
    # past_due: a defaulted loan stays on the book, days past due growing, until 540 days.
    assert int(past_due) >= 10  # type: ignore[call-overload]
    # complaint_open: complaints of the last 60 days stay open with probability 0.2
    # (0.35 for the weaker managers): about 90 such complaints in a 3,000-customer bank.
    assert 3 <= int(complaint) <= 60  # type: ignore[call-overload]
    # low_satisfaction: an unsatisfied survey scores 3, 2 or 1 (60/25/15 %).
    assert int(low_sat) >= 10  # type: ignore[call-overload]
    # maturity_no_renewal: renewals are disbursed at maturity, so no loan maturing after
    # the extract date is renewed yet; short working-capital terms make many mature soon.
    assert int(maturing) >= 10  # type: ignore[call-overload]


def test_events_hold_the_programme_launch_and_a_branch_pilot_with_an_effect(
    demo_db: Path,
) -> None:
    rows = _sql(demo_db, "SELECT event_id, event_date, branch_id FROM events ORDER BY 1")
    assert rows == [("EV01", date(2023, 7, 1), None), ("EV02", date(2025, 4, 1), "BR08")]
    # Rule: in the pilot branch approval (applied -> approved) takes half as long from
    # 2025-04-01; elsewhere it only follows the programme. So the branch's change over the
    # 180 days around the event is well below the other branches' (difference-in-differences).
    [(pilot_change, others_change)] = _sql(
        demo_db,
        """
        WITH w AS (
          SELECT branch_id = 'BR08' AS pilot, approved_date >= DATE '2025-04-01' AS after,
                 avg(approved_date - applied_date) AS days
          FROM leads WHERE approved_date BETWEEN DATE '2024-10-03' AND DATE '2025-09-27'
            AND applied_date IS NOT NULL GROUP BY ALL)
        SELECT max(days) FILTER (WHERE pilot AND after)
                 - max(days) FILTER (WHERE pilot AND NOT after),
               max(days) FILTER (WHERE NOT pilot AND after)
                 - max(days) FILTER (WHERE NOT pilot AND NOT after)
        FROM w
        """,
    )
    assert float(pilot_change) - float(others_change) < -5  # type: ignore[arg-type]


def test_the_events_table_loads_like_any_extract_with_its_chinese_aliases(
    tmp_path: Path,
) -> None:
    from metrics.load import load_file, validate
    from metrics.load.parse import read_extract

    db = tmp_path / "events.duckdb"
    build_demo(db, seed=2, customers=60)
    good = tmp_path / "events.csv"
    good.write_text(
        "事件编号,事件日期,标题,机构编号,说明\n"
        "E9,2026/05/01,季度营销活动,BR03,\n"
        "E10,20260601,全行系统升级,,核心系统切换\n",
        encoding="utf-8",
    )
    report = load_file(db, "events", good, mode="append")
    assert report.ok, report.render_text()
    rows = _sql(db, "SELECT event_id, event_date, branch_id FROM events ORDER BY event_date")
    assert rows[-2:] == [("E9", date(2026, 5, 1), "BR03"), ("E10", date(2026, 6, 1), None)]
    bad = read_extract(
        b"event_id,event_date,title,branch_id\nE11,2026-13-01,x,BR01\nE12,2026-01-01,y,BR99\n",
        "bad.csv",
    )
    refused = validate(db, "events", bad, mode="append")
    assert not refused.ok
    found = {(p.row, p.column) for p in refused.problems}
    assert found == {(2, "event_date"), (3, "branch_id")}  # header is row 1
