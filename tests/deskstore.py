"""The desk bank: tests/seed_desk/*.csv, a handful of customers built so that each watchlist
flag holds for one customer and just fails for another, on the day 2026-03-31.

Managers: 刘洋 (D1: K01 K02 K08 K13), 周静 (D1: K03 K06 K10, and K14 who churned
2026-03-15), 孙强 (D2: K04 K05 K07 K09 K11 K15) and K12 (D2) with none -> "(unassigned)".
Tiers are stored: A K01 K07 K11 K13; B K02 K03 K04 K06 K08 K09 K12 K14; C K05 K10 K15.
Snapshots 2026-02 and 2026-03 (the latest on or before the day) and one 2026-04 row (after
the day, ignored). The hand-worked arithmetic is in tests/test_desk.py.
"""

from __future__ import annotations

from pathlib import Path

DESK_DIR = Path(__file__).resolve().parent / "seed_desk"


def build_desk_store(path: Path) -> Path:
    """Load every desk CSV into a new store at `path` through the real loader; return `path`."""
    from tests.seedstore import build_seed_store

    return build_seed_store(path, DESK_DIR)
