"""Customer analyses behind the KPI pages: tiers, relationship types, cohorts, funnel, RFM.

Pure functions of (DuckDB cursor, Filters) -> DataFrame; no Streamlit. Aggregation
happens in DuckDB; pandas only reshapes the small aggregated result.
Spec: ../shared/spec/kpis.md (Tiers, Relationship types, Cohort retention, RFM).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from metrics.contract import FUNNEL_STAGES
from metrics.engine import customer_state
from metrics.engine.sql import BRANCH_OK, CUST_CTE, customer_ok, run, settings_params
from metrics.engine.state_sql import F_SCORE_SQL as F_SCORE_SQL
from metrics.engine.state_sql import RFM_CTES as RFM_CTES
from metrics.engine.state_sql import RFM_SEGMENT_SQL
from metrics.filters import Filters

NOT_ACTIVE = "not_active"

REL_TYPES: tuple[tuple[str, str, str], ...] = (
    ("churning", "流失型", "Churning"),
    ("risk", "风险型", "At risk (credit)"),
    ("strategic", "战略型", "Strategic"),
    ("growth", "成长型", "Growth"),
    ("stable", "稳定型", "Stable"),
)

# The standard R x F segment grid; the first matching rule wins (see _RFM_SEGMENT_SQL).
RFM_SEGMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("champions", "冠军客户", "Champions", "R5, F4–5: borrowed recently and often."),
    ("loyal", "忠诚客户", "Loyal", "R3–4, F4–5: borrow often, fairly recently."),
    (
        "potential_loyalist",
        "潜力忠诚客户",
        "Potential loyalists",
        "R4–5, F2–3: recent borrowers with some repeat business.",
    ),
    ("new", "新客户", "New", "R5, F1: borrowed very recently, once."),
    ("promising", "有潜力客户", "Promising", "R4, F1: recent, single loan."),
    ("need_attention", "需关注客户", "Need attention", "R3, F3: middling on both."),
    ("about_to_sleep", "即将沉睡客户", "About to sleep", "R3, F1–2: fading, few loans."),
    ("at_risk", "流失风险客户", "At risk", "R1–2, F3–4: used to borrow often, not lately."),
    ("cant_lose", "不能失去的客户", "Can't lose", "R1–2, F5: best borrowers gone quiet."),
    ("hibernating", "沉睡客户", "Hibernating", "R1–2, F1–2: long ago and rarely."),
)

# The RFM definitions live with the other per-customer state (metrics.engine.state_sql);
# their names stay importable from here.
_RFM_SEGMENT_SQL = RFM_SEGMENT_SQL


def _selected(alias: str = "") -> str:
    """SQL condition: the branch, tier and manager filters, on `alias.` columns of `cust`."""
    return customer_ok(alias)


def _params(f: Filters, **extra: Any) -> dict[str, Any]:
    return {**settings_params(), **f.params(), "rel_on": f.date_to, **extra}


def customer_tiers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every customer with its tier and whether it was stored or derived (kpis.md, Tiers)."""
    sql = f"""WITH {CUST_CTE}
SELECT customer_id, customer_name, branch_id, tier, tier_source FROM cust ORDER BY customer_id"""
    return run(con, sql, settings_params())


def relationship_types(
    con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date | None = None
) -> pd.DataFrame:
    """Customers active on `on` (default f.date_to) that the filters select, with their type.

    The type itself is computed bank-wide (top 10 % among ALL active customers).
    """
    state = customer_state.table(con, on or f.date_to, need="rel")
    sql = f"""SELECT customer_id, customer_name, branch_id, tier, rel_type, r12, p12
FROM {state} WHERE {_selected()}
ORDER BY customer_id"""
    return run(con, sql, _params(f))


def relationship_summary(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Per type (all five, in order): customers, summed R12 and its share of the selection's R12."""
    state = customer_state.table(con, f.date_to, need="rel")
    sql = f"""WITH types AS (SELECT unnest($rel_ids::VARCHAR[]) AS rel_type,
                 unnest(range(len($rel_ids::VARCHAR[]))) AS ord),
agg AS (SELECT rel_type, count(*) AS customers, sum(r12) AS r12 FROM {state}
        WHERE {_selected()} GROUP BY rel_type)
SELECT t.rel_type, coalesce(a.customers, 0) AS customers, coalesce(a.r12, 0)::DOUBLE AS r12,
       (coalesce(a.r12, 0) / nullif(sum(coalesce(a.r12, 0)) OVER (), 0))::DOUBLE
           AS revenue_share
FROM types t LEFT JOIN agg a ON a.rel_type = t.rel_type
ORDER BY t.ord"""
    return run(con, sql, _params(f, rel_ids=[t[0] for t in REL_TYPES]))


def type_movement(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Counts of customers by type on f.date_from (rows) and on f.date_to (columns).

    'not_active' holds customers entering (row) or leaving (column) between the two days.
    """
    state_a = customer_state.table(con, f.date_from, need="rel")
    state_b = customer_state.table(con, f.date_to, need="rel")
    # A customer's branch, tier and manager are the same in both states.
    sql = f"""WITH moves AS (
    SELECT coalesce(a.rel_type, '{NOT_ACTIVE}') AS from_type,
           coalesce(b.rel_type, '{NOT_ACTIVE}') AS to_type,
           coalesce(a.branch_id, b.branch_id) AS branch_id,
           coalesce(a.tier, b.tier) AS tier,
           coalesce(a.manager, b.manager) AS manager
    FROM {state_a} a FULL OUTER JOIN {state_b} b ON a.customer_id = b.customer_id
)
SELECT from_type, to_type, count(*) AS customers
FROM moves
WHERE {_selected()}
GROUP BY ALL"""
    counts = run(con, sql, _params(f))
    labels = [t[0] for t in REL_TYPES] + [NOT_ACTIVE]
    wide = counts.pivot_table(
        index="from_type", columns="to_type", values="customers", aggfunc="sum"
    )
    out = wide.reindex(index=labels, columns=labels).fillna(0).astype("int64")
    out.index.name, out.columns.name = "from_type", "to_type"
    return out


def _quarter_index(day: dt.date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def cohort_retention(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Onboarding-quarter cohorts of the selected customers onboarded in the period.

    Cell (cohort, k) = share of the cohort active on the last day of the k-th quarter
    after its own (k = 0); NaN where that day is after f.date_to. Columns: size, 0..K.
    """
    k_max = _quarter_index(f.date_to) - _quarter_index(f.date_from)
    sql = f"""WITH {CUST_CTE},
members AS (
    SELECT date_trunc('quarter', onboard_date)::DATE AS q0, churn_date, count(*) AS n
    FROM cust
    WHERE {_selected()} AND onboard_date BETWEEN $date_from AND $date_to
    GROUP BY ALL
),
ks AS (SELECT unnest(range(0, $k_max + 1)) AS k),
cells AS (
    SELECT q0, k, (q0 + to_months(3 * k::INTEGER + 3))::DATE - 1 AS q_end, churn_date, n
    FROM members CROSS JOIN ks
)
SELECT q0, k, sum(n) AS size,
       CASE WHEN max(q_end) > $date_to THEN NULL
            ELSE (coalesce(sum(n) FILTER (WHERE churn_date IS NULL OR churn_date > q_end), 0)
                  / sum(n))::DOUBLE END AS share
FROM cells GROUP BY q0, k ORDER BY q0, k"""
    cells = run(con, sql, _params(f, k_max=k_max))
    cols: list[Any] = ["size", *range(k_max + 1)]
    if cells.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="cohort"), dtype="float64")
    cells["cohort"] = [f"{d.year}Q{(d.month - 1) // 3 + 1}" for d in pd.to_datetime(cells["q0"])]
    wide = cells.pivot(index="cohort", columns="k", values="share").astype("float64")
    wide = wide.fillna(np.nan)
    sizes = cells.groupby("cohort")["size"].first().astype("int64")
    out = pd.concat([sizes.rename("size"), wide], axis=1)
    out.index.name = "cohort"
    out.columns = pd.Index(cols)
    return out


def funnel(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    by: Literal["branch", "source_channel"] | None = None,
) -> pd.DataFrame:
    """Per group and stage: leads created in the period that reached it, step and overall rates.

    A lead reached a stage when that stage's date or any later one is present. The branch
    filter uses leads.branch_id; the tier filter does not apply. step_rate of 'created'
    is NaN (there is no stage before it). A missing source_channel is grouped as 'unknown'.
    """
    group = {
        None: "'all'",
        "branch": "branch_id",
        "source_channel": "coalesce(nullif(trim(source_channel), ''), 'unknown')",
    }[by]
    dates = ["created_date", "contacted_date", "applied_date", "approved_date", "disbursed_date"]
    reached = ",\n       ".join(
        f"count(*) FILTER (WHERE coalesce({', '.join(dates[i:])}) IS NOT NULL) AS {stage}"
        for i, stage in enumerate(FUNNEL_STAGES)
    )
    sql = f"""SELECT {group} AS grp,
       {reached}
FROM leads
WHERE created_date BETWEEN $date_from AND $date_to AND {BRANCH_OK.format(col="branch_id")}
GROUP BY ALL ORDER BY grp"""
    wide = run(con, sql, _params(f))
    rows: list[dict[str, Any]] = []
    for rec in wide.to_dict("records"):  # one record per group, at most a few dozen
        first = int(rec[FUNNEL_STAGES[0]])
        prev: int | None = None
        for stage in FUNNEL_STAGES:
            n = int(rec[stage])
            rows.append(
                {
                    "group": str(rec["grp"]),
                    "stage": stage,
                    "reached": n,
                    "step_rate": (n / prev if prev else np.nan) if prev is not None else np.nan,
                    "overall_rate": n / first if first else np.nan,
                }
            )
            prev = n
    return pd.DataFrame(rows, columns=["group", "stage", "reached", "step_rate", "overall_rate"])


def f_scores(con: duckdb.DuckDBPyConnection, loans: list[int]) -> list[int]:
    """The F score of each loan count, as RFM scores it (settings.rfm.frequency_thresholds)."""
    sql = f"""SELECT {F_SCORE_SQL.format(col="n")} AS f
FROM unnest($loans::INTEGER[]) WITH ORDINALITY AS x(n, i) ORDER BY i"""
    return [int(v) for v in run(con, sql, {**settings_params(), "loans": loans})["f"]]


def segment_grid(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, int], str]:
    """(R score, F score) -> segment over the 5 x 5 grid, by the segment map's rules."""
    sql = f"""SELECT r_score, f_score, {_RFM_SEGMENT_SQL} AS segment
FROM range(1, 6) r(r_score), range(1, 6) f(f_score)"""
    rows = con.execute(sql).fetchall()
    return {(int(r), int(f)): str(segment) for r, f, segment in rows}


def rfm(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """R, F, M and their 1–5 scores and segment, for the selected customers active on date_to.

    R and M scores are quintiles among all such customers bank-wide, so a customer's segment
    does not change with the filters; F scores on the fixed thresholds of settings.rfm.
    """
    state = customer_state.table(con, f.date_to)
    sql = f"""SELECT customer_id, customer_name, branch_id, tier, recency_days, frequency, monetary,
       r_score, f_score, m_score, segment
FROM {state} WHERE segment IS NOT NULL AND {_selected()}
ORDER BY customer_id"""
    return run(con, sql, _params(f))


def rfm_segments(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Per RFM segment (all, in RFM_SEGMENTS order): customers, share, mean R and F, summed M."""
    state = customer_state.table(con, f.date_to)
    sql = f"""WITH segs AS (SELECT unnest($seg_ids::VARCHAR[]) AS segment,
                unnest(range(len($seg_ids::VARCHAR[]))) AS ord),
agg AS (SELECT segment, count(*) AS customers, avg(recency_days) AS avg_recency_days,
               avg(frequency) AS avg_frequency, sum(monetary) AS monetary
        FROM {state} WHERE segment IS NOT NULL AND {_selected()} GROUP BY segment)
SELECT s.segment, coalesce(a.customers, 0) AS customers,
       (coalesce(a.customers, 0) / nullif(sum(coalesce(a.customers, 0)) OVER (), 0))::DOUBLE
           AS share,
       a.avg_recency_days::DOUBLE AS avg_recency_days, a.avg_frequency::DOUBLE AS avg_frequency,
       coalesce(a.monetary, 0)::DOUBLE AS monetary
FROM segs s LEFT JOIN agg a ON a.segment = s.segment
ORDER BY s.ord"""
    return run(con, sql, _params(f, seg_ids=[s[0] for s in RFM_SEGMENTS]))


DRILL_DIMENSIONS: tuple[str, ...] = ("tier", "branch", "relationship_type", "rfm_segment")


def drill_down(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    dimension: Literal["tier", "branch", "relationship_type", "rfm_segment"],
    value: str,
) -> pd.DataFrame:
    """The selected customers behind one breakdown cell.

    tier/branch: customers of the period (onboarded by date_to, not churned before
    date_from); relationship_type: customers active on date_to with that type;
    rfm_segment: customers in that RFM segment on date_to.
    """
    if dimension not in DRILL_DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; expected one of {DRILL_DIMENSIONS}")
    cell = {
        "tier": "c.tier = $value",
        "branch": "c.branch_id = $value",
        "relationship_type": "st.rel_type = $value",
        "rfm_segment": "st.segment = $value",
    }[dimension]
    period = (
        "c.onboard_date <= $date_to AND (c.churn_date IS NULL OR c.churn_date >= $date_from)"
        if dimension in ("tier", "branch")
        else "TRUE"
    )
    where = _selected("c")
    state = customer_state.table(con, f.date_to)
    sql = f"""WITH {CUST_CTE}
SELECT c.customer_id, c.customer_name, c.branch_id, c.tier, c.tier_source, c.credit_rating,
       c.total_assets, c.onboard_date, c.churn_date, c.relationship_manager,
       st.rel_type, st.r12, st.p12, st.segment AS rfm_segment,
       st.recency_days, st.frequency, st.monetary
FROM cust c
LEFT JOIN {state} st ON st.customer_id = c.customer_id
WHERE {cell} AND {period} AND {where}
ORDER BY c.customer_id"""
    return run(con, sql, _params(f, value=value))
