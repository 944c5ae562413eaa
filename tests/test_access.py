"""metrics.access: hashing, sign-in and lockout, expiry, roles, the scope clamp, the audit, the CLI.

The seed bank (tests/seed/*.csv) has three branches. B01 北京分行 holds C01 星辰科技,
C02 华远制造, C03 明达物流, C09 金桥电子, C13 华夏纺织 (relationship managers 王伟, 李娜);
every other customer is in B02 or B03. Values for B01 over 2025, worked out by hand in
tests/test_pages.py: satisfaction S01 5 and S02 4 -> 2/2 = 1.0; active on 12-31 C01 C02
C09 C13 = 4; new C09 = 1; new lending L02 6,000,000.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from metrics import access, analysis, kpis, views
from metrics.access import User
from metrics.cli import main
from metrics.filters import Filters
from metrics.store import connect_reader, data_version

REPO = Path(__file__).resolve().parent.parent
YEAR = Filters(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
B01_CUSTOMERS = {"C01", "C02", "C03", "C09", "C13"}
MANAGER = User("mgr", "manager", ("B01",))
T0 = dt.datetime(2026, 11, 30, 9, 0, 0)


@pytest.fixture
def admin(tmp_path: Path) -> Path:
    return tmp_path / "crm.admin.duckdb"


@pytest.fixture(scope="module")
def seed_ro(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seed store for the read-only scope tests of this module."""
    from tests.seedstore import build_seed_store

    return build_seed_store(tmp_path_factory.mktemp("scope") / "seed.duckdb")


# --------------------------------------------------------------------------- file, hashing


def test_accounts_live_beside_the_store_not_in_it(seed_db: Path) -> None:
    assert access.admin_db_for(Path("data/crm.duckdb")) == Path("data/crm.admin.duckdb")
    admin = access.admin_db_for(seed_db)
    assert admin == seed_db.with_name("seed.admin.duckdb")
    version = data_version(seed_db)
    access.add_user(admin, "ana", "analyst", "analyst-pass")
    access.sign_in(admin, "ana", "analyst-pass", demo_allowed=False)
    assert data_version(seed_db) == version  # accounts and sign-ins never touch the store
    con = connect_reader(seed_db)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert not {"users", "audit"} & tables


def test_passwords_are_argon2id_hashes_never_the_text(admin: Path) -> None:
    one, two = access.hash_password("s3cret-pass"), access.hash_password("s3cret-pass")
    assert one.startswith("$argon2id$") and "s3cret-pass" not in one
    assert one != two  # a fresh salt each time
    assert access.verify_password(one, "s3cret-pass")
    assert not access.verify_password(one, "s3cret-pasS")
    assert not access.verify_password("not a hash", "s3cret-pass")
    with pytest.raises(access.AccessError, match="at least 8"):
        access.hash_password("short")
    access.add_user(admin, "ana", "analyst", "s3cret-pass")
    raw = admin.read_bytes()
    assert b"s3cret-pass" not in raw  # neither in the users table nor in the audit


def test_account_rules(admin: Path) -> None:
    with pytest.raises(access.AccessError, match="needs at least one --branch"):
        access.add_user(admin, "mgr", "manager", "manager-pass")
    with pytest.raises(access.AccessError, match="unknown role"):
        access.add_user(admin, "x", "superuser", "password-1")
    with pytest.raises(access.AccessError, match="reserved"):
        access.add_user(admin, "demo", "admin", "password-1")  # loads by "demo" mark the demo
    with pytest.raises(access.AccessError, match="not a valid user name"):
        access.add_user(admin, "a b", "admin", "password-1")
    user = access.add_user(admin, "exec", "executive", "password-1", ["B01"])
    assert user.branches == ()  # only managers are limited to branches
    with pytest.raises(access.AccessError, match="already"):
        access.add_user(admin, "exec", "executive", "password-1")
    with pytest.raises(access.AccessError, match="no user"):
        access.set_role(admin, "nobody", "analyst")


# --------------------------------------------------------------------------- sign-in


def test_sign_in_wrong_password_unknown_name_and_disabled_all_say_bad(admin: Path) -> None:
    access.add_user(admin, "ana", "analyst", "analyst-pass")
    ok = access.sign_in(admin, "ana", "analyst-pass", demo_allowed=False, address="10.0.0.7")
    assert ok.ok and ok.user == User("ana", "analyst")
    assert access.sign_in(admin, "ana", "wrong-pass", demo_allowed=False).reason == "bad"
    assert access.sign_in(admin, "nobody", "analyst-pass", demo_allowed=False).reason == "bad"
    access.set_disabled(admin, "ana", True, by="boss")
    assert access.sign_in(admin, "ana", "analyst-pass", demo_allowed=False).reason == "bad"
    events = access.audit_rows(admin)
    signs = events[events["action"] == "sign_in"]
    assert list(signs["outcome"]) == ["ok", "failed", "failed", "failed"]
    assert signs.iloc[0]["address"] == "10.0.0.7"
    reasons = [json.loads(d)["reason"] for d in signs["detail"].iloc[1:]]
    assert reasons == ["wrong password", "unknown user", "disabled"]


def test_five_failures_lock_the_account_for_fifteen_minutes(admin: Path) -> None:
    access.add_user(admin, "ana", "analyst", "analyst-pass")
    # failures 1..4 at T0 + 0..3 s answer "bad"; the 5th locks until T0 + 4 s + 15 min
    for i in range(4):
        got = access.sign_in(admin, "ana", "x" * 8, demo_allowed=False, now=T0 + dt.timedelta(0, i))
        assert got.reason == "bad"
    fifth = access.sign_in(admin, "ana", "x" * 8, demo_allowed=False, now=T0 + dt.timedelta(0, 4))
    until = T0 + dt.timedelta(seconds=4, minutes=15)
    assert (fifth.reason, fifth.locked_until) == ("locked", until)
    # the right password during the lock (one second before its end) is refused too
    last_second = until - dt.timedelta(seconds=1)
    during = access.sign_in(admin, "ana", "analyst-pass", demo_allowed=False, now=last_second)
    assert during.reason == "locked" and not during.ok
    after = until  # 15 minutes after the fifth failure the lock is over
    assert access.sign_in(admin, "ana", "analyst-pass", demo_allowed=False, now=after).ok
    # a success resets the count: four more failures do not lock
    for i in range(4):
        later = after + dt.timedelta(seconds=1 + i)
        assert access.sign_in(admin, "ana", "y" * 8, demo_allowed=False, now=later).reason == "bad"
    events = access.audit_rows(admin)
    assert list(events["action"]).count("lockout") == 1
    assert list(events[events["action"] == "sign_in"]["outcome"]) == [
        *["failed"] * 5,
        "locked",
        "ok",
        *["failed"] * 4,
    ]


def test_set_password_replaces_it_and_lifts_a_lock(admin: Path) -> None:
    access.add_user(admin, "ana", "analyst", "analyst-pass")
    for _ in range(5):
        access.sign_in(admin, "ana", "wrong-pass", demo_allowed=False)
    access.set_password(admin, "ana", "brand-new-pass", by="boss")
    assert not access.sign_in(admin, "ana", "analyst-pass", demo_allowed=False).ok
    assert access.sign_in(admin, "ana", "brand-new-pass", demo_allowed=False).ok


def test_idle_expiry_default_eight_hours_and_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(access.IDLE_ENV, raising=False)
    assert access.idle_limit() == dt.timedelta(hours=8)
    assert not access.expired(T0, T0 + dt.timedelta(hours=8))  # exactly 8 h idle is still in
    assert access.expired(T0, T0 + dt.timedelta(hours=8, seconds=1))
    monkeypatch.setenv(access.IDLE_ENV, "30")
    assert access.idle_limit() == dt.timedelta(minutes=30)
    assert access.expired(T0, T0 + dt.timedelta(minutes=31))
    monkeypatch.setenv(access.IDLE_ENV, "nonsense")
    assert access.idle_limit() == dt.timedelta(hours=8)


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("executive", {"read", "export"}),
        ("manager", {"read", "export"}),
        ("analyst", {"read", "export", "upload", "undo"}),
        ("admin", {"read", "export", "upload", "undo", "accounts"}),
    ],
)
def test_roles_allow_exactly_their_actions(role: str, allowed: set[str]) -> None:
    user = User("u", role, ("B01",) if role == "manager" else ())
    for action in sorted(access.ACTIONS):
        if action in allowed:
            assert access.require(user, action) is user
        else:
            with pytest.raises(access.AccessDenied):
                access.require(user, action)
    with pytest.raises(access.AccessDenied):
        access.require(None, "read")
    with pytest.raises(access.AccessDenied):
        access.require(User("u", "admin", disabled=True), "read")


# --------------------------------------------------------------------------- scope


def test_clamp_limits_a_manager_to_their_branches() -> None:
    # empty = "all" becomes the manager's branches
    assert access.clamp(YEAR, MANAGER) == (replace_branches(YEAR, ("B01",)), ())
    # another branch: cut to theirs, and the refused branch is reported
    asked = replace_branches(YEAR, ("B02",))
    assert access.clamp(asked, MANAGER) == (replace_branches(YEAR, ("B01",)), ("B02",))
    both = replace_branches(YEAR, ("B01", "B03"))
    assert access.clamp(both, MANAGER) == (replace_branches(YEAR, ("B01",)), ("B03",))
    two = User("mgr2", "manager", ("B01", "B02"))
    assert access.clamp(asked, two) == (asked, ())
    tiers = Filters(YEAR.date_from, YEAR.date_to, ("B02",), ("A",))
    assert access.clamp(tiers, MANAGER)[0].tiers == ("A",)  # other filters are kept
    for role in ("executive", "analyst", "admin"):
        assert access.clamp(asked, User("u", role)) == (asked, ())
    with pytest.raises(access.AccessDenied):
        access.clamp(YEAR, User("odd", "manager", ()))


def replace_branches(f: Filters, branches: tuple[str, ...]) -> Filters:
    return Filters(f.date_from, f.date_to, branches, f.tiers)


ENTRY_POINTS: dict[str, Callable[..., Any]] = {
    "kpis.compute": kpis.compute,
    "kpis.compare": kpis.compare,
    "kpis.series": kpis.series,
    "kpis.breakdown[branch]": lambda c, f: kpis.breakdown(c, f, by="branch"),
    "kpis.breakdown[tier]": lambda c, f: kpis.breakdown(c, f, by="tier"),
    "kpis.breakdown[relationship_type]": lambda c, f: kpis.breakdown(c, f, by="relationship_type"),
    "analysis.relationship_summary": analysis.relationship_summary,
    "analysis.type_movement": analysis.type_movement,
    "analysis.cohort_retention": analysis.cohort_retention,
    "analysis.funnel": analysis.funnel,
    "analysis.funnel[branch]": lambda c, f: analysis.funnel(c, f, by="branch"),
    "analysis.funnel[source_channel]": lambda c, f: analysis.funnel(c, f, by="source_channel"),
    "analysis.rfm": analysis.rfm,
    "analysis.rfm_segments": analysis.rfm_segments,
    "analysis.drill_down[branch B02]": lambda c, f: analysis.drill_down(c, f, "branch", "B02"),
    "analysis.drill_down[branch B01]": lambda c, f: analysis.drill_down(c, f, "branch", "B01"),
    "analysis.drill_down[tier A]": lambda c, f: analysis.drill_down(c, f, "tier", "A"),
    "views.score_distribution": views.score_distribution,
    "views.risk_classes_by_month": views.risk_classes_by_month,
    "views.new_lending_by_month": views.new_lending_by_month,
    "views.churned_customers": views.churned_customers,
    "views.period_customers": views.period_customers,
}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b or (a != a and b != b))  # NaN equals NaN here


@pytest.mark.parametrize("name", list(ENTRY_POINTS))
def test_every_entry_point_given_an_out_of_scope_filter_returns_only_in_scope_rows(
    seed_ro: Path, name: str
) -> None:
    fn = ENTRY_POINTS[name]
    asked = replace_branches(YEAR, ("B02", "B03"))  # a B01 manager asks for the others
    clamped, refused = access.clamp(asked, MANAGER)
    assert (clamped.branches, refused) == (("B01",), ("B02", "B03"))
    con = connect_reader(seed_ro)
    try:
        got = fn(con, clamped)
        expected = fn(con, replace_branches(YEAR, ("B01",)))
        unscoped = fn(con, YEAR)
    finally:
        con.close()
    assert _same(got, expected), name
    if isinstance(got, pd.DataFrame):
        frame = got.reset_index()
        for col in ("customer_id", "referred_by"):
            if col in frame.columns:
                assert set(frame[col].dropna()) <= B01_CUSTOMERS, (name, col)
        for col in ("branch_id", "branch"):
            if col in frame.columns:
                assert set(frame[col].dropna()) <= {"B01"}, (name, col)
    # the clamp changed something wherever the bank-wide answer differs from B01's
    if not _same(unscoped, expected):
        assert not _same(got, unscoped), name


def test_scoped_numbers_are_b01s_by_hand(seed_ro: Path) -> None:
    clamped, _ = access.clamp(replace_branches(YEAR, ("B02",)), MANAGER)
    con = connect_reader(seed_ro)
    try:
        values = kpis.compute(con, clamped)
        drill = analysis.drill_down(con, clamped, "branch", "B02")
        by_branch = kpis.breakdown(con, clamped, by="branch")
    finally:
        con.close()
    assert values["csat_rate"] == 1.0  # S01 5, S02 4: 2/2
    assert values["active_customers"] == 4  # C01 C02 C09 C13
    assert values["new_customers"] == 1  # C09
    assert values["new_loan_amount"] == 6_000_000  # L02
    assert drill.empty  # B02's customers are outside the clamped filter
    assert list(by_branch.index) == ["B01"]


# --------------------------------------------------------------------------- demo bank


def test_demo_accounts_exist_only_for_the_demo_bank(tmp_path: Path, seed_db: Path) -> None:
    from metrics.demo import build_demo
    from metrics.load import load_file

    demo = tmp_path / "demo.duckdb"
    build_demo(demo, customers=60)
    assert access.is_demo_store(demo)
    assert not access.is_demo_store(seed_db)  # loaded by "seed" from real-looking files
    assert not access.is_demo_store(tmp_path / "none.duckdb")
    admin = access.admin_db_for(demo)
    assert access.ensure_demo_accounts(admin, demo)
    assert not access.ensure_demo_accounts(admin, demo)  # once: the file exists now
    users = access.list_users(admin).set_index("name")
    assert dict(users["role"]) == {
        "demo-admin": "admin",
        "demo-analyst": "analyst",
        "demo-executive": "executive",
        "demo-manager": "manager",
    }
    assert users.loc["demo-manager", "branches"] == "BR01"
    assert access.sign_in(admin, "demo-manager", "manager-demo", demo_allowed=True).ok
    assert not access.has_accounts(admin)  # demo accounts are not real accounts

    # one real extract loaded into the demo bank: it is no longer the demo bank
    extract = tmp_path / "branches.csv"
    extract.write_text("branch_id,branch_name,region\nBR99,新分行,华北\n", encoding="utf-8")
    assert load_file(demo, "branches", extract, loaded_by="ana").ok
    assert not access.is_demo_store(demo)
    got = access.sign_in(admin, "demo-admin", "admin-demo", demo_allowed=False)
    assert (got.ok, got.reason) == (False, "demo_off")
    # a real store never gets demo accounts
    assert not access.ensure_demo_accounts(access.admin_db_for(seed_db), seed_db)
    assert not access.admin_db_for(seed_db).exists()


# --------------------------------------------------------------------------- audit, CLI


def _cli(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(list(args))


def test_users_cli_add_list_set_role_set_password_disable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "crm.duckdb"
    admin = tmp_path / "crm.admin.duckdb"
    base = ("--db", str(db))
    add = ("users", "add", "li", "--role", "manager", "--branch", "B01", "--branch", "B02")
    assert _cli(monkeypatch, *add, "--password-stdin", *base, stdin="li-password\n") == 0
    assert capsys.readouterr().out.strip() == f"Added li (manager, B01, B02) to {admin}"
    assert not db.exists()  # accounts never create or touch the store

    root = ("users", "add", "root2", "--role", "admin", "--password-stdin", *base)
    assert _cli(monkeypatch, *root, stdin="root-password\n") == 0
    assert _cli(monkeypatch, "users", "list", *base) == 0
    lines = capsys.readouterr().out.strip().splitlines()[1:]
    assert lines == ["li\tmanager\tB01,B02\tactive", "root2\tadmin\tall branches\tactive"]

    assert _cli(monkeypatch, "users", "set-role", "li", "analyst", *base) == 0
    assert access.get_user(admin, "li") == User("li", "analyst")
    pw = ("users", "set-password", "li", "--password-stdin", *base)
    assert _cli(monkeypatch, *pw, stdin="new-li-password\n") == 0
    assert access.sign_in(admin, "li", "new-li-password", demo_allowed=False).ok
    assert _cli(monkeypatch, "users", "disable", "li", *base) == 0
    assert access.get_user(admin, "li") == User("li", "analyst", disabled=True)
    capsys.readouterr()

    # user errors: one line, exit status 2
    no_branch = ("users", "add", "wang", "--role", "manager", "--password-stdin", *base)
    assert _cli(monkeypatch, *no_branch, stdin="wang-password\n") == 2
    assert "a manager needs at least one --branch" in capsys.readouterr().err
    assert _cli(monkeypatch, "users", "add", "wang", "--role", "admin", *base) == 2
    assert "--password-stdin" in capsys.readouterr().err
    assert _cli(monkeypatch, "users", "disable", "nobody", *base) == 2

    # every change above is in the audit, by the OS user
    assert _cli(monkeypatch, "audit", "--json", *base) == 0
    events = json.loads(capsys.readouterr().out)
    assert [(e["action"], e["detail"].get("name")) for e in events] == [
        ("account_add", "li"),
        ("account_add", "root2"),
        ("account_role", "li"),
        ("account_password", "li"),
        ("sign_in", None),
        ("account_disable", "li"),
    ]
    assert all(e["user_name"].startswith("os:") for e in events if e["action"] != "sign_in")
    assert events[0]["detail"] == {"branches": ["B01", "B02"], "name": "li", "role": "manager"}


def test_audit_cli_filters_by_user_and_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "crm.duckdb"
    admin = access.admin_db_for(db)
    access.audit(admin, "ana", "view", "ok", {"page": "overview"}, "10.0.0.1")
    access.audit(admin, "li", "export", "ok", {"file": "x.csv", "rows": 2}, None)
    assert main(["audit", "--user", "ana", "--db", str(db)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].split("\t")[1:] == ["ana", "view", "ok", "10.0.0.1", '{"page": "overview"}']
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert main(["audit", "--since", tomorrow, "--json", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["audit", "--since", "yesterday", "--db", str(db)]) == 2


def test_users_add_from_a_shell_with_the_password_on_stdin(tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "CRM_DB"}
    done = subprocess.run(
        [sys.executable, "-m", "metrics", "users", "add", "first", "--role", "admin",
         "--password-stdin", "--db", str(db)],
        input="first-admin-pw\n", cwd=REPO, capture_output=True, text=True, env=env,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "first-admin-pw" not in done.stdout + done.stderr
    admin = access.admin_db_for(db)
    assert access.sign_in(admin, "first", "first-admin-pw", demo_allowed=False).ok
