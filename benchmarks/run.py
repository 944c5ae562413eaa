"""`python -m benchmarks.run`: speed and memory of the store at bank scale.

Each phase runs in its own Python process so its peak RSS is its own:

1. build   - `metrics.demo.build_demo` with --customers (generate + validate + load)
2. load    - a 1,000,000-row revenue extract: read the CSV, then `load_batch` (one
             transaction), while a reader thread keeps computing KPIs (its latency and
             errors are reported); then `undo_load` of those rows
3. queries - `kpis.compute`, `compare`, `series` and `breakdown` through `store.Reader`,
             the first (cold) call and the median of the warm ones

It prints a table and writes benchmarks/out/results.md. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "out"
REPO_ROOT = Path(__file__).resolve().parent.parent
# The bank's scale: 200k customers, ~27.7M rows; builds in about a minute on 2 cores.
DEFAULT_CUSTOMERS = 200_000
LOAD_ROWS = 1_000_000
WARM_REPEATS = 3

Row = tuple[str, str, str]  # phase, measure, value


def _peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


# --------------------------------------------------------------------------- phases


def phase_build(db: Path, customers: int) -> dict[str, Any]:
    """Generate and load the demo bank; the rows of each table and the store's size."""
    from metrics import demo
    from metrics.contract import TABLES
    from metrics.store import connect_reader

    db.unlink(missing_ok=True)
    gen_s, frames = _timed(lambda: demo.generate(customers=customers))
    del frames
    total_s, _ = _timed(lambda: demo.build_demo(db, customers=customers))
    con = connect_reader(db)
    try:
        counts = {}
        for name in TABLES:  # identifiers from the contract only
            row = con.execute(f"SELECT count(*) FROM {name}").fetchone()
            counts[name] = int(row[0]) if row else 0
    finally:
        con.close()
    return {
        "generate_s": gen_s,
        "build_s": total_s,
        "rows": counts,
        "db_mb": db.stat().st_size / 2**20,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _revenue_csv(db: Path, rows: int) -> bytes:
    """`rows` revenue rows for stored customers, in the bench_0..9 categories of 1990 onwards.

    The demo bank has no revenue before its five-year history nor these categories, so
    no key collides and an append is accepted.
    """
    from metrics.store import connect_reader

    con = connect_reader(db)
    try:
        ids = [r[0] for r in con.execute("SELECT customer_id FROM customers ORDER BY 1").fetchall()]
    finally:
        con.close()
    ids = ids[:10_000]
    per_customer = -(-rows // len(ids))  # ceil
    months = -(-per_customer // 10)
    lines = ["month,customer_id,product_category,revenue"]
    n = 0
    for m in range(months):
        month = f"{1990 + m // 12}-{m % 12 + 1:02d}"
        for c in range(10):
            for cid in ids:
                if n == rows:
                    break
                lines.append(f"{month},{cid},bench_{c},{(n % 997) * 10.5:.2f}")
                n += 1
    return ("\n".join(lines) + "\n").encode()


def _headline_filters(db: Path) -> Any:
    from metrics.filters import Filters
    from metrics.store import connect_reader
    from metrics.views import data_bounds

    con = connect_reader(db)
    try:
        _, last = data_bounds(con)
    finally:
        con.close()
    assert last is not None, "the store holds no data"
    return Filters(last.replace(month=1, day=1), last)


def phase_load(db: Path, rows: int) -> dict[str, Any]:
    """A 1M-row append through load_batch while a reader computes KPIs; then its undo."""
    from metrics import kpis
    from metrics import load as loader
    from metrics.load.parse import read_extract
    from metrics.store import Reader

    data = _revenue_csv(db, rows)
    read_s, extract = _timed(lambda: read_extract(data, "revenue_1m.csv"))
    f = _headline_filters(db)
    reader = Reader(db)
    latencies: list[float] = []
    errors: list[str] = []
    stop = threading.Event()

    def read_loop() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            try:
                cur, _ = reader.cursor()
                try:
                    kpis.compute(cur, f)
                finally:
                    cur.close()
            except Exception as exc:  # reported, not raised: the count is the finding
                errors.append(repr(exc))
            latencies.append(time.perf_counter() - start)

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        load_s, reports = _timed(
            lambda: loader.load_batch(db, [("revenue", extract, None)], "append", loaded_by="bench")
        )
    finally:
        stop.set()
        thread.join()
    report = reports[0]
    if not report.ok:
        raise RuntimeError(report.render_text())
    undo_s, _ = _timed(lambda: loader.undo_load(db, int(report.load_id)))
    return {
        "rows": report.rows_added,
        "csv_mb": len(data) / 2**20,
        "read_s": read_s,
        "load_s": load_s,
        "undo_s": undo_s,
        "reader_queries": len(latencies),
        "reader_errors": len(errors),
        "reader_max_s": max(latencies) if latencies else None,
        "reader_median_s": statistics.median(latencies) if latencies else None,
        "peak_rss_mb": _peak_rss_mb(),
    }


def phase_queries(db: Path) -> dict[str, Any]:
    """Cold and warm times of the queries the pages run, on a YTD period."""
    from metrics import kpis
    from metrics.store import Reader

    f = _headline_filters(db)
    last12 = f.with_period(
        f.date_to.replace(year=f.date_to.year - 1) + dt.timedelta(days=1), f.date_to
    )
    reader = Reader(db)
    cases: dict[str, Callable[[Any], Any]] = {
        "compute (YTD, every KPI)": lambda c: kpis.compute(c, f),
        "compare (current, previous, year ago)": lambda c: kpis.compare(c, f),
        "series month (12 months)": lambda c: kpis.series(c, last12, "month"),
        "series trailing12 (12 months)": lambda c: kpis.series(c, last12, "trailing12"),
        "breakdown by tier": lambda c: kpis.breakdown(c, f, "tier"),
        "breakdown by branch": lambda c: kpis.breakdown(c, f, "branch"),
        "breakdown by relationship_type": lambda c: kpis.breakdown(c, f, "relationship_type"),
    }
    out: dict[str, Any] = {"period": f"{f.date_from} .. {f.date_to}", "times": {}}
    for name, fn in cases.items():
        runs = []
        for _ in range(1 + WARM_REPEATS):
            cur, _ = reader.cursor()
            try:
                seconds, _ = _timed(lambda: fn(cur))  # noqa: B023 - called at once
            finally:
                cur.close()
            runs.append(seconds)
        out["times"][name] = {"cold_s": runs[0], "warm_s": statistics.median(runs[1:])}
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


PHASES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "build": lambda a: phase_build(Path(a.db), a.customers),
    "load": lambda a: phase_load(Path(a.db), a.load_rows),
    "queries": lambda a: phase_queries(Path(a.db)),
}


# --------------------------------------------------------------------------- driver


def _run_phase(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one phase in a child process (its own peak RSS); its JSON is the last stdout line."""
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--phase",
        name,
        "--db",
        str(args.db),
        "--customers",
        str(args.customers),
        "--load-rows",
        str(args.load_rows),
    ]
    print(f"… {name}", flush=True)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def _rows(results: dict[str, dict[str, Any]]) -> list[Row]:
    b, ld, q = results["build"], results["load"], results["queries"]
    total = sum(b["rows"].values())
    per_table = ", ".join(f"{k} {v:,}" for k, v in b["rows"].items())
    out: list[Row] = [
        ("build", "demo generate (numpy frames)", _s(b["generate_s"])),
        ("build", "demo build (generate + validate + load)", _s(b["build_s"])),
        (
            "build",
            "rows stored",
            f"{total:,} ({per_table})",
        ),
        ("build", "store size", f"{b['db_mb']:,.0f} MB"),
        ("build", "peak RSS", f"{b['peak_rss_mb']:,.0f} MB"),
        ("load", f"read {ld['rows']:,}-row CSV ({ld['csv_mb']:,.0f} MB)", _s(ld["read_s"])),
        ("load", "load_batch (validate + write + publish)", _s(ld["load_s"])),
        ("load", "throughput", f"{ld['rows'] / ld['load_s']:,.0f} rows/s"),
        ("load", "undo_load of those rows", _s(ld["undo_s"])),
        (
            "load",
            "reader during the load: queries / errors",
            f"{ld['reader_queries']} / {ld['reader_errors']}",
        ),
        (
            "load",
            "reader latency during the load: median / max",
            f"{_s(ld['reader_median_s'])} / {_s(ld['reader_max_s'])}",
        ),
        ("load", "peak RSS", f"{ld['peak_rss_mb']:,.0f} MB"),
    ]
    for name, t in q["times"].items():
        out.append(("queries", f"{name}: cold / warm", f"{_s(t['cold_s'])} / {_s(t['warm_s'])}"))
    out.append(("queries", "peak RSS", f"{q['peak_rss_mb']:,.0f} MB"))
    return out


def _machine() -> str:
    import duckdb

    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        mem = f", {kb / 2**20:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs{mem}, load average {load} "
        f"(other work on the machine makes times noisy); Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}"
    )


def _markdown(args: argparse.Namespace, results: dict[str, dict[str, Any]], rows: list[Row]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Run {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} on {_machine()}.",
        f"Demo bank: {args.customers:,} customers (seed 7); load: {args.load_rows:,} revenue rows;",
        f"queries on {results['queries']['period']}. Produced by `make bench`"
        " (`python -m benchmarks.run`).",
        "",
        "| phase | measure | value |",
        "|---|---|---|",
    ]
    lines += [f"| {p} | {m} | {v} |" for p, m, v in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--load-rows", type=int, default=LOAD_ROWS)
    parser.add_argument("--db", help="store to build (default: a temporary directory, removed)")
    parser.add_argument("--phase", choices=tuple(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:  # child process: one phase, JSON on the last line
        print(json.dumps(PHASES[args.phase](args)))
        return 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        if not args.db:  # never a *.duckdb inside the repo
            args.db = str(Path(tmp) / "bench.duckdb")
        results = {name: _run_phase(name, args) for name in PHASES}
    rows = _rows(results)
    width = max(len(m) for _, m, _ in rows)
    for phase, measure, value in rows:
        print(f"{phase:<8} {measure:<{width}}  {value}")
    out = OUT_DIR / "results.md"
    out.write_text(_markdown(args, results, rows), encoding="utf-8")
    (OUT_DIR / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nWrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
