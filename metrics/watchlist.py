"""Early-warning watchlist: the customers flagged on a day d, with the facts behind each flag.

Spec: ../shared/spec/kpis.md, "Early-warning watchlist". The flags of every customer active
on d are computed once per day (FLAG_CTES, in metrics.engine.customer_state); the queries
here select the customers the filters select (branch, tier, manager); every threshold
comes from metrics.config (Settings.watchlist) as a bound parameter. `watchlist` CLI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from metrics.contract import TIERS
from metrics.engine import customer_state

# MANAGER_SQL: a customer's manager, "(unassigned)" when none (the breakdown's group key).
from metrics.engine.sql import (
    CUST_CTE,
    MANAGER_SQL,
    customer_ok,
    limit_sql,
    run,
    sel_cte,
    settings_params,
)

# The flags' definitions live with the other per-customer state (metrics.engine.state_sql).
from metrics.engine.state_sql import FLAG_CTES as FLAG_CTES
from metrics.engine.state_sql import FLAGS as FLAGS
from metrics.engine.state_sql import flag_params
from metrics.engine.state_sql import snapshot_month as snapshot_month
from metrics.filters import Filters

# The spec's order: more flags first, then larger outstanding balance, then customer_id.
ORDER_SQL = "len(flags) DESC, coalesce(outstanding_balance, 0) DESC, customer_id"

COLUMNS: tuple[str, ...] = (
    "customer_id",
    "customer_name",
    "branch_id",
    "tier",
    "relationship_manager",
    "flags",
    "outstanding_balance",
    "rev_recent",
    "rev_before",
    "downgraded_loan",
    "downgraded_to",
    "past_due_loan",
    "days_past_due",
    "complaint_id",
    "complaint_age_days",
    "last_survey_date",
    "last_score",
    "maturing_loan",
    "maturity_date",
)


def params(con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date, **extra: Any) -> dict[str, Any]:
    """Bound parameters of FLAG_CTES: the filters, the day, its snapshot and the thresholds."""
    return flag_params(con, f, on, **extra)


def with_flags(*more: str) -> str:
    """`WITH cust, sel, <the watchlist CTEs>, *more` for queries built on `wl`: the flags
    from the facts (the pages read them from metrics.engine.customer_state)."""
    return "WITH " + ",\n".join((CUST_CTE, sel_cte(None), FLAG_CTES, *more)) + "\n"


def latest_day(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The store's latest data date: the default day of the watchlist and whitespace."""
    from metrics.views import data_bounds

    return data_bounds(con)[1]


# Any of the flags asked for (none asked for: every flagged customer).
_WANTED = "(len($wanted::VARCHAR[]) = 0 OR list_has_any(flags, $wanted::VARCHAR[]))"


def watchlist(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    on: dt.date | None = None,
    flags: Sequence[str] = (),
    limit: int | None = None,
) -> pd.DataFrame:
    """Customers with at least one flag on `on` (default f.date_to), in the spec's order.

    `flags` keeps only customers with any of those flags. Columns: COLUMNS; `flags` holds
    the flag ids in FLAGS order; the other columns are the facts behind them (None where
    the flag does not hold or has no such fact). limit: only the first this many rows
    (None: all).
    """
    unknown = [x for x in flags if x not in FLAGS]
    if unknown:
        raise ValueError(f"unknown flag {unknown[0]!r}; expected one of {', '.join(FLAGS)}")
    state = customer_state.table(con, on or f.date_to)
    sql = (
        f"SELECT {', '.join(COLUMNS)} FROM {state} WHERE len(flags) > 0 AND {customer_ok()} "
        f"AND {_WANTED} ORDER BY {ORDER_SQL} {limit_sql(limit)}"
    )
    out = run(con, sql, {**f.params(), "wanted": list(flags)})
    out["flags"] = [list(x) for x in out["flags"]]
    return out


def counts_by_manager(
    con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date | None = None
) -> pd.DataFrame:
    """Flagged customers per manager ("(unassigned)" for none): columns manager, watchlist."""
    state = customer_state.table(con, on or f.date_to)
    sql = (
        "SELECT manager, count(*) FILTER (WHERE len(flags) > 0) AS watchlist "
        f"FROM {state} WHERE {customer_ok()} GROUP BY manager ORDER BY manager"
    )
    return run(con, sql, f.params())


def managers(con: duckdb.DuckDBPyConnection, f: Filters) -> list[str]:
    """The managers of the customers the filters select, "(unassigned)" first when any."""
    expr = MANAGER_SQL.format(col="relationship_manager")
    sql = f"WITH {CUST_CTE}, {sel_cte(None)} SELECT DISTINCT {expr} AS m FROM sel ORDER BY m"
    return [str(m) for m in run(con, sql, {**settings_params(), **f.params()})["m"]]


def watchlist_count(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    on: dt.date | None = None,
    flags: Sequence[str] = (),
) -> int:
    """How many customers the filters select are flagged on `on` (the Overview's number);
    with `flags`, how many `watchlist` lists (any of those flags)."""
    state = customer_state.table(con, on or f.date_to)
    sql = (
        f"SELECT count(*) AS n FROM {state} WHERE len(flags) > 0 AND {customer_ok()} AND {_WANTED}"
    )
    return int(run(con, sql, {**f.params(), "wanted": list(flags)})["n"].iloc[0])


# --- CLI (shared with metrics.whitespace) -----------------------------------------------


def add_filter_args(p: argparse.ArgumentParser) -> None:
    """--on, --branch, --tier, --manager, --db: the desk commands' arguments."""
    p.add_argument("--on", default=None, help="the day, YYYY-MM-DD (default: latest data date)")
    p.add_argument("--branch", action="append", help="branch_id; repeat for several")
    p.add_argument("--tier", action="append", help="A, B or C; repeat for several")
    p.add_argument(
        "--manager", action="append", help="relationship manager, or (unassigned); repeatable"
    )
    p.add_argument("--db", default=None, help="store file (default: $CRM_DB or data/crm.duckdb)")


def open_for_cli(args: argparse.Namespace) -> tuple[duckdb.DuckDBPyConnection, Filters]:
    """The store read-only and the Filters of the arguments; a CliError for bad input."""
    from metrics.errors import CliError
    from metrics.store import StoreMissingError, connect_reader, resolve_db

    on = None
    if args.on is not None:
        try:
            on = dt.date.fromisoformat(args.on)
        except ValueError:
            raise CliError(f"--on {args.on!r} is not a date YYYY-MM-DD") from None
    for tier in args.tier or ():
        if tier not in TIERS:
            raise CliError(f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}")
    try:
        con = connect_reader(resolve_db(args.db))
    except StoreMissingError as exc:
        raise CliError(str(exc)) from None
    except duckdb.Error as exc:
        raise CliError(f"cannot open the store: {str(exc).splitlines()[0]}") from None
    try:
        day = on or latest_day(con)
        if day is None:
            raise CliError("the store holds no data; pass --on")
        f = Filters(
            day, day, tuple(args.branch or ()), tuple(args.tier or ()), tuple(args.manager or ())
        )
        _check_known(con, f)
    except BaseException:
        con.close()
        raise
    return con, f


def _check_known(con: duckdb.DuckDBPyConnection, f: Filters) -> None:
    from metrics.errors import CliError

    branches = {str(r[0]) for r in con.execute("SELECT branch_id FROM branches").fetchall()}
    expr = MANAGER_SQL.format(col="relationship_manager")
    managers = {str(r[0]) for r in con.execute(f"SELECT DISTINCT {expr} FROM customers").fetchall()}
    for kind, asked, known in (("branch", f.branches, branches), ("manager", f.managers, managers)):
        unknown = [x for x in asked if x not in known]
        if unknown:
            raise CliError(f"unknown {kind} {unknown[0]!r}")


def _run_cli(args: argparse.Namespace) -> int:
    con, f = open_for_cli(args)
    try:
        frame = watchlist(con, f)
    finally:
        con.close()
    keys = ("customer_id", "branch_id", "tier", "relationship_manager", "flags")
    customers = [
        {
            **{k: rec[k] for k in keys},
            "outstanding_balance": None
            if pd.isna(rec["outstanding_balance"])
            else float(rec["outstanding_balance"]),
        }
        for rec in frame.astype(object).where(frame.notna(), None).to_dict("records")
    ]
    out = {"on": f.date_to.isoformat(), "customers": customers}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`watchlist [--on D] [--branch ID]... [--tier T]... [--manager NAME]... [--db P]` -> JSON."""
    p = sub.add_parser("watchlist", help="Print the customers flagged on a day as JSON.")
    add_filter_args(p)
    p.set_defaults(handler=_run_cli)
