"""Reading while writing, for real: threads and a separate process against one DuckDB file.

The design (metrics/store.py): a writer copies the store, writes the copy in one
transaction and atomically renames it over the store; readers open the file
read-only and follow `data_version`. So a reader sees the store before a load or
after it, never half of one, and a second writer waits for the first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from metrics import load as loader
from metrics.load.parse import read_extract
from metrics.store import Reader
from tests.conftest import REPO_ROOT

# Big revenue file: customers C01..C14 of the seed bank x 100 product categories
# x00..x99 x 143 months (2010-01 .. 2021-11: 11 whole years = 132, plus 11 months of
# 2021) = 14 * 100 * 143 = 200,200 rows, every one 1.00 yuan, so it adds 200,200 rows
# and 200,200.00 yuan. No seed revenue row is before 2024, so no key collides.
BIG_ROWS = 14 * 100 * 143
BIG_SUM = 200_200.0

# One answer = one consistent snapshot of three tables: revenue rows, revenue sum,
# load_history rows. A half-published load would mix before and after values.
SNAPSHOT_SQL = (
    "SELECT (SELECT count(*) FROM revenue), "
    "(SELECT coalesce(sum(revenue), 0)::DOUBLE FROM revenue), "
    "(SELECT count(*) FROM load_history)"
)
Answer = tuple[int, float, int]


def big_revenue_csv() -> bytes:
    """The 200,200-row revenue extract described above, as UTF-8 CSV bytes."""
    lines = ["month,customer_id,product_category,revenue"]
    months = [(y, m) for y in range(2010, 2022) for m in range(1, 13)][:143]
    assert months[-1] == (2021, 11)
    for y, m in months:
        for c in range(1, 15):
            lines += [f"{y}-{m:02d},C{c:02d},x{k:02d},1.00" for k in range(100)]
    return ("\n".join(lines) + "\n").encode()


def snapshot(reader: Reader) -> Answer:
    """One query through the shared Reader, on a fresh cursor, as the app runs them."""
    cur, _ = reader.cursor()
    try:
        row = cur.execute(SNAPSHOT_SQL).fetchone()
    finally:
        cur.close()
    assert row is not None
    return int(row[0]), float(row[1]), int(row[2])


class ReaderLoop:
    """Threads that query in a loop until stopped, keeping every answer and every error."""

    def __init__(self, reader: Reader, threads: int = 3) -> None:
        self.reader = reader
        self.answers: list[tuple[float, Answer]] = []
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                answer = snapshot(self.reader)
            except BaseException as exc:  # every failure is a finding
                with self._lock:
                    self.errors.append(exc)
                continue
            with self._lock:
                self.answers.append((time.monotonic(), answer))

    def start(self) -> None:
        for t in self._threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(self.answers) < len(self._threads) and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        # After the writer finished, keep reading a little so the new file is seen.
        target = len(self.answers) + 3 * len(self._threads)
        deadline = time.monotonic() + 10
        while len(self.answers) < target and time.monotonic() < deadline:
            time.sleep(0.01)
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)

    def during(self, start: float, end: float) -> int:
        return sum(1 for at, _ in self.answers if start <= at <= end)


def _seed_snapshot(seed_db: Path) -> Answer:
    return snapshot(Reader(seed_db))


def _run_with_readers(seed_db: Path, write: Callable[[], None]) -> tuple[ReaderLoop, Answer]:
    before = _seed_snapshot(seed_db)
    readers = ReaderLoop(Reader(seed_db))
    readers.start()
    started = time.monotonic()
    try:
        write()
    finally:
        ended = time.monotonic()
        readers.stop()
    assert readers.during(started, ended) > 0, "no query ran while the load was under way"
    return readers, before


def test_readers_see_before_or_after_while_a_thread_loads(seed_db: Path) -> None:
    extract = read_extract(big_revenue_csv(), "revenue_big.csv")
    reports: list[loader.LoadReport] = []

    def write() -> None:
        reports.extend(loader.load_batch(seed_db, [("revenue", extract, None)], "append"))

    readers, before = _run_with_readers(seed_db, write)
    assert reports[0].ok, reports[0].render_text()
    assert reports[0].rows_added == BIG_ROWS
    after = (before[0] + BIG_ROWS, before[1] + BIG_SUM, before[2] + 1)
    assert readers.errors == []
    seen = {answer for _, answer in readers.answers}
    assert seen <= {before, after}, f"a reader saw a half-load: {seen - {before, after}}"
    assert before in seen and after in seen
    # Once a reader has seen the new file it never goes back to the old one.
    first_after = min(at for at, a in readers.answers if a == after)
    assert all(a == after for at, a in readers.answers if at > first_after + 0.5)


def test_readers_see_before_or_after_while_another_process_loads(
    seed_db: Path, tmp_path: Path
) -> None:
    big = tmp_path / "revenue_big.csv"
    big.write_bytes(big_revenue_csv())
    cmd = [sys.executable, "-m", "metrics", "load", "revenue", str(big), "--db", str(seed_db)]
    done: list[subprocess.CompletedProcess[str]] = []

    def write() -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        done.append(
            subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
        )

    readers, before = _run_with_readers(seed_db, write)
    assert done[0].returncode == 0, done[0].stderr
    assert f"Loaded {BIG_ROWS} rows into revenue" in done[0].stdout
    after = (before[0] + BIG_ROWS, before[1] + BIG_SUM, before[2] + 1)
    assert readers.errors == []
    seen = {answer for _, answer in readers.answers}
    assert seen <= {before, after}, f"a reader saw a half-load: {seen - {before, after}}"
    assert before in seen and after in seen


def test_second_writer_waits_with_a_message_and_both_succeed(seed_db: Path) -> None:
    big = read_extract(big_revenue_csv(), "revenue_big.csv")
    # Two surveys of seed customers C01 and C02 (new keys S90, S91).
    small = read_extract(
        b"response_id,customer_id,survey_date,overall_score\n"
        b"S90,C01,2025-06-01,5\nS91,C02,2025-06-02,4\n",
        "surveys_more.csv",
    )
    before = _seed_snapshot(seed_db)
    inside = threading.Event()
    release = threading.Event()
    second_progress: list[tuple[float, str]] = []
    results: dict[str, list[loader.LoadReport]] = {}
    errors: list[BaseException] = []

    def hold(fraction: float, _message: str) -> None:
        if fraction == 0.15:  # called inside write_transaction: the lock is held
            inside.set()
            release.wait(timeout=30)

    def first() -> None:
        try:
            results["first"] = loader.load_batch(
                seed_db, [("revenue", big, None)], "append", on_progress=hold
            )
        except BaseException as exc:
            errors.append(exc)

    def second() -> None:
        try:
            results["second"] = loader.load_batch(
                seed_db,
                [("surveys", small, None)],
                "append",
                on_progress=lambda f, m: second_progress.append((f, m)),
            )
        except BaseException as exc:
            errors.append(exc)

    t1 = threading.Thread(target=first)
    t1.start()
    assert inside.wait(timeout=30)
    t2 = threading.Thread(target=second)
    t2.start()
    time.sleep(1.0)
    # The second writer asked for the store, was told it is busy, and is still waiting:
    # it has not reached "Checking the rows…" (0.15), which runs under the lock.
    assert t2.is_alive()
    assert max(f for f, _ in second_progress) == 0.05
    assert any("busy with another load" in m for _, m in second_progress)
    release.set()
    t1.join(timeout=60)
    t2.join(timeout=60)
    assert errors == []
    assert results["first"][0].ok and results["second"][0].ok
    assert results["second"][0].load_id == results["first"][0].load_id + 1
    reader = Reader(seed_db)
    assert snapshot(reader) == (before[0] + BIG_ROWS, before[1] + BIG_SUM, before[2] + 2)
    cur, _ = reader.cursor()
    try:
        row = cur.execute("SELECT count(*) FROM surveys WHERE response_id IN ('S90', 'S91')")
        assert row.fetchone() == (2,)
    finally:
        cur.close()
