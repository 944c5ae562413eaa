"""The customers behind a page's number: who was surveyed, who churned, who borrowed, ...

Each page drills into its own population (kpis.md's definitions of the KPI it shows),
narrowed to one branch, tier, relationship type or RFM segment, or not narrowed
(`value=None`: the whole selection). The funnel drills into its leads.
"""

from __future__ import annotations

from typing import Any, Literal

import duckdb
import pandas as pd

from metrics.engine import customer_state, rollups
from metrics.engine.sql import (
    BRANCH_OK,
    CUST_CTE,
    customer_ok,
    limit_sql,
    run,
    settings_params,
)
from metrics.filters import Filters

Population = Literal["period", "surveyed", "churned", "borrowers", "revenue"]
POPULATIONS: tuple[str, ...] = ("period", "surveyed", "churned", "borrowers", "revenue")
DIMENSIONS: tuple[str, ...] = ("tier", "branch", "relationship_type", "rfm_segment")

# (extra CTE, join, condition, extra columns) of each population
_PERIOD = "c.onboard_date <= $date_to AND (c.churn_date IS NULL OR c.churn_date >= $date_from)"
_POPULATION_SQL: dict[str, tuple[str, str, str, str]] = {
    "period": ("", "", _PERIOD, ""),
    "surveyed": (
        """pop AS (
    SELECT customer_id, count(*) AS surveys, avg(overall_score) AS mean_score,
           max(survey_date) AS last_survey
    FROM surveys WHERE survey_date BETWEEN $date_from AND $date_to GROUP BY ALL
)""",
        "JOIN pop ON pop.customer_id = c.customer_id",
        "TRUE",
        "pop.surveys, pop.mean_score, pop.last_survey,",
    ),
    "churned": (
        "",
        "",
        "c.onboard_date < $date_from AND c.churn_date BETWEEN $date_from AND $date_to",
        "",
    ),
    "borrowers": (
        """pop AS (
    SELECT customer_id, count(*) AS new_loans, sum(amount)::DOUBLE AS new_loan_amount
    FROM loans WHERE disbursed_date BETWEEN $date_from AND $date_to GROUP BY ALL
)""",
        "JOIN pop ON pop.customer_id = c.customer_id",
        "TRUE",
        "pop.new_loans, pop.new_loan_amount,",
    ),
    "revenue": ("", "", "rel.r12 IS NOT NULL AND rel.r12 <> 0", ""),
}
_CELL_SQL: dict[str, str] = {
    "tier": "c.tier = $value",
    "branch": "c.branch_id = $value",
    "relationship_type": "rel.rel_type = $value",
    "rfm_segment": "rel.segment = $value",
}
# search: a case-insensitive substring of the customer's id or name (`{n}.customer_name`)
_SEARCH_SQL = (
    "(contains(lower(c.customer_id), lower($search)) "
    "OR contains(lower(coalesce({n}.customer_name, '')), lower($search)))"
)


def _population(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    population: Population,
    dimension: str | None,
    value: str | None,
    search: str | None,
    counting: bool = False,
) -> tuple[str, str, str, dict[str, Any]]:
    """(WITH clause, extra columns, FROM .. WHERE, parameters) of the customers asked for.

    `c` is `cust` (every column), or for counting the customer rollup (branch, tier and
    manager as `cust` has them, onboard and churn dates; metrics.engine.rollups) with the
    names joined only to search them. `rel` is the customers' state on f.date_to
    (metrics.engine.customer_state): relationship type and RFM, NULL if not active then.
    """
    if population not in POPULATIONS:
        raise ValueError(f"unknown population {population!r}; expected one of {POPULATIONS}")
    if dimension is not None and dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; expected one of {DIMENSIONS}")
    cte, join, condition, extra = _POPULATION_SQL[population]
    cell = _CELL_SQL[dimension] if dimension and value is not None else "TRUE"
    term = (search or "").strip()
    state = customer_state.table(con, f.date_to)
    if counting:
        base = f"{rollups.location(con)}rollup_customers c"
        if term:
            base += " JOIN customers n ON n.customer_id = c.customer_id"
        ctes = f"WITH {cte}" if cte else ""
    else:
        base = "cust c"
        ctes = "WITH " + ", ".join(p for p in (CUST_CTE, cte) if p)
    found = _SEARCH_SQL.format(n="n" if counting else "c") if term else "TRUE"
    body = f"""FROM {base}
{join}
LEFT JOIN {state} rel ON rel.customer_id = c.customer_id
WHERE {condition} AND {cell} AND {found} AND {customer_ok("c")}"""
    params: dict[str, Any] = {**settings_params(), **f.params(), "value": value, "search": term}
    return ctes, extra, body, params


def customers(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    population: Population,
    dimension: str | None = None,
    value: str | None = None,
    limit: int | None = None,
    search: str | None = None,
) -> pd.DataFrame:
    """The selected customers of `population`, in one cell of `dimension` (all if None).

    limit: at most this many rows, the first by customer_id (None: all); search: only
    customers whose id or name contains it, ignoring case (None or blank: all).
    """
    last = limit_sql(limit)
    ctes, extra, body, params = _population(con, f, population, dimension, value, search)
    sql = f"""{ctes}
SELECT c.customer_id, c.customer_name, c.branch_id, c.tier, c.tier_source, c.credit_rating,
       c.total_assets, c.onboard_date, c.churn_date, c.relationship_manager, {extra}
       rel.rel_type, rel.r12, rel.p12, rel.segment AS rfm_segment,
       rel.recency_days, rel.frequency, rel.monetary
{body}
ORDER BY c.customer_id
{last}"""
    return run(con, sql, params)


def count_customers(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    population: Population,
    dimension: str | None = None,
    value: str | None = None,
    search: str | None = None,
) -> int:
    """How many customers `customers` returns for the same arguments (without a limit)."""
    ctes, _extra, body, params = _population(
        con, f, population, dimension, value, search, counting=True
    )
    row = run(con, f"{ctes}\nSELECT count(*) AS n\n{body}", params)
    return int(row["n"].iloc[0])


def leads(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    dimension: str | None = None,
    value: str | None = None,
) -> pd.DataFrame:
    """Leads created in the period in the selected branches (leads have no tier), in one
    branch or source channel (all if None)."""
    cell = {"branch": "l.branch_id = $value", "source_channel": "l.source_channel = $value"}
    where = cell[dimension] if dimension in cell and value is not None else "TRUE"
    sql = f"""SELECT l.lead_id, l.branch_id, l.source_channel, l.product, l.expected_amount,
       l.created_date, l.contacted_date, l.applied_date, l.approved_date, l.disbursed_date,
       l.lost_date, l.customer_id
FROM leads l
WHERE l.created_date BETWEEN $date_from AND $date_to
  AND {BRANCH_OK.format(col="l.branch_id")} AND {where}
ORDER BY l.created_date, l.lead_id"""
    params: dict[str, Any] = {
        "date_from": f.date_from,
        "date_to": f.date_to,
        "branches": list(f.branches),
    }
    if "$value" in sql:
        params["value"] = value
    return run(con, sql, params)
