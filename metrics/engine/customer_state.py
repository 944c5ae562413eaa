"""Every active customer's state on a day, computed once and reused: relationship type
(sql.rel_ctes), RFM (state_sql.RFM_CTES) and watchlist flags (state_sql.FLAG_CTES).

All three are bank-wide (the top-10 % rank and the RFM quintiles are among ALL customers
active on the day, the flags are a customer's own facts), so the state depends only on the
facts and the day, never on the filters: the readers select rows of it by branch, tier and
manager. One row per customer active on the day (onboarded by it, not churned by it):
customer_id, customer_name, branch_id, tier, manager, relationship_manager;
r12, p12, l6, risky_loan, r12_rank, n_active, rel_type; recency_days, frequency, monetary,
r_score, f_score, m_score, segment (NULL without a loan disbursed by the day); the
watchlist's facts and `flags` (FLAGS order).

Where it lives (`table(con, day)` answers with a table name to read):
- built at publish (metrics.store.publish_rollups: after rollups.build, in the same
  transaction; rollups cannot import this module, which reads them) for the days the
  default views read: the latest data date (everything) and the first day of its year (the
  year-to-date view's date_from, type_movement's other day: the types only, part "rel"), as
  customer_state_YYYYMMDD, listed in rollup_customer_state with the fingerprint of the
  settings they were computed with; a day is rebuilt only when a fact it reads changed;
- any other day (or other settings): built once on first use (the types only when only
  they are asked for) in the reader's private in-memory catalog, under a lock, and kept
  for that connection (at most FALLBACK_DAYS tables), i.e. for that data version
  (metrics.store.Reader opens a new connection, with an empty catalog, after a publish).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from typing import Any, Literal

import duckdb

from metrics.engine import rollups, snapshot
from metrics.engine.sql import CUST_CTE, rel_ctes, settings_params, used_params
from metrics.engine.state_sql import (
    FLAG_CTES,
    FLAGS,
    REVENUE_DROP_SQL,
    RFM_CTES,
    WL_REV_CTE,
    snapshot_month,
    watchlist_thresholds,
)

VERSION = 1
REGISTRY = "rollup_customer_state"
# The facts the state reads: a load of any other table leaves it as it is.
READS: tuple[str, ...] = (
    "customers",
    "loans",
    "loan_balances",
    "surveys",
    "service_requests",
    "revenue",
)
# Months of revenue before a day's month that its state reads (rel_ctes: 24).
REVENUE_MONTHS = 24
FALLBACK_DAYS = 8  # state tables kept in a reader's private catalog (oldest dropped first)
_LOCK = threading.Lock()

# What a state holds: "all" (relationship type, RFM, flags) or "rel" (relationship type
# only: the columns of REL_COLUMNS, all type_movement needs of the year's first day).
Part = Literal["all", "rel"]
REL_COLUMNS = (
    "customer_id, customer_name, branch_id, tier, manager, relationship_manager, "
    "r12, p12, l6, risky_loan, r12_rank, n_active, rel_type"
)
WL_COLUMNS = (
    "outstanding_balance, rev_recent, rev_before, downgraded_loan, downgraded_to, "
    "past_due_loan, days_past_due, complaint_id, complaint_age_days, open_complaints, "
    "last_survey_date, last_score, maturing_loan, maturity_date, flags"
)
RFM_COLUMNS = "recency_days, frequency, monetary, r_score, f_score, m_score, segment"


def _prefixed(alias: str, columns: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


def raw_sql(rollup_schema: str | None, part: Part = "all") -> str:
    """The state on $on from the facts: the relationship-type, RFM and flag CTEs, joined
    (in no order: every reader orders what it returns); part "rel": the first only.

    rollup_schema: where the risk flags' rollup is (None: the loan snapshots themselves).
    """
    if part == "rel":
        return f"""WITH {CUST_CTE}, {rel_ctes("$on", rollups=rollup_schema)}
SELECT {REL_COLUMNS} FROM rel"""
    return f"""WITH {CUST_CTE}, sel AS (SELECT * FROM cust),
{rel_ctes("$on", rollups=rollup_schema)},
{RFM_CTES},
{FLAG_CTES}
SELECT {_prefixed("rel", REL_COLUMNS)},
       {_prefixed("rfm", RFM_COLUMNS)},
       {_prefixed("wl", WL_COLUMNS)}
FROM rel
LEFT JOIN rfm ON rfm.customer_id = rel.customer_id
LEFT JOIN wl ON wl.customer_id = rel.customer_id"""


def raw_params(con: duckdb.DuckDBPyConnection, day: dt.date) -> dict[str, Any]:
    """The bound parameters of raw_sql on `day`: the thresholds, the day and its snapshot."""
    return {
        **settings_params(),
        **watchlist_thresholds(),
        "on": day,
        "date_to": day,
        "wl_snap": snapshot_month(con, day),
        "branches": [],
        "tiers": [],
        "managers": [],
    }


def fingerprint() -> str:
    """What a state depends on besides the facts and the day: its layout and the settings."""
    text = json.dumps(
        {
            "version": VERSION,
            "rollups": rollups.fingerprint(),
            "settings": settings_params(),
            "watchlist": watchlist_thresholds(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _name(day: dt.date) -> str:
    return f"customer_state_{day:%Y%m%d}"


def _create(
    con: duckdb.DuckDBPyConnection,
    target: str,
    day: dt.date,
    rollup_schema: str | None,
    part: Part = "all",
) -> None:
    kind = "TEMP TABLE" if target.startswith("temp.") else "TABLE"  # a plain connection's
    sql = f"CREATE OR REPLACE {kind} {target} AS {raw_sql(rollup_schema, part)}"
    con.execute(sql, used_params(sql, raw_params(con, day)))


def revenue_refresh_sql(rollup_schema: str, old: str) -> str:
    """raw_sql's answer on $on after a load that changed only revenue, from the state `old`
    of the same day: the relationship types and the watchlist's revenue facts are computed
    again, everything else (RFM, the other flags' facts) is kept; the same customers are
    active, since customers did not change. revenue_drop is FLAGS' first, so it is put in
    front of the other flags, kept in their order."""
    assert FLAGS[0] == "revenue_drop"
    fresh = {  # the watchlist columns that read revenue; the rest read other facts
        "rev_recent": "r.rev_recent",
        "rev_before": "r.rev_before",
        "flags": f"(CASE WHEN {REVENUE_DROP_SQL} THEN ['revenue_drop'] ELSE [] END) "
        "|| list_filter(o.flags, lambda x: x <> 'revenue_drop') AS flags",
    }
    columns = [c.strip() for c in WL_COLUMNS.split(",")]
    wl = ",\n       ".join(fresh.get(c, f"o.{c}") for c in columns)
    return f"""WITH {CUST_CTE}, {rel_ctes("$on", rollups=rollup_schema)}, {WL_REV_CTE}
SELECT {_prefixed("rel", REL_COLUMNS)},
       {_prefixed("o", RFM_COLUMNS)},
       {wl}
FROM rel
JOIN {old} o ON o.customer_id = rel.customer_id
LEFT JOIN wl_rev r ON r.customer_id = rel.customer_id"""


def _refresh_revenue(con: duckdb.DuckDBPyConnection, schema: str, day: dt.date) -> None:
    """Rewrite the whole state of `day` after a revenue-only load (revenue_refresh_sql):
    about half the work of a new one (RFM and most flags read loans, balances, requests
    and surveys, which did not change)."""
    table = f"{schema}{_name(day)}"
    fresh = "_crm_state_refresh"
    sql = f"CREATE OR REPLACE TEMP TABLE {fresh} AS {revenue_refresh_sql(schema, table)}"
    con.execute(sql, used_params(sql, raw_params(con, day)))
    con.execute(f"CREATE OR REPLACE TABLE {table} AS FROM temp.main.{fresh}")
    con.execute(f"DROP TABLE temp.main.{fresh}")


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether `table` exists in `schema` ('' = the current database, or 'memory.main.')."""
    db = schema.split(".")[0] if schema else None
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main' "
        "AND database_name = coalesce(?, current_database())",
        [table, db],
    ).fetchone()
    return bool(row and row[0])


# --- At publish ---------------------------------------------------------------------------


def publish_days(con: duckdb.DuckDBPyConnection, schema: str = "") -> dict[dt.date, Part]:
    """The days the default views read, with what they read of them: the latest data date
    (everything) and the first day of its year (type_movement's from-day: the types)."""
    # the latest data date as metrics.views.data_bounds reads it, from the rollups just built
    row = con.execute(rollups.DATE_BOUNDS_SQL.format(s=schema)).fetchone()
    if row is None or row[1] is None:
        return {}
    latest = row[1].date() if isinstance(row[1], dt.datetime) else row[1]
    days: dict[dt.date, Part] = {dt.date(latest.year, 1, 1): "rel"}
    days[latest] = "all"
    return days


def _stored(con: duckdb.DuckDBPyConnection, schema: str) -> dict[dt.date, tuple[str, str, str]]:
    """The registry of the states built at publish: day -> (fingerprint, revenue_fp, part)."""
    if not _exists(con, schema, REGISTRY):
        return {}
    cur = con.execute(f"SELECT * FROM {schema}{REGISTRY}")
    names = [d[0] for d in cur.description or ()]
    rows = cur.fetchall()
    if names != ["day", "fingerprint", "revenue_fp", "part"]:  # another layout: rebuild
        return {}
    return {r[0]: (str(r[1]), str(r[2]), str(r[3])) for r in rows}


def _revenue_fp(con: duckdb.DuckDBPyConnection, schema: str, day: dt.date) -> str:
    """The row count and hash sum of the revenue months a state of `day` reads (from
    rollup_revenue_months, metrics.engine.revenue_state): equal when those rows are."""
    window = max(REVENUE_MONTHS, 2 * int(watchlist_thresholds()["wl_months"]))
    m0 = day.year * 12 + day.month - 1
    lo = dt.date((m0 - window) // 12, (m0 - window) % 12 + 1, 1)
    row = con.execute(
        f"SELECT coalesce(sum(n), 0), coalesce(sum(fp), 0) FROM {schema}rollup_revenue_months "
        "WHERE month > ? AND month <= ?",
        [lo, day],
    ).fetchone()
    return f"{row[0]}:{row[1]}" if row else ""


def build(
    con: duckdb.DuckDBPyConnection, schema: str = "", changed: set[str] | None = None
) -> None:
    """(Re)build the publish-time states into `schema`, after the rollups they read.

    changed: the contract tables written since the last build (None: all). A day's state is
    kept when its settings are the same and no fact it reads changed: none of READS, or
    only revenue rows outside its months (a load of old months).
    """
    days = publish_days(con, schema)
    fp = fingerprint()
    stored = _stored(con, schema)
    touched = None if changed is None else changed.intersection(READS)
    fresh: list[tuple[dt.date, str, str, str]] = []
    for d, part in sorted(days.items()):
        revenue = _revenue_fp(con, schema, d)
        only_revenue = (  # the stored state of d differs at most in what revenue changes
            touched is not None
            and touched <= {"revenue"}
            and stored.get(d, ("",))[0] == fp
            and stored[d][2] == part
            and _exists(con, schema, _name(d))
        )
        if not only_revenue:
            _create(con, f"{schema}{_name(d)}", d, schema, part)
        elif stored[d][1] != revenue and part == "all":
            _refresh_revenue(con, schema, d)
        elif stored[d][1] != revenue:  # the types only: no cheaper than a new one
            _create(con, f"{schema}{_name(d)}", d, schema, part)
        fresh.append((d, fp, revenue, part))
    for d in stored:
        if d not in days:
            con.execute(f"DROP TABLE IF EXISTS {schema}{_name(d)}")
    con.execute(
        f"CREATE OR REPLACE TABLE {schema}{REGISTRY} "
        "(day DATE, fingerprint VARCHAR, revenue_fp VARCHAR, part VARCHAR)"
    )
    if fresh:  # an empty store has no data date, hence no state
        con.executemany(f"INSERT INTO {schema}{REGISTRY} VALUES (?, ?, ?, ?)", fresh)


# --- For readers --------------------------------------------------------------------------

_FALLBACK_REGISTRY = "customer_state_cache"


def table(con: duckdb.DuckDBPyConnection, day: dt.date, need: Part = "all") -> str:
    """The (qualified) name of a table holding every active customer's state on `day`:
    everything, or for need="rel" at least the relationship types (REL_COLUMNS).

    The store's own when it was built at publish with today's settings and holds what is
    needed; else one built once in this connection's private catalog, named by the day,
    the settings and (for the types only) "rel": a full one serves both needs.
    """
    fp = fingerprint()
    # The store's own states, read once per reader connection (metrics.engine.snapshot).
    stored = snapshot.remembered(con, "customer_state.stored", lambda: _stored(con, ""))
    fp_stored, _revenue, part = stored.get(day, ("", "", ""))
    if fp_stored == fp and part in ("all", need):
        published = snapshot.remembered(
            con, ("customer_state.exists", day), lambda: _exists(con, "", _name(day))
        )
        if published:
            return _name(day)
    schema = rollups._fallback_schema(con)
    full = f"{_name(day)}_{fp}"
    names = [full] if need == "all" else [full, f"{_name(day)}_rel_{fp}"]
    for name in names:
        if _exists(con, schema, name):
            return schema + name
    with _LOCK:
        for name in names:
            if _exists(con, schema, name):
                return schema + name
        _build_fallback(con, schema, names[-1], day, need)
    return schema + names[-1]


def _build_fallback(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, day: dt.date, part: Part
) -> None:
    """Build one day's state in the private catalog; keep at most FALLBACK_DAYS of them."""
    _create(con, schema + name, day, rollups.location(con), part)
    reg = schema + _FALLBACK_REGISTRY
    kind = "TEMP TABLE" if schema.startswith("temp.") else "TABLE"
    con.execute(f"CREATE {kind} IF NOT EXISTS {reg} (name VARCHAR, seq BIGINT)")
    con.execute(f"INSERT INTO {reg} SELECT ?, coalesce(max(seq), 0) + 1 FROM {reg}", [name])
    old = con.execute(f"SELECT name FROM {reg} ORDER BY seq DESC OFFSET {FALLBACK_DAYS}").fetchall()
    for (stale,) in old:
        con.execute(f"DROP TABLE IF EXISTS {schema}{stale}")
        con.execute(f"DELETE FROM {reg} WHERE name = ?", [stale])
