"""Risk-class migration: how loans moved between risk classes from one month end to the next.

For the board brief: the loans of the selected customers in both the snapshot of the
month of f.date_to and the one a month earlier, counted (and their balance now) by
(class before, class now).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from metrics.contract import RISK_CLASSES
from metrics.filters import Filters
from metrics.views import SELECTED_CUSTOMERS, _df, _params


def risk_migration(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Columns risk_before, risk_now, loans, balance (now); one row per pair that occurs,
    in the contract's order of risk classes (normal first)."""
    sql = f"""
        WITH {SELECTED_CUSTOMERS},
        snap AS (
            SELECT b.loan_id, b.as_of_month, b.risk_class, b.outstanding_balance
            FROM loan_balances b JOIN loans l USING (loan_id) JOIN sel USING (customer_id)
        )
        SELECT a.risk_class AS risk_before, b.risk_class AS risk_now,
               count(*) AS loans, CAST(sum(b.outstanding_balance) AS DOUBLE) AS balance
        FROM snap b JOIN snap a
          ON a.loan_id = b.loan_id
         AND a.as_of_month = date_trunc('month', CAST($date_to AS DATE)) - INTERVAL 1 MONTH
        WHERE b.as_of_month = date_trunc('month', CAST($date_to AS DATE))
        GROUP BY a.risk_class, b.risk_class
        ORDER BY list_position($classes, a.risk_class), list_position($classes, b.risk_class)
    """
    return _df(con, sql, _params(f, classes=list(RISK_CLASSES)))
