"""Initiative impact (kpis.md, "Initiative impact"): a KPI before and after an event.

Before is [event_date - W, event_date - 1], after [event_date, event_date + W - 1], both
under the filters plus the event's branch when it has one; change = after - before. A
ratio KPI with an interval gets change +- z sqrt(SE_before^2 + SE_after^2), SE =
sqrt(p(1 - p)/n). A branch event also gets the difference-in-differences: its change
minus the same change over the other branches (the filters' other branches, or all
others). A window the KPI's sources do not cover (it starts before a source's first
date or ends after its as-of date) gives null.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import duckdb
import pandas as pd

from metrics.filters import Filters
from metrics.kpis.model import Ratio, Value

DEFAULT_WINDOW_DAYS = 180
EVENTS_SQL = (
    "SELECT event_id, event_date, title, branch_id, description FROM events "
    "ORDER BY event_date, event_id"
)
Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile (scipy.stats.norm.ppf)


@dataclass(frozen=True)
class Event:
    """One row of the `events` table; branch_id None is the whole bank."""

    event_id: str
    event_date: dt.date
    title: str
    branch_id: str | None
    description: str | None


@dataclass(frozen=True)
class Impact:
    """One KPI's before, after and change around an event; None where not covered."""

    kpi: str
    before: Value
    after: Value
    change: Value
    ci_low: Value
    ci_high: Value
    did: Value
    n_before: Value
    n_after: Value
    covered: bool


class EventNotFound(LookupError):
    """No event with that id in the store."""


def events(con: duckdb.DuckDBPyConnection) -> list[Event]:
    """Every event, by date then id."""
    rows = con.execute(EVENTS_SQL).fetchall()
    return [Event(str(r[0]), r[1], str(r[2]), r[3], r[4]) for r in rows]


def events_in(con: duckdb.DuckDBPyConnection, f: Filters) -> list[Event]:
    """The events in scope of a view: dated in the period, bank-wide or of a selected branch
    (of any branch when the filters select all)."""
    return [
        e
        for e in events(con)
        if f.date_from <= e.event_date <= f.date_to
        and (e.branch_id is None or not f.branches or e.branch_id in f.branches)
    ]


def event(con: duckdb.DuckDBPyConnection, event_id: str) -> Event:
    for e in events(con):
        if e.event_id == event_id:
            return e
    raise EventNotFound(f"no event {event_id!r}")


def windows(day: dt.date, window_days: int) -> tuple[tuple[dt.date, dt.date], ...]:
    """(before, after): the W days before the event day and the W days from it."""
    w = dt.timedelta(days=window_days)
    one = dt.timedelta(days=1)
    return ((day - w, day - one), (day, day + w - one))


def _se(p: float, n: float) -> float:
    return math.sqrt(p * (1 - p) / n)


def _branch_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [str(r[0]) for r in con.execute("SELECT branch_id FROM branches ORDER BY 1").fetchall()]


def _changes(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    periods: list[tuple[dt.date, dt.date]],
    ids: list[str],
) -> dict[str, tuple[Any, Any, bool]]:
    from metrics.engine.query import ALL, cells

    res = cells(con, f, periods, None, ids)
    out: dict[str, tuple[Any, Any, bool]] = {}
    for k in ids:
        b, a = res[(0, ALL)][k], res[(1, ALL)][k]
        covered = b.covered and b.complete and a.covered and a.complete
        out[k] = (b, a, covered)
    return out


def impact(
    con: duckdb.DuckDBPyConnection,
    ev: Event,
    f: Filters | None = None,
    kpis: list[str] | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> list[Impact]:
    """Impact of the event on each KPI (default: every KPI with a direction)."""
    from metrics.kpis.catalog import KPIS

    if window_days < 1:
        raise ValueError(f"window of {window_days} days; expected at least 1")
    ids = kpis if kpis is not None else [k for k, v in KPIS.items() if v.direction != "none"]
    unknown = [k for k in ids if k not in KPIS]
    if unknown:
        raise ValueError(f"unknown KPI {unknown[0]!r}")
    periods = list(windows(ev.event_date, window_days))
    base = f or Filters(*periods[0])
    if ev.branch_id and base.branches and ev.branch_id not in base.branches:
        raise ValueError(f"event {ev.event_id} concerns {ev.branch_id}, not a selected branch")
    scope = replace(base, branches=(ev.branch_id,)) if ev.branch_id else base
    mine = _changes(con, scope, periods, ids)
    others: dict[str, tuple[Any, Any, bool]] = {}
    if ev.branch_id:
        rest = [b for b in (base.branches or _branch_ids(con)) if b != ev.branch_id]
        if rest:
            others = _changes(con, replace(base, branches=tuple(rest)), periods, ids)
    out = []
    for k in ids:
        b, a, covered = mine[k]
        if not covered or b.value is None or a.value is None:
            before, after = (b.value, a.value) if covered else (None, None)
            out.append(Impact(k, before, after, None, None, None, None, b.denominator,
                              a.denominator, covered))  # fmt: skip
            continue
        change = float(a.value) - float(b.value)
        lo = hi = None
        c = KPIS[k].computes
        if isinstance(c, Ratio) and c.interval and b.denominator and a.denominator:
            half = Z95 * math.hypot(
                _se(float(b.value), float(b.denominator)), _se(float(a.value), float(a.denominator))
            )
            lo, hi = change - half, change + half
        did = None
        if k in others:
            ob, oa, ocovered = others[k]
            if ocovered and ob.value is not None and oa.value is not None:
                did = change - (float(oa.value) - float(ob.value))
        out.append(
            Impact(k, b.value, a.value, change, lo, hi, did, b.denominator, a.denominator, True)
        )
    return out


def impact_frame(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    event_id: str,
    window_days: int = DEFAULT_WINDOW_DAYS,
    kpis: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """`impact` as a frame (one row per KPI) under the branches and tiers of `f`."""
    rows = impact(con, event(con, event_id), f, list(kpis) if kpis else None, window_days)
    cols = [fl.name for fl in fields(Impact)]
    return pd.DataFrame([asdict(r) for r in rows], columns=cols)


def events_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The events table as stored (for the analysts' editor), by date."""
    return con.execute(EVENTS_SQL).df()


# --- `python -m metrics impact EVENT_ID` -------------------------------------------------


def _run_cli(args: argparse.Namespace) -> int:
    from metrics.errors import CliError
    from metrics.store import StoreMissingError, connect_reader, resolve_db

    try:
        con = connect_reader(resolve_db(args.db))
    except StoreMissingError as exc:
        raise CliError(str(exc)) from None
    try:
        try:
            ev = event(con, args.event_id)
            rows = impact(con, ev, None, args.kpi or None, args.window_days)
        except (EventNotFound, ValueError) as exc:
            raise CliError(str(exc)) from None
    finally:
        con.close()
    before, after = windows(ev.event_date, args.window_days)
    out = {
        "event": {**asdict(ev), "event_date": ev.event_date.isoformat()},
        "window_days": args.window_days,
        "before": {"from": before[0].isoformat(), "to": before[1].isoformat()},
        "after": {"from": after[0].isoformat(), "to": after[1].isoformat()},
        "kpis": {r.kpi: {k: v for k, v in asdict(r).items() if k != "kpi"} for r in rows},
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"{ev.event_id} {ev.event_date} {ev.title} ({ev.branch_id or 'bank-wide'})")
    print(f"before {before[0]}..{before[1]}, after {after[0]}..{after[1]}")
    cols = ("before", "after", "change", "ci_low", "ci_high", "did")
    print(f"{'kpi':<28}" + "".join(f"{c:>14}" for c in cols))
    for r in rows:
        cells = [getattr(r, c) for c in cols]
        print(f"{r.kpi:<28}" + "".join(f"{'null' if v is None else f'{v:.4g}':>14}" for v in cells))
    return 0


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`impact EVENT_ID [--kpi ID]... [--window-days N] [--json] [--db PATH]`."""
    p = sub.add_parser("impact", help="a KPI before and after an event, with DiD for a branch")
    p.add_argument("event_id")
    p.add_argument("--kpi", action="append", help="only this KPI id; repeat for several")
    p.add_argument("--window-days", type=int, default=DEFAULT_WINDOW_DAYS)
    p.add_argument("--json", action="store_true", help="JSON on stdout")
    p.add_argument("--db", default=None, help="store file (default: $CRM_DB or data/crm.duckdb)")
    p.set_defaults(handler=_run_cli)
