"""Page-specific queries of the dashboard: frames the pages show that are not KPIs.

Pure functions `(connection, filters) -> DataFrame | value`; aggregation happens in
DuckDB with bound parameters. Customer-based views apply the branch and tier
filters to customers (tier stored, or derived as in kpis.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from metrics.contract import RISK_CLASSES, TABLES
from metrics.engine import rollups
from metrics.engine import sql as kpis
from metrics.engine.rollups import DATE_BOUNDS_SQL
from metrics.filters import Filters

# Earliest and latest data date (metrics.engine.rollups.DATE_BOUNDS_SQL).
_DATE_BOUNDS = DATE_BOUNDS_SQL


# Customers the branch and tier filters select (`sel`, with `tier` stored or derived):
# the same building blocks the KPI queries use, so a page and a KPI never disagree.
SELECTED_CUSTOMERS = f"{kpis.CUST_CTE},\n{kpis.sel_cte(None)}"


def _params(f: Filters, **extra: Any) -> dict[str, Any]:
    return {**f.params(), **kpis.settings_params(), **extra}


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    return kpis.run(con, sql, params)


def data_bounds(con: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date | None]:
    """Earliest and latest data date in the store (None, None when it holds nothing)."""
    from metrics.engine import rollups

    row = con.execute(_DATE_BOUNDS.format(s=rollups.location(con))).fetchone()
    if row is None:
        return None, None
    lo, hi = row
    return (lo if lo is None else _as_date(lo)), (hi if hi is None else _as_date(hi))


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def customer_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many customers the store holds (0 = an empty store)."""
    row = con.execute("SELECT count(*) FROM customers").fetchone()
    return int(row[0]) if row else 0


def last_load(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The most recent load that is still in effect: when, table, file, rows; None if none."""
    sql = """
        SELECT loaded_at, table_name, file_name, rows_in, outcome
        FROM load_history
        WHERE undone_at IS NULL AND outcome = 'loaded'
        ORDER BY loaded_at DESC, load_id DESC
        LIMIT 1
    """
    try:
        row = con.execute(sql).fetchone()
    except duckdb.CatalogException:
        return None
    if row is None:
        return None
    keys = ("loaded_at", "table_name", "file_name", "rows_in", "outcome")
    return dict(zip(keys, row, strict=True))


def branch_list(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every branch: branch_id, branch_name, region (for the sidebar and labels)."""
    return con.execute(
        "SELECT branch_id, branch_name, region FROM branches ORDER BY branch_id"
    ).df()


def score_distribution(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Surveys in the period by overall score 1–5: score, responses, share (all five rows)."""
    sql = f"""
        WITH {SELECTED_CUSTOMERS},
        s AS (
            SELECT overall_score AS score, count(*) AS responses
            FROM surveys JOIN sel USING (customer_id)
            WHERE survey_date BETWEEN $date_from AND $date_to
            GROUP BY overall_score
        )
        SELECT g.score, coalesce(s.responses, 0) AS responses,
               coalesce(s.responses, 0) / nullif(sum(s.responses) OVER (), 0) AS share
        FROM range(1, 6) g(score) LEFT JOIN s USING (score)
        ORDER BY g.score
    """
    return _df(con, sql, _params(f))


def risk_classes_by_month(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Outstanding balance by risk class at every month end from date_from to date_to.

    Pass the trend window (12 months or the whole period) for a chart. Index: month end,
    one per month of the period; one column per risk class (normal … loss): zero where a
    snapshot has none of that class, NaN for a month with no snapshot at all.
    """
    s = rollups.location(con)
    sql = f"""
        WITH months AS (
            SELECT last_day(CAST(m AS DATE)) AS month
            FROM range(date_trunc('month', CAST($date_from AS DATE)),
                       CAST($date_to AS DATE) + INTERVAL 1 DAY, INTERVAL 1 MONTH) r(m)
        ),
        snap AS (
            SELECT last_day(x.as_of_month) AS month, x.risk_class, sum(x.balance) AS balance
            FROM {s}rollup_balance_classes x
            WHERE x.as_of_month >= date_trunc('month', CAST($date_from AS DATE))
              AND x.as_of_month <= $date_to AND {kpis.customer_ok("x")}
            GROUP BY ALL
        )
        SELECT months.month, snap.risk_class, CAST(snap.balance AS DOUBLE) AS balance
        FROM months LEFT JOIN snap USING (month)
        WHERE months.month <= last_day(CAST($date_to AS DATE))
        ORDER BY months.month
    """
    long = _df(con, sql, _params(f))
    classes = list(RISK_CLASSES)
    if long.empty:
        return pd.DataFrame(columns=classes, dtype="float64")
    months = pd.DatetimeIndex(pd.to_datetime(long["month"]).unique(), name="month")
    found = long.dropna(subset=["risk_class"])
    wide = found.pivot_table(
        index="month", columns="risk_class", values="balance", aggfunc="sum", fill_value=0
    )
    wide.index = pd.to_datetime(wide.index)
    wide = wide.reindex(columns=classes, fill_value=0).astype("float64").reindex(months)
    wide.columns.name = None
    return wide


def new_lending_by_month(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """New lending per calendar month of the period, and the same month one year earlier.

    Index: month start (every month the period touches); columns current, last_year.
    """
    s = rollups.location(con)  # rollup_disbursed: new_loan_amount per day, branch, tier, ...
    sql = f"""
        WITH months AS (
            SELECT CAST(m AS DATE) AS month
            FROM range(date_trunc('month', CAST($date_from AS DATE)),
                       CAST($date_to AS DATE) + INTERVAL 1 DAY, INTERVAL 1 MONTH) r(m)
        ),
        cur AS (
            SELECT date_trunc('month', x.day) AS month, sum(x.new_loan_amount) AS amount
            FROM {s}rollup_disbursed x
            WHERE x.day BETWEEN $date_from AND $date_to AND {kpis.customer_ok("x")}
            GROUP BY ALL
        ),
        prev AS (
            SELECT date_trunc('month', x.day) + INTERVAL 12 MONTH AS month,
                   sum(x.new_loan_amount) AS amount
            FROM {s}rollup_disbursed x
            WHERE x.day BETWEEN $prev_from AND $prev_to AND {kpis.customer_ok("x")}
            GROUP BY ALL
        )
        SELECT months.month,
               CAST(coalesce(cur.amount, 0) AS DOUBLE) AS current,
               CAST(coalesce(prev.amount, 0) AS DOUBLE) AS last_year
        FROM months
        LEFT JOIN cur ON cur.month = months.month
        LEFT JOIN prev ON CAST(prev.month AS DATE) = months.month
        ORDER BY months.month
    """
    prev = f.year_earlier()
    df = _df(con, sql, _params(f, prev_from=prev.date_from, prev_to=prev.date_to))
    return df.set_index(pd.to_datetime(df["month"])).drop(columns="month")


def churned_customers(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Customers at the period's start who churned by its end, latest churn first."""
    sql = f"""
        WITH {SELECTED_CUSTOMERS},
        churned AS (
            SELECT * FROM sel
            WHERE onboard_date < $date_from
              AND churn_date >= $date_from AND churn_date <= $date_to
        ),
        r12 AS (  -- the churned customers' rows only, not every customer's year
            SELECT r.customer_id, sum(r.revenue) AS r12
            FROM revenue r SEMI JOIN churned c ON c.customer_id = r.customer_id
            WHERE r.month > CAST($date_to AS DATE) - INTERVAL 12 MONTH AND r.month <= $date_to
            GROUP BY r.customer_id
        )
        SELECT c.customer_id, c.customer_name, c.branch_id, b.branch_name,
               c.tier, c.industry, c.relationship_manager, c.onboard_date, c.churn_date,
               CAST(coalesce(r12.r12, 0) AS DOUBLE) AS r12
        FROM churned c
        LEFT JOIN branches b USING (branch_id)
        LEFT JOIN r12 USING (customer_id)
        ORDER BY c.churn_date DESC, c.customer_id
    """
    return _df(con, sql, _params(f))


def period_customers(con: duckdb.DuckDBPyConnection, f: Filters) -> int:
    """Customers the filters select that had a relationship during the period (0: nothing to
    show, so pages say so instead of a wall of dashes)."""
    sql = f"""
        WITH {SELECTED_CUSTOMERS}
        SELECT count(*) AS n FROM sel
        WHERE onboard_date <= $date_to AND (churn_date IS NULL OR churn_date >= $date_from)
    """
    return int(_df(con, sql, _params(f))["n"].iloc[0])


def undo_preview(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, Any] | None:
    """What undoing a load changes: its table, file, checksum, rows removed and rows put back."""
    row = con.execute(
        "SELECT table_name, file_name, checksum FROM load_history WHERE load_id = $id",
        {"id": load_id},
    ).fetchone()
    if row is None or row[0] not in TABLES:
        return None
    table = TABLES[str(row[0])].name  # the identifier comes from the contract
    n_removed = con.execute(
        f"SELECT count(*) FROM {table} WHERE _load_id = $id", {"id": load_id}
    ).fetchone()
    n_restored = con.execute(
        f"SELECT count(*) FROM _undo_{table} WHERE _replaced_by = $id", {"id": load_id}
    ).fetchone()
    return {
        "table_name": table,
        "file_name": row[1],
        "checksum": row[2],
        "removed": int(n_removed[0]) if n_removed else 0,
        "restored": int(n_restored[0]) if n_restored else 0,
    }
