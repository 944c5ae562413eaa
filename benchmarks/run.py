"""`python -m benchmarks.run [--sizes 20000,50000,200000]`: speed and memory at bank scale.

For each size (customers of the demo bank) every measurement runs in its own Python
process, so peak memory and "first view" are those of a fresh process:

build     `metrics.demo.build_demo` (generate + validate + load, streamed): time, peak RSS
render    each page of app_pages/ through streamlit's AppTest: the first render's time;
          the metrics calls the page makes through the cached layer (`ui.data.run`) are
          recorded on the way
replay    each page's recorded calls, straight on a store Reader: the first pass (first
          view of that filter combination in a fresh process) and warm passes
cli       `python -m metrics kpis` for the latest 12 months, as a script runs it
baseline  monthly csat_rate, retention_rate and new lending by branch computed by pandas
          from Parquet files of the same store, against the project's answer (warm);
          the numbers must agree
load      (largest size only) a 1,000,000-row revenue load with a reader querying
          throughout: validate + write + publish, the publish on its own, then its undo

Each budget of issue 8 is printed next to its measurement with PASS/FAIL (the budgets
are stated for 200,000 customers; smaller sizes show the trend). Results go to
benchmarks/out/results.md and results.json. Not part of `make test`.

`--stores DIR` reuses demo banks built beforehand (DIR/bench-<customers>.duckdb, copied,
never written): on a shared machine the build is then measured once, on its own
(`/usr/bin/time -v python -m metrics demo ...`), and its row says "reused".
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import inspect
import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "out"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (20_000, 50_000, 200_000)
BUDGET_SIZE = 200_000  # the budgets are for a bank of this size
REFERENCE_SIZE = 20_000  # page time at BUDGET_SIZE is compared with this size's
LOAD_ROWS = 1_000_000
WARM_REPEATS = 3
PHASE_TIMEOUT_S = 900

Json = dict[str, Any]


def _peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _latest_year(db: Path) -> tuple[dt.date, dt.date]:
    """The 12 calendar months ending with the store's latest survey month."""
    from metrics.store import connect_reader

    con = connect_reader(db)
    try:
        row = con.execute("SELECT last_day(max(survey_date)) FROM surveys").fetchone()
    finally:
        con.close()
    assert row and row[0], "the store holds no surveys"
    end: dt.date = row[0]
    months = end.year * 12 + end.month - 1 - 11
    return dt.date(months // 12, months % 12 + 1, 1), end


# --------------------------------------------------------------------------- build


def _counts(db: Path) -> dict[str, int]:
    from metrics.contract import TABLES
    from metrics.store import connect_reader

    con = connect_reader(db)
    try:
        counts = {}
        for name in TABLES:  # identifiers from the contract only
            row = con.execute(f"SELECT count(*) FROM {name}").fetchone()
            counts[name] = int(row[0]) if row else 0
    finally:
        con.close()
    return counts


def reused_build(source: Path, db: Path) -> Json:
    """A copy of a bank built beforehand: its rows and size; no build time or memory."""
    import shutil

    shutil.copyfile(source, db)
    return {"reused": str(source), "rows": _counts(db), "db_mb": db.stat().st_size / 2**20}


def phase_build(a: argparse.Namespace) -> Json:
    """Build the demo bank (streamed in chunks); rows, store size and this process's peak."""
    from metrics.demo import build_demo

    db = Path(a.db)
    db.unlink(missing_ok=True)
    seconds, _ = _timed(lambda: build_demo(db, customers=a.customers))
    counts = _counts(db)
    return {
        "build_s": seconds,
        "rows": counts,
        "db_mb": db.stat().st_size / 2**20,
        "peak_rss_mb": _peak_rss_mb(),
    }


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Call:
    """One metrics call a page made through the cached layer: fn(cursor, [filters,] ...)."""

    module: str
    name: str
    filters: Any
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]

    @property
    def label(self) -> str:
        return f"{self.module.rpartition('.')[2]}.{self.name}"

    def function(self) -> Any:
        fn: Any = importlib.import_module(self.module)
        for part in self.name.split("."):
            fn = getattr(fn, part)
        return fn

    def resolvable(self) -> bool:
        """A module-level function (not a lambda or a local) can be called again by name."""
        try:
            return callable(self.function())
        except (ImportError, AttributeError):
            return False

    def run(self, cur: Any) -> Any:
        head = () if self.filters is None else (self.filters,)
        return self.function()(cur, *head, *self.args, **dict(self.kwargs))


def _pages() -> list[str]:
    """Every page file of the app, as AppTest.switch_page names it."""
    return sorted(f"app_pages/{p.name}" for p in (REPO_ROOT / "app_pages").glob("[!_]*.py"))


def _record_calls(calls: list[Call]) -> None:
    """Wrap the app's cached query entry point so every call a page makes is recorded."""
    import ui.data

    real = ui.data.run

    def recording(fn: Callable[..., Any], f: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(Call(fn.__module__, fn.__qualname__, f, args, tuple(sorted(kwargs.items()))))
        return real(fn, f, *args, **kwargs)

    ui.data.run = recording


BENCH_USER, BENCH_PASSWORD = "bench", "bench-password"


def phase_render(a: argparse.Namespace) -> Json:
    """First render of one page in this fresh process (AppTest); its calls are recorded.

    Every page sits behind the sign-in form: the page is chosen, the form shown, then the
    timed run is the one that submits it, so it includes the sign-in check (Argon2) and
    the page's first render, with nothing rendered before.
    """
    from streamlit.testing.v1 import AppTest

    from metrics import access

    os.environ["CRM_DB"] = str(a.db)
    admin = access.admin_db_for(Path(a.db))
    if access.get_user(admin, BENCH_USER) is None:
        access.add_user(admin, BENCH_USER, "admin", BENCH_PASSWORD, (), by="bench")
    calls: list[Call] = []
    _record_calls(calls)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=PHASE_TIMEOUT_S)
    at.query_params["lang"] = "en"
    at.switch_page(a.page)
    at.run()  # the sign-in form only
    at.text_input(key="auth_name").input(BENCH_USER)
    at.text_input(key="auth_password").input(BENCH_PASSWORD)
    at.button(key="auth_submit").click()
    seconds, _ = _timed(at.run)
    errors = [str(e.value)[:200] for e in at.exception]
    with open(a.calls, "wb") as fh:  # plain tuples: AppTest swaps the __main__ module
        pickle.dump([tuple(vars(c).values()) for c in calls], fh)
    return {"render_s": seconds, "calls": len(calls), "exceptions": errors}


def phase_replay(a: argparse.Namespace) -> Json:
    """A page's recorded calls on a fresh Reader: first pass, then the median of warm passes.

    The process has imported what the app imports when its server starts (app.py: ui.cells
    loads the interval library), so "first view" is a user's first view of a started app,
    not the server's start.
    """
    import ui.cells  # noqa: F401
    from metrics.store import Reader

    with open(a.calls, "rb") as fh:
        recorded = [Call(*c) for c in pickle.load(fh)]
    # A repeated call (same function and arguments) is answered by the app's cache.
    unique = {repr((c.module, c.name, c.filters, c.args, c.kwargs)): c for c in recorded}
    calls = [c for c in unique.values() if c.resolvable()]
    reader = Reader(Path(a.db))
    runs: list[list[float]] = []
    for _ in range(1 + WARM_REPEATS):
        times = []
        for call in calls:
            cur, _ = reader.cursor()
            try:
                seconds, _ = _timed(lambda: call.run(cur))  # noqa: B023 - called at once
            finally:
                cur.close()
            times.append(seconds)
        runs.append(times)
    warm = [statistics.median(r[i] for r in runs[1:]) for i in range(len(calls))]
    slowest = max(range(len(calls)), key=lambda i: warm[i], default=None)
    return {
        "calls": len(calls),
        "first_s": sum(runs[0]),
        "warm_s": sum(warm),
        "slowest_warm_s": warm[slowest] if slowest is not None else 0.0,
        "slowest_call": calls[slowest].label if slowest is not None else "",
        "over_150ms": sum(1 for w in warm if w > 0.150),
        "not_replayed": [c.label for c in recorded if not c.resolvable()],
    }


# --------------------------------------------------------------------------- baseline


def _kpi_kwargs(fn: Callable[..., Any], ids: list[str]) -> dict[str, Any]:
    """Ask only for these KPIs where the engine lets a caller say so (`kpis=`)."""
    return {"kpis": ids} if "kpis" in inspect.signature(fn).parameters else {}


def _project_answers(db: Path, start: dt.date, end: dt.date) -> dict[str, Callable[[], Any]]:
    """The project's answer to each baseline question, through its public KPI functions."""
    from metrics import kpis
    from metrics.filters import Filters
    from metrics.store import Reader

    reader = Reader(db)
    f = Filters(start, end)

    def on_cursor(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def run() -> Any:
            cur, _ = reader.cursor()
            try:
                return fn(cur)
            finally:
                cur.close()

        return run

    def csat(cur: Any) -> dict[str, float]:
        frame = kpis.series(cur, f, "month", **_kpi_kwargs(kpis.series, ["csat_rate"]))
        return {f"{ts:%Y-%m}": float(v) for ts, v in frame["csat_rate"].items()}

    def retention(cur: Any) -> float:
        value = kpis.compute(cur, f, **_kpi_kwargs(kpis.compute, ["retention_rate"]))
        rate = value["retention_rate"]
        assert rate is not None, "no customers at the start of the year"
        return float(rate)

    def lending(cur: Any) -> dict[str, float]:
        kw = _kpi_kwargs(kpis.breakdown, ["new_loan_amount"])
        frame = kpis.breakdown(cur, f, "branch", **kw)
        return {str(b): float(v) for b, v in frame["new_loan_amount"].items() if v == v}

    return {
        "monthly csat_rate": on_cursor(csat),
        "retention_rate": on_cursor(retention),
        "new lending by branch": on_cursor(lending),
    }


def _pandas_answers(files: dict[str, Path], start: dt.date, end: dt.date) -> dict[str, Any]:
    """The same numbers by pandas, reading the Parquet files each time (a notebook's way)."""
    import pandas as pd

    lo, hi = pd.Timestamp(start), pd.Timestamp(end)

    def csat() -> dict[str, float]:
        s = pd.read_parquet(files["surveys"], columns=["survey_date", "overall_score"])
        s = s[(s["survey_date"] >= lo) & (s["survey_date"] <= hi)]
        sat = (s["overall_score"] >= 4).groupby(s["survey_date"].dt.strftime("%Y-%m")).mean()
        return {str(k): float(v) for k, v in sat.items()}

    def retention() -> float:
        c = pd.read_parquet(files["customers"], columns=["onboard_date", "churn_date"])
        start_set = (c["onboard_date"] < lo) & (c["churn_date"].isna() | (c["churn_date"] >= lo))
        churned = start_set & (c["churn_date"] <= hi)
        return float(1 - churned.sum() / start_set.sum())

    def lending() -> dict[str, float]:
        loans = pd.read_parquet(files["loans"], columns=["customer_id", "amount", "disbursed_date"])
        cust = pd.read_parquet(files["customers"], columns=["customer_id", "branch_id"])
        loans = loans[(loans["disbursed_date"] >= lo) & (loans["disbursed_date"] <= hi)]
        by = loans.merge(cust, on="customer_id").groupby("branch_id")["amount"].sum()
        return {str(k): float(v) for k, v in by.items()}

    return {
        "monthly csat_rate": csat,
        "retention_rate": retention,
        "new lending by branch": lending,
    }


def _agree(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_agree(a[k], b[k]) for k in a)
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))


def phase_baseline(a: argparse.Namespace) -> Json:
    """pandas from Parquet vs the project, warm medians, for the latest 12 months."""
    from metrics.contract import TABLES
    from metrics.store import connect_reader

    db = Path(a.db)
    start, end = _latest_year(db)
    out: Json = {"period": f"{start} .. {end}", "kpis": {}}
    with tempfile.TemporaryDirectory(prefix="crm-parquet-") as tmp:
        con = connect_reader(db)
        files: dict[str, Path] = {}
        try:
            for table in ("surveys", "customers", "loans"):  # contract identifiers
                files[table] = Path(tmp) / f"{table}.parquet"
                # Dates as timestamps, as pandas keeps them (datetime64), not Python objects.
                cols = ", ".join(
                    f"CAST({c.name} AS TIMESTAMP) AS {c.name}"
                    if c.type in ("date", "month")
                    else c.name
                    for c in TABLES[table].columns
                )
                target = files[table]  # a path of our own temp dir, not user input
                con.execute(f"COPY (SELECT {cols} FROM {table}) TO '{target}' (FORMAT parquet)")
        finally:
            con.close()
        project = _project_answers(db, start, end)
        baseline = _pandas_answers(files, start, end)
        for name in project:
            runs_p = [_timed(project[name]) for _ in range(1 + WARM_REPEATS)]
            runs_b = [_timed(baseline[name]) for _ in range(1 + WARM_REPEATS)]
            p_s = statistics.median(t for t, _ in runs_p[1:])
            b_s = statistics.median(t for t, _ in runs_b[1:])
            out["kpis"][name] = {
                "project_s": p_s,
                "pandas_s": b_s,
                "agree": _agree(runs_p[-1][1], runs_b[-1][1]),
                "project_value": runs_p[-1][1],
                "pandas_value": runs_b[-1][1],
            }
    return out


# --------------------------------------------------------------------------- load


def _revenue_csv(db: Path, rows: int, recent: bool = False) -> bytes:
    """`rows` revenue rows for stored customers, in bench_0..9 categories: of 1990 onwards
    for 10,000 customers, or (recent) of the latest revenue month for rows / 10 customers,
    an analyst's monthly load, which changes the rollups and day states of the latest day.

    The demo bank has no revenue before its five-year history nor these categories, so
    no key collides and an append is accepted.
    """
    from metrics.store import connect_reader

    con = connect_reader(db)
    try:
        ids = [r[0] for r in con.execute("SELECT customer_id FROM customers ORDER BY 1").fetchall()]
        latest = con.execute("SELECT max(month) FROM revenue").fetchone()
    finally:
        con.close()
    ids = ids[: -(-rows // 10)] if recent else ids[:10_000]
    per_customer = -(-rows // len(ids))  # ceil
    months = -(-per_customer // 10)
    start = latest[0].year * 12 + latest[0].month - 1 if recent and latest else 1990 * 12
    lines = ["month,customer_id,product_category,revenue"]
    n = 0
    for m in range(start, start + months):
        month = f"{m // 12}-{m % 12 + 1:02d}"
        for c in range(10):
            for cid in ids:
                if n == rows:
                    break
                lines.append(f"{month},{cid},bench_{c},{(n % 997) * 10.5:.2f}")
                n += 1
    return ("\n".join(lines) + "\n").encode()


def phase_load(a: argparse.Namespace) -> Json:
    """A 1M-row append through load_batch while a reader computes KPIs; then its undo.

    The publish is timed from the loader's last progress step before "done" (its
    "publishing" step: rollups, checkpoint and rename) to the end of the load.
    """
    from metrics import kpis
    from metrics import load as loader
    from metrics.filters import Filters
    from metrics.load.parse import read_extract
    from metrics.store import Reader

    db = Path(a.db)
    data = _revenue_csv(db, a.load_rows)
    read_s, extract = _timed(lambda: read_extract(data, "revenue_1m.csv"))
    f = Filters(*_latest_year(db))
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

    steps: list[tuple[float, float]] = []  # (fraction, when)

    def progress(fraction: float, _message: str) -> None:
        steps.append((fraction, time.perf_counter()))

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        load_s, reports = _timed(
            lambda: loader.load_batch(
                db, [("revenue", extract, None)], "append", loaded_by="bench", on_progress=progress
            )
        )
        done = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    report = reports[0]
    if not report.ok:
        raise RuntimeError(report.render_text())
    before_done = [when for fraction, when in steps if fraction < 1.0]
    publish_s = done - before_done[-1] if before_done else None
    undo_s, _ = _timed(lambda: loader.undo_load(db, int(report.load_id)))
    recent = read_extract(_revenue_csv(db, a.load_rows, recent=True), "revenue_recent.csv")
    steps.clear()
    recent_s, recent_reports = _timed(
        lambda: loader.load_batch(
            db, [("revenue", recent, None)], "append", loaded_by="bench", on_progress=progress
        )
    )
    recent_done = time.perf_counter()
    if not recent_reports[0].ok:
        raise RuntimeError(recent_reports[0].render_text())
    before_recent = [when for fraction, when in steps if fraction < 1.0]
    return {
        "recent_rows": recent_reports[0].rows_added,
        "recent_load_s": recent_s,
        "recent_publish_s": recent_done - before_recent[-1] if before_recent else None,
        "rows": report.rows_added,
        "csv_mb": len(data) / 2**20,
        "read_s": read_s,
        "load_s": load_s,
        "publish_s": publish_s,
        "undo_s": undo_s,
        "reader_queries": len(latencies),
        "reader_errors": len(errors),
        "reader_max_s": max(latencies) if latencies else None,
        "peak_rss_mb": _peak_rss_mb(),
    }


PHASES: dict[str, Callable[[argparse.Namespace], Json]] = {
    "build": phase_build,
    "render": phase_render,
    "replay": phase_replay,
    "baseline": phase_baseline,
    "load": phase_load,
}


# --------------------------------------------------------------------------- driver


def _child(phase: str, db: Path, **extra: Any) -> Json:
    """Run one phase in a fresh Python process; its JSON is the last line of its stdout."""
    cmd = [sys.executable, "-m", "benchmarks.run", "--phase", phase, "--db", str(db)]
    for key, value in extra.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=PHASE_TIMEOUT_S
    )
    if proc.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{proc.stderr[-4000:]}")
    result: Json = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _cli_year(db: Path) -> Json:
    """`python -m metrics kpis` for the latest 12 months, as a script runs it (3 runs)."""
    start, end = _latest_year(db)
    cmd = [sys.executable, "-m", "metrics", "kpis", "--from", str(start), "--to", str(end)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    times = []
    for _ in range(3):
        seconds, proc = _timed(
            lambda: subprocess.run(
                [*cmd, "--db", str(db)], cwd=REPO_ROOT, env=env, capture_output=True, text=True
            )
        )
        if proc.returncode != 0:
            raise SystemExit(f"kpis failed: {proc.stderr[-2000:]}")
        times.append(seconds)
    return {"period": f"{start} .. {end}", "median_s": statistics.median(times)}


def measure(
    size: int, work: Path, with_load: bool, load_rows: int, stores: Path | None = None
) -> Json:
    """Every measurement for one bank size, each in a fresh process."""
    db = work / f"bench-{size}.duckdb"
    prebuilt = stores / f"bench-{size}.duckdb" if stores is not None else None
    if prebuilt is not None and prebuilt.exists():
        print(f"… {size:,} customers: reusing {prebuilt}", flush=True)
        out: Json = {"customers": size, "build": reused_build(prebuilt, db)}
    else:
        print(f"… {size:,} customers: build", flush=True)
        out = {"customers": size, "build": _child("build", db, customers=size)}
    out["pages"] = {}
    for page in _pages():
        print(f"… {size:,} customers: {page}", flush=True)
        calls = work / f"calls-{size}-{Path(page).stem}.pickle"
        render = _child("render", db, page=page, calls=calls)
        replay = _child("replay", db, calls=calls)
        out["pages"][page] = {"render": render, "replay": replay}
    print(f"… {size:,} customers: kpis CLI, pandas baseline", flush=True)
    out["cli"] = _cli_year(db)
    out["baseline"] = _child("baseline", db)
    if with_load:
        print(f"… {size:,} customers: {load_rows:,}-row load", flush=True)
        out["load"] = _child("load", db, load_rows=load_rows)
    db.unlink(missing_ok=True)
    return out


# --------------------------------------------------------------------------- report


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("PASS" if ok else "FAIL")


Row = tuple[str, str, str, str, str]  # size, measure, value, budget, verdict


def _size_rows(r: Json) -> list[Row]:
    size = f"{r['customers']:,}"
    b = r["build"]
    rows: list[Row] = [
        (size, "rows stored", f"{sum(b['rows'].values()):,}", "", ""),
        (size, "store size", f"{b['db_mb']:,.0f} MB", "", ""),
    ]
    if "reused" in b:
        rows.append((size, "demo build", "reused (built and measured separately)", "", ""))
    else:
        rows += [
            (size, "demo build", _s(b["build_s"]), "<= 60 s", _verdict(b["build_s"] <= 60)),
            (
                size,
                "demo build peak RSS",
                f"{b['peak_rss_mb']:,.0f} MB",
                "<= 3 GB",
                _verdict(b["peak_rss_mb"] <= 3 * 1024),
            ),
        ]
    for page, p in r["pages"].items():
        name = Path(page).stem
        ren, rep = p["render"], p["replay"]
        broken = f" ({len(ren['exceptions'])} exception(s))" if ren["exceptions"] else ""
        rows += [
            (
                size,
                f"{name}: first render (AppTest, fresh process){broken}",
                _s(ren["render_s"]),
                "<= 2 s",
                _verdict(ren["render_s"] <= 2 and not ren["exceptions"]),
            ),
            (
                size,
                f"{name}: {rep['calls']} metrics call(s), warm",
                _s(rep["warm_s"]),
                "<= 0.5 s",
                _verdict(rep["warm_s"] <= 0.5),
            ),
            (
                size,
                f"{name}: the same calls, first view in a fresh process",
                _s(rep["first_s"]),
                "<= 1.0 s",
                _verdict(rep["first_s"] <= 1.0),
            ),
            (
                size,
                f"{name}: slowest call warm ({rep['slowest_call'] or '—'}; "
                f"{rep['over_150ms']} above 150 ms)",
                _s(rep["slowest_warm_s"]),
                "<= 150 ms",
                _verdict(rep["slowest_warm_s"] <= 0.150),
            ),
        ]
    c = r["cli"]
    rows.append(
        (
            size,
            f"`python -m metrics kpis` for a year ({c['period']})",
            _s(c["median_s"]),
            "<= 1 s",
            _verdict(c["median_s"] <= 1.0),
        )
    )
    for name, k in r["baseline"]["kpis"].items():
        ratio = k["pandas_s"] / k["project_s"] if k["project_s"] > 0 else float("inf")
        agree = "numbers agree" if k["agree"] else "NUMBERS DIFFER"
        rows.append(
            (
                size,
                f"{name}: project {_s(k['project_s'])} vs pandas from Parquet "
                f"{_s(k['pandas_s'])} ({agree})",
                f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x SLOWER",
                ">= 20x faster",
                _verdict(ratio >= 20 and k["agree"]),
            )
        )
    if "load" in r:
        ld = r["load"]
        rows += [
            (
                size,
                f"{ld['rows']:,}-row CSV load (read {_s(ld['read_s'])}; "
                f"validate + write + publish)",
                _s(ld["load_s"]),
                "",
                "",
            ),
            (
                size,
                "… of which publish (rollups, checkpoint, rename)",
                _s(ld["publish_s"]),
                "<= 5 s",
                _verdict(None if ld["publish_s"] is None else ld["publish_s"] <= 5),
            ),
            (
                size,
                "reader during the load: queries / errors / slowest",
                f"{ld['reader_queries']} / {ld['reader_errors']} / {_s(ld['reader_max_s'])}",
                "0 errors",
                _verdict(ld["reader_errors"] == 0),
            ),
            (size, "undo of that load", _s(ld["undo_s"]), "", ""),
            (
                size,
                f"{ld['recent_rows']:,}-row load of the latest revenue month "
                "(validate + write + publish)",
                _s(ld["recent_load_s"]),
                "",
                "",
            ),
            (
                size,
                "… of which publish (rollups and the latest day's states rebuilt)",
                _s(ld["recent_publish_s"]),
                "<= 5 s",
                _verdict(None if ld["recent_publish_s"] is None else ld["recent_publish_s"] <= 5),
            ),
            (size, "load peak RSS", f"{ld['peak_rss_mb']:,.0f} MB", "", ""),
        ]
    return rows


def _page_total(r: Json) -> float:
    return float(sum(p["replay"]["warm_s"] for p in r["pages"].values()))


def _rows(results: list[Json]) -> list[Row]:
    rows: list[Row] = []
    for r in results:
        rows += _size_rows(r)
    by_size = {r["customers"]: r for r in results}
    if BUDGET_SIZE in by_size and REFERENCE_SIZE in by_size:
        big, small = _page_total(by_size[BUDGET_SIZE]), _page_total(by_size[REFERENCE_SIZE])
        ratio = big / small if small > 0 else float("inf")
        rows.append(
            (
                f"{BUDGET_SIZE:,} / {REFERENCE_SIZE:,}",
                f"every page's warm metrics time: {_s(big)} vs {_s(small)}",
                f"x{ratio:.1f}",
                "<= x2",
                _verdict(ratio <= 2),
            )
        )
    return rows


def _machine() -> str:
    import duckdb

    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/meminfo") as fh:
        mem = f", {int(fh.readline().split()[1]) / 2**20:.0f} GB RAM"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs{mem}, load average {load} "
        f"(other work on the machine makes times noisy); Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}"
    )


def _markdown(rows: list[Row], started: str, seconds: float) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Run {started} on {_machine()}; {seconds / 60:.1f} minutes in all.",
        "Produced by `make bench` (`python -m benchmarks.run`); budgets from issue 8, stated",
        f"for {BUDGET_SIZE:,} customers (smaller banks show the trend).",
        "",
        "| customers | measure | value | budget | result |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(r)} |" for r in rows]
    return "\n".join(lines) + "\n"


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: sizes are whole numbers, e.g. 20000") from None
    if not sizes or min(sizes) < 50:
        raise argparse.ArgumentTypeError("each size is at least 50 customers")
    return sorted(set(sizes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=list(DEFAULT_SIZES),
        help="bank sizes in customers, comma-separated (default 20000,50000,200000)",
    )
    parser.add_argument("--load-rows", type=int, default=LOAD_ROWS)
    parser.add_argument(
        "--stores",
        type=Path,
        default=None,
        help="reuse banks built beforehand: DIR/bench-<customers>.duckdb (copied, not written)",
    )
    parser.add_argument("--phase", choices=tuple(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--customers", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--page", help=argparse.SUPPRESS)
    parser.add_argument("--calls", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:  # child process: one phase, JSON on the last line
        print(json.dumps(PHASES[args.phase](args), default=str))
        return 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:  # never a store in the repo
        results = [
            measure(size, Path(tmp), size == max(args.sizes), args.load_rows, args.stores)
            for size in args.sizes
        ]
    rows = _rows(results)
    width = max(len(m) for _, m, _, _, _ in rows)
    for size, measure_, value, budget, verdict in rows:
        print(f"{size:>9}  {measure_:<{width}}  {value:>14}  {budget:>14}  {verdict}")
    out = OUT_DIR / "results.md"
    out.write_text(_markdown(rows, started, time.perf_counter() - began), encoding="utf-8")
    (OUT_DIR / "results.json").write_text(
        json.dumps(results, indent=2, default=str), encoding="utf-8"
    )
    print(f"\nWrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
