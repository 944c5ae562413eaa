"""Generate the demo bank chunk by chunk and stream it into the store through the loader.

The bank-wide tables (branches, customers, leads, marketing spend, events) are drawn
once; the fact tables are drawn for CHUNK_CUSTOMERS customers at a time, each chunk from
its own generator `default_rng([seed, 1, k])`, so the same seed gives the same rows and
memory stays that of one chunk whatever the bank's size. Each chunk is one load through
the analyst's validation (`load_frames`): the first replaces every table, the next ones
append; all of them go into a private copy of the store, published by one rename.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from metrics.contract import TABLES
from metrics.demo import bank
from metrics.demo.facts import chunk_facts
from metrics.demo.story import CHUNK_CUSTOMERS, DEFAULT_END, calendar
from metrics.errors import CliError
from metrics.store import connect_reader, rebuild, resolve_db

if TYPE_CHECKING:
    from metrics.load import LoadReport
    from metrics.load.parse import Extract

Frames = dict[str, pd.DataFrame]
_T = TypeVar("_T")
MIN_CUSTOMERS = 50


def chunks(seed: int = 7, customers: int = 3000, end: date = DEFAULT_END) -> Iterator[Frames]:
    """The demo bank as a series of frame sets, in contract column order.

    The first holds every table (bank-wide tables whole, the facts of the first
    CHUNK_CUSTOMERS customers); each next one the fact tables of the next customers.
    """
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"the demo bank needs at least {MIN_CUSTOMERS} customers")
    cal = calendar(end)
    rng = np.random.default_rng([seed, 0])
    cus = bank.customers(rng, customers, cal)
    assert cus.frame is not None
    whole: Frames = {
        "branches": bank.branches(),
        "customers": cus.frame,
        "leads": bank.leads(rng, cus, cal),
        "marketing_spend": bank.marketing_spend(rng, customers, cal),
        "events": bank.events(),
    }
    loan, survey, request = 1, 1, 1
    for k, lo in enumerate(range(0, customers, CHUNK_CUSTOMERS)):
        part = cus.part(lo, min(lo + CHUNK_CUSTOMERS, customers))
        facts = chunk_facts(np.random.default_rng([seed, 1, k]), part, cal, loan, survey, request)
        loan, survey, request = loan + facts.loans, survey + facts.surveys, request + facts.requests
        frames = {**whole, **facts.frames}
        whole = {}
        yield {n: frames[n][list(t.column_names)] for n, t in TABLES.items() if n in frames}


def generate(seed: int = 7, customers: int = 3000, end: date = DEFAULT_END) -> Frames:
    """Every contract table as one typed DataFrame; the same seed gives identical frames."""
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for frames in chunks(seed, customers, end):
        for name, df in frames.items():
            parts[name].append(df)
    return {
        name: dfs[0] if len(dfs) == 1 else pd.concat(dfs, ignore_index=True)
        for name, dfs in parts.items()
    }


def _ahead(items: Iterator[_T]) -> Iterator[_T]:
    """The same items, the next one generated in a thread while the caller loads this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(next, items, None)
        while (item := pending.result()) is not None:
            pending = pool.submit(next, items, None)
            yield item


def _extracts(items: Iterator[Frames]) -> Iterator[dict[str, Extract]]:
    """Each chunk's frames as the extracts `load_frames` would make of them (arrow tables and
    checksums), made in the generator's thread by `_ahead` so that the loading thread only
    loads; a chunk's DataFrames are let go once converted."""
    from metrics.load.write import frame_extract

    for frames in items:
        out = {t: frame_extract(df, t) for t, df in frames.items()}
        del frames
        yield out


@contextlib.contextmanager
def _without_huge_pages() -> Iterator[None]:
    """NumPy asks the kernel for transparent huge pages on every large array (madvise); where
    the kernel compacts memory on such a fault (defrag=madvise, as here) the generator, which
    allocates and frees large arrays chunk after chunk, spends most of its time in the kernel.
    Measured at 50,000 customers: generating took 4.3 s of system time with huge pages, 0.5 s
    without. Off while the bank is built, as NUMPY_MADVISE_HUGEPAGE=0 would, then restored."""
    from numpy._core import multiarray

    set_huge_pages = getattr(multiarray, "_set_madvise_hugepage", None)
    if set_huge_pages is None:
        yield
        return
    before = set_huge_pages(False)
    try:
        yield
    finally:
        set_huge_pages(before)


def build_demo(
    db: Path,
    seed: int = 7,
    customers: int = 3000,
    on_progress: Callable[[str], None] | None = None,
) -> list[LoadReport]:
    """Build the demo bank into `db`, replacing every table, through the analyst's validation.

    One load per chunk (recorded in load_history as `demo:<table>`, by `demo`); readers
    see the old store until the whole bank is published. Returns every load's reports.
    """
    from metrics.load.write import check_key_case, load_frames

    say = on_progress or (lambda _msg: None)
    n_chunks = -(-customers // CHUNK_CUSTOMERS)
    say(f"Generating the demo bank ({customers:,} customers, seed {seed})…")
    reports: list[LoadReport] = []
    appended: set[str] = set()
    with _without_huge_pages(), rebuild(Path(db)) as work:
        for k, extracts in enumerate(_ahead(_extracts(chunks(seed=seed, customers=customers)))):
            say(f"Loading and validating part {k + 1} of {n_chunks}…")
            mode = "replace" if k == 0 else "append"
            # Appended chunks are not compared with every stored key for case variants
            # (that cost grows with the chunks); check_key_case applies that rule once to
            # the whole bank below, before the publish: a bank it refuses is never published.
            reports += load_frames(
                work, extracts, mode=mode, source="demo", case_checked_later=k > 0
            )
            if k > 0:
                appended.update(extracts)
            del extracts
        say("Checking the keys of the whole bank…")
        check_key_case(work, sorted(appended, key=list(TABLES).index))
    return reports


def _run(args: argparse.Namespace) -> int:
    """Build the demo into --db and print one line: rows per table and seconds."""
    if args.customers < MIN_CUSTOMERS:
        raise CliError(f"--customers must be at least {MIN_CUSTOMERS}")
    db = resolve_db(args.db)
    started = time.perf_counter()
    build_demo(db, seed=args.seed, customers=args.customers)
    seconds = time.perf_counter() - started
    con = connect_reader(db)
    try:
        counts = []
        for name in TABLES:  # identifiers from the contract only
            row = con.execute(f"SELECT count(*) FROM {name}").fetchone()
            counts.append(f"{name} {row[0] if row else 0:,}")
    finally:
        con.close()
    print(f"Demo bank in {db}: {', '.join(counts)} ({seconds:.1f} s)")
    return 0


def register_cli(sub: Any) -> None:
    """`demo [--db PATH] [--seed N] [--customers N]`: build or replace the demo bank."""
    p = sub.add_parser("demo", help="Build the demo bank (replaces every table's contents)")
    p.add_argument("--db", default=None, help="store path (default: $CRM_DB or data/crm.duckdb)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--customers", type=int, default=3000, help="number of customers")
    p.set_defaults(handler=_run)
