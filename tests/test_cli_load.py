"""`python -m metrics load|validate|load-dir|undo|history`: exit codes and messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.extracts import (
    BRANCHES,
    CUSTOMERS,
    LOANS,
    history_rows,
    query,
    snapshot,
    write_csv,
)

REPO = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI from the repo root, as a user would."""
    full_env = {k: v for k, v in os.environ.items() if k != "CRM_DB"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_load_validate_history_and_undo(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    branches = write_csv(tmp_path / "b.csv", *BRANCHES)
    out = run("load", "branches", str(branches), "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Loaded 2 rows into branches from b.csv (load 1, mode append)"

    # CRM_DB names the store when --db is absent; validate changes nothing.
    customers = write_csv(tmp_path / "c.csv", *CUSTOMERS, encoding="gbk")
    out = run("validate", "customers", str(customers), env={"CRM_DB": str(db)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "OK: 3 rows of c.csv fit customers (mode append)"
    assert [h[0] for h in history_rows(db)] == [1]

    out = run("load", "customers", str(customers), "--db", str(db), "--mode", "upsert")
    assert out.returncode == 0, out.stderr
    out = run("history", "--db", str(db))
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert "load_id" in lines[0] and "customers" in lines[1] and "branches" in lines[2]

    out = run("undo", "2", "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Undid load 2 of customers: removed 3 rows, restored 0 rows"
    assert query(db, "SELECT count(*) FROM customers") == [(0,)]


def test_refused_file_exits_1_with_report_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert (
        run(
            "load", "branches", str(write_csv(tmp_path / "b.csv", *BRANCHES)), "--db", str(db)
        ).returncode
        == 0
    )
    bad = [r[:] for r in CUSTOMERS[1]]
    bad[1][3] = "Z"  # row 3: not a rating
    bad[2][2] = "B77"  # row 4: no such branch
    path = write_csv(tmp_path / "customers.csv", CUSTOMERS[0], bad)
    before = snapshot(db)
    out = run("load", "customers", str(path), "--db", str(db))
    assert out.returncode == 1
    assert out.stdout == ""
    err = out.stderr
    assert "REFUSED customers.csv -> customers" in err
    assert "row 3, column credit_rating: 'Z'; expected one of AAA" in err
    assert "row 4, column branch_id: 'B77'; expected text, an existing branches.branch_id" in err
    assert "2 problem(s) in 2 of 3 rows; nothing was loaded." in err
    assert "Traceback" not in err
    assert snapshot(db) == before
    assert history_rows(db)[-1][6] == "refused"


def test_not_a_csv_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    png = tmp_path / "customers.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    out = run("load", "customers", str(png), "--db", str(db))
    assert out.returncode == 1
    assert "not a text (CSV) file" in out.stderr
    assert "Traceback" not in out.stderr


def test_user_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    out = run("load", "customers", str(tmp_path / "missing.csv"), "--db", str(db))
    assert (out.returncode, out.stderr.strip()) == (
        2,
        f"error: no such file: {tmp_path / 'missing.csv'}",
    )
    out = run("undo", "7", "--db", str(db))
    assert (out.returncode, out.stderr.strip()) == (2, "error: there is no load 7")
    out = run("history", "--db", str(tmp_path / "none.duckdb"))
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert not (tmp_path / "none.duckdb").exists()


def test_load_dir_all_or_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    d = tmp_path / "extracts"
    d.mkdir()
    write_csv(d / "branches.csv", *BRANCHES)
    write_csv(d / "customers.csv", *CUSTOMERS)
    bad = [r[:] for r in LOANS[1]]
    bad[0][5] = "2023-01-01"  # row 2: matures before it was disbursed (2024-02-01)
    write_csv(d / "loans.csv", LOANS[0], bad)
    out = run("load-dir", str(d), "--db", str(db))
    assert out.returncode == 1
    assert "row 2, column maturity_date: '2023-01-01'" in out.stderr
    assert "not loaded: the batch is all or nothing and loans.csv was refused" in out.stderr
    assert all(not rows for rows in snapshot(db).values())

    write_csv(d / "loans.csv", *LOANS)
    out = run("load-dir", str(d), "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "Loaded 2 rows into branches from branches.csv (load 4, mode append)",
        "Loaded 3 rows into customers from customers.csv (load 5, mode append)",
        "Loaded 3 rows into loans from loans.csv (load 6, mode append)",
    ]


def test_cli_loads_refusals_and_undos_are_audited_as_the_os_user(tmp_path: Path) -> None:
    import getpass
    import hashlib
    import json

    from metrics import access

    db = tmp_path / "s.duckdb"
    branches = write_csv(tmp_path / "b.csv", *BRANCHES)
    assert run("load", "branches", str(branches), "--db", str(db)).returncode == 0
    # The same two branch ids again: append refuses stored keys.
    assert run("load", "branches", str(branches), "--db", str(db)).returncode == 1
    assert run("undo", "1", "--db", str(db)).returncode == 0
    rows = access.audit_rows(access.admin_db_for(db))
    who = f"os:{getpass.getuser()}"
    assert [(r.user_name, r.action, r.outcome) for r in rows.itertuples()] == [
        (who, "load", "ok"),
        (who, "load", "refused"),
        (who, "undo", "ok"),
    ]
    first = json.loads(rows.iloc[0]["detail"])
    assert (first["table"], first["file"], first["load_id"]) == ("branches", "b.csv", 1)
    assert first["checksum"] == hashlib.sha256(branches.read_bytes()).hexdigest()
    assert json.loads(rows.iloc[2]["detail"])["load_id"] == 1
