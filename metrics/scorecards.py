"""Relationship-manager scorecards and a manager's book of business.

Spec: ../shared/spec/kpis.md, "Relationship managers" and "Sample size". The KPIs come from
the engine's `breakdown(con, f, "relationship_manager")` (index = manager, a column per KPI
id); this module adds the tier mix, the satisfaction n with its 95 % Wilson interval, the
low-n mark, the watchlist count and a rank.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from metrics import kpis
from metrics.config import get_settings
from metrics.contract import TIERS
from metrics.engine import customer_state
from metrics.filters import Filters
from metrics.registry import KPIS
from metrics.watchlist import ORDER_SQL, counts_by_manager

# The KPIs a scorecard shows, in column order (customer-based: they have a manager).
SCORE_KPIS: tuple[str, ...] = (
    "active_customers",
    "csat_rate",
    "response_sla_rate",
    "complaint_rate",
    "retention_rate",
    "new_loan_amount",
    "avg_annual_revenue",
    "cross_sell_rate",
)
RANKABLE: tuple[str, ...] = (*SCORE_KPIS, "watchlist")


def tier_mix(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Per manager: the share of each tier among their selected customers active on date_to."""
    shares = ", ".join(
        f"(count(*) FILTER (WHERE tier = '{t}') / count(*))::DOUBLE AS tier_{t.lower()}_share"
        for t in TIERS
    )
    # the customers active on date_to, with their branch, tier and manager: its state's rows
    state = customer_state.table(con, f.date_to, need="rel")
    sql = f"""SELECT manager, {shares}
FROM {state} WHERE {kpis.customer_ok()}
GROUP BY ALL"""
    return kpis.run(con, sql, f.params()).set_index("manager")


def scorecards(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    on: dt.date | None = None,
    rank_by: str = "csat_rate",
) -> pd.DataFrame:
    """One row per manager (index `manager`, "(unassigned)" for customers with none), ranked.

    Columns: rank, the SCORE_KPIS, tier_a/b/c_share, csat_n (surveys), csat_low/csat_high
    (Wilson), low_n (csat_n < settings.min_n), watchlist (flagged on `on`, default date_to).
    Rank follows rank_by's direction (best first), missing values last; by satisfaction,
    low-n managers come after the others.
    """
    if rank_by not in RANKABLE:
        raise ValueError(f"unknown rank_by {rank_by!r}; expected one of {', '.join(RANKABLE)}")
    rows = kpis.breakdown_detail(con, f, "relationship_manager", SCORE_KPIS)
    index = pd.Index(list(rows), name="manager")
    out = pd.DataFrame(
        {k: [rows[g][k].value for g in rows] for k in SCORE_KPIS}, index=index, dtype="float64"
    )
    out = out.join(tier_mix(con, f))
    csat = [rows[g]["csat_rate"] for g in rows]
    out["csat_n"] = pd.Series([int(c.denominator or 0) for c in csat], index=index, dtype="int64")
    out["csat_low"] = pd.Series([c.ci_low for c in csat], index=index, dtype="float64")
    out["csat_high"] = pd.Series([c.ci_high for c in csat], index=index, dtype="float64")
    out["low_n"] = out["csat_n"] < get_settings().min_n
    counts = counts_by_manager(con, f, on).set_index("manager")["watchlist"]
    out["watchlist"] = counts.reindex(out.index).fillna(0).astype("int64")
    # best first: higher is better, except for "lower" KPIs and the watchlist count
    best_high = rank_by in KPIS and KPIS[rank_by].direction != "lower"
    order = pd.DataFrame(
        {
            "low": out["low_n"] & (rank_by == "csat_rate"),
            "key": -out[rank_by] if best_high else out[rank_by],
            "name": out.index,
        },
        index=out.index,
    ).sort_values(["low", "key", "name"], na_position="last")
    out = out.loc[order.index]
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def book(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    manager: str,
    on: dt.date | None = None,
) -> pd.DataFrame:
    """A manager's book of business on `on` (default date_to): their selected active customers.

    Columns: customer_id, customer_name, branch_id, tier, rel_type, outstanding_balance,
    last_survey_date, last_score, open_complaints (open at the end of the day), flags;
    in the watchlist's order (most flags first).
    """
    state = customer_state.table(con, on or f.date_to)
    sql = (
        "SELECT customer_id, customer_name, branch_id, tier, rel_type, outstanding_balance, "
        f"last_survey_date, last_score, open_complaints, flags FROM {state} "
        f"WHERE manager = $manager AND {kpis.customer_ok()} ORDER BY {ORDER_SQL}"
    )
    out = kpis.run(con, sql, {**f.params(), "manager": manager})
    out["flags"] = [list(x) for x in out["flags"]]
    return out
