"""Risk-class migration on the seed bank, counted by hand from tests/seed/loan_balances.csv.

November -> December 2025: L02 5.5 M, L06 3.0 M, L10 8.0 M stay normal (16.5 M now); L07
0.2 M and L11 1.0 M go normal -> special mention (1.2 M); L05 0.9 M normal -> substandard;
L08 0.1 M substandard -> doubtful.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from metrics.filters import Filters
from metrics.migration import risk_migration


def test_migration_from_last_month_end(seed_db: Path) -> None:
    from metrics.store import connect_reader

    con = connect_reader(seed_db)
    try:
        frame = risk_migration(con, Filters(dt.date(2025, 12, 1), dt.date(2025, 12, 31)))
        rows = [tuple(r) for r in frame.itertuples(index=False)]
        assert rows == [
            ("normal", "normal", 3, 16_500_000.0),
            ("normal", "special_mention", 2, 1_200_000.0),
            ("normal", "substandard", 1, 900_000.0),
            ("substandard", "doubtful", 1, 100_000.0),
        ]
        # Branch B02 only: L05 (C04) and L08 (C06) and L10 (C14).
        b02 = Filters(dt.date(2025, 12, 1), dt.date(2025, 12, 31), branches=("B02",))
        assert risk_migration(con, b02)["loans"].tolist() == [1, 1, 1]
        # November has no October snapshot before it: nothing to compare.
        nov = Filters(dt.date(2025, 11, 1), dt.date(2025, 11, 30))
        assert risk_migration(con, nov).empty
    finally:
        con.close()
