"""The seed bank plus two events, loaded through the loader (tests/seed/*.csv stay as they are).

E1 2025-05-01 bank-wide, E2 2025-01-01 branch B01 (tests/test_impact.py works them out).
"""

from __future__ import annotations

from pathlib import Path

from tests.seedstore import build_seed_store

EVENTS_CSV = (
    "event_id,event_date,title,branch_id,description\n"
    "E1,2025-05-01,全行服务提升,,\n"
    "E2,2025-01-01,北京试点,B01,客户经理团队\n"
)


def build_seed_with_events(path: Path) -> Path:
    """The seed store at `path` with E1 and E2 appended to its events; returns `path`."""
    from metrics.load import load_file

    build_seed_store(path)
    events = path.parent / "events.csv"
    events.write_text(EVENTS_CSV, encoding="utf-8")
    report = load_file(path, "events", events, mode="append")
    if not report.ok:
        raise RuntimeError(report.render_text())
    return path
