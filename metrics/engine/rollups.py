"""Summary tables built from the declarations at publish time, inside the same transaction.

`build(con)` (called by metrics.store.write_transaction before commit) rewrites:
- rollup_customers: one row per customer: branch, tier (stored or derived), manager,
  onboard/churn dates, referred, first disbursement;
- rollup_revenue_segments: the trailing-12 revenue state (metrics.engine.revenue_state);
- rollup_balance_classes: outstanding balance per snapshot month, risk class, branch, tier
  and manager;
- rollup_risk: per snapshot month, the customers with a loan in a class other than normal
  (the relationship types' risk flag);
- rollup_<source>: the additive measures of each source pre-summed per day (snapshot
  month, revenue month, or anchor month for revenue customers) and branch, tier and
  manager (branch only for leads and spend), sorted by date so a period reads only its
  own row groups;
- rollup_borrowing, rollup_complaints: slim day-sorted rows for the measures that are not
  sums (metrics.engine.sources.SLIM_SQL);
- rollup_sources: each contract table's start and as-of date;
- rollup_meta: the fingerprint (version + tier rules) and each table's row count;
(The customers' state on the default days, metrics.engine.customer_state, is built after
these, in the same publish: metrics.store.publish_rollups.)
A store without them (made elsewhere, older, or other tier settings) still answers:
`location` builds them once in the reader's private in-memory catalog.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import duckdb

from metrics.contract import TABLES
from metrics.engine import revenue_state, snapshot, whitespace_state
from metrics.engine.revenue_state import revenue_customers_sql
from metrics.engine.sources import SLIM_SQL, SOURCE_DATES_SQL, SOURCES, Source
from metrics.engine.sql import (
    BALANCE_CLASSES_SQL,
    MANAGER_SQL,
    RISK_ROLLUP_SQL,
    TIER_SQL,
    settings_params,
    tier_params,
    used_params,
)
from metrics.kpis.catalog import MEASURES

VERSION = 7
_FALLBACK_LOCK = threading.Lock()


# Earliest and latest data date of the store (month tables up to the month's last day): the
# rollups' source dates (kpis.md, As-of date), except leads, counted by created_date here.
DATE_BOUNDS_SQL = """SELECT min(c0), max(c1) FROM (
    SELECT start, as_of FROM {s}rollup_sources WHERE source <> 'leads'
    UNION ALL SELECT min(created_date), max(created_date) FROM leads
) t(c0, c1)"""


def fingerprint() -> str:
    """What the rollups depend on besides the facts: their layout and the tier rules."""
    text = json.dumps({"version": VERSION, "tiers": tier_params()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _dim_sql(s: str) -> str:
    return f"""CREATE OR REPLACE TABLE {s}rollup_customers AS
SELECT *, (dense_rank() OVER (ORDER BY branch_id, tier, manager))::INTEGER AS dim
FROM (
    SELECT c.customer_id, c.branch_id, {TIER_SQL} AS tier,
           {MANAGER_SQL.format(col="c.relationship_manager")} AS manager,
           c.onboard_date, c.churn_date,
           coalesce(trim(c.referred_by), '') <> '' AS referred, f.first_disbursed
    FROM customers c
    LEFT JOIN (SELECT customer_id, min(disbursed_date) AS first_disbursed
               FROM loans GROUP BY customer_id) f ON f.customer_id = c.customer_id
)
ORDER BY customer_id"""


def additive(src: Source) -> list[str]:
    """The measures of `src` its rollup holds."""
    return [m.id for m in MEASURES.values() if m.source == src.id and m.additive]


def _source_sql(src: Source, s: str, where: str = "TRUE") -> str | None:
    cols = ", ".join(f"{MEASURES[m].expr} AS {m}" for m in additive(src))
    if not src.has_rollup:
        return None
    if src.kind == "customers12":
        return revenue_customers_sql(src.rollup, {m: MEASURES[m].expr for m in additive(src)}, s)
    key, name = src.rollup_key
    if src.keyed == "branch":
        return f"""CREATE OR REPLACE TABLE {s}{src.rollup} AS
SELECT {key} AS {name}, x.branch_id, {cols}
FROM {src.rows(s)} x GROUP BY ALL ORDER BY 1, 2"""
    # Grouped by the integer `dim` of (branch, tier, manager), named after: several times
    # faster than grouping millions of rows by three strings.
    return f"""CREATE OR REPLACE TABLE {s}{src.rollup} AS
SELECT k.{name}, d.branch_id, d.tier, d.manager, k.* EXCLUDE ({name}, dim)
FROM (SELECT {key} AS {name}, c.dim, {cols}
      FROM {src.rows(s)} x JOIN {s}rollup_customers c ON c.customer_id = x.customer_id
      WHERE {where}
      GROUP BY ALL) k
JOIN (SELECT DISTINCT dim, branch_id, tier, manager FROM {s}rollup_customers) d ON d.dim = k.dim
ORDER BY 1, 2, 3, 4"""


def _replace_months(con: duckdb.DuckDBPyConnection, src: Source, s: str, months: list[Any]) -> None:
    """Recompute the rows of `months` of a monthly rollup (the others are unchanged)."""
    if not months:
        return
    key, name = src.rollup_key
    sql = _source_sql(src, s, f"list_contains($months::DATE[], {key})")
    assert sql is not None
    select = sql[sql.index(" AS\n") + 4 :]
    con.execute(
        f"DELETE FROM {s}{src.rollup} WHERE list_contains($months::DATE[], {name})",
        {"months": months},
    )
    con.execute(f"INSERT INTO {s}{src.rollup} {select}", {"months": months})


def build(
    con: duckdb.DuckDBPyConnection, schema: str = "", changed: set[str] | None = None
) -> None:
    """(Re)build the rollups from the facts on `con`, into `schema` (e.g. 'memory.main.').

    changed: the contract tables written since the last build (None: all), so a load
    rebuilds only the rollups that read them. Called inside the publishing transaction,
    so a reader sees the facts and the rollups of the same load, or neither.
    """
    params = settings_params()

    def ex(sql: str) -> None:
        con.execute(sql, used_params(sql, params))

    def stale(tables: tuple[str, ...]) -> bool:
        return changed is None or bool(changed.intersection(tables))

    if stale(("customers", "loans")):
        ex(_dim_sql(schema))
    # Revenue: the months a load changed (None: all), found by their fingerprints.
    months: list[Any] | None = None
    if stale(("revenue",)):
        revenue_state.fingerprint_months(con)
        if changed is None:
            ex(revenue_state.segments_sql(schema))
        else:
            months = revenue_state.changed_months(con, schema)
            revenue_state.update(con, schema, months)
        revenue_state.save_fingerprints(con, schema)
    if stale(("loan_balances", "loans")):
        ex(RISK_ROLLUP_SQL.format(s=schema))
    if stale(("loan_balances", "loans", "customers")):
        ex(BALANCE_CLASSES_SQL.format(s=schema))
    for src in SOURCES.values():
        if src.slim and stale(src.reads):
            select = SLIM_SQL[src.id].replace("{s}", schema)
            ex(f"CREATE OR REPLACE TABLE {schema}{src.rollup} AS {select}")
    for src in SOURCES.values():
        sql = _source_sql(src, schema)
        if sql is None or not stale(src.reads):
            continue
        if src.kind == "months12" and months is not None and not stale(("customers",)):
            # The same dimensions: only the changed months' sums are recomputed.
            _replace_months(con, src, schema, months)
        else:
            ex(sql)
    ex(f"CREATE OR REPLACE TABLE {schema}rollup_sources AS {SOURCE_DATES_SQL}")
    whitespace_state.build(con, schema, changed, months)
    ex(f"CREATE OR REPLACE TABLE {schema}rollup_meta (key VARCHAR, value VARCHAR)")
    rows = [("fingerprint", fingerprint())]
    rows += [(f"rows:{t}", str(n)) for t, n in _row_counts(con).items()]
    con.executemany(f"INSERT INTO {schema}rollup_meta VALUES (?, ?)", rows)
    # The fingerprint is the table's comment too: `_valid` reads it from the catalog in
    # one query (every engine call asks).
    ex(f"COMMENT ON TABLE {schema}rollup_meta IS '{fingerprint()}'")


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)
    return {str(r[0]): int(r[1]) for r in con.execute(sql).fetchall()}


Marker = tuple[int, frozenset[int]]


def marker(con: duckdb.DuckDBPyConnection) -> Marker:
    """The load history before a write: its last load id and the loads already undone."""
    row = con.execute(
        "SELECT coalesce(max(load_id), 0), "
        "coalesce(list(load_id) FILTER (WHERE undone_at IS NOT NULL), []) FROM load_history"
    ).fetchone()
    return (int(row[0]), frozenset(int(i) for i in row[1])) if row else (0, frozenset())


def changed_tables(con: duckdb.DuckDBPyConnection, before: Marker) -> set[str] | None:
    """Tables written since `before`: loaded or undone since, or whose row count moved.

    None (rebuild everything) when the store has no valid rollups yet.
    """
    if not _valid(con, ""):
        return None
    rows = con.execute(
        "SELECT table_name, load_id, undone_at IS NOT NULL FROM load_history "
        "WHERE (load_id > ? AND outcome = 'loaded') OR undone_at IS NOT NULL",
        [before[0]],
    ).fetchall()
    changed = {str(t) for t, i, undone in rows if i > before[0] or (undone and i not in before[1])}
    stored = dict(con.execute("SELECT key, value FROM rollup_meta").fetchall())
    for t, n in _row_counts(con).items():
        if stored.get(f"rows:{t}") != str(n):
            changed.add(t)
    return changed


def _valid(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    """Rollups in `schema` exist and were built with today's fingerprint.

    Checked through the catalog, not by catching an error: an error inside the
    publishing transaction would abort it.
    """
    db = schema.split(".")[0] if schema else None
    found = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE table_name = 'rollup_meta' "
        "AND schema_name = 'main' AND database_name = coalesce(?, current_database())",
        [db],
    ).fetchone()
    return found is not None and found[0] == fingerprint()


def _fallback_schema(con: duckdb.DuckDBPyConnection) -> str:
    """The reader's private in-memory catalog when there is one, else the temp schema."""
    return snapshot.remembered(con, "rollups.fallback_schema", lambda: _find_fallback(con))


def _find_fallback(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_database()").fetchone()
    current = str(row[0]) if row else ""
    names = {
        str(r[0]) for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    }
    if "memory" in names and current != "memory":
        return "memory.main."
    return "temp.main."


def location(con: duckdb.DuckDBPyConnection) -> str:
    """Where this connection reads rollups: the store's own, or a private copy built once
    (asked once per reader connection: metrics.engine.snapshot)."""
    return snapshot.remembered(con, "rollups.location", lambda: _locate(con))


def _locate(con: duckdb.DuckDBPyConnection) -> str:
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
