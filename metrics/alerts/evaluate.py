"""Which alert rules fire for a month: one engine query per scope for all its rules' KPIs.

A rule fires when the KPI's value is off its target (or beyond its threshold) at the
rule's scope: the bank (the selection), each branch or each tier. A value of nothing
never fires, nor does a sample below the rule's min_n (default: the settings' min_n);
KPIs whose denominator is money or that have no sample (NPL ratio, growth) have no n.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import duckdb

from metrics.alert_settings import AlertRule
from metrics.config import Settings, get_settings
from metrics.filters import Filters


@dataclass(frozen=True)
class Fired:
    """One rule firing for one scope value: what, where, how far, on how many."""

    rule: str
    kpi: str
    scope: str
    group: str  # "all" for the bank scope, else the branch id or tier
    month: str
    value: float
    target: float  # the KPI's target, or the rule's threshold
    compare: str
    fires: str  # below | above
    n: float | None

    def key(self) -> tuple[str, str, str]:
        """What a delivery is deduplicated on, with the channel: rule, scope value, month."""
        return (self.rule, self.group, self.month)


def rules(settings: Settings | None = None) -> list[AlertRule]:
    """The default rules (each KPI with a target, bank-wide) then the TOML's, checked, each
    with `fires` resolved (below for a KPI where higher is better, else above)."""
    from metrics.kpis.catalog import KPIS

    s = settings or get_settings()
    out = [AlertRule(k) for k in KPIS if s.target(k) is not None] if s.alerts.default_rules else []
    for r in s.alerts.rules:
        if r.kpi not in KPIS:
            raise ValueError(f"alert rule on unknown KPI {r.kpi!r}")
        if r.compare == "target" and s.target(r.kpi) is None:
            raise ValueError(f"alert rule compares {r.kpi} with its target, but it has none")
        if r.fires is None and KPIS[r.kpi].direction == "none":
            raise ValueError(f"alert rule on {r.kpi} needs fires = below or above")
        out.append(r)
    return [
        r
        if r.fires
        else replace(r, fires="below" if KPIS[r.kpi].direction == "higher" else "above")
        for r in out
    ]


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """'2025-12' -> (2025-12-01, 2025-12-31); ValueError for anything else."""
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValueError(f"month {month!r} is not YYYY-MM") from None
    if len(month) != 7:
        raise ValueError(f"month {month!r} is not YYYY-MM")
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def latest_month(con: duckdb.DuckDBPyConnection) -> str | None:
    """The month of the latest as-of date of any source (None for an empty store)."""
    from metrics.engine.query import source_dates

    dates = [d.as_of for d in source_dates(con).values() if d.as_of is not None]
    return f"{max(dates):%Y-%m}" if dates else None


def _sample(kpi: str, denominator: float | None) -> float | None:
    from metrics.kpis.catalog import KPIS
    from metrics.kpis.model import Count, Ratio

    c = KPIS[kpi].computes
    if (isinstance(c, Ratio) and c.counts) or (isinstance(c, Count) and c.n is not None):
        return denominator
    return None


def evaluate(
    con: duckdb.DuckDBPyConnection,
    month: str,
    settings: Settings | None = None,
    base: Filters | None = None,
) -> list[Fired]:
    """The alerts that fire for `month`, under `base`'s branches and tiers (default: all)."""
    from metrics.engine.query import ALL, breakdown_detail, detail

    s = settings or get_settings()
    first, last = month_bounds(month)
    f = Filters(first, last, discount_rate=s.discount_rate)
    if base is not None:
        f = Filters(first, last, base.branches, base.tiers, base.managers, base.discount_rate)
    all_rules = rules(s)
    fired: list[Fired] = []
    for scope in ("bank", "branch", "tier"):
        mine = [r for r in all_rules if r.scope == scope]
        if not mine:
            continue
        ids = list(dict.fromkeys(r.kpi for r in mine))
        if scope == "bank":
            groups = {ALL: detail(con, f, ids, intervals=False)}
        else:
            groups = breakdown_detail(con, f, scope, ids, intervals=False)  # type: ignore[arg-type]
        for r in mine:
            fires = r.fires or "above"
            bound = s.target(r.kpi) if r.compare == "target" else r.threshold
            assert bound is not None
            min_n = s.min_n if r.min_n is None else r.min_n
            for g, row in groups.items():
                cell = row[r.kpi]
                if cell.value is None:
                    continue
                n = _sample(r.kpi, cell.denominator)
                if n is not None and n < min_n:
                    continue
                v = float(cell.value)
                if (v < bound) if fires == "below" else (v > bound):
                    fired.append(Fired(r.id, r.kpi, scope, g, month, v, bound, r.compare, fires, n))
    return fired


def fired_latest(con: duckdb.DuckDBPyConnection, f: Filters) -> tuple[str | None, list[Fired]]:
    """(latest month, the alerts firing in it) for the branches and tiers of `f` (the app's
    Overview, clamped to the user's branches)."""
    month = latest_month(con)
    return month, ([] if month is None else evaluate(con, month, base=f))
