"""Rollups at publish: a streamed rebuild builds them once, from the whole bank.

The demo bank loads chunk by chunk into a private copy (metrics.store.rebuild); each
chunk's load writes the copy in place and the rollups are built once, before the rename,
so the published store answers from rollups of every row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.demo import build_demo
from metrics.engine import rollups
from metrics.store import connect_reader


def test_a_streamed_rebuild_builds_the_rollups_once_from_every_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metrics.demo import build as demo_build

    # 250 customers in chunks of 100: three loads (chunks of 100, 100 and 50 customers).
    monkeypatch.setattr(demo_build, "CHUNK_CUSTOMERS", 100)
    builds: list[object] = []
    real_build = rollups.build

    def counting_build(con: object, *args: object, **kwargs: object) -> None:
        builds.append(kwargs.get("changed"))
        real_build(con, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rollups, "build", counting_build)
    db = tmp_path / "bank.duckdb"
    build_demo(db, seed=5, customers=250)
    assert builds == [None]  # one full build, not one per chunk

    con = connect_reader(db)
    try:
        assert rollups.location(con) == ""  # the store's own rollups are valid
        facts, rolled = con.execute(
            "SELECT (SELECT sum(revenue) FROM revenue), (SELECT sum(revenue12) FROM rollup_revenue)"
        ).fetchone() or (None, None)
        # every chunk's revenue is in the rollup: the same total, to the cent
        assert facts is not None and rolled == facts
        # every customer with revenue, of every chunk, has its trailing-12 state
        in_state, with_revenue = con.execute(
            "SELECT (SELECT count(DISTINCT customer_id) FROM rollup_revenue_segments), "
            "(SELECT count(DISTINCT customer_id) FROM revenue)"
        ).fetchone() or (None, None)
        assert with_revenue is not None and with_revenue > 200 and in_state == with_revenue
    finally:
        con.close()
