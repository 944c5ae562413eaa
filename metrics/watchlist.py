"""Early-warning watchlist: the customers flagged on a day d, with the facts behind each flag.

Spec: ../shared/spec/kpis.md, "Early-warning watchlist". One DuckDB statement over the
customers the filters select (branch, tier, manager) that are active on d; every threshold
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

from metrics.config import get_settings
from metrics.contract import TIERS

# MANAGER_SQL: a customer's manager, "(unassigned)" when none (the breakdown's group key).
from metrics.engine.sql import (
    CUST_CTE,
    MANAGER_SQL,
    SNAPSHOT_SQL,
    run,
    sel_cte,
    settings_params,
)
from metrics.filters import Filters

FLAGS: tuple[str, ...] = (
    "revenue_drop",
    "risk_downgrade",
    "past_due",
    "complaint_open",
    "low_satisfaction",
    "maturity_no_renewal",
)

_DOWNGRADED = "list_contains($wl_down::VARCHAR[], b.risk_class) AND p.risk_class = 'normal'"
_OLD = "opened_at < CAST($on::DATE AS TIMESTAMP) - to_days($wl_cdays)"

# CTEs ending in `wl`: every customer the filters select that is active on $on, with each
# flag as a boolean and its facts. Needs `cust` and `sel` (kpis.CUST_CTE, kpis.sel_cte).
FLAG_CTES = f"""wl_m0 AS (SELECT date_trunc('month', $on::DATE)::DATE AS m0,
                      {SNAPSHOT_SQL.format(day="$on::DATE")} AS snap),
wl_active AS (
    SELECT sel.* FROM sel
    WHERE sel.onboard_date <= $on::DATE AND (sel.churn_date IS NULL OR sel.churn_date > $on::DATE)
),
wl_rev AS (
    SELECT r.customer_id,
           coalesce(sum(r.revenue) FILTER (WHERE r.month > m0 - to_months($wl_months)), 0)
               ::DOUBLE AS rev_recent,
           coalesce(sum(r.revenue) FILTER (WHERE r.month <= m0 - to_months($wl_months)), 0)
               ::DOUBLE AS rev_before
    FROM revenue r, wl_m0
    WHERE r.month > m0 - to_months(2 * $wl_months) AND r.month <= m0
    GROUP BY r.customer_id
),
wl_loans AS (
    SELECT l.customer_id, sum(b.outstanding_balance)::DOUBLE AS outstanding_balance,
           count(*) FILTER (WHERE {_DOWNGRADED}) AS downgraded_loans,
           first(b.loan_id ORDER BY b.outstanding_balance DESC, b.loan_id)
               FILTER (WHERE {_DOWNGRADED}) AS downgraded_loan,
           first(b.risk_class ORDER BY b.outstanding_balance DESC, b.loan_id)
               FILTER (WHERE {_DOWNGRADED}) AS downgraded_to,
           first(b.loan_id ORDER BY b.days_past_due DESC, b.loan_id)
               FILTER (WHERE b.days_past_due > $wl_dpd) AS past_due_loan,
           max(b.days_past_due) FILTER (WHERE b.days_past_due > $wl_dpd) AS days_past_due
    FROM wl_m0
    JOIN loan_balances b ON b.as_of_month = wl_m0.snap
    JOIN loans l ON l.loan_id = b.loan_id
    LEFT JOIN loan_balances p
           ON p.loan_id = b.loan_id AND p.as_of_month = (wl_m0.snap - INTERVAL 1 MONTH)::DATE
    GROUP BY l.customer_id
),
wl_complaints AS (  -- complaints opened by the end of d and still open then
    SELECT customer_id, count(*) AS open_complaints,
           count(*) FILTER (WHERE {_OLD}) AS old_complaints,
           first(request_id ORDER BY opened_at, request_id) FILTER (WHERE {_OLD}) AS complaint_id,
           date_diff('day', min(opened_at) FILTER (WHERE {_OLD})::DATE, $on::DATE)
               AS complaint_age_days
    FROM service_requests
    WHERE category = 'complaint' AND opened_at < CAST($on::DATE + 1 AS TIMESTAMP)
      AND (resolved_at IS NULL OR resolved_at >= CAST($on::DATE + 1 AS TIMESTAMP))
    GROUP BY customer_id
),
wl_survey AS (
    SELECT customer_id, max(survey_date) AS last_survey_date,
           first(overall_score ORDER BY survey_date DESC, response_id DESC) AS last_score
    FROM surveys WHERE survey_date <= $on::DATE
    GROUP BY customer_id
),
wl_maturing AS (
    SELECT l.customer_id, count(*) AS maturing_loans,
           first(l.loan_id ORDER BY l.maturity_date, l.loan_id) AS maturing_loan,
           min(l.maturity_date) AS maturity_date
    FROM loans l
    WHERE l.maturity_date > $on::DATE AND l.maturity_date <= $on::DATE + $wl_mdays::INTEGER
      AND NOT EXISTS (SELECT 1 FROM loans n WHERE n.renewed_from = l.loan_id)
    GROUP BY l.customer_id
),
wl_facts AS (
    SELECT a.customer_id, a.customer_name, a.branch_id, a.tier, a.relationship_manager,
           {MANAGER_SQL.format(col="a.relationship_manager")} AS manager,
           CASE WHEN wl_m0.snap IS NULL THEN NULL
                ELSE coalesce(lo.outstanding_balance, 0) END AS outstanding_balance,
           r.rev_recent, r.rev_before, lo.downgraded_loan, lo.downgraded_to,
           lo.past_due_loan, lo.days_past_due, c.complaint_id, c.complaint_age_days,
           coalesce(c.open_complaints, 0) AS open_complaints,
           s.last_survey_date, s.last_score, m.maturing_loan, m.maturity_date,
           coalesce(r.rev_before > 0 AND r.rev_recent < $wl_ratio * r.rev_before, FALSE)
               AS revenue_drop,
           coalesce(lo.downgraded_loans > 0, FALSE) AS risk_downgrade,
           lo.past_due_loan IS NOT NULL AS past_due,
           coalesce(c.old_complaints > 0, FALSE) AS complaint_open,
           coalesce(s.last_survey_date > $on::DATE - $wl_sdays::INTEGER
                    AND s.last_score <= $wl_score, FALSE) AS low_satisfaction,
           m.maturing_loan IS NOT NULL AS maturity_no_renewal
    FROM wl_active a CROSS JOIN wl_m0
    LEFT JOIN wl_rev r ON r.customer_id = a.customer_id
    LEFT JOIN wl_loans lo ON lo.customer_id = a.customer_id
    LEFT JOIN wl_complaints c ON c.customer_id = a.customer_id
    LEFT JOIN wl_survey s ON s.customer_id = a.customer_id
    LEFT JOIN wl_maturing m ON m.customer_id = a.customer_id
),
wl AS (
    SELECT *, [x FOR x IN [{", ".join(f"CASE WHEN {x} THEN '{x}' END" for x in FLAGS)}]
               IF x IS NOT NULL] AS flags
    FROM wl_facts
)"""

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


def params(f: Filters, on: dt.date, **extra: Any) -> dict[str, Any]:
    """Bound parameters of FLAG_CTES: the filters, the day and the thresholds."""
    w = get_settings().watchlist
    return {
        **settings_params(),
        **f.params(),
        "on": on,
        "wl_months": w.revenue_months,
        "wl_ratio": w.revenue_drop_ratio,
        "wl_down": list(w.downgrade_classes),
        "wl_dpd": w.past_due_days,
        "wl_cdays": w.complaint_days,
        "wl_score": w.low_score,
        "wl_sdays": w.survey_days,
        "wl_mdays": w.maturity_days,
        **extra,
    }


def with_flags(*more: str) -> str:
    """`WITH cust, sel, <the watchlist CTEs>, *more` for queries built on `wl`."""
    return "WITH " + ",\n".join((CUST_CTE, sel_cte(None), FLAG_CTES, *more)) + "\n"


def latest_day(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The store's latest data date: the default day of the watchlist and whitespace."""
    from metrics.views import data_bounds

    return data_bounds(con)[1]


def watchlist(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    on: dt.date | None = None,
    flags: Sequence[str] = (),
) -> pd.DataFrame:
    """Customers with at least one flag on `on` (default f.date_to), in the spec's order.

    `flags` keeps only customers with any of those flags. Columns: COLUMNS; `flags` holds
    the flag ids in FLAGS order; the other columns are the facts behind them (None where
    the flag does not hold or has no such fact).
    """
    unknown = [x for x in flags if x not in FLAGS]
    if unknown:
        raise ValueError(f"unknown flag {unknown[0]!r}; expected one of {', '.join(FLAGS)}")
    sql = with_flags() + (
        f"SELECT {', '.join(COLUMNS)} FROM wl WHERE len(flags) > 0 "
        "AND (len($wanted::VARCHAR[]) = 0 OR list_has_any(flags, $wanted::VARCHAR[])) "
        f"ORDER BY {ORDER_SQL}"
    )
    out = run(con, sql, params(f, on or f.date_to, wanted=list(flags)))
    out["flags"] = [list(x) for x in out["flags"]]
    return out


def counts_by_manager(
    con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date | None = None
) -> pd.DataFrame:
    """Flagged customers per manager ("(unassigned)" for none): columns manager, watchlist."""
    sql = with_flags() + (
        "SELECT manager, count(*) FILTER (WHERE len(flags) > 0) AS watchlist "
        "FROM wl GROUP BY manager ORDER BY manager"
    )
    return run(con, sql, params(f, on or f.date_to))


def managers(con: duckdb.DuckDBPyConnection, f: Filters) -> list[str]:
    """The managers of the customers the filters select, "(unassigned)" first when any."""
    expr = MANAGER_SQL.format(col="relationship_manager")
    sql = f"WITH {CUST_CTE}, {sel_cte(None)} SELECT DISTINCT {expr} AS m FROM sel ORDER BY m"
    return [str(m) for m in run(con, sql, {**settings_params(), **f.params()})["m"]]


def watchlist_count(con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date | None = None) -> int:
    """How many customers the filters select are flagged on `on` (the Overview's number)."""
    sql = with_flags() + "SELECT count(*) AS n FROM wl WHERE len(flags) > 0"
    return int(run(con, sql, params(f, on or f.date_to))["n"].iloc[0])


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
