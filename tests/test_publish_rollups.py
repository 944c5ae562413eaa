"""Rollups at publish: built once for a streamed rebuild, updated in place by a load.

The demo bank loads chunk by chunk into a private copy (metrics.store.rebuild); each
chunk's load writes the copy in place and the rollups are built once, before the rename,
so the published store answers from rollups of every row. A revenue load recomputes the
trailing-12 state of the months it changed only; the result equals a full build.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from metrics import load
from metrics.demo import build_demo
from metrics.engine import revenue_state, rollups
from metrics.load import read_extract
from metrics.store import connect_reader
from tests.seedstore import build_seed_store

D = dt.date


def test_a_streamed_rebuild_builds_the_rollups_once_from_every_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metrics.demo import build as demo_build

    # 250 customers in chunks of 100: three loads (chunks of 100, 100 and 50 customers).
    monkeypatch.setattr(demo_build, "CHUNK_CUSTOMERS", 100)
    builds: list[object] = []
    real_build = rollups.build

    def counting_build(con: object, *args: object, **kwargs: object) -> None:
        builds.append(kwargs.get("changed"))
        real_build(con, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rollups, "build", counting_build)
    db = tmp_path / "bank.duckdb"
    build_demo(db, seed=5, customers=250)
    assert builds == [None]  # one full build, not one per chunk

    con = connect_reader(db)
    try:
        assert rollups.location(con) == ""  # the store's own rollups are valid
        facts, rolled = con.execute(
            "SELECT (SELECT sum(revenue) FROM revenue), (SELECT sum(revenue12) FROM rollup_revenue)"
        ).fetchone() or (None, None)
        # every chunk's revenue is in the rollup: the same total, to the cent
        assert facts is not None and rolled == facts
        # every customer with revenue, of every chunk, has its trailing-12 state
        in_state, with_revenue = con.execute(
            "SELECT (SELECT count(DISTINCT customer_id) FROM rollup_revenue_segments), "
            "(SELECT count(DISTINCT customer_id) FROM revenue)"
        ).fetchone() or (None, None)
        assert with_revenue is not None and with_revenue > 200 and in_state == with_revenue
    finally:
        con.close()


# --- Incremental revenue state: a load recomputes only the months it changed ------------

_ANCHORS = (
    "SELECT unnest(generate_series(DATE '2023-01-01', DATE '2027-12-01', INTERVAL 1 MONTH))"
    "::DATE AS month"
)


def _revenue_rollups(con: duckdb.DuckDBPyConnection, s: str) -> dict[str, set[tuple[Any, ...]]]:
    """Every customer's cats per anchor month, and the two revenue rollups, as sets."""

    def rows(sql: str) -> set[tuple[Any, ...]]:
        return {tuple(r) for r in con.execute(sql).fetchall()}

    return {
        "state": rows(
            f"SELECT a.month, g.customer_id, g.cats FROM {s}rollup_revenue_segments g "
            f"JOIN ({_ANCHORS}) a ON a.month BETWEEN g.month_from AND g.month_to"
        ),
        "revenue": rows(f"SELECT * FROM {s}rollup_revenue WHERE revenue12 <> 0"),
        "customers": rows(f"SELECT * FROM {s}rollup_revenue_customers"),
    }


def _cats(con: duckdb.DuckDBPyConnection, customer: str, anchor: dt.date) -> int | None:
    row = con.execute(
        "SELECT cats FROM rollup_revenue_segments WHERE customer_id = ? "
        "AND ? BETWEEN month_from AND month_to",
        [customer, anchor],
    ).fetchone()
    return None if row is None else int(row[0])


def _load(db: Path, csv: bytes, mode: str) -> int:
    reports = load.load_batch(db, [("revenue", read_extract(csv, "r.csv"), None)], mode)
    assert reports[0].ok, reports[0].render_text()
    return int(reports[0].load_id)


def _check_against_a_full_build(db: Path) -> duckdb.DuckDBPyConnection:
    con = connect_reader(db)
    assert rollups.location(con) == ""
    rollups.build(con, "memory.main.")  # every rollup again, from every row
    assert _revenue_rollups(con, "") == _revenue_rollups(con, "memory.main.")
    return con


def test_a_revenue_load_updates_the_state_as_a_full_build_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = build_seed_store(tmp_path / "seed.duckdb")
    updated: list[list[dt.date]] = []  # the months each publish recomputed
    real_update = revenue_state.update

    def recording_update(c: duckdb.DuckDBPyConnection, s: str, months: list[dt.date]) -> None:
        updated.append(list(months))
        real_update(c, s, months)

    monkeypatch.setattr(revenue_state, "update", recording_update)
    con = connect_reader(db)
    # Seed: C01 has loan 120,000 (2025-03) and deposit 80,000 (2025-09): at the anchor
    # 2025-09 (window 2024-10 .. 2025-09) both categories are positive.
    assert _cats(con, "C01", D(2025, 9, 1)) == 2
    assert _cats(con, "C03", D(2025, 12, 1)) is None  # C03: one row, 2024-11
    con.close()

    # An append in a new month: C03 fx 500 in 2025-12 -> present from 2025-12 to 2026-11,
    # one category there (its loan of 2024-11 left the window after 2025-10).
    _load(db, b"month,customer_id,product_category,revenue\n2025-12,C03,fx,500\n", "append")
    con = _check_against_a_full_build(db)
    assert _cats(con, "C03", D(2025, 12, 1)) == 1
    assert _cats(con, "C03", D(2026, 11, 1)) == 1 and _cats(con, "C03", D(2026, 12, 1)) is None
    con.close()
    assert updated == [[D(2025, 12, 1)]]  # that month only, not a full build

    # An upsert that turns C01's 2025-03 loan negative: at 2025-09 only the deposit is > 0.
    upsert = _load(
        db, b"month,customer_id,product_category,revenue\n2025-03,C01,loan,-120000\n", "upsert"
    )
    con = _check_against_a_full_build(db)
    assert _cats(con, "C01", D(2025, 9, 1)) == 1
    con.close()
    assert updated[-1] == [D(2025, 3, 1)]

    # Its undo puts the state back: 2 again.
    load.undo_load(db, upsert)
    con = _check_against_a_full_build(db)
    assert _cats(con, "C01", D(2025, 9, 1)) == 2
    con.close()
    assert updated[-1] == [D(2025, 3, 1)] and len(updated) == 3


def test_data_bounds_read_the_rollups_source_dates(tmp_path: Path) -> None:
    from metrics.views import data_bounds

    db = build_seed_store(tmp_path / "seed.duckdb")
    con = connect_reader(db)
    try:
        # Earliest: C10 onboarded 2017-01-10 (loans start 2019-02-01, revenue 2024-02).
        # Latest: 2025-12-31 (survey S06, lead LD06 created, the 2025-12 balance snapshot).
        assert data_bounds(con) == (D(2017, 1, 10), D(2025, 12, 31))
    finally:
        con.close()
