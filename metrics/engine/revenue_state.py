"""The trailing-12 revenue state: for each customer, the anchor months it is a revenue
customer in and how many categories it holds there, as a few segments per customer.

kpis.md: for a period ending in anchor month a, a customer counts for avg_annual_revenue
and cross_sell_rate when it has a revenue row in the 12 months a-11 .. a, and is
cross-sold when 2 or more product categories sum to more than 0 over those months. Both
depend on the anchor month only (never on the day), so a state per month is exact.

Built at publish (metrics.engine.rollups), from the revenue rows with customers and
categories dictionary-encoded as integers and months as integers (year x 12 + month - 1):
- a (customer, category) pair whose rows are consecutive months, all positive, is present
  and positive exactly on the anchors [first, last + 11]: two events, no window;
- every other pair (a gap of a month or more, or a row <= 0) gets change points: +v at
  its row's month m, -v at m + 12; the running sum at each change point is that anchor's
  exact 12-month sum (DECIMAL, no rounding), and so is the running count of rows;
- per customer, the +1/-1 events of "present" and "positive" summed in anchor order give
  the segments [month_from, month_to] where it is a revenue customer, with `cats`.
rollup_revenue_segments(customer_id, month_from, month_to, cats): a few rows a customer
(about 300,000 for 200,000 customers over five years), where the raw query for one
period grouped 3.5 million revenue rows into 1.2 million (customer, category) sums.

Incremental: rollup_revenue_months keeps each month's row count and a hash sum of its
rows. A load that changes months lo .. hi changes the state of the anchors lo .. hi + 11
only, and those depend only on the rows of lo - 11 .. hi + 11: `update` recomputes the
segments from those rows, clipped to those anchors, and keeps the rest.
"""

from __future__ import annotations

import datetime as dt

import duckdb

FINGERPRINTS_SQL = """SELECT month, count(*) AS n,
       sum(hash(customer_id, product_category, revenue))::HUGEINT AS fp
FROM revenue GROUP BY month"""


def _month(expr: str) -> str:
    """SQL: the first day of month index `expr` (year x 12 + month - 1)."""
    return f"make_date(({expr}) // 12, ({expr}) % 12 + 1, 1)"


def segments_sql(schema: str) -> str:
    """CREATE the segments table in `schema` from every revenue row."""
    return f"CREATE OR REPLACE TABLE {schema}rollup_revenue_segments AS {_segments_select()}"


def _segments_select(where: str = "TRUE") -> str:
    """The segments of the revenue rows `x` that satisfy `where`, exact for every anchor
    whose 12 months hold only such rows."""
    return f"""WITH cdict AS (
    SELECT customer_id, (row_number() OVER ())::INTEGER AS ck
    FROM (SELECT DISTINCT customer_id FROM revenue x WHERE {where})
),
kdict AS (
    SELECT product_category, (row_number() OVER ())::INTEGER AS kk
    FROM (SELECT DISTINCT product_category FROM revenue x WHERE {where})
),
r AS (
    SELECT c.ck, k.kk, (year(x.month) * 12 + month(x.month) - 1)::INTEGER AS m, x.revenue AS v
    FROM revenue x
    JOIN cdict c ON c.customer_id = x.customer_id
    JOIN kdict k ON k.product_category = x.product_category
    WHERE {where}
),
pairs AS (
    SELECT ck, kk, min(m) AS lo, max(m) AS hi,
           count(*) = max(m) - min(m) + 1 AND min(v) > 0 AS regular
    FROM r GROUP BY ck, kk
),
regular_events AS (
    SELECT ck, lo AS t, 1 AS d_pos, 1 AS d_present FROM pairs WHERE regular
    UNION ALL
    SELECT ck, hi + 12, -1, -1 FROM pairs WHERE regular
),
irregular AS (
    SELECT r.* FROM r
    SEMI JOIN (SELECT ck, kk FROM pairs WHERE NOT regular) p ON p.ck = r.ck AND p.kk = r.kk
),
deltas AS (
    SELECT ck, kk, m AS t, v AS dv, 1 AS dn FROM irregular
    UNION ALL
    SELECT ck, kk, m + 12, -v, -1 FROM irregular
),
running AS (
    SELECT DISTINCT ck, kk, t, (sum(dv) OVER w > 0)::INTEGER AS pos,
           (sum(dn) OVER w > 0)::INTEGER AS present
    FROM deltas
    WINDOW w AS (PARTITION BY ck, kk ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
irregular_events AS (
    SELECT ck, t, pos - coalesce(lag(pos) OVER w, 0) AS d_pos,
           present - coalesce(lag(present) OVER w, 0) AS d_present
    FROM running
    WINDOW w AS (PARTITION BY ck, kk ORDER BY t)
),
events AS (
    SELECT ck, t, sum(d_pos) AS d_pos, sum(d_present) AS d_present
    FROM (SELECT * FROM regular_events
          UNION ALL
          SELECT * FROM irregular_events WHERE d_pos <> 0 OR d_present <> 0)
    GROUP BY ck, t
),
state AS (
    SELECT ck, t, sum(d_pos) OVER w AS cats, sum(d_present) OVER w AS present,
           lead(t) OVER w AS t_next
    FROM events
    WINDOW w AS (PARTITION BY ck ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT c.customer_id, {_month("s.t")} AS month_from, {_month("s.t_next - 1")} AS month_to,
       s.cats::INTEGER AS cats
FROM state s JOIN cdict c ON c.ck = s.ck
WHERE s.present > 0
ORDER BY month_from, c.customer_id"""


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# This build's fingerprints, computed once (a scan of every revenue row): compared with the
# last build's, then saved in their place.
_NEW_MONTHS = "temp.main._crm_revenue_months"


def fingerprint_months(con: duckdb.DuckDBPyConnection) -> None:
    """Compute the per-month fingerprints of the revenue rows now, for the two below."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _crm_revenue_months AS {FINGERPRINTS_SQL}")


def save_fingerprints(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Keep fingerprint_months' fingerprints for the next incremental update to compare."""
    con.execute(f"CREATE OR REPLACE TABLE {schema}rollup_revenue_months AS FROM {_NEW_MONTHS}")
    con.execute(f"DROP TABLE {_NEW_MONTHS}")


def changed_months(con: duckdb.DuckDBPyConnection, schema: str) -> list[dt.date]:
    """Revenue months whose rows differ from the last build's (added, removed or changed);
    after fingerprint_months."""
    rows = con.execute(
        f"""SELECT coalesce(n.month, o.month) FROM {_NEW_MONTHS} n
FULL OUTER JOIN {schema}rollup_revenue_months o ON o.month = n.month
WHERE n.n IS DISTINCT FROM o.n OR n.fp IS DISTINCT FROM o.fp
ORDER BY 1"""
    ).fetchall()
    return [r[0] for r in rows]


def update(con: duckdb.DuckDBPyConnection, schema: str, months: list[dt.date]) -> None:
    """Recompute the segments of the anchors `months` change, keep every other anchor's."""
    if not months:
        return
    a_lo, a_hi = months[0], _add_months(months[-1], 11)
    params = {
        "a_lo": a_lo,
        "a_hi": a_hi,
        "before": _add_months(a_lo, -1),
        "after": _add_months(a_hi, 1),
        "rows_lo": _add_months(a_lo, -11),
        "rows_hi": a_hi,
    }
    seg = f"{schema}rollup_revenue_segments"
    fresh = _segments_select("x.month BETWEEN $rows_lo AND $rows_hi")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _crm_segments_update AS
SELECT customer_id, month_from, least(month_to, $before) AS month_to, cats FROM {seg}
WHERE month_from < $a_lo AND month_to >= $a_lo
UNION ALL
SELECT customer_id, greatest(month_from, $after), month_to, cats FROM {seg}
WHERE month_to > $a_hi AND month_from <= $a_hi
UNION ALL
SELECT customer_id, greatest(month_from, $a_lo), least(month_to, $a_hi), cats
FROM ({fresh}) f WHERE month_to >= $a_lo AND month_from <= $a_hi""",
        params,
    )
    con.execute(
        f"DELETE FROM {seg} WHERE month_to >= $a_lo AND month_from <= $a_hi",
        {"a_lo": a_lo, "a_hi": a_hi},
    )
    con.execute(f"INSERT INTO {seg} SELECT * FROM _crm_segments_update")
    con.execute("DROP TABLE _crm_segments_update")


def revenue_customers_sql(table: str, measures: dict[str, str], schema: str) -> str:
    """CREATE the anchor-month rollup of `measures` (id -> SQL aggregate over rows `x` of a
    customer and anchor month, e.g. count(*) FILTER (WHERE x.cats >= 2)) per branch, tier
    and manager, from the segments: each segment adds its rows from month_from and takes
    them away after month_to; a running sum per group over every month gives each anchor.
    """
    s = schema
    dims = "c.branch_id, c.tier, c.manager"
    seg = (
        f"FROM {s}rollup_revenue_segments x "
        f"JOIN {s}rollup_customers c ON c.customer_id = x.customer_id GROUP BY ALL"
    )
    plus = ", ".join(f"{e} AS {m}" for m, e in measures.items())
    minus = ", ".join(f"-({e}) AS {m}" for m, e in measures.items())
    net = ", ".join(f"sum({m}) AS {m}" for m in measures)
    running = ", ".join(f"CAST(sum(coalesce(n.{m}, 0)) OVER w AS BIGINT) AS {m}" for m in measures)
    nonzero = " OR ".join(f"{m} <> 0" for m in measures)
    return f"""CREATE OR REPLACE TABLE {s}{table} AS
WITH events AS (
    SELECT x.month_from AS month, {dims}, {plus} {seg}
    UNION ALL
    SELECT CAST(x.month_to + INTERVAL 1 MONTH AS DATE), {dims}, {minus} {seg}
),
net AS (SELECT month, branch_id, tier, manager, {net} FROM events GROUP BY ALL),
months AS (
    SELECT unnest(generate_series(min(month), max(month), INTERVAL 1 MONTH))::DATE AS month
    FROM net
),
grid AS (SELECT * FROM months CROSS JOIN (SELECT DISTINCT branch_id, tier, manager FROM net)),
running AS (
    SELECT g.month, g.branch_id, g.tier, g.manager, {running}
    FROM grid g LEFT JOIN net n USING (month, branch_id, tier, manager)
    WINDOW w AS (PARTITION BY g.branch_id, g.tier, g.manager ORDER BY g.month)
)
SELECT * FROM running WHERE {nonzero} ORDER BY 1, 2, 3, 4"""
