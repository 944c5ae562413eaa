"""Cross-sell whitespace: held product categories, peer shares per tier, next best category.

Spec: ../shared/spec/kpis.md, "Cross-sell whitespace". Peers are bank-wide (every active
customer of the tier with revenue rows in the window, whatever the filters), so a customer's
next best category does not change with the filters, like relationship types and RFM. The
categories considered are those some active customer holds. `whitespace` CLI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

import duckdb
import pandas as pd

from metrics.config import get_settings
from metrics.engine.sql import CUST_CTE, TIER_OK, run, sel_cte, settings_params
from metrics.filters import Filters
from metrics.watchlist import add_filter_args, open_for_cli

_ACTIVE = "{a}.onboard_date <= $on::DATE AND ({a}.churn_date IS NULL OR {a}.churn_date > $on::DATE)"

# CTEs ending in ws_customers (the selected active customers with held and next_best) and
# ws_share (tier, category, share, peers). Needs `cust` and `sel`.
WS_CTES = f"""ws_m0 AS (SELECT date_trunc('month', $on::DATE)::DATE AS m0),
ws_active AS (SELECT customer_id, tier FROM cust WHERE {_ACTIVE.format(a="cust")}),
ws_cat AS (
    SELECT r.customer_id, a.tier, r.product_category AS category, sum(r.revenue) AS rev
    FROM revenue r JOIN ws_active a ON a.customer_id = r.customer_id, ws_m0
    WHERE r.month > m0 - to_months($ws_months) AND r.month <= m0
    GROUP BY ALL
),
ws_held AS (SELECT customer_id, tier, category FROM ws_cat WHERE rev > 0),
ws_peers AS (SELECT tier, count(DISTINCT customer_id) AS peers FROM ws_cat GROUP BY tier),
ws_universe AS (SELECT DISTINCT category FROM ws_held),
ws_share AS (
    SELECT p.tier, u.category, p.peers, count(h.customer_id) AS holders,
           (count(h.customer_id) / p.peers)::DOUBLE AS share
    FROM ws_peers p CROSS JOIN ws_universe u
    LEFT JOIN ws_held h ON h.tier = p.tier AND h.category = u.category
    GROUP BY p.tier, u.category, p.peers
),
ws_sel AS (
    SELECT sel.customer_id, sel.customer_name, sel.branch_id, sel.tier, sel.relationship_manager
    FROM sel WHERE {_ACTIVE.format(a="sel")}
),
ws_next AS (
    SELECT s.customer_id, first(sh.category ORDER BY sh.share DESC, sh.category) AS next_best,
           first(sh.share ORDER BY sh.share DESC, sh.category) AS next_best_share
    FROM ws_sel s JOIN ws_share sh ON sh.tier = s.tier
    WHERE NOT EXISTS (SELECT 1 FROM ws_held h
                      WHERE h.customer_id = s.customer_id AND h.category = sh.category)
    GROUP BY s.customer_id
),
ws_customers AS (
    SELECT s.*, coalesce(h.held, []::VARCHAR[]) AS held, n.next_best, n.next_best_share
    FROM ws_sel s
    LEFT JOIN (SELECT customer_id, list(category ORDER BY category) AS held
               FROM ws_held GROUP BY customer_id) h ON h.customer_id = s.customer_id
    LEFT JOIN ws_next n ON n.customer_id = s.customer_id
)"""


def _sql(select: str) -> str:
    return "WITH " + ",\n".join((CUST_CTE, sel_cte(None), WS_CTES)) + "\n" + select


def _params(f: Filters, on: dt.date | None, **extra: Any) -> dict[str, Any]:
    months = get_settings().whitespace.months
    return {**settings_params(), **f.params(), "on": on or f.date_to, "ws_months": months, **extra}


def peer_shares(
    con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date | None = None
) -> pd.DataFrame:
    """Per tier (the filter's tiers) and category: peers, holders, share; by tier, category."""
    sql = _sql(
        "SELECT tier, category, peers, holders, share FROM ws_share "
        f"WHERE {TIER_OK.format(col='tier')} ORDER BY tier, category"
    )
    return run(con, sql, _params(f, on))


def customers(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    on: dt.date | None = None,
    next_best: str | None = None,
) -> pd.DataFrame:
    """The selected customers active on `on`: held categories (a list) and next best category.

    With `next_best`, only the customers whose next best category it is (a campaign list).
    next_best is None for a customer who holds every category (or whose tier has no peers).
    """
    sql = _sql(
        "SELECT customer_id, customer_name, branch_id, tier, relationship_manager, held, "
        "next_best, next_best_share FROM ws_customers "
        "WHERE $next_best::VARCHAR IS NULL OR next_best = $next_best::VARCHAR "
        "ORDER BY customer_id"
    )
    out = run(con, sql, _params(f, on, next_best=next_best))
    out["held"] = [list(x) for x in out["held"]]
    return out


def next_best_counts(
    con: duckdb.DuckDBPyConnection, f: Filters, on: dt.date | None = None
) -> pd.DataFrame:
    """Per category, how many selected customers have it as next best (most first)."""
    sql = _sql(
        "SELECT next_best AS category, count(*) AS customers FROM ws_customers "
        "WHERE next_best IS NOT NULL GROUP BY next_best ORDER BY customers DESC, category"
    )
    return run(con, sql, _params(f, on))


def _run_cli(args: argparse.Namespace) -> int:
    con, f = open_for_cli(args)
    try:
        shares = peer_shares(con, f)
        rows = customers(con, f)
    finally:
        con.close()
    peer: dict[str, dict[str, float]] = {}
    for rec in shares.to_dict("records"):
        peer.setdefault(str(rec["tier"]), {})[str(rec["category"])] = float(rec["share"])
    customers_out: list[dict[str, Any]] = [
        {
            "customer_id": str(rec["customer_id"]),
            "tier": str(rec["tier"]),
            "held": [str(c) for c in rec["held"]],
            "next_best": None if pd.isna(rec["next_best"]) else str(rec["next_best"]),
        }
        for rec in rows.to_dict("records")
    ]
    out = {"on": f.date_to.isoformat(), "peer_share": peer, "customers": customers_out}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`whitespace [--on D] [--branch ID]... [--tier T]... [--manager NAME]... [--db P]` -> JSON."""
    p = sub.add_parser("whitespace", help="Print cross-sell whitespace on a day as JSON.")
    add_filter_args(p)
    p.set_defaults(handler=_run_cli)
