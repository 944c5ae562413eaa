"""metrics.engine.snapshot: what a reader connection's file holds is read once, and a load
(a new file, so a new connection) is seen at once.

Seed surveys (tests/seed/surveys.csv): S07 on 2024-12-31 is the earliest, S06 on
2025-12-31 the latest, so the surveys source starts 2024-12-31 and is as of 2025-12-31.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from metrics import kpis
from metrics.engine import rollups, snapshot
from metrics.engine.query import SourceDates, source_dates
from metrics.filters import Filters
from metrics.load import load_batch, read_extract
from metrics.store import Reader

SEED_SURVEYS = SourceDates(dt.date(2024, 12, 31), dt.date(2025, 12, 31))


def _never() -> object:
    raise AssertionError("computed again: the memo was not used")


def test_cursors_of_one_reader_connection_share_what_was_read(seed_db: Path) -> None:
    reader = Reader(seed_db)
    first, version = reader.cursor()
    assert source_dates(first)["surveys"] == SEED_SURVEYS
    assert rollups.location(first) == ""  # the seed store's own rollups
    second, same = reader.cursor()
    assert same == version
    # The second cursor answers from the first one's reading, without the catalog.
    assert snapshot.remembered(second, ("source_dates", ""), _never)["surveys"] == SEED_SURVEYS
    assert snapshot.remembered(second, "rollups.location", _never) == ""
    first.close()
    second.close()


def test_a_load_is_seen_by_the_next_cursor(seed_db: Path) -> None:
    reader = Reader(seed_db)
    cur, _ = reader.cursor()
    assert source_dates(cur)["surveys"] == SEED_SURVEYS
    # Seed csat in 2025: S01..S06 are in 2025 (S07 is 2024-12-31), scores 5, 4, 3, 2, 5, 4:
    # 4 of 6 are >= 4.
    year = Filters(dt.date(2025, 1, 1), dt.date(2026, 12, 31))
    assert kpis.compute(cur, year, ["csat_rate"])["csat_rate"] == 4 / 6
    cur.close()
    csv = (
        b"response_id,customer_id,survey_date,touchpoint,channel,overall_score\n"
        b"S08,C01,2026-02-14,annual_review,visit,1\n"
    )
    load_batch(seed_db, [("surveys", read_extract(csv, "s.csv"), None)], "append")
    after, _ = reader.cursor()
    # The new file's dates and values, not the memo of the old connection: as of
    # 2026-02-14 now, and 4 satisfied of 7 in 2025-2026 (S08 scores 1).
    moved = SourceDates(dt.date(2024, 12, 31), dt.date(2026, 2, 14))
    assert source_dates(after)["surveys"] == moved
    assert kpis.compute(after, year, ["csat_rate"])["csat_rate"] == 4 / 7
    after.close()


def test_a_connection_that_can_change_is_never_remembered(seed_db: Path) -> None:
    con = duckdb.connect(str(seed_db))  # read-write: what it reads can change under it
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return len(calls)

    assert snapshot.remembered(con, "k", count) == 1
    assert snapshot.remembered(con, "k", count) == 2
    con.close()
