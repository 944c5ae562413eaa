"""The cross-sell whitespace state of a day: every active customer's held categories and
next best category, and the peer shares per tier, as tables.

kpis.md, "Cross-sell whitespace": held = revenue > 0 over the 12 months ending with the
day's month, for customers active on the day; peers are bank-wide, so the state of a day
does not depend on the filters, which only pick rows of it (metrics.whitespace).

WS_CTES is the definition (one statement from the facts); the tables are that statement's
answer, saved:
- at publish (metrics.engine.rollups.build, same transaction) for the data's latest day,
  the day the page opens on: rollup_ws_customers, rollup_ws_share, rollup_ws_held (the
  distinct held lists by held_key), rollup_ws_meta (day and fingerprint); rebuilt when
  customers changed, a changed revenue month is in the day's window, or the day moved;
- for any other day, on first use, in the reader's private in-memory catalog, kept for
  that connection, which a new publish replaces (metrics.store.Reader): never stale.
The revenue of the window is grouped once per build (a temp table); the customers and
shares are read from it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

import duckdb

from metrics.config import get_settings
from metrics.engine import snapshot
from metrics.engine.sql import CUST_CTE, sel_cte, settings_params, tier_params, used_params

VERSION = 1
# Days kept per reader besides the published one; the next one clears them (bounded memory).
MAX_DAYS = 8
_LOCK = threading.Lock()

_ACTIVE = "{a}.onboard_date <= $on::DATE AND ({a}.churn_date IS NULL OR {a}.churn_date > $on::DATE)"

# Month bounds as expressions of $on, not of a CTE: the scan of revenue skips other months.
_M0 = "CAST(date_trunc('month', $on::DATE) AS DATE)"

# ws_cat: per active customer and category, the revenue of the window. Needs `cust`.
CAT_CTES = f"""ws_active AS (SELECT customer_id, tier FROM cust WHERE {_ACTIVE.format(a="cust")}),
ws_cat AS (  -- summed per customer and category first, then given the tier
    SELECT r.customer_id, a.tier, r.category, r.rev
    FROM (SELECT customer_id, product_category AS category, sum(revenue) AS rev
          FROM revenue
          WHERE month > {_M0} - to_months($ws_months) AND month <= {_M0}
          GROUP BY customer_id, product_category) r
    JOIN ws_active a ON a.customer_id = r.customer_id
)"""

# From ws_cat to ws_customers (the selected active customers with held and next_best) and
# ws_share (tier, category, share, peers). Needs `cust`, `sel` and `ws_cat`.
SHARE_CTES = f"""ws_held AS (SELECT customer_id, tier, category FROM ws_cat WHERE rev > 0),
ws_peers AS (SELECT tier, count(DISTINCT customer_id) AS peers FROM ws_cat GROUP BY tier),
ws_universe AS (SELECT DISTINCT category FROM ws_held),
ws_holders AS (SELECT tier, category, count(*) AS holders FROM ws_held GROUP BY ALL),
ws_share AS (
    SELECT p.tier, u.category, p.peers, coalesce(h.holders, 0) AS holders,
           (coalesce(h.holders, 0) / p.peers)::DOUBLE AS share
    FROM ws_peers p CROSS JOIN ws_universe u
    LEFT JOIN ws_holders h ON h.tier = p.tier AND h.category = u.category
),
ws_sel AS (
    SELECT sel.customer_id, sel.customer_name, sel.branch_id, sel.tier, sel.relationship_manager,
           sel.manager
    FROM sel WHERE {_ACTIVE.format(a="sel")}
),
ws_ranked AS (  -- per tier, its categories best first (share descending, then name)
    SELECT tier, list({{'category': category, 'share': share}} ORDER BY share DESC, category)
               AS ranked
    FROM ws_share GROUP BY tier
),
ws_held_list AS (
    SELECT customer_id, list(category ORDER BY category) AS held FROM ws_held GROUP BY customer_id
),
ws_sel_held AS (
    SELECT s.*, coalesce(h.held, []::VARCHAR[]) AS held
    FROM ws_sel s LEFT JOIN ws_held_list h ON h.customer_id = s.customer_id
),
ws_best AS (  -- per tier and held list (a few hundred, not one per customer): the first of
              -- the tier's categories not held; held_key numbers the distinct held lists
    SELECT c.tier, c.held, (dense_rank() OVER (ORDER BY c.held))::INTEGER AS held_key,
           list_filter(k.ranked, lambda x: NOT list_contains(c.held, x.category))[1] AS best
    FROM (SELECT DISTINCT tier, held FROM ws_sel_held) c
    LEFT JOIN ws_ranked k ON k.tier = c.tier
),
ws_customers AS (
    SELECT s.*, b.best.category AS next_best, b.best.share AS next_best_share, b.held_key
    FROM ws_sel_held s JOIN ws_best b ON b.tier = s.tier AND b.held = s.held
)"""

# The whole definition in one statement, from the facts (the answer the tables save).
WS_CTES = CAT_CTES + ",\n" + SHARE_CTES

CUSTOMER_COLUMNS = (
    "customer_id, customer_name, branch_id, tier, manager, relationship_manager, held, "
    "next_best, next_best_share"
)
SHARE_COLUMNS = "tier, category, peers, holders, share"

# The store's latest data date (metrics.views.data_bounds, the page's default day).
_LATEST_DAY_SQL = """SELECT max(d) FROM (
    SELECT as_of FROM {s}rollup_sources WHERE source <> 'leads'
    UNION ALL SELECT max(created_date) FROM leads
) t(d)"""


def fingerprint() -> str:
    """What the state depends on besides the facts: its layout, the tier rules, the window."""
    text = json.dumps(
        {"version": VERSION, "tiers": tier_params(), "months": get_settings().whitespace.months},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def params(on: dt.date | None, **extra: Any) -> dict[str, Any]:
    """Bound parameters of WS_CTES for the day `on` (the filters' come from Filters.params)."""
    return {**settings_params(), "on": on, "ws_months": get_settings().whitespace.months, **extra}


class State(NamedTuple):
    """The qualified names of a day's state: customers, share, and held (held_key -> held)."""

    customers: str
    share: str
    held: str


def _state(prefix: str, suffix: str = "") -> State:
    return State(*(f"{prefix}{name}{suffix}" for name in State._fields))


def _write(con: duckdb.DuckDBPyConnection, state: State, on: dt.date | None) -> None:
    """CREATE the tables of `state` for the day `on` from the facts on `con` (share last)."""
    p = params(on, branches=[], tiers=[], managers=[])
    cat = "_crm_ws_cat"

    def ex(sql: str) -> None:
        con.execute(sql, used_params(sql, p))

    ex(f"CREATE OR REPLACE TEMP TABLE {cat} AS WITH {CUST_CTE}, {CAT_CTES} SELECT * FROM ws_cat")
    head = f"WITH {CUST_CTE}, {sel_cte(None)}, ws_cat AS (SELECT * FROM temp.main.{cat}), "
    ex(
        f"CREATE OR REPLACE TABLE {state.customers} AS {head}{SHARE_CTES}\n"
        # held_key (ws_best) numbers the distinct held lists (a few hundred): a reader fetches
        # integers and turns them into lists once per distinct list, not once per row.
        f"SELECT {CUSTOMER_COLUMNS}, held_key FROM ws_customers ORDER BY customer_id"
    )
    ex(
        f"CREATE OR REPLACE TABLE {state.held} AS "
        f"SELECT DISTINCT held_key, held FROM {state.customers} ORDER BY held_key"
    )
    ex(
        f"CREATE OR REPLACE TABLE {state.share} AS {head}{SHARE_CTES}\n"
        f"SELECT {SHARE_COLUMNS} FROM ws_share ORDER BY tier, category"
    )
    con.execute(f"DROP TABLE temp.main.{cat}")


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """Through the catalog, not by catching an error (which would abort a transaction)."""
    db = schema.split(".")[0] if schema else None
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main' "
        "AND database_name = coalesce(?, current_database())",
        [name, db],
    ).fetchone()
    return bool(row and row[0])


def _saved_day(con: duckdb.DuckDBPyConnection, schema: str) -> tuple[dt.date | None, str] | None:
    """The day and fingerprint of the published state in `schema`, None when there is none."""
    if not _has_table(con, schema, "rollup_ws_meta"):
        return None
    row = con.execute(f"SELECT day, fingerprint FROM {schema}rollup_ws_meta").fetchone()
    return (row[0], str(row[1])) if row else None


def build(
    con: duckdb.DuckDBPyConnection,
    schema: str = "",
    changed: set[str] | None = None,
    months: list[dt.date] | None = None,
) -> None:
    """(Re)build the published state of the latest day, inside the publishing transaction.

    Needs {schema}rollup_sources of this build. changed: the tables the load wrote (None:
    all); months: the revenue months it changed, when known. The state of a day reads the
    customers and the revenue of its window only, so it is kept when the latest day and the
    fingerprint are those saved, customers did not change and no changed revenue month is
    in the window (a load of older months, or of other tables, costs nothing here).
    """
    row = con.execute(_LATEST_DAY_SQL.format(s=schema)).fetchone()
    day = row[0] if row else None
    if changed is not None and _saved_day(con, schema) == (day, fingerprint()):
        revenue = "revenue" in changed and (
            months is None or any(_in_window(m, day) for m in months)
        )
        if "customers" not in changed and not revenue:
            return
    _write(con, _state(f"{schema}rollup_ws_"), day)
    con.execute(f"CREATE OR REPLACE TABLE {schema}rollup_ws_meta (day DATE, fingerprint VARCHAR)")
    con.execute(f"INSERT INTO {schema}rollup_ws_meta VALUES (?, ?)", [day, fingerprint()])


def _in_window(month: dt.date, day: dt.date | None) -> bool:
    """Whether revenue `month` is one of the window's months of `day` (_M0 in Python)."""
    if day is None:
        return False
    index = (day.year - month.year) * 12 + day.month - month.month  # months before day's
    return 0 <= index < get_settings().whitespace.months


def _private_schema(con: duckdb.DuckDBPyConnection) -> str:
    """The reader's private in-memory catalog when there is one, else the temp schema
    (where metrics.engine.rollups.location builds its private rollups too)."""
    return snapshot.remembered(con, "whitespace_state.private", lambda: _find_private(con))


def _find_private(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "SELECT current_database() <> 'memory' "
        "AND 'memory' IN (SELECT database_name FROM duckdb_databases())"
    ).fetchall()
    return "memory.main." if row and row[0][0] else "temp.main."


@contextlib.contextmanager
def tables(con: duckdb.DuckDBPyConnection, on: dt.date) -> Iterator[State]:
    """The tables of the day `on`, for the duration of the block.

    The published ones when they are that day's; else this reader's private copy, built on
    first use. Private copies are read under a lock: a build of another day may clear them.
    """
    fp = fingerprint()
    private = _private_schema(con)
    published = snapshot.remembered(con, "whitespace_state.saved", lambda: _saved_day(con, ""))
    if published == (on, fp):
        yield _state("rollup_ws_")
        return
    if _saved_day(con, private) == (on, fp):  # the private rollups' (an older store)
        yield _state(f"{private}rollup_ws_")
        return
    state = _state(f"{private}ws_", f"_{on:%Y%m%d}_{fp}")
    with _LOCK:
        if not _has_table(con, private, state.share.removeprefix(private)):
            _clear_if_full(con, private)
            _write(con, state, on)
        yield state


def _clear_if_full(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Drop every private day once MAX_DAYS are kept (called under the lock)."""
    db = schema.split(".")[0]
    names = [
        str(r[0])
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = "
            "'main' AND regexp_matches(table_name, '^ws_(customers|share|held)_')",
            [db],
        ).fetchall()
    ]
    if len(names) >= len(State._fields) * MAX_DAYS:
        for name in names:
            con.execute(f"DROP TABLE IF EXISTS {schema}{name}")
