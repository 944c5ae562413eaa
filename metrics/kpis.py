"""Every KPI's query: pure functions of (DuckDB cursor, Filters). Spec: ../shared/spec/kpis.md.

Each KPI group is one SQL statement written against a small `periods` table
(pid, date_from, date_to) and a selected-customers CTE `sel` (customer columns
plus `grp`). So a scalar is one period and one group, `compare` three periods,
`series` one period per month and `breakdown` one group per tier, branch or
relationship type, always one query per KPI group. Filter values reach SQL only
as bound parameters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from typing import Any, Literal

import duckdb
import pandas as pd

from metrics.config import get_settings
from metrics.contract import NPL_CLASSES, TIERS
from metrics.filters import UNASSIGNED, Filters, shift_year
from metrics.registry import KPIS

Value = float | None
Rows = dict[tuple[int, str], dict[str, Any]]
BreakdownBy = Literal["tier", "branch", "relationship_type", "relationship_manager"]
BREAKDOWNS: tuple[str, ...] = ("tier", "branch", "relationship_type", "relationship_manager")
REL_TYPE_IDS: tuple[str, ...] = ("churning", "risk", "strategic", "growth", "stable")
ALL = "all"
REL_MAP = "_crm_rel_map"  # relationship types on date_to, registered on the cursor

# --- SQL building blocks (shared with metrics.analysis) -------------------------------

PERIODS_CTE = """periods AS (
    SELECT unnest($pids::INTEGER[]) AS pid,
           unnest($p_from::DATE[]) AS date_from,
           unnest($p_to::DATE[]) AS date_to
)"""

# Every customer with its stored tier, or the tier derived from assets and rating.
CUST_CTE = """cust AS (
    SELECT c.customer_id, c.customer_name, c.branch_id, c.industry, c.credit_rating,
           c.total_assets::DOUBLE AS total_assets, c.onboard_date, c.churn_date,
           c.referred_by, c.acquisition_channel, c.relationship_manager,
           coalesce(nullif(trim(c.tier), ''),
               CASE WHEN c.total_assets >= $tier_a_min
                         AND list_contains($a_ratings::VARCHAR[], c.credit_rating) THEN 'A'
                    WHEN list_contains($c_ratings::VARCHAR[], c.credit_rating)
                         OR coalesce(c.total_assets, 0) < $tier_c_below THEN 'C'
                    ELSE 'B' END) AS tier,
           CASE WHEN nullif(trim(c.tier), '') IS NULL THEN 'derived' ELSE 'stored' END
               AS tier_source
    FROM customers c
)"""

BRANCH_OK = "(len($branches::VARCHAR[]) = 0 OR list_contains($branches::VARCHAR[], {col}))"
TIER_OK = "(len($tiers::VARCHAR[]) = 0 OR list_contains($tiers::VARCHAR[], {col}))"
# A customer's manager, "(unassigned)" when none; the manager filter on it.
MANAGER_SQL = "coalesce(nullif(trim({col}), ''), '" + UNASSIGNED + "')"
MANAGER_OK = "(len($managers::VARCHAR[]) = 0 OR list_contains($managers::VARCHAR[], {col}))"

# The latest snapshot month whose last day is on or before `{day}` (NULL if none).
SNAPSHOT_SQL = "(SELECT max(as_of_month) FROM loan_balances WHERE last_day(as_of_month) <= {day})"
# The same per period: (pid, as_of_month), without a correlated subquery per period.
SNAPSHOTS_SQL = """SELECT p.pid, max(m.as_of_month) AS as_of_month
    FROM periods p
    LEFT JOIN (SELECT DISTINCT as_of_month FROM loan_balances) m
           ON last_day(m.as_of_month) <= p.date_to
    GROUP BY p.pid"""


def rel_ctes(on: str = "$rel_on", name: str = "rel") -> str:
    """CTEs `{name}_*` ending in `{name}`: the relationship type of every customer active on `on`.

    Needs `cust`. Bank-wide: the top-10 % rank is among ALL active customers, whatever
    the filters. Literal choices: R12/P12/L6 are sums of revenue rows (0 when none);
    "no positive revenue in the last 6 months" = their net sum <= 0; top 10 % = rank()
    by R12 descending (ties share the best rank) <= top_share x active customers.
    """
    n = name
    return f"""{n}_m0 AS (SELECT date_trunc('month', {on}::DATE)::DATE AS m0),
{n}_rev AS (
    SELECT r.customer_id,
           coalesce(sum(r.revenue) FILTER (WHERE r.month > m0 - INTERVAL 12 MONTH), 0)::DOUBLE
               AS r12,
           coalesce(sum(r.revenue) FILTER (WHERE r.month <= m0 - INTERVAL 12 MONTH), 0)::DOUBLE
               AS p12,
           coalesce(sum(r.revenue) FILTER (WHERE r.month > m0 - to_months($recent_months)), 0)
               ::DOUBLE AS l6
    FROM revenue r, {n}_m0
    WHERE r.month > m0 - INTERVAL 24 MONTH AND r.month <= m0
    GROUP BY r.customer_id
),
{n}_risky AS (
    SELECT DISTINCT l.customer_id
    FROM loan_balances b JOIN loans l ON l.loan_id = b.loan_id
    WHERE b.as_of_month = {SNAPSHOT_SQL.format(day=on + "::DATE")}
      AND list_contains($risk_classes::VARCHAR[], b.risk_class)
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


def settings_params() -> dict[str, Any]:
    """Bound parameters for the configurable thresholds (metrics.config)."""
    s = get_settings()
    return {
        "tier_a_min": s.tiers.a_min_assets,
        "tier_c_below": s.tiers.c_below_assets,
        "a_ratings": list(s.tiers.a_ratings),
        "c_ratings": list(s.tiers.c_ratings),
        "churning_ratio": s.relationship.churning_ratio,
        "growth_ratio": s.relationship.growth_ratio,
        "top_share": s.relationship.top_share,
        "new_months": s.relationship.new_months,
        "recent_months": s.relationship.recent_months,
        "risk_classes": list(s.relationship.risk_classes),
        "risk_ratings": list(s.relationship.risk_ratings),
        "npl_classes": list(NPL_CLASSES),
    }


def sel_cte(by: str | None, *, tiers: bool = True) -> str:
    """CTE `sel`: the customers the filters select, with their group `grp`.

    by=None groups everything as 'all'. 'relationship_type' joins the type map REL_MAP,
    which _evaluate computes once (rel_ctes on date_to) and registers on the cursor, so
    only customers active on date_to (the ones with a type) count. With tiers=False only
    the branch filter applies (CAC's new customers).
    """
    where = [BRANCH_OK.format(col="cust.branch_id")]
    if tiers:
        where.append(TIER_OK.format(col="cust.tier"))
        where.append(MANAGER_OK.format(col=MANAGER_SQL.format(col="cust.relationship_manager")))
    if by == "relationship_type":
        return (
            f"sel AS (SELECT cust.*, rel.rel_type AS grp FROM cust JOIN {REL_MAP} rel "
            "ON rel.customer_id = cust.customer_id WHERE " + " AND ".join(where) + ")"
        )
    grp = {None: f"'{ALL}'", "tier": "cust.tier", "branch": "cust.branch_id"}.get(by) or (
        MANAGER_SQL.format(col="cust.relationship_manager")  # by == "relationship_manager"
    )
    return f"sel AS (SELECT cust.*, {grp} AS grp FROM cust WHERE " + " AND ".join(where) + ")"


_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """Run `sql` with only the parameters it names (DuckDB refuses extra ones)."""
    used = {name: params[name] for name in set(_PARAM.findall(sql))}
    return con.execute(sql, used).df()


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> Rows:
    """Rows keyed by (pid, grp); values as plain Python numbers, None for NULL."""
    used = {name: params[name] for name in set(_PARAM.findall(sql))}
    cur = con.execute(sql, used)
    names = [d[0] for d in cur.description or []]
    out: Rows = {}
    for row in cur.fetchall():
        rec = dict(zip(names, row, strict=True))
        out[(int(rec.pop("pid")), str(rec.pop("grp")))] = rec
    return out


# --- One statement per KPI group --------------------------------------------------------


def _with(*ctes: str) -> str:
    return "WITH " + ",\n".join(ctes) + "\n"


def _q_surveys(by: str | None) -> str:
    return (
        _with(PERIODS_CTE, CUST_CTE, sel_cte(by))
        + """
SELECT p.pid, sel.grp,
       avg(CASE WHEN s.overall_score >= 4 THEN 1.0 ELSE 0.0 END)::DOUBLE AS csat_rate,
       avg(s.overall_score)::DOUBLE AS csat_mean,
       avg(s.service_quality_score)::DOUBLE AS service_quality_mean,
       avg(s.response_speed_score)::DOUBLE AS response_speed_mean,
       (100.0 * (count(*) FILTER (WHERE s.nps_score >= 9)
                 - count(*) FILTER (WHERE s.nps_score <= 6))
              / nullif(count(s.nps_score), 0))::DOUBLE AS nps,
       count(*) AS survey_responses
FROM surveys s
JOIN sel ON sel.customer_id = s.customer_id
JOIN periods p ON s.survey_date BETWEEN p.date_from AND p.date_to
GROUP BY p.pid, sel.grp"""
    )


def _q_requests(by: str | None) -> str:
    return (
        _with(PERIODS_CTE, CUST_CTE, sel_cte(by))
        + """
SELECT p.pid, sel.grp,
       avg(CASE WHEN r.first_response_at IS NOT NULL
                     AND r.first_response_at <= r.opened_at + INTERVAL 24 HOUR
                THEN 1.0 ELSE 0.0 END)::DOUBLE AS response_sla_rate,
       count(*) FILTER (WHERE r.category = 'complaint') AS complaints,
       median(epoch(r.resolved_at - r.opened_at) / 3600.0)
           FILTER (WHERE r.category = 'complaint' AND r.resolved_at IS NOT NULL)::DOUBLE
           AS complaint_resolution_hours
FROM service_requests r
JOIN sel ON sel.customer_id = r.customer_id
JOIN periods p ON r.opened_at::DATE BETWEEN p.date_from AND p.date_to
GROUP BY p.pid, sel.grp"""
    )


def _q_customers(by: str | None) -> str:
    return (
        _with(PERIODS_CTE, CUST_CTE, sel_cte(by))
        + """,
state AS (
    SELECT p.pid, sel.grp,
           count(*) FILTER (WHERE sel.onboard_date < p.date_from
               AND (sel.churn_date IS NULL OR sel.churn_date >= p.date_from))
               AS customers_at_start,
           count(*) FILTER (WHERE sel.onboard_date < p.date_from
               AND sel.churn_date >= p.date_from AND sel.churn_date <= p.date_to)
               AS churned_customers,
           count(*) FILTER (WHERE sel.onboard_date BETWEEN p.date_from AND p.date_to)
               AS new_customers,
           count(*) FILTER (WHERE sel.onboard_date BETWEEN p.date_from AND p.date_to
               AND sel.referred_by IS NOT NULL AND trim(sel.referred_by) <> '') AS referred,
           count(*) FILTER (WHERE sel.onboard_date <= p.date_to
               AND (sel.churn_date IS NULL OR sel.churn_date > p.date_to)) AS active_customers,
           count(*) FILTER (WHERE sel.onboard_date <= p.date_to
               AND (sel.churn_date IS NULL OR sel.churn_date > p.date_from))
               AS period_customers
    FROM sel CROSS JOIN periods p
    GROUP BY p.pid, sel.grp
)
SELECT *,
       ((customers_at_start - churned_customers) / nullif(customers_at_start, 0))::DOUBLE
           AS retention_rate,
       (1 - (customers_at_start - churned_customers) / nullif(customers_at_start, 0))::DOUBLE
           AS churn_rate,
       (referred / nullif(new_customers, 0))::DOUBLE AS referral_rate
FROM state"""
    )


def _q_new_branch_only(by: str | None) -> str:
    return (
        _with(PERIODS_CTE, CUST_CTE, sel_cte(by, tiers=False))
        + """
SELECT p.pid, sel.grp,
       count(*) FILTER (WHERE sel.onboard_date BETWEEN p.date_from AND p.date_to)
           AS new_customers_any_tier
FROM sel CROSS JOIN periods p
GROUP BY p.pid, sel.grp"""
    )


def _q_loans(by: str | None) -> str:
    return (
        _with(PERIODS_CTE, CUST_CTE, sel_cte(by))
        + """,
firsts AS (SELECT customer_id, min(disbursed_date) AS first_disbursed
           FROM loans GROUP BY customer_id)
SELECT p.pid, sel.grp,
       sum(l.amount)::DOUBLE AS new_loan_amount,
       count(DISTINCT l.customer_id) AS borrowers,
       count(DISTINCT l.customer_id) FILTER (WHERE f.first_disbursed < p.date_from)
           AS repeat_borrowers
FROM loans l
JOIN sel ON sel.customer_id = l.customer_id
JOIN firsts f ON f.customer_id = l.customer_id
JOIN periods p ON l.disbursed_date BETWEEN p.date_from AND p.date_to
GROUP BY p.pid, sel.grp"""
    )


def _q_renewals(by: str | None) -> str:
    return (
        _with(PERIODS_CTE, CUST_CTE, sel_cte(by))
        + """,
renewed AS (SELECT DISTINCT renewed_from AS loan_id FROM loans WHERE renewed_from IS NOT NULL)
SELECT p.pid, sel.grp,
       avg(CASE WHEN n.loan_id IS NOT NULL THEN 1.0 ELSE 0.0 END)::DOUBLE AS renewal_rate
FROM loans l
JOIN sel ON sel.customer_id = l.customer_id
JOIN periods p ON l.maturity_date BETWEEN p.date_from AND p.date_to
LEFT JOIN renewed n ON n.loan_id = l.loan_id
GROUP BY p.pid, sel.grp"""
    )


def _q_revenue(by: str | None) -> str:
    return (
        _with(PERIODS_CTE, CUST_CTE, sel_cte(by))
        + """,
-- the 12 months ending with date_to's month, one row each: an equi-join, not a range join
period_months AS (
    SELECT pid, (date_trunc('month', date_to) - to_months(i))::DATE AS month
    FROM periods, range(12) t(i)
),
per_cat AS (
    SELECT p.pid, sel.grp, r.customer_id, r.product_category, sum(r.revenue) AS rev
    FROM revenue r
    JOIN sel ON sel.customer_id = r.customer_id
    JOIN period_months p ON p.month = r.month
    GROUP BY ALL
),
per_cust AS (
    SELECT pid, grp, customer_id, sum(rev) AS rev, count(*) FILTER (WHERE rev > 0) AS cats
    FROM per_cat GROUP BY ALL
)
SELECT pid, grp,
       (sum(rev) / count(*))::DOUBLE AS avg_annual_revenue,
       avg(CASE WHEN cats >= 2 THEN 1.0 ELSE 0.0 END)::DOUBLE AS cross_sell_rate
FROM per_cust GROUP BY pid, grp"""
    )


def _q_balances(by: str | None) -> str:
    return (
        _with(PERIODS_CTE, CUST_CTE, sel_cte(by))
        + f""",
snap AS ({SNAPSHOTS_SQL})
SELECT snap.pid, sel.grp,
       sum(b.outstanding_balance)::DOUBLE AS outstanding_balance,
       (coalesce(sum(b.outstanding_balance) FILTER (
            WHERE list_contains($npl_classes::VARCHAR[], b.risk_class)), 0)
        / nullif(sum(b.outstanding_balance), 0))::DOUBLE AS npl_raw,
       coalesce(sum(b.outstanding_balance) FILTER (
            WHERE list_contains($npl_classes::VARCHAR[], b.risk_class)), 0)::DOUBLE AS npl_balance
FROM snap
JOIN loan_balances b ON b.as_of_month = snap.as_of_month
JOIN loans l ON l.loan_id = b.loan_id
JOIN sel ON sel.customer_id = l.customer_id
GROUP BY snap.pid, sel.grp"""
    )


Q_SNAPSHOTS = _with(PERIODS_CTE) + f"SELECT *, '{ALL}' AS grp FROM ({SNAPSHOTS_SQL})"


def _q_leads(by: str | None) -> str:
    grp = "l.branch_id" if by == "branch" else f"'{ALL}'"
    return (
        _with(PERIODS_CTE)
        + f"""
SELECT p.pid, {grp} AS grp,
       count(*) AS leads_created,
       avg(CASE WHEN l.disbursed_date IS NOT NULL THEN 1.0 ELSE 0.0 END)::DOUBLE
           AS lead_conversion_rate,
       avg(date_diff('day', l.created_date, l.disbursed_date))::DOUBLE AS avg_days_to_convert,
       avg(date_diff('day', l.applied_date, l.approved_date))::DOUBLE AS avg_approval_days
FROM leads l
JOIN periods p ON l.created_date BETWEEN p.date_from AND p.date_to
WHERE {BRANCH_OK.format(col="l.branch_id")}
GROUP BY ALL"""
    )


def _q_spend(by: str | None) -> str:
    grp = "m.branch_id" if by == "branch" else f"'{ALL}'"
    return (
        _with(PERIODS_CTE)
        + f"""
SELECT p.pid, {grp} AS grp, sum(m.amount)::DOUBLE AS marketing_spend
FROM marketing_spend m
JOIN periods p ON m.month BETWEEN p.date_from AND p.date_to
WHERE {BRANCH_OK.format(col="m.branch_id")}
GROUP BY ALL"""
    )


# --- Assembly ---------------------------------------------------------------------------


def _div(a: Value, b: Value) -> Value:
    if a is None or b is None or b == 0:
        return None
    return float(a) / float(b)


def _num(v: Any) -> Value:
    """A plain Python float/int, None for NULL/NaN."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    return float(v)


def group_values(con: duckdb.DuckDBPyConnection, f: Filters, by: str | None) -> list[str]:
    """The rows of a breakdown: the selected tiers, the branches, or the relationship types."""
    if by is None:
        return [ALL]
    if by == "tier":
        return list(f.tiers or TIERS)
    if by == "relationship_type":
        return list(REL_TYPE_IDS)
    if by == "branch":
        rows = con.execute(
            "SELECT branch_id FROM branches WHERE "
            + BRANCH_OK.format(col="branch_id")
            + " ORDER BY branch_id",
            {"branches": list(f.branches)},
        ).fetchall()
        return [str(r[0]) for r in rows]
    if by == "relationship_manager":  # the managers of the customers the filters select
        sql = f"WITH {CUST_CTE}, {sel_cte(by)} SELECT DISTINCT grp FROM sel ORDER BY grp"
        return [str(g) for g in run(con, sql, {**settings_params(), **f.params()})["grp"]]
    raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(BREAKDOWNS)}")


def _evaluate(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    periods: Sequence[tuple[dt.date, dt.date]],
    by: str | None = None,
) -> dict[tuple[int, str], dict[str, Value]]:
    """Every KPI for each period (pid = index) and group: one query per KPI group."""
    if by is not None and by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(BREAKDOWNS)}")
    n = len(periods)
    main = list(periods)
    year_ago = [(shift_year(a), shift_year(b)) for a, b in main]
    clv_window = [(b - dt.timedelta(days=364), b) for _, b in main]
    base = {**settings_params(), **f.params(), "rel_on": f.date_to}

    p_main = {
        **base,
        "pids": list(range(n)),
        "p_from": [a for a, _ in main],
        "p_to": [b for _, b in main],
    }
    if by == "relationship_type":  # the types once, rather than inside every group's query
        rel_sql = f"WITH {CUST_CTE}, {rel_ctes()} SELECT customer_id, rel_type FROM rel"
        con.register(REL_MAP, run(con, rel_sql, base))
        try:
            return _assemble(con, f, n, by, p_main, year_ago, clv_window)
        finally:
            con.unregister(REL_MAP)
    return _assemble(con, f, n, by, p_main, year_ago, clv_window)


def _assemble(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    n: int,
    by: str | None,
    p_main: dict[str, Any],
    year_ago: list[tuple[dt.date, dt.date]],
    clv_window: list[tuple[dt.date, dt.date]],
) -> dict[tuple[int, str], dict[str, Value]]:
    """Run each KPI group's statement and derive the cross-group KPIs, per period and group."""
    rows: Rows = {}

    def merge(new: Rows) -> None:
        for key, rec in new.items():
            rows.setdefault(key, {}).update(rec)

    merge(_fetch(con, _q_surveys(by), p_main))
    merge(_fetch(con, _q_requests(by), p_main))
    both = {**p_main}
    both["pids"] = p_main["pids"] + [2 * n + i for i in range(n)]
    both["p_from"] = p_main["p_from"] + [a for a, _ in clv_window]
    both["p_to"] = p_main["p_to"] + [b for _, b in clv_window]
    merge(_fetch(con, _q_customers(by), both))
    lend = {**p_main}
    lend["pids"] = p_main["pids"] + [n + i for i in range(n)]
    lend["p_from"] = p_main["p_from"] + [a for a, _ in year_ago]
    lend["p_to"] = p_main["p_to"] + [b for _, b in year_ago]
    merge(_fetch(con, _q_loans(by), lend))
    merge(_fetch(con, _q_renewals(by), p_main))
    merge(_fetch(con, _q_revenue(by), p_main))
    merge(_fetch(con, _q_balances(by), p_main))
    snapshots = _fetch(con, Q_SNAPSHOTS, p_main)
    funnel_applies = by in (None, "branch")
    if funnel_applies:
        merge(_fetch(con, _q_leads(by), p_main))
    # CAC has no tier: by tier or type it is None, yet CLV/CAC divides each group's CLV
    # by the CAC of the whole selection, exactly as compute() does under a tier filter.
    cac_by = by if funnel_applies else None
    spend = _fetch(con, _q_spend(cac_by), p_main)
    new_any_tier = _fetch(con, _q_new_branch_only(cac_by), p_main)

    def cac_of(pid: int, g: str) -> Value:
        key = (pid, g if funnel_applies else ALL)
        spent = _num(spend.get(key, {}).get("marketing_spend")) or 0
        return _div(spent, _num(new_any_tier.get(key, {}).get("new_customers_any_tier")) or 0)

    groups = group_values(con, f, by)
    out: dict[tuple[int, str], dict[str, Value]] = {}
    for pid in range(n):
        has_snapshot = snapshots.get((pid, ALL), {}).get("as_of_month") is not None
        for g in groups:
            r = rows.get((pid, g), {})

            def get(col: str, pid_: int = pid, g_: str = g) -> Value:
                return _num(rows.get((pid_, g_), {}).get(col))

            v: dict[str, Value] = {}
            for k in KPIS.values():
                if not k.customer_based and not funnel_applies:
                    v[k.id] = None
                elif k.id in r:
                    v[k.id] = _num(r[k.id])
                else:
                    v[k.id] = k.empty
            v["complaint_rate"] = _div(
                100.0 * (get("complaints") or 0), get("period_customers") or 0
            )
            v["repurchase_rate"] = _div(get("repeat_borrowers"), get("borrowers"))
            v["new_loan_growth"] = _none_minus_one(
                _div(get("new_loan_amount") or 0, get("new_loan_amount", n + pid) or 0)
            )
            if has_snapshot:
                v["outstanding_balance"] = get("outstanding_balance") or 0
                v["npl_ratio"] = get("npl_raw")
            else:
                v["outstanding_balance"] = v["npl_ratio"] = None
            r_clv = get("retention_rate", 2 * n + pid)
            v["clv"] = _clv(v["avg_annual_revenue"], r_clv, f.discount_rate)
            if funnel_applies:
                v["marketing_spend"] = _num(spend.get((pid, g), {}).get("marketing_spend")) or 0
                v["cac"] = cac_of(pid, g)
            v["clv_cac_ratio"] = _div(v["clv"], cac_of(pid, g))
            if by == "relationship_manager":  # a manager has no CAC, so no CLV/CAC either
                v["clv_cac_ratio"] = None
            out[(pid, g)] = v
    return out


def _none_minus_one(x: Value) -> Value:
    return None if x is None else x - 1.0


def _clv(revenue: Value, r: Value, d: float) -> Value:
    """avg_annual_revenue x r / (1 + d - r); None where an input is None or the divisor is 0."""
    if revenue is None or r is None:
        return None
    return _div(revenue * r, 1.0 + d - r)


# --- Public API -------------------------------------------------------------------------


def compute(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Value]:
    """Every KPI id -> value for the filters' period (None: zero denominator or no data)."""
    return _evaluate(con, f, [(f.date_from, f.date_to)])[(0, ALL)]


def compare(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Index KPI id; columns current, previous (equal length, just before), year_ago (NaN=None)."""
    prev, ago = f.previous_period(), f.year_earlier()
    periods = [(f.date_from, f.date_to), (prev.date_from, prev.date_to)]
    periods.append((ago.date_from, ago.date_to))
    res = _evaluate(con, f, periods)
    cols = ("current", "previous", "year_ago")
    data = {c: [res[(i, ALL)][k] for k in KPIS] for i, c in enumerate(cols)}
    return pd.DataFrame(data, index=pd.Index(list(KPIS), name="kpi"), dtype="float64")


def month_periods(
    f: Filters, kind: Literal["month", "trailing12"] = "month"
) -> list[tuple[dt.date, dt.date]]:
    """Each calendar month overlapping the period: the whole month, or the 12 months ending it."""
    out: list[tuple[dt.date, dt.date]] = []
    first = f.date_from.replace(day=1)
    while first <= f.date_to:
        nxt = (first + dt.timedelta(days=32)).replace(day=1)
        end = nxt - dt.timedelta(days=1)
        if kind == "month":
            start = first
        elif kind == "trailing12":
            start = first.replace(year=first.year - 1)
            start = (start + dt.timedelta(days=32)).replace(day=1)
        else:
            raise ValueError(f"unknown series kind {kind!r}; expected month or trailing12")
        out.append((start, end))
        first = nxt
    return out


def series(
    con: duckdb.DuckDBPyConnection, f: Filters, kind: Literal["month", "trailing12"] = "month"
) -> pd.DataFrame:
    """One row per calendar month overlapping the period (index month-end), a column per KPI.

    'month' is the whole calendar month (not clipped to the period); 'trailing12' is the
    12 calendar months ending with that month.
    """
    periods = month_periods(f, kind)
    res = _evaluate(con, f, periods)
    index = pd.DatetimeIndex([pd.Timestamp(b) for _, b in periods], name="month_end")
    data = {k: [res[(i, ALL)][k] for i in range(len(periods))] for k in KPIS}
    return pd.DataFrame(data, index=index, dtype="float64")


def breakdown(con: duckdb.DuckDBPyConnection, f: Filters, by: BreakdownBy) -> pd.DataFrame:
    """Index group value, a column per KPI; NaN where a KPI has no such dimension or no data.

    Relationship types are those on f.date_to, so only customers active that day count.
    Funnel, spend and CAC break down by branch only (leads and spend have no tier).
    """
    res = _evaluate(con, f, [(f.date_from, f.date_to)], by)
    groups = group_values(con, f, by)
    data = {k: [res[(0, g)][k] for g in groups] for k in KPIS}
    return pd.DataFrame(data, index=pd.Index(groups, name=by), dtype="float64")


# --- CLI --------------------------------------------------------------------------------


def _parse_date(text: str, flag: str) -> dt.date:
    from metrics.cli import CliError

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{flag} {text!r} is not a date YYYY-MM-DD") from None


def _run_cli(args: argparse.Namespace) -> int:
    from metrics.cli import CliError
    from metrics.store import StoreMissingError, connect_reader, resolve_db

    date_from = _parse_date(args.date_from, "--from")
    date_to = _parse_date(args.date_to, "--to")
    if date_from > date_to:
        raise CliError(f"--from {date_from} is after --to {date_to}")
    tiers = tuple(args.tier or ())
    for t in tiers:
        if t not in TIERS:
            raise CliError(f"unknown tier {t!r}; expected one of {', '.join(TIERS)}")
    if args.by is not None and args.by not in BREAKDOWNS:
        raise CliError(f"--by {args.by!r}: expected one of {', '.join(BREAKDOWNS)}")
    discount = get_settings().discount_rate
    if args.discount_rate is not None:
        try:
            discount = float(args.discount_rate)
        except ValueError:
            raise CliError(f"--discount-rate {args.discount_rate!r} is not a number") from None
    if not 0 <= discount < 10:
        raise CliError(f"--discount-rate {discount} is out of range (e.g. 0.08)")
    f = Filters(date_from, date_to, tuple(args.branch or ()), tiers, discount_rate=discount)
    try:
        con = connect_reader(resolve_db(args.db))
    except StoreMissingError as exc:
        raise CliError(str(exc)) from None
    except duckdb.Error as exc:
        raise CliError(f"cannot open the store: {str(exc).splitlines()[0]}") from None
    try:
        known = {str(r[0]) for r in con.execute("SELECT branch_id FROM branches").fetchall()}
        unknown = [b for b in f.branches if b not in known]
        if unknown:
            raise CliError(f"unknown branch {unknown[0]!r}")
        out: dict[str, Any] = {
            "period": {"from": f.date_from.isoformat(), "to": f.date_to.isoformat()},
            "filters": {
                "branches": list(f.branches),
                "tiers": list(f.tiers),
                "discount_rate": f.discount_rate,
            },
            "kpis": compute(con, f),
        }
        if args.by:
            frame = breakdown(con, f, args.by)
            out["by"] = {
                str(g): {k: _num(frame.at[g, k]) for k in frame.columns} for g in frame.index
            }
    finally:
        con.close()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`kpis --from D --to D [--db P] [--branch ID]... [--tier T]... [--by DIM]` -> JSON."""
    p = sub.add_parser("kpis", help="Print every KPI for a period as JSON.")
    p.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
    p.add_argument("--db", default=None, help="store file (default: $CRM_DB or data/crm.duckdb)")
    p.add_argument("--branch", action="append", help="branch_id; repeat for several")
    p.add_argument("--tier", action="append", help="A, B or C; repeat for several")
    p.add_argument("--discount-rate", default=None, help="CLV discount rate, e.g. 0.08")
    p.add_argument(
        "--by", default=None, help="also break down by tier, branch or relationship_type"
    )
    p.set_defaults(handler=_run_cli)
