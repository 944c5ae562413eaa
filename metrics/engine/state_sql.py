"""The SQL definitions of a customer's state on a day: RFM scores and watchlist flags.

One definition each (kpis.md, "RFM" and "Early-warning watchlist"); the relationship types
are `metrics.engine.sql.rel_ctes`. `metrics.engine.customer_state` builds its tables from
these CTEs; `metrics.analysis` and `metrics.watchlist` re-export them (RFM_CTES, FLAG_CTES,
FLAGS, ...), and the tests compare the state with their raw answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from metrics.config import get_settings
from metrics.engine.sql import MANAGER_SQL, run, settings_params
from metrics.filters import Filters

# --- RFM (moved from metrics.analysis) ---------------------------------------------------

# F's score: how many of the fixed thresholds the loan count reaches, at least 1.
F_SCORE_SQL = (
    "greatest(1, len(list_filter($rfm_f_thresholds::INTEGER[], lambda t: {col} >= t)))::INTEGER"
)

RFM_SEGMENT_SQL = """CASE
    WHEN r_score = 5 AND f_score >= 4 THEN 'champions'
    WHEN r_score IN (3, 4) AND f_score >= 4 THEN 'loyal'
    WHEN r_score >= 4 AND f_score IN (2, 3) THEN 'potential_loyalist'
    WHEN r_score = 5 AND f_score = 1 THEN 'new'
    WHEN r_score = 4 AND f_score = 1 THEN 'promising'
    WHEN r_score = 3 AND f_score = 3 THEN 'need_attention'
    WHEN r_score = 3 AND f_score <= 2 THEN 'about_to_sleep'
    WHEN r_score <= 2 AND f_score = 5 THEN 'cant_lose'
    WHEN r_score <= 2 AND f_score >= 3 THEN 'at_risk'
    ELSE 'hibernating'
END"""

# RFM among customers active on $date_to with a loan disbursed on or before it, bank-wide:
# R = days since the latest disbursement, F/M = count/sum of loans disbursed in the 36
# months ending on $date_to. R and M score ceil(5 x cume_dist), computed exactly in integers
# as ceil(5 x rows-at-or-below / n); R is ordered by days descending so fewer days score
# higher. F scores on fixed thresholds ($rfm_f_thresholds, kpis.md "RFM scoring, amended"):
# the number of thresholds it reaches, at least 1 (quintiles of F collapse under ties).
RFM_CTES = (
    """rfm_loans AS (
    SELECT customer_id, max(disbursed_date) AS last_disbursed,
           count(*) FILTER (WHERE disbursed_date > $date_to::DATE - INTERVAL 36 MONTH)
               AS frequency,
           coalesce(sum(amount) FILTER (
               WHERE disbursed_date > $date_to::DATE - INTERVAL 36 MONTH), 0)::DOUBLE
               AS monetary
    FROM loans WHERE disbursed_date <= $date_to::DATE
    GROUP BY customer_id
),
rfm_base AS (
    SELECT cust.*, date_diff('day', r.last_disbursed, $date_to::DATE) AS recency_days,
           r.frequency, r.monetary
    FROM cust JOIN rfm_loans r ON r.customer_id = cust.customer_id
    WHERE cust.onboard_date <= $date_to::DATE
      AND (cust.churn_date IS NULL OR cust.churn_date > $date_to::DATE)
),
rfm_scored AS (
    SELECT *,
        ((5 * count(*) OVER (ORDER BY recency_days DESC) + count(*) OVER () - 1)
            // count(*) OVER ())::INTEGER AS r_score,
        """
    + F_SCORE_SQL.format(col="frequency")
    + """ AS f_score,
        ((5 * count(*) OVER (ORDER BY monetary) + count(*) OVER () - 1)
            // count(*) OVER ())::INTEGER AS m_score
    FROM rfm_base
),
rfm AS (SELECT *, """
    + RFM_SEGMENT_SQL
    + """ AS segment FROM rfm_scored)"""
)

# --- Watchlist flags (moved from metrics.watchlist) --------------------------------------

FLAGS: tuple[str, ...] = (
    "revenue_drop",
    "risk_downgrade",
    "past_due",
    "complaint_open",
    "low_satisfaction",
    "maturity_no_renewal",
)

_DOWNGRADED = "list_contains($wl_down::VARCHAR[], b.risk_class) AND p.risk_class = 'normal'"
_M0 = "CAST(date_trunc('month', $on::DATE) AS DATE)"
_OLD = "opened_at < CAST($on::DATE AS TIMESTAMP) - to_days($wl_cdays)"

# The watchlist's revenue facts per customer (the only flag facts that read revenue).
# Bounds as expressions of $on, not of wl_m0: the scan skips other months.
WL_REV_CTE = f"""wl_rev AS (
    SELECT r.customer_id,
           coalesce(sum(r.revenue) FILTER (WHERE r.month > {_M0} - to_months($wl_months)), 0)
               ::DOUBLE AS rev_recent,
           coalesce(sum(r.revenue) FILTER (WHERE r.month <= {_M0} - to_months($wl_months)), 0)
               ::DOUBLE AS rev_before
    FROM revenue r
    WHERE r.month > {_M0} - to_months(2 * $wl_months) AND r.month <= {_M0}
    GROUP BY r.customer_id
)"""
# The revenue_drop flag of wl_rev's row `r` (FLAGS' first: metrics.engine.customer_state
# relies on that order when it refreshes a state after a revenue load).
REVENUE_DROP_SQL = "coalesce(r.rev_before > 0 AND r.rev_recent < $wl_ratio * r.rev_before, FALSE)"

# CTEs ending in `wl`: every customer the filters select that is active on $on, with each
# flag as a boolean and its facts. Needs `cust` and `sel` (kpis.CUST_CTE, kpis.sel_cte).
FLAG_CTES = f"""wl_m0 AS (SELECT $wl_snap::DATE AS snap),
wl_active AS (
    SELECT sel.* FROM sel
    WHERE sel.onboard_date <= $on::DATE AND (sel.churn_date IS NULL OR sel.churn_date > $on::DATE)
),
{WL_REV_CTE},
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
    FROM loan_balances b
    JOIN loans l ON l.loan_id = b.loan_id
    LEFT JOIN (SELECT * FROM loan_balances
               WHERE as_of_month = ($wl_snap::DATE - INTERVAL 1 MONTH)::DATE) p
           ON p.loan_id = b.loan_id
    WHERE b.as_of_month = $wl_snap::DATE
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
           {REVENUE_DROP_SQL} AS revenue_drop,
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

# The latest snapshot month whose last day is on or before $on (NULL if none): SNAPSHOT_SQL
# for months stored as their first day (data contract: as_of_month is truncated to its month),
# where last_day(m) <= d exactly when m < the month of d + 1; a plain bound the scan can use.
SNAPSHOT_MONTH_SQL = (
    "SELECT max(as_of_month) AS snap FROM loan_balances "
    "WHERE as_of_month < date_trunc('month', $on::DATE + 1)"
)


def snapshot_month(con: duckdb.DuckDBPyConnection, on: dt.date) -> dt.date | None:
    """The loan snapshot the watchlist reads on `on` (SNAPSHOT_SQL), None if none."""
    snap = run(con, SNAPSHOT_MONTH_SQL, {"on": on})["snap"].iloc[0]
    return None if pd.isna(snap) else pd.Timestamp(snap).date()


def watchlist_thresholds() -> dict[str, Any]:
    """The watchlist's bound thresholds (metrics.config, Settings.watchlist)."""
    w = get_settings().watchlist
    return {
        "wl_months": w.revenue_months,
        "wl_ratio": w.revenue_drop_ratio,
        "wl_down": list(w.downgrade_classes),
        "wl_dpd": w.past_due_days,
        "wl_cdays": w.complaint_days,
        "wl_score": w.low_score,
        "wl_sdays": w.survey_days,
        "wl_mdays": w.maturity_days,
    }


def flag_params(
    con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date, **extra: Any
) -> dict[str, Any]:
    """Bound parameters of FLAG_CTES: the filters, the day, its snapshot and the thresholds.

    The snapshot month is looked up first and bound as a value, so the scans of
    loan_balances read only its row groups (a bound from a CTE would not prune them).
    """
    return {
        **settings_params(),
        **f.params(),
        "on": on,
        "wl_snap": snapshot_month(con, on),
        **watchlist_thresholds(),
        **extra,
    }
