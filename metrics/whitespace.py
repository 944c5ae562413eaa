"""Cross-sell whitespace: held product categories, peer shares per tier, next best category.

Spec: ../shared/spec/kpis.md, "Cross-sell whitespace". Peers are bank-wide (every active
customer of the tier with revenue rows in the window, whatever the filters), so a customer's
next best category does not change with the filters, like relationship types and RFM. The
categories considered are those some active customer holds. `whitespace` CLI.

The state of a day (every active customer's held and next best categories, the shares) is
metrics.engine.whitespace_state's: published for the latest day, built once for another.
These functions only pick the filters' rows of it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
from collections.abc import Iterator
from typing import Any

import duckdb
import pandas as pd

from metrics.engine import whitespace_state
from metrics.engine.sql import TIER_OK, customer_ok, run, used_params
from metrics.filters import Filters
from metrics.watchlist import add_filter_args, open_for_cli


def _day(f: Filters, on: dt.date | None) -> dt.date:
    day = on or f.date_to
    return day.date() if isinstance(day, dt.datetime) else day


def _where(next_best: str | None, search: str | None) -> tuple[str, dict[str, Any]]:
    """SQL condition and parameters: the filters' customers, next best, search text."""
    cond = [customer_ok()]
    extra: dict[str, Any] = {}
    if next_best is not None:
        cond.append("next_best = $next_best")
        extra["next_best"] = next_best
    text = (search or "").strip()
    if text:
        cond.append(
            "(contains(lower(customer_id), lower($search)) "
            "OR contains(lower(customer_name), lower($search)))"
        )
        extra["search"] = text
    return " AND ".join(cond), extra


def peer_shares(
    con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date | None = None
) -> pd.DataFrame:
    """Per tier (the filter's tiers) and category: peers, holders, share; by tier, category."""
    with whitespace_state.tables(con, _day(f, on)) as state:
        sql = (
            f"SELECT tier, category, peers, holders, share FROM {state.share} "
            f"WHERE {TIER_OK.format(col='tier')} ORDER BY tier, category"
        )
        return run(con, sql, f.params())


def customers(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    on: dt.date | None = None,
    next_best: str | None = None,
    *,
    limit: int | None = None,
    search: str | None = None,
) -> pd.DataFrame:
    """The selected customers active on `on`: held categories (a list) and next best category.

    With `next_best`, only the customers whose next best category it is (a campaign list).
    next_best is None for a customer who holds every category (or whose tier has no peers).
    search: only customers whose id or name contains it (case-insensitive, trimmed).
    limit: the first `limit` rows by customer_id (count_customers gives how many in all).
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, not {limit}")
    where, extra = _where(next_best, search)
    with whitespace_state.tables(con, _day(f, on)) as state:
        sql = (
            "SELECT customer_id, customer_name, branch_id, tier, relationship_manager, "
            f"held_key AS held, next_best, next_best_share FROM {state.customers} WHERE {where}"
        )
        if not _keeps_insertion_order(con):  # the state is stored by customer_id
            sql += " ORDER BY customer_id"
        if limit is not None:
            sql += " LIMIT $limit"
            extra["limit"] = limit
        # Through Arrow: several times faster than .df() for 100,000s of strings, same frame.
        # con.sql refuses to run while an earlier execute's result is unfinished: finish it.
        con.complete()
        out = con.sql(sql, params=used_params(sql, {**f.params(), **extra})).to_arrow_table()
        lists = dict(con.execute(f"SELECT held_key, held FROM {state.held}").fetchall())
    frame = out.to_pandas()
    for col in frame.columns:  # as .df() gives them: a text column without a value is object
        if isinstance(frame[col].dtype, pd.StringDtype) and not frame[col].notna().any():
            frame[col] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    with _gc_paused():  # 100,000s of small lists: the collector's passes would dominate
        frame["held"] = [list(lists[k]) for k in frame["held"].tolist()]
    return frame


def _keeps_insertion_order(con: duckdb.DuckDBPyConnection) -> bool:
    """DuckDB returns a table's rows in the order they were written unless told it need not
    (preserve_insertion_order, on by default): no sort of 100,000s of ids is needed."""
    row = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
    return bool(row and row[0][0])


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection in the block (turned back on if it was on)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def count_customers(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    on: dt.date | None = None,
    next_best: str | None = None,
    *,
    search: str | None = None,
) -> int:
    """How many rows `customers` returns with the same arguments and no limit."""
    where, extra = _where(next_best, search)
    with whitespace_state.tables(con, _day(f, on)) as state:
        sql = f"SELECT count(*) FROM {state.customers} WHERE {where}"
        row = con.execute(sql, used_params(sql, {**f.params(), **extra})).fetchone()
    return int(row[0]) if row else 0


def next_best_counts(
    con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date | None = None
) -> pd.DataFrame:
    """Per category, how many selected customers have it as next best (most first)."""
    with whitespace_state.tables(con, _day(f, on)) as state:
        sql = (
            f"SELECT next_best AS category, count(*) AS customers FROM {state.customers} "
            f"WHERE next_best IS NOT NULL AND {customer_ok()} "
            "GROUP BY next_best ORDER BY customers DESC, category"
        )
        return run(con, sql, f.params())


def _run_cli(args: argparse.Namespace) -> int:
    con, f = open_for_cli(args)
    try:
        shares = peer_shares(con, f)
        rows = customers(con, f)
    finally:
        con.close()
    peer: dict[str, dict[str, float]] = {}
    for rec in shares.to_dict("records"):
        peer.setdefault(str(rec["tier"]), {})[str(rec["category"])] = float(rec["share"])
    customers_out: list[dict[str, Any]] = [
        {
            "customer_id": str(rec["customer_id"]),
            "tier": str(rec["tier"]),
            "held": [str(c) for c in rec["held"]],
            "next_best": None if pd.isna(rec["next_best"]) else str(rec["next_best"]),
        }
        for rec in rows.to_dict("records")
    ]
    out = {"on": f.date_to.isoformat(), "peer_share": peer, "customers": customers_out}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`whitespace [--on D] [--branch ID]... [--tier T]... [--manager NAME]... [--db P]` -> JSON."""
    p = sub.add_parser("whitespace", help="Print cross-sell whitespace on a day as JSON.")
    add_filter_args(p)
    p.set_defaults(handler=_run_cli)
