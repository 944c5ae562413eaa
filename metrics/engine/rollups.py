"""Summary tables built from the declarations at publish time, inside the same transaction.

`build(con)` (called by metrics.store.write_transaction before commit) rewrites:
- rollup_customers: one row per customer: branch, tier (stored or derived), manager,
  onboard/churn dates, referred, first disbursement;
- rollup_<source>: the additive measures of each source pre-summed per day (or month,
  or snapshot month) and branch, tier and manager (branch only for leads and spend),
  sorted by date so a period reads only its own row groups;
- rollup_revenue_customers: per month and branch, tier, manager, how many customers have
  revenue rows in the 12 months ending there and how many of them are cross-sold;
- rollup_sources: each contract table's start and as-of date;
- rollup_meta: the fingerprint (version + tier rules) the tables were built with.
A store without them (made elsewhere, older, or other tier settings) still answers:
`location` builds them once in the reader's private in-memory catalog.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import duckdb

from metrics.engine.sources import SOURCE_DATES_SQL, SOURCES, Source
from metrics.engine.sql import MANAGER_SQL, TIER_SQL, settings_params, tier_params, used_params
from metrics.kpis.catalog import MEASURES

VERSION = 1
_FALLBACK_LOCK = threading.Lock()


def fingerprint() -> str:
    """What the rollups depend on besides the facts: their layout and the tier rules."""
    text = json.dumps({"version": VERSION, "tiers": tier_params()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _dim_sql(s: str) -> str:
    return f"""CREATE OR REPLACE TABLE {s}rollup_customers AS
SELECT c.customer_id, c.branch_id, {TIER_SQL} AS tier,
       {MANAGER_SQL.format(col="c.relationship_manager")} AS manager,
       c.onboard_date, c.churn_date,
       coalesce(trim(c.referred_by), '') <> '' AS referred, f.first_disbursed
FROM customers c
LEFT JOIN (SELECT customer_id, min(disbursed_date) AS first_disbursed
           FROM loans GROUP BY customer_id) f ON f.customer_id = c.customer_id
ORDER BY c.customer_id"""


def additive(src: Source) -> list[str]:
    """The measures of `src` its rollup holds."""
    return [m.id for m in MEASURES.values() if m.source == src.id and m.additive]


def _source_sql(src: Source, s: str) -> str | None:
    cols = ", ".join(f"{MEASURES[m].expr} AS {m}" for m in additive(src))
    if src.kind == "customers":
        return None
    if src.kind == "customers12":
        return _customers12_sql(s)
    key = {"event": "x.day", "snapshot": "x.as_of_month", "months12": "x.month"}[src.kind]
    name = {"event": "day", "snapshot": "as_of_month", "months12": "month"}[src.kind]
    if src.keyed == "branch":
        return f"""CREATE OR REPLACE TABLE {s}{src.rollup} AS
SELECT {key} AS {name}, x.branch_id, {cols}
FROM {src.relation} x GROUP BY ALL ORDER BY 1, 2"""
    return f"""CREATE OR REPLACE TABLE {s}{src.rollup} AS
SELECT {key} AS {name}, c.branch_id, c.tier, c.manager, {cols}
FROM {src.relation} x JOIN {s}rollup_customers c ON c.customer_id = x.customer_id
GROUP BY ALL ORDER BY 1, 2, 3, 4"""


def _customers12_sql(s: str) -> str:
    """Per month and group: customers with revenue rows in the 12 months ending that month
    (revenue_customers) and those with a positive 12-month sum in 2+ categories (cross_sold).

    A customer-category's 12-month sum and row count only change when a month enters the
    window (its month) or leaves it (12 months later): events, running sums, and the
    changes of each flag summed per group, then a running sum over a dense month grid.
    """
    return f"""CREATE OR REPLACE TABLE {s}rollup_revenue_customers AS
WITH rc AS (
    SELECT customer_id, product_category AS cat, month, sum(revenue) AS rev
    FROM revenue GROUP BY ALL
),
ev AS (
    SELECT customer_id, cat, m, sum(d_rev) AS d_rev, sum(d_n) AS d_n FROM (
        SELECT customer_id, cat, month AS m, rev AS d_rev, 1 AS d_n FROM rc
        UNION ALL
        SELECT customer_id, cat, CAST(month + INTERVAL 12 MONTH AS DATE), -rev, -1 FROM rc
    ) GROUP BY ALL
),
st AS (
    SELECT customer_id, cat, m,
           CAST(sum(d_rev) OVER w > 0 AS INTEGER) AS pos,
           CAST(sum(d_n) OVER w > 0 AS INTEGER) AS has
    FROM ev WINDOW w AS (PARTITION BY customer_id, cat ORDER BY m)
),
cat_changes AS (
    SELECT customer_id, m, sum(d_pos) AS d_pos, sum(d_has) AS d_has FROM (
        SELECT customer_id, m, pos - coalesce(lag(pos) OVER w, 0) AS d_pos,
               has - coalesce(lag(has) OVER w, 0) AS d_has
        FROM st WINDOW w AS (PARTITION BY customer_id, cat ORDER BY m)
    ) GROUP BY ALL
),
cust_state AS (
    SELECT customer_id, m,
           CAST(sum(d_pos) OVER w >= 2 AS INTEGER) AS crossed,
           CAST(sum(d_has) OVER w > 0 AS INTEGER) AS has
    FROM cat_changes WINDOW w AS (PARTITION BY customer_id ORDER BY m)
),
cust_changes AS (
    SELECT customer_id, m, crossed - coalesce(lag(crossed) OVER w, 0) AS d_cross,
           has - coalesce(lag(has) OVER w, 0) AS d_has
    FROM cust_state WINDOW w AS (PARTITION BY customer_id ORDER BY m)
),
grp_changes AS (
    SELECT x.m, c.branch_id, c.tier, c.manager, sum(x.d_has) AS d_has,
           sum(x.d_cross) AS d_cross
    FROM cust_changes x JOIN {s}rollup_customers c ON c.customer_id = x.customer_id
    GROUP BY ALL
),
months AS (
    SELECT CAST(unnest(generate_series(min(m), max(m), INTERVAL 1 MONTH)) AS DATE) AS m
    FROM grp_changes
),
grid AS (
    SELECT g.branch_id, g.tier, g.manager, months.m
    FROM (SELECT DISTINCT branch_id, tier, manager FROM grp_changes) g CROSS JOIN months
),
dense AS (
    SELECT grid.m AS month, grid.branch_id, grid.tier, grid.manager,
           sum(coalesce(ch.d_has, 0)) OVER w AS revenue_customers,
           sum(coalesce(ch.d_cross, 0)) OVER w AS cross_sold
    FROM grid LEFT JOIN grp_changes ch
      ON ch.m = grid.m AND ch.branch_id = grid.branch_id AND ch.tier = grid.tier
     AND ch.manager = grid.manager
    WINDOW w AS (PARTITION BY grid.branch_id, grid.tier, grid.manager ORDER BY grid.m)
)
SELECT * FROM dense WHERE revenue_customers <> 0 OR cross_sold <> 0 ORDER BY month"""


def build(con: duckdb.DuckDBPyConnection, schema: str = "") -> None:
    """(Re)build every rollup table from the facts on `con`, into `schema` (e.g. 'memory.main.').

    Called inside the publishing transaction, so a reader sees facts and rollups of the
    same load, or neither.
    """
    params = settings_params()

    def ex(sql: str) -> None:
        con.execute(sql, used_params(sql, params))

    ex(_dim_sql(schema))
    for src in SOURCES.values():
        sql = _source_sql(src, schema)
        if sql is not None:
            ex(sql)
    ex(f"CREATE OR REPLACE TABLE {schema}rollup_sources AS {SOURCE_DATES_SQL}")
    ex(f"CREATE OR REPLACE TABLE {schema}rollup_meta (key VARCHAR, value VARCHAR)")
    con.execute(f"INSERT INTO {schema}rollup_meta VALUES ('fingerprint', ?)", [fingerprint()])


def _valid(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    try:
        row = con.execute(
            f"SELECT value FROM {schema}rollup_meta WHERE key = 'fingerprint'"
        ).fetchone()
    except duckdb.CatalogException:
        return False
    return row is not None and row[0] == fingerprint()


def _fallback_schema(con: duckdb.DuckDBPyConnection) -> str:
    """The reader's private in-memory catalog when there is one, else the temp schema."""
    row = con.execute("SELECT current_database()").fetchone()
    current = str(row[0]) if row else ""
    names = {
        str(r[0]) for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    }
    if "memory" in names and current != "memory":
        return "memory.main."
    return "temp.main."


def location(con: duckdb.DuckDBPyConnection) -> str:
    """Where this connection reads rollups: the store's own, or a private copy built once."""
    if _valid(con, ""):
        return ""
    schema = _fallback_schema(con)
    with _FALLBACK_LOCK:
        if not _valid(con, schema):
            build(con, schema)
    return schema


def info(con: duckdb.DuckDBPyConnection, schema: str) -> list[dict[str, Any]]:
    """Rows of rollup_sources: source table, start, as_of."""
    cur = con.execute(f"SELECT source, start, as_of FROM {schema}rollup_sources")
    return [{"source": r[0], "start": r[1], "as_of": r[2]} for r in cur.fetchall()]
