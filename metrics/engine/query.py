"""Declarations -> SQL: every KPI for periods and groups, one query per source needed.

Only the KPIs asked for are computed: their measures (and the inputs of derived KPIs,
over the shifted periods they read) decide which sources are queried. Additive
measures are summed from the rollups; non-additive ones (medians, distinct counts)
and the relationship-type breakdown read the facts, filtered by date. Every value
comes as a `Cell` with numerator, denominator, interval and honesty flags
(kpis.md, "Sample size, uncertainty and completeness").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any, Literal

import duckdb
import pandas as pd

from metrics.config import get_settings
from metrics.contract import TIERS
from metrics.engine import customer_state, rollups, snapshot
from metrics.engine.sources import SOURCES, Source
from metrics.engine.sql import (
    BRANCH_OK,
    PERIODS_CTE,
    customer_ok,
    settings_params,
    used_params,
)
from metrics.filters import Filters
from metrics.kpis.catalog import KPIS, MEASURES, measures_of, sources_of, tables_of
from metrics.kpis.model import Count, Derived, Ratio, Value, shifted

Period = tuple[dt.date, dt.date]
BreakdownBy = Literal["tier", "branch", "relationship_type", "relationship_manager", "month"]
BREAKDOWNS: tuple[str, ...] = (
    "tier",
    "branch",
    "relationship_type",
    "relationship_manager",
    "month",
)
REL_TYPE_IDS: tuple[str, ...] = ("churning", "risk", "strategic", "growth", "stable")
ALL = "all"
REL_MAP = "_crm_rel_map"  # relationship types on date_to: a temp table of the cursor
# A derived KPI whose input has no such dimension takes the whole selection's input
# (CLV/CAC by tier divides each tier's CLV by the selection's CAC); by manager it is null.
OVERALL_FALLBACK: tuple[str, ...] = ("tier", "relationship_type")


@dataclass(frozen=True)
class Cell:
    """One KPI value with how honest it is (kpis.md, Sample size, uncertainty, completeness)."""

    value: Value
    numerator: Value = None
    denominator: Value = None
    ci_low: Value = None
    ci_high: Value = None
    low_n: bool = False
    complete: bool = True
    mature: bool | None = None
    covered: bool = True

    def as_dict(self, *, with_covered: bool = False) -> dict[str, Any]:
        d = asdict(self)
        if not with_covered:
            d.pop("covered")
        return d

    def uncovered(self) -> Cell:
        """The same cell as a comparison that is not covered: no value, no interval."""
        return replace(self, value=None, ci_low=None, ci_high=None, covered=False)


@dataclass(frozen=True)
class SourceDates:
    start: dt.date | None
    as_of: dt.date | None


def _num(v: Any) -> Value:
    """A plain Python float/int, None for NULL/NaN."""
    if v is None:
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, Decimal):
        return float(v)
    f = float(v)
    return None if math.isnan(f) else f


def wilson(successes: float, n: float) -> tuple[float, float]:
    """The 95 % Wilson score interval (metrics.engine.intervals, imported when first needed)."""
    from metrics.engine import intervals

    return intervals.wilson(successes, n)


def _as_date(v: Any) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return pd.Timestamp(v).date()


def source_dates(
    con: duckdb.DuckDBPyConnection, schema: str | None = None
) -> dict[str, SourceDates]:
    """Each contract table's start and as-of date (kpis.md, As-of date of a source), from
    the rollups in `schema` (default: where this connection reads them)."""
    schema = rollups.location(con) if schema is None else schema

    def read() -> dict[str, SourceDates]:
        return {
            r["source"]: SourceDates(_as_date(r["start"]), _as_date(r["as_of"]))
            for r in rollups.info(con, schema)
        }

    return dict(snapshot.remembered(con, ("source_dates", schema), read))


# --- SQL for one source ---------------------------------------------------------------


def _grp(by: str | None, alias: str, keyed: str) -> str:
    if by is None or (keyed == "branch" and by != "branch"):
        return f"'{ALL}'"
    col = {"tier": "tier", "branch": "branch_id", "relationship_manager": "manager"}[by]
    return f"{alias}.{col}"


def _period_join(src: Source, table_alias: str = "x") -> str:
    x = table_alias
    if src.kind == "event":  # the constant bounds let the scan skip other days' row groups
        return (
            f"JOIN periods p ON {x}.day BETWEEN p.date_from AND p.date_to "
            f"AND {x}.day BETWEEN $p_lo AND $p_hi"
        )
    if src.kind == "snapshot":
        return f"JOIN snap p ON {x}.as_of_month = p.as_of_month"
    if src.kind == "months12":
        return (
            "JOIN periods p ON "
            f"{x}.month BETWEEN CAST(date_trunc('month', p.date_to) - INTERVAL 11 MONTH AS DATE) "
            f"AND CAST(date_trunc('month', p.date_to) AS DATE) "
            f"AND {x}.month BETWEEN $rev_lo AND $rev_hi"
        )
    if src.kind == "customers12":
        return (
            f"JOIN periods p ON {x}.month = CAST(date_trunc('month', p.date_to) AS DATE) "
            f"AND {x}.month BETWEEN $rev_lo AND $rev_hi"
        )
    return "CROSS JOIN periods p"


def _month_start(day: dt.date, months: int) -> dt.date:
    """The first day of day's month moved by `months`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _snap_cte(table: str) -> str:
    return f"""snap AS (
    SELECT p.pid, p.date_from, p.date_to, max(m.as_of_month) AS as_of_month
    FROM periods p
    LEFT JOIN (SELECT DISTINCT as_of_month FROM {table}) m ON last_day(m.as_of_month) <= p.date_to
    GROUP BY ALL
)"""


def _rollup_sql(src: Source, measures: list[str], by: str | None, s: str) -> str:
    """Additive measures summed from the source's rollup table."""
    cols = ", ".join(f"sum(x.{m}) AS {m}" for m in measures)
    ctes = [PERIODS_CTE]
    if src.kind == "snapshot":
        ctes.append(_snap_cte(s + src.rollup))
    where = BRANCH_OK.format(col="x.branch_id") if src.keyed == "branch" else customer_ok("x")
    return (
        "WITH " + ",\n".join(ctes) + f"\nSELECT p.pid, {_grp(by, 'x', src.keyed)} AS grp, {cols}\n"
        f"FROM {s}{src.rollup} x {_period_join(src)}\nWHERE {where}\nGROUP BY ALL"
    )


def _slim_sql(src: Source, measures: list[str], by: str | None, s: str) -> str:
    """Measures that are not sums, on a slim source's rows: each row carries its customer's
    branch, tier and manager, so they are filtered and grouped without a join."""
    cols = ", ".join(f"{MEASURES[m].expr} AS {m}" for m in measures)
    return (
        f"WITH {PERIODS_CTE}\nSELECT p.pid, {_grp(by, 'x', src.keyed)} AS grp, {cols}\n"
        f"FROM {src.rows(s)} x {_period_join(src)}\nWHERE {customer_ok('x')}\nGROUP BY ALL"
    )


def _sel_cte(src: Source, by: str | None, s: str) -> str:
    """CTE `sel`: the customer dimension rows the filters select, with their group `grp`."""
    if src.keyed == "branch":
        where = BRANCH_OK.format(col="c.branch_id")
        grp = "c.branch_id" if by == "branch" else f"'{ALL}'"
        return f"sel AS (SELECT c.*, {grp} AS grp FROM {s}rollup_customers c WHERE {where})"
    if by == "relationship_type":
        return (
            f"sel AS (SELECT c.*, rel.rel_type AS grp FROM {s}rollup_customers c "
            f"JOIN {REL_MAP} rel ON rel.customer_id = c.customer_id WHERE {customer_ok('c')})"
        )
    grp = _grp(by, "c", "customer")
    return f"sel AS (SELECT c.*, {grp} AS grp FROM {s}rollup_customers c WHERE {customer_ok('c')})"


_JOIN_SEL = "JOIN sel c ON c.customer_id = x.customer_id"


_WEIGHED = ("onboard_date", "churn_date", "referred")
WEIGH_FROM = 3  # periods from which customers are grouped by _WEIGHED before counting
_COUNT = re.compile(r"^count\(\*\)( FILTER \(WHERE (?P<cond>.*)\))?$", re.S)


def _weighable(m: str) -> bool:
    """A count of customers under a condition reading only _WEIGHED columns of `x` (and the
    period `p`): the same count as a sum of weights over customers grouped by them."""
    match = _COUNT.match(MEASURES[m].expr)
    if match is None:
        return False
    cond = match["cond"] or ""
    read = set(re.findall(r"\bx\.(\w+)", cond))
    return read <= set(_WEIGHED) and "count(" not in cond and "sum(" not in cond


def _raw_sql(
    src: Source, measures: list[str], by: str | None, s: str, periods: int = WEIGH_FROM
) -> str:
    """Measures evaluated on the source's own rows (the customer dimension for customers)."""
    cols = ", ".join(f"{MEASURES[m].expr} AS {m}" for m in measures)
    ctes = [PERIODS_CTE]
    weigh = periods >= WEIGH_FROM and all(_weighable(m) for m in measures)
    if src.kind == "customers" and weigh:
        # Customers alike in every column the measures read are one row weighted by n:
        # at 200,000 customers about 46,000 rows a period instead of 200,000 (grouping
        # them costs about as much as reading 200,000 rows for 2 or 3 periods).
        ctes.append(_sel_cte(src, by, s))
        keys = ", ".join(_WEIGHED)
        ctes.append(f"xg AS (SELECT {keys}, grp, count(*) AS n FROM sel GROUP BY ALL)")
        cols = ", ".join(
            f"coalesce({MEASURES[m].expr.replace('count(*)', 'sum(x.n)', 1)}, 0) AS {m}"
            for m in measures
        )
        body = "FROM xg x CROSS JOIN periods p"
        grp = "x.grp"
    elif src.kind == "customers":
        ctes.append(_sel_cte(src, by, s))
        body = "FROM sel x CROSS JOIN periods p"
        grp = "x.grp"
    elif src.keyed == "branch":
        grp = _grp(by, "x", "branch")
        body = (
            f"FROM {src.rows(s)} x {_period_join(src)} WHERE {BRANCH_OK.format(col='x.branch_id')}"
        )
    else:
        ctes.append(_sel_cte(src, by, s))
        grp = "c.grp"
        if src.kind == "snapshot":
            ctes.append(_snap_cte("loan_balances"))
            body = f"FROM {src.rows(s)} x {_JOIN_SEL} {_period_join(src)}"
        elif src.kind == "customers12":  # the segment holding each period's anchor month
            body = (
                f"FROM {s}rollup_revenue_segments x {_JOIN_SEL} "
                "JOIN periods p ON CAST(date_trunc('month', p.date_to) AS DATE) "
                "BETWEEN x.month_from AND x.month_to"
            )
        else:
            body = f"FROM {src.rows(s)} x {_JOIN_SEL} {_period_join(src)}"
    return (
        "WITH " + ",\n".join(ctes) + f"\nSELECT p.pid, {grp} AS grp, {cols}\n{body}\nGROUP BY ALL"
    )


def _fetch(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    cur = con.execute(sql, used_params(sql, params))
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# --- Evaluation -----------------------------------------------------------------------


class _Eval:
    """One evaluation: the periods asked for, the shifted ones derived KPIs read, the data."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        f: Filters,
        periods: Sequence[Period],
        by: str | None,
        kpis: Sequence[str],
        intervals: bool = True,
    ) -> None:
        self.con, self.f, self.by, self.intervals = con, f, by, intervals
        self.periods: list[Period] = []
        self.index: dict[Period, int] = {}
        self.main = [self._pid(p) for p in periods]  # equal periods share one pid
        self.need: dict[str, set[int]] = {}
        for k in kpis:
            for pid in self.main:
                self._want(k, pid)
        self.settings = get_settings()
        self.schema = rollups.location(con)
        self.dates = source_dates(con, self.schema)
        self.data: dict[tuple[int, str], dict[str, Any]] = {}
        self.no_snapshot: set[int] = set()
        self.memo: dict[tuple[str, int, str], Cell] = {}

    def _pid(self, p: Period) -> int:
        if p not in self.index:
            self.index[p] = len(self.periods)
            self.periods.append(p)
        return self.index[p]

    def _want(self, kpi: str, pid: int) -> None:
        if pid in self.need.setdefault(kpi, set()):
            return
        self.need[kpi].add(pid)
        c = KPIS[kpi].computes
        if isinstance(c, Derived):
            for i in c.inputs:
                self._want(i.kpi, self._pid(shifted(i.shift, *self.periods[pid])))

    def load(self) -> None:
        """One query per source (two when it has non-additive measures)."""
        per_source: dict[str, tuple[set[str], set[int]]] = {}
        for kpi, pids in self.need.items():
            for m in measures_of(kpi):
                ms, ps = per_source.setdefault(MEASURES[m].source, (set(), set()))
                ms.add(m)
                ps.update(pids)
        if not per_source:
            return
        params = {**settings_params(), **self.f.params()}
        rel = self.by == "relationship_type" and any(
            SOURCES[s].keyed == "customer" for s in per_source
        )
        if rel:
            state = customer_state.table(self.con, self.f.date_to, need="rel")
            sql = f"SELECT customer_id, rel_type FROM {state}"
            sql = f"CREATE OR REPLACE TEMP TABLE {REL_MAP} AS {sql}"  # stays in DuckDB
            self.con.execute(sql)
        try:
            for sid, (ms, ps) in per_source.items():
                self._load_source(SOURCES[sid], sorted(ms), sorted(ps), params)
        finally:
            if rel:
                self.con.execute(f"DROP TABLE IF EXISTS temp.{REL_MAP}")

    def _load_source(
        self, src: Source, ms: list[str], pids: list[int], base: dict[str, Any]
    ) -> None:
        by = self.by if src.supports(self.by) else None
        params = {
            **base,
            "pids": pids,
            "p_from": [self.periods[i][0] for i in pids],
            "p_to": [self.periods[i][1] for i in pids],
            "p_lo": min(self.periods[i][0] for i in pids),
            "p_hi": max(self.periods[i][1] for i in pids),
            "rev_lo": _month_start(min(self.periods[i][1] for i in pids), -11),
            "rev_hi": _month_start(max(self.periods[i][1] for i in pids), 0),
        }
        s = self.schema
        add = [m for m in ms if MEASURES[m].additive]
        other = [m for m in ms if not MEASURES[m].additive]
        from_rollup = src.has_rollup and by != "relationship_type"
        queries: list[str] = []
        if add and from_rollup:
            queries.append(_rollup_sql(src, add, by, s))
        else:
            other = add + other
        if other and src.slim and by != "relationship_type":
            queries.append(_slim_sql(src, other, by, s))
        elif other:
            queries.append(_raw_sql(src, other, by, s, len(pids)))
        for sql in queries:
            for rec in _fetch(self.con, sql, params):
                key = (int(rec.pop("pid")), str(rec.pop("grp")))
                self.data.setdefault(key, {}).update(rec)
        if src.kind == "snapshot":
            table = s + src.rollup
            sql = (
                f"WITH {PERIODS_CTE}, {_snap_cte(table)} "
                "SELECT pid FROM snap WHERE as_of_month IS NULL"
            )
            self.no_snapshot.update(int(r["pid"]) for r in _fetch(self.con, sql, params))

    # -- cells ---------------------------------------------------------------------------

    def measure(self, m: str, pid: int, g: str) -> Value:
        src = SOURCES[MEASURES[m].source]
        if src.kind == "snapshot" and pid in self.no_snapshot:
            return None
        rec = self.data.get((pid, g if src.supports(self.by) else ALL))
        if rec is None or m not in rec:
            return MEASURES[m].empty
        v = _num(rec[m])
        return MEASURES[m].empty if v is None and MEASURES[m].additive else v

    def supported(self, kpi: str) -> bool:
        return all(SOURCES[s].supports(self.by) for s in sources_of(kpi))

    def covered(self, kpi: str, pid: int) -> bool:
        start = self.periods[pid][0]
        for t in tables_of(kpi):
            d = self.dates.get(t)
            if d is None or d.start is None or start < d.start:
                return False
        return True

    def _complete(self, kpi: str, pid: int) -> bool:
        end = self.periods[pid][1]
        for t in tables_of(kpi):
            d = self.dates.get(t)
            if d is None or d.as_of is None or end > d.as_of:
                return False
        return True

    def cell(self, kpi: str, pid: int, g: str) -> Cell:
        key = (kpi, pid, g)
        if key not in self.memo:
            self.memo[key] = self._cell(kpi, pid, g)
        return self.memo[key]

    def _cell(self, kpi: str, pid: int, g: str) -> Cell:
        k = KPIS[kpi]
        c = k.computes
        flags = {"complete": self._complete(kpi, pid), "covered": self.covered(kpi, pid)}
        if isinstance(c, Derived):
            values: list[Value] = []
            for i in c.inputs:
                ipid = self.index[shifted(i.shift, *self.periods[pid])]
                if c.needs_covered and i.shift != "same" and not self.covered(i.kpi, ipid):
                    return Cell(None, **flags)
                values.append(self._input(i.kpi, ipid, g))
            return Cell(c.formula(tuple(values), self.f), **flags)
        if g != ALL and not self.supported(kpi):
            return Cell(None, **flags)
        min_n = self.settings.min_n
        if isinstance(c, Count):
            v = self.measure(c.measure, pid, g)
            if c.n is None:
                return Cell(v, numerator=v, **flags)
            n = self.measure(c.n, pid, g)
            return Cell(v, denominator=n, low_n=(n or 0) < min_n, **flags)
        assert isinstance(c, Ratio)
        num, den = self.measure(c.numerator, pid, g), self.measure(c.denominator, pid, g)
        value = None if num is None or not den else c.scale * float(num) / float(den)
        lo = hi = None
        if self.intervals and c.interval and value is not None and num is not None and den:
            lo, hi = wilson(float(num), float(den))
        mature = None
        if c.matures:
            leads = self.dates.get("leads")
            end = self.periods[pid][1]
            mature = bool(
                leads is not None
                and leads.as_of is not None
                and leads.as_of >= end + dt.timedelta(days=self.settings.maturity_days)
            )
        return Cell(
            value,
            numerator=num,
            denominator=den,
            ci_low=lo,
            ci_high=hi,
            low_n=c.counts and (den or 0) < min_n,
            mature=mature,
            **flags,
        )

    def _input(self, kpi: str, pid: int, g: str) -> Value:
        if g == ALL or self.supported(kpi) or isinstance(KPIS[kpi].computes, Derived):
            return self.cell(kpi, pid, g).value
        if self.by in OVERALL_FALLBACK:
            return self.cell(kpi, pid, ALL).value
        return None


def _kpi_ids(kpis: Iterable[str] | None) -> list[str]:
    ids = list(KPIS) if kpis is None else list(dict.fromkeys(kpis))
    unknown = [k for k in ids if k not in KPIS]
    if unknown:
        raise ValueError(f"unknown KPI {unknown[0]!r}")
    return ids


def group_values(con: duckdb.DuckDBPyConnection, f: Filters, by: str | None) -> list[str]:
    """The rows of a breakdown: tiers, branches, relationship types or managers selected."""
    if by is None:
        return [ALL]
    if by == "tier":
        return list(f.tiers or TIERS)
    if by == "relationship_type":
        return list(REL_TYPE_IDS)
    if by == "branch":
        rows = con.execute(
            "SELECT branch_id FROM branches WHERE "
            + BRANCH_OK.format(col="branch_id")
            + " ORDER BY branch_id",
            {"branches": list(f.branches)},
        ).fetchall()
        return [str(r[0]) for r in rows]
    if by == "relationship_manager":
        s = rollups.location(con)
        sql = (
            f"SELECT DISTINCT manager FROM {s}rollup_customers c WHERE {customer_ok('c')} "
            "ORDER BY manager"
        )
        return [str(r[0]) for r in con.execute(sql, used_params(sql, f.params())).fetchall()]
    raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(BREAKDOWNS)}")


def cells(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    periods: Sequence[Period],
    by: str | None = None,
    kpis: Iterable[str] | None = None,
    *,
    intervals: bool = True,
) -> dict[tuple[int, str], dict[str, Cell]]:
    """Cells of the KPIs asked for (default all), per period index and group of `by`.

    intervals=False leaves ci_low/ci_high None (the value-only functions: no statsmodels).
    """
    if (by is not None and by not in BREAKDOWNS) or by == "month":
        raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(BREAKDOWNS)}")
    ids = _kpi_ids(kpis)
    ev = _Eval(con, f, periods, by, ids, intervals)
    ev.load()
    groups = group_values(con, f, by)
    return {
        (i, g): {k: ev.cell(k, pid, g) for k in ids}
        for i, pid in enumerate(ev.main)
        for g in groups
    }


# --- Public API -------------------------------------------------------------------------


def month_periods(
    f: Filters, kind: Literal["month", "trailing12", "clipped"] = "month"
) -> list[Period]:
    """Each calendar month overlapping the period: whole, the 12 months ending it, or clipped."""
    out: list[Period] = []
    first = f.date_from.replace(day=1)
    while first <= f.date_to:
        nxt = (first + dt.timedelta(days=32)).replace(day=1)
        end = nxt - dt.timedelta(days=1)
        if kind == "month":
            start = first
        elif kind == "trailing12":
            start = first.replace(year=first.year - 1)
            start = (start + dt.timedelta(days=32)).replace(day=1)
        elif kind == "clipped":
            start, end = max(first, f.date_from), min(end, f.date_to)
        else:
            raise ValueError(f"unknown series kind {kind!r}; expected month or trailing12")
        out.append((start, end))
        first = nxt
    return out


def detail(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    kpis: Iterable[str] | None = None,
    *,
    intervals: bool = True,
) -> dict[str, Cell]:
    """KPI id -> Cell for the filters' period."""
    return cells(con, f, [(f.date_from, f.date_to)], None, kpis, intervals=intervals)[(0, ALL)]


def compute(
    con: duckdb.DuckDBPyConnection, f: Filters, kpis: Iterable[str] | None = None
) -> dict[str, Value]:
    """KPI id -> value for the filters' period (None: zero denominator or no data)."""
    res = cells(con, f, [(f.date_from, f.date_to)], None, kpis, intervals=False)
    return {k: c.value for k, c in res[(0, ALL)].items()}


def compare_detail(
    con: duckdb.DuckDBPyConnection, f: Filters, kpis: Iterable[str] | None = None
) -> dict[str, dict[str, Cell]]:
    """{'current', 'previous', 'year_ago'} -> KPI id -> Cell; comparisons not covered are null."""
    prev, ago = f.previous_period(), f.year_earlier()
    periods = [(f.date_from, f.date_to), (prev.date_from, prev.date_to)]
    periods.append((ago.date_from, ago.date_to))
    res = cells(con, f, periods, None, kpis)
    out: dict[str, dict[str, Cell]] = {}
    for i, name in enumerate(("current", "previous", "year_ago")):
        row = res[(i, ALL)]
        out[name] = (
            row if i == 0 else {k: c if c.covered else c.uncovered() for k, c in row.items()}
        )
    return out


def compare(
    con: duckdb.DuckDBPyConnection, f: Filters, kpis: Iterable[str] | None = None
) -> pd.DataFrame:
    """Index KPI id; columns current, previous (equal length, just before), year_ago (NaN=None).

    Values as computed for each period; compare_detail adds the flags and nulls what is
    not covered.
    """
    prev, ago = f.previous_period(), f.year_earlier()
    periods = [(f.date_from, f.date_to), (prev.date_from, prev.date_to)]
    periods.append((ago.date_from, ago.date_to))
    res = cells(con, f, periods, None, kpis, intervals=False)
    ids = _kpi_ids(kpis)
    cols = ("current", "previous", "year_ago")
    data = {c: [res[(i, ALL)][k].value for k in ids] for i, c in enumerate(cols)}
    return pd.DataFrame(data, index=pd.Index(ids, name="kpi"), dtype="float64")


def series_detail(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    kind: Literal["month", "trailing12"] = "month",
    kpis: Iterable[str] | None = None,
) -> dict[dt.date, dict[str, Cell]]:
    """Month end -> KPI id -> Cell; trailing-12 points not covered are null."""
    periods = month_periods(f, kind)
    res = cells(con, f, periods, None, kpis)
    out: dict[dt.date, dict[str, Cell]] = {}
    for i, (_, end) in enumerate(periods):
        row = res[(i, ALL)]
        if kind == "trailing12":
            row = {k: c if c.covered else c.uncovered() for k, c in row.items()}
        out[end] = row
    return out


def series(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    kind: Literal["month", "trailing12"] = "month",
    kpis: Iterable[str] | None = None,
) -> pd.DataFrame:
    """One row per calendar month overlapping the period (index month-end), a column per KPI.

    'month' is the whole calendar month (not clipped to the period); 'trailing12' is the
    12 calendar months ending with that month. Values as computed (see series_detail).
    """
    periods = month_periods(f, kind)
    res = cells(con, f, periods, None, kpis, intervals=False)
    ids = _kpi_ids(kpis)
    index = pd.DatetimeIndex([pd.Timestamp(b) for _, b in periods], name="month_end")
    data = {k: [res[(i, ALL)][k].value for i in range(len(periods))] for k in ids}
    return pd.DataFrame(data, index=index, columns=ids, dtype="float64")


def breakdown_detail(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    by: BreakdownBy,
    kpis: Iterable[str] | None = None,
    *,
    intervals: bool = True,
) -> dict[str, dict[str, Cell]]:
    """Group -> KPI id -> Cell. by='month': one group per calendar month overlapping the
    period, clipped to it, keyed YYYY-MM."""
    if by == "month":
        periods = month_periods(f, "clipped")
        res = cells(con, f, periods, None, kpis, intervals=intervals)
        return {f"{b:%Y-%m}": res[(i, ALL)] for i, (_, b) in enumerate(periods)}
    res = cells(con, f, [(f.date_from, f.date_to)], by, kpis, intervals=intervals)
    return {g: row for (_, g), row in res.items()}


def breakdown(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    by: BreakdownBy,
    kpis: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Index group value, a column per KPI; NaN where a KPI has no such dimension or no data.

    Relationship types are those on f.date_to, so only customers active that day count.
    Funnel, spend and CAC break down by branch only (leads and spend have no tier).
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(BREAKDOWNS)}")
    rows = breakdown_detail(con, f, by, kpis, intervals=False)
    ids = _kpi_ids(kpis)
    data = {k: [rows[g][k].value for g in rows] for k in ids}
    return pd.DataFrame(data, index=pd.Index(list(rows), name=by), columns=ids, dtype="float64")
