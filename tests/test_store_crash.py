"""Crash leftovers and a full disk (issue 9, row 14-15): the store stays whole, nothing is hidden.

Real processes killed with SIGKILL and a real small filesystem (a tmpfs mounted for
the test; the suite runs as root), no mocks.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics import load as loader
from metrics import store
from tests.extracts import history_rows, seed, snapshot, write_csv

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CRM_DB"}
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def revenue_csv(path: Path, n: int) -> Path:
    """n revenue rows for C001, one product category each (keys unique)."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["month", "customer_id", "product_category", "revenue"])
        w.writerows(["2024-01", "C001", f"cat{i}", "100.50"] for i in range(n))
    return path


def temps(directory: Path) -> list[Path]:
    return sorted(
        p for p in directory.iterdir() if p.name.startswith(".s.duckdb.") and ".tmp" in p.name
    )


def test_kill_9_leaves_a_temp_copy_that_the_next_load_removes(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    seed(db, tmp_path)
    before = snapshot(db)
    big = revenue_csv(tmp_path / "revenue.csv", 300_000)
    env = {k: v for k, v in os.environ.items() if k != "CRM_DB"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "metrics", "load", "revenue", str(big), "--db", str(db)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not temps(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = temps(tmp_path)
    assert left, "the writer was killed before its copy existed"
    assert snapshot(db) == before  # the store itself is whole
    b3 = write_csv(tmp_path / "b.csv", ["branch_id", "branch_name"], [["B03", "West"]])
    out = cli("load", "branches", str(b3), "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert temps(tmp_path) == []
    assert [r[0] for r in snapshot(db)["branches"]] == ["B01", "B02", "B03"]


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 MB tmpfs mounted for this test only."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill the disk with one file until `leave` bytes are free."""
    filler = disk / "filler.bin"
    free = shutil.disk_usage(disk).free - leave
    with open(filler, "wb") as fh:
        chunk = b"\0" * (1 << 20)
        while free > 0:
            fh.write(chunk[: min(free, len(chunk))])
            free -= len(chunk)
    return filler


def test_full_disk_is_refused_before_the_copy_and_recorded(
    small_disk: Path, tmp_path: Path
) -> None:
    db = small_disk / "s.duckdb"
    seed(db, tmp_path)
    before = snapshot(db)
    n_hist = len(history_rows(db))
    filler = fill(small_disk, 4 << 20)  # 4 MB free: less than the store + 32 MB headroom
    b3 = write_csv(tmp_path / "b.csv", ["branch_id", "branch_name"], [["B03", "West"]])
    out = cli("load", "branches", str(b3), "--db", str(db))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "not enough free disk space to write the store" in out.stderr
    assert "Nothing was changed" in out.stderr
    assert snapshot(db) == before
    assert [p.name for p in small_disk.iterdir() if ".tmp" in p.name] == []
    # The refusal is in the history at once (kept beside the store) ...
    shown = cli("history", "--db", str(db))
    assert shown.returncode == 0 and "not enough free disk space" in shown.stdout
    # ... and moves into load_history with the next write, keeping its load id 4.
    filler.unlink()
    assert cli("load", "branches", str(b3), "--db", str(db)).returncode == 0
    rows = history_rows(db)
    assert len(rows) == n_hist + 2
    assert rows[-2][:3] == (4, "branches", "b.csv") and rows[-2][6] == "refused"
    assert rows[-1][0] == 5 and rows[-1][6] == "loaded"


def test_disk_full_during_the_write_is_a_message_and_a_history_row(
    small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = small_disk / "s.duckdb"
    seed(db, tmp_path)
    before = snapshot(db)
    # No headroom asked: the copy fits, the 200,000 rows written into it do not.
    monkeypatch.setattr(store, "FREE_MARGIN_MIN", 0)
    monkeypatch.setattr(store, "FREE_MARGIN_SHARE", 0.0)
    fill(small_disk, db.stat().st_size + (256 << 10))
    rep = loader.load_file(db, "revenue", revenue_csv(tmp_path / "revenue.csv", 200_000))
    assert not rep.ok
    assert "could not be written" in rep.message and "nothing was changed" in rep.message
    assert snapshot(db) == before
    assert [p.name for p in small_disk.iterdir() if ".tmp" in p.name] == []
    con = store.connect_reader(db)
    try:
        frame = loader.history(con, db)
    finally:
        con.close()
    assert frame.iloc[0]["outcome"] == "refused" and frame.iloc[0]["table_name"] == "revenue"
    assert "could not be written" in frame.iloc[0]["message"]
