"""SQL building blocks shared by the engine, the analyses and the page views.

Identifiers come only from the data contract; values only as bound `$name`
parameters. `run` binds exactly the parameters a statement names.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pandas as pd

from metrics.config import get_settings
from metrics.contract import NPL_CLASSES
from metrics.filters import UNASSIGNED

PERIODS_CTE = """periods AS (
    SELECT unnest($pids::INTEGER[]) AS pid,
           unnest($p_from::DATE[]) AS date_from,
           unnest($p_to::DATE[]) AS date_to
)"""

# A customer's relationship manager, or UNASSIGNED when none is stored.
MANAGER_SQL = f"coalesce(nullif(trim({{col}}), ''), '{UNASSIGNED}')"

# The stored tier, or the tier derived from assets and rating (kpis.md, Tiers).
TIER_SQL = """coalesce(nullif(trim(c.tier), ''),
               CASE WHEN c.total_assets >= $tier_a_min
                         AND list_contains($a_ratings::VARCHAR[], c.credit_rating) THEN 'A'
                    WHEN list_contains($c_ratings::VARCHAR[], c.credit_rating)
                         OR coalesce(c.total_assets, 0) < $tier_c_below THEN 'C'
                    ELSE 'B' END)"""

# Every customer with its stored tier, or the tier derived from assets and rating.
CUST_CTE = f"""cust AS (
    SELECT c.customer_id, c.customer_name, c.branch_id, c.industry, c.credit_rating,
           c.total_assets::DOUBLE AS total_assets, c.onboard_date, c.churn_date,
           c.referred_by, c.acquisition_channel, c.relationship_manager,
           {MANAGER_SQL.format(col="c.relationship_manager")} AS manager,
           {TIER_SQL} AS tier,
           CASE WHEN nullif(trim(c.tier), '') IS NULL THEN 'derived' ELSE 'stored' END
               AS tier_source
    FROM customers c
)"""

BRANCH_OK = "(len($branches::VARCHAR[]) = 0 OR list_contains($branches::VARCHAR[], {col}))"
TIER_OK = "(len($tiers::VARCHAR[]) = 0 OR list_contains($tiers::VARCHAR[], {col}))"
MANAGER_OK = "(len($managers::VARCHAR[]) = 0 OR list_contains($managers::VARCHAR[], {col}))"


def customer_ok(alias: str = "") -> str:
    """SQL condition: the branch, tier and manager filters on `alias.` customer columns."""
    a = f"{alias}." if alias else ""
    return " AND ".join(
        (
            BRANCH_OK.format(col=a + "branch_id"),
            TIER_OK.format(col=a + "tier"),
            MANAGER_OK.format(col=a + "manager"),
        )
    )


# The latest snapshot month whose last day is on or before `{day}` (NULL if none).
SNAPSHOT_SQL = "(SELECT max(as_of_month) FROM loan_balances WHERE last_day(as_of_month) <= {day})"


# Customers with a loan of a class other than normal in each month-end snapshot, for the
# relationship types' risk flag (built with the rollups, metrics.engine.rollups).
RISK_ROLLUP_SQL = """CREATE OR REPLACE TABLE {s}rollup_risk AS
SELECT DISTINCT b.as_of_month, l.customer_id, b.risk_class
FROM loan_balances b JOIN loans l ON l.loan_id = b.loan_id
WHERE b.risk_class <> 'normal'
ORDER BY 1, 2, 3"""


# Outstanding balance per snapshot month, risk class and customer branch, tier and manager
# (the Lending page's risk-class chart), summed at publish from 590,000 snapshot rows a
# year at 200,000 customers.
BALANCE_CLASSES_SQL = """CREATE OR REPLACE TABLE {s}rollup_balance_classes AS
SELECT b.as_of_month, c.branch_id, c.tier, c.manager, b.risk_class,
       sum(b.outstanding_balance) AS balance
FROM loan_balances b JOIN loans l ON l.loan_id = b.loan_id
JOIN {s}rollup_customers c ON c.customer_id = l.customer_id
GROUP BY ALL ORDER BY 1, 2, 3, 4, 5"""


def _risky_sql(on: str, rollups: str | None) -> str:
    """Customers with a loan in $risk_classes in the latest snapshot on or before `on`."""
    if rollups is None or "normal" in get_settings().relationship.risk_classes:
        return f"""SELECT DISTINCT l.customer_id
    FROM loan_balances b JOIN loans l ON l.loan_id = b.loan_id
    WHERE b.as_of_month = {SNAPSHOT_SQL.format(day=on + "::DATE")}
      AND list_contains($risk_classes::VARCHAR[], b.risk_class)"""
    s = rollups
    return f"""SELECT DISTINCT customer_id FROM {s}rollup_risk
    WHERE as_of_month = (SELECT max(as_of_month) FROM {s}rollup_balances
                         WHERE last_day(as_of_month) <= {on}::DATE)
      AND list_contains($risk_classes::VARCHAR[], risk_class)"""


def rel_ctes(on: str = "$rel_on", name: str = "rel", rollups: str | None = None) -> str:
    """CTEs `{name}_*` ending in `{name}`: the relationship type of every customer active on `on`.

    Needs `cust`. Bank-wide: the top-10 % rank is among ALL active customers, whatever
    the filters. Literal choices: R12/P12/L6 are sums of revenue rows (0 when none);
    "no positive revenue in the last 6 months" = their net sum <= 0; top 10 % = rank()
    by R12 descending (ties share the best rank) <= top_share x active customers.
    rollups: the schema of the rollups (metrics.engine.rollups.location) to read the risk
    flags from; None reads the loan snapshots themselves.
    """
    n = name
    m0 = f"CAST(date_trunc('month', {on}::DATE) AS DATE)"
    # Bounds as expressions of the parameter, not of a CTE: the scan skips other months.
    return f"""{n}_rev AS (
    SELECT r.customer_id,
           coalesce(sum(r.revenue) FILTER (WHERE r.month > {m0} - INTERVAL 12 MONTH), 0)::DOUBLE
               AS r12,
           coalesce(sum(r.revenue) FILTER (WHERE r.month <= {m0} - INTERVAL 12 MONTH), 0)::DOUBLE
               AS p12,
           coalesce(sum(r.revenue) FILTER (WHERE r.month > {m0} - to_months($recent_months)), 0)
               ::DOUBLE AS l6
    FROM revenue r
    WHERE r.month > {m0} - INTERVAL 24 MONTH AND r.month <= {m0}
    GROUP BY r.customer_id
),
{n}_risky AS (
    {_risky_sql(on, rollups)}
),
{n}_ranked AS (
    SELECT cust.*, coalesce(v.r12, 0) AS r12, coalesce(v.p12, 0) AS p12,
           coalesce(v.l6, 0) AS l6, k.customer_id IS NOT NULL AS risky_loan,
           rank() OVER (ORDER BY coalesce(v.r12, 0) DESC) AS r12_rank,
           count(*) OVER () AS n_active
    FROM cust
    LEFT JOIN {n}_rev v ON v.customer_id = cust.customer_id
    LEFT JOIN {n}_risky k ON k.customer_id = cust.customer_id
    WHERE cust.onboard_date <= {on}::DATE
      AND (cust.churn_date IS NULL OR cust.churn_date > {on}::DATE)
),
{n} AS (
    SELECT *,
        CASE
            WHEN (r12 < $churning_ratio * p12 AND p12 > 0) OR (l6 <= 0 AND p12 > 0)
                THEN 'churning'
            WHEN risky_loan OR list_contains($risk_ratings::VARCHAR[], credit_rating)
                THEN 'risk'
            WHEN tier = 'A' AND r12_rank <= $top_share * n_active THEN 'strategic'
            WHEN r12 >= $growth_ratio * p12
                 OR onboard_date > {on}::DATE - to_months($new_months) THEN 'growth'
            ELSE 'stable'
        END AS rel_type
    FROM {n}_ranked
)"""


def tier_params() -> dict[str, Any]:
    """Bound parameters of the tier rule (they also fingerprint the rollups)."""
    s = get_settings()
    return {
        "tier_a_min": s.tiers.a_min_assets,
        "tier_c_below": s.tiers.c_below_assets,
        "a_ratings": list(s.tiers.a_ratings),
        "c_ratings": list(s.tiers.c_ratings),
    }


def settings_params() -> dict[str, Any]:
    """Bound parameters for the configurable thresholds (metrics.config)."""
    s = get_settings()
    return {
        **tier_params(),
        "churning_ratio": s.relationship.churning_ratio,
        "growth_ratio": s.relationship.growth_ratio,
        "top_share": s.relationship.top_share,
        "new_months": s.relationship.new_months,
        "recent_months": s.relationship.recent_months,
        "risk_classes": list(s.relationship.risk_classes),
        "risk_ratings": list(s.relationship.risk_ratings),
        "npl_classes": list(NPL_CLASSES),
        "rfm_f_thresholds": list(s.rfm.frequency_thresholds),
    }


def sel_cte(by: str | None = None, *, tiers: bool = True) -> str:
    """CTE `sel`: the customers (`cust`) the filters select, grouped as 'all' or by `by`.

    With tiers=False only the branch filter applies. Kept for the page views.
    """
    where = [BRANCH_OK.format(col="cust.branch_id")]
    if tiers:
        where += [TIER_OK.format(col="cust.tier"), MANAGER_OK.format(col="cust.manager")]
    grp = {
        None: "'all'",
        "tier": "cust.tier",
        "branch": "cust.branch_id",
        "relationship_manager": "cust.manager",
    }[by]
    return f"sel AS (SELECT cust.*, {grp} AS grp FROM cust WHERE " + " AND ".join(where) + ")"


def limit_sql(limit: int | None) -> str:
    """`LIMIT n` for at most `limit` rows (after the ORDER BY), "" for None (every row)."""
    if limit is None:
        return ""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a whole number >= 0 or None, not {limit!r}")
    return f"LIMIT {limit}"


_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


def used_params(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the parameters `sql` names (DuckDB refuses extra ones)."""
    return {name: params[name] for name in set(_PARAM.findall(sql))}


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """Run `sql` with only the parameters it names."""
    return con.execute(sql, used_params(sql, params)).df()
