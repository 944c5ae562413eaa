"""The sources a measure can aggregate: one fact table each, how a period selects its rows.

kind:
- event: rows with a `day`; a period takes the days in [date_from, date_to];
- customers: the customer dimension itself, once per period (state on its dates);
- snapshot: the latest month-end snapshot on or before date_to;
- months12: revenue rows of the 12 months ending with date_to's month;
- customers12: one row per customer with revenue rows in those 12 months (x.cats: the
  categories whose 12-month sum is positive), read from the revenue segments state
  (metrics.engine.revenue_state), one row per customer and anchor month.
keyed: "customer" rows belong to a customer (branch, tier and manager filters, every
breakdown); "branch" rows only have a branch (branch filter and breakdown only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["event", "customers", "snapshot", "months12", "customers12"]


@dataclass(frozen=True)
class Source:
    id: str
    table: str  # the contract table it reads: its as_of and start date
    kind: Kind
    keyed: Literal["customer", "branch"]
    relation: str  # SQL for its rows `x` (events: with a `day` column); {s}: rollup schema
    slim: bool = False  # its rows are a slim copy of the facts built at publish (SLIM_SQL)

    @property
    def rollup(self) -> str:
        return f"rollup_{self.id}"

    def rows(self, schema: str) -> str:
        """The relation, reading rollup tables of `schema` where it names them."""
        return self.relation.replace("{s}", schema)

    @property
    def has_rollup(self) -> bool:
        """A rollup of per-day sums: every source but the customer dimension and the slim
        copies (events per day, snapshots per month, revenue per month, revenue customers
        per anchor month from the segments state)."""
        return self.kind != "customers" and not self.slim

    @property
    def rollup_key(self) -> tuple[str, str]:
        """(SQL of the rollup's date key over `x`, its column name)."""
        return {
            "event": ("x.day", "day"),
            "snapshot": ("x.as_of_month", "as_of_month"),
            "months12": ("x.month", "month"),
            "customers12": ("x.month", "month"),
        }[self.kind]

    @property
    def reads(self) -> tuple[str, ...]:
        """The contract tables its rollup is built from (customers via the dimension)."""
        extra = ("loans",) if self.kind == "snapshot" else ()
        dim = ("customers",) if self.keyed == "customer" else ()
        return (self.table, *extra, *dim)

    def supports(self, by: str | None) -> bool:
        """Whether a breakdown by `by` splits this source (branch-keyed: branch only)."""
        return by in (None, "month") or self.keyed == "customer" or by == "branch"


_RENEWED = "(SELECT DISTINCT renewed_from AS loan_id FROM loans WHERE renewed_from IS NOT NULL)"

# One row per customer and anchor month whose 12 months ending with it hold a revenue row.
_REVENUE_CUSTOMERS = (
    "(SELECT g.customer_id, a.month, g.cats FROM {s}rollup_revenue_segments g "
    "JOIN (SELECT unnest(generate_series(min(month_from), max(month_to), INTERVAL 1 MONTH))"
    "::DATE AS month FROM {s}rollup_revenue_segments) a "
    "ON a.month BETWEEN g.month_from AND g.month_to)"
)

SOURCES: dict[str, Source] = {
    s.id: s
    for s in (
        Source("surveys", "surveys", "event", "customer",
               "(SELECT s.*, s.survey_date AS day FROM surveys s)"),
        Source("requests", "service_requests", "event", "customer",
               "(SELECT r.*, CAST(r.opened_at AS DATE) AS day FROM service_requests r)"),
        Source("complaints", "service_requests", "event", "customer",
               "(SELECT x.* FROM {s}rollup_complaints x)", slim=True),
        Source("disbursed", "loans", "event", "customer",
               "(SELECT l.*, l.disbursed_date AS day FROM loans l)"),
        Source("borrowing", "loans", "event", "customer",
               "(SELECT x.* FROM {s}rollup_borrowing x)", slim=True),
        Source("maturing", "loans", "event", "customer",
               "(SELECT l.*, l.maturity_date AS day, n.loan_id IS NOT NULL AS renewed "
               f"FROM loans l LEFT JOIN {_RENEWED} n ON n.loan_id = l.loan_id)"),
        Source("leads", "leads", "event", "branch",
               "(SELECT l.*, l.created_date AS day FROM leads l)"),
        Source("spend", "marketing_spend", "event", "branch",
               "(SELECT m.*, m.month AS day FROM marketing_spend m)"),
        Source("customers", "customers", "customers", "customer", ""),
        Source("customers_any_tier", "customers", "customers", "branch", ""),
        Source("balances", "loan_balances", "snapshot", "customer",
               "(SELECT b.*, l.customer_id FROM loan_balances b "
               "JOIN loans l ON l.loan_id = b.loan_id)"),
        Source("revenue", "revenue", "months12", "customer", "(SELECT r.* FROM revenue r)"),
        Source("revenue_customers", "revenue", "customers12", "customer", _REVENUE_CUSTOMERS),
    )
}  # fmt: skip

# The slim sources' rows, built at publish and sorted by day, for the measures that are not
# sums (medians, distinct counts) and so read rows, not per-day sums:
# - borrowing: each loan's customer and day with that customer's previous loan day. A
#   customer borrowed in [a, b] exactly when one of its rows has a <= day <= b and no
#   previous loan day before a (NULL or >= a means not its first row in the window), so
#   distinct borrowers are a count, never a DISTINCT over overlapping periods;
# - complaints: each resolved complaint's customer, day opened and hours to resolve.
# Each row carries its customer's branch, tier and manager (rollup_customers), so the
# filters and breakdowns need no join.
SLIM_SQL: dict[str, str] = {
    "borrowing": """SELECT x.customer_id, x.disbursed_date AS day,
       lag(x.disbursed_date) OVER (PARTITION BY x.customer_id ORDER BY x.disbursed_date)
           AS prev_day,
       c.branch_id, c.tier, c.manager, c.first_disbursed
FROM loans x JOIN {s}rollup_customers c ON c.customer_id = x.customer_id
ORDER BY day, customer_id""",
    "complaints": """SELECT x.customer_id, CAST(x.opened_at AS DATE) AS day,
       epoch(x.resolved_at - x.opened_at) / 3600.0 AS hours, c.branch_id, c.tier, c.manager
FROM service_requests x JOIN {s}rollup_customers c ON c.customer_id = x.customer_id
WHERE x.category = 'complaint' AND x.resolved_at IS NOT NULL
ORDER BY day, customer_id""",
}


# Each contract table's start and as-of date (kpis.md, "As-of date of a source").
SOURCE_DATES_SQL = """
SELECT 'customers' AS source, min(onboard_date) AS start,
       max(greatest(onboard_date, coalesce(churn_date, onboard_date))) AS as_of FROM customers
UNION ALL SELECT 'surveys', min(survey_date), max(survey_date) FROM surveys
UNION ALL SELECT 'service_requests', min(CAST(opened_at AS DATE)), max(CAST(opened_at AS DATE))
    FROM service_requests
UNION ALL SELECT 'loans', min(disbursed_date), max(disbursed_date) FROM loans
UNION ALL SELECT 'leads',
    min(least(created_date, contacted_date, applied_date, approved_date, disbursed_date,
              lost_date)),
    max(greatest(created_date, contacted_date, applied_date, approved_date, disbursed_date,
                 lost_date)) FROM leads
UNION ALL SELECT 'revenue', min(month), max(last_day(month)) FROM revenue
UNION ALL SELECT 'marketing_spend', min(month), max(last_day(month)) FROM marketing_spend
UNION ALL SELECT 'loan_balances', min(as_of_month), max(last_day(as_of_month))
    FROM loan_balances
"""
