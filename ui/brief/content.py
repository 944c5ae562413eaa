"""What the board brief says: the month's numbers from metrics, formatted by ui.fmt, and the
sentences generated from them by rules. No Streamlit, no SQL, no PDF: text and figures.

The same inputs (store, month, language, branches, tiers) give the same text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import plotly.graph_objects as go

from metrics import impact, migration, views
from metrics.config import get_settings
from metrics.engine import query
from metrics.filters import Filters
from metrics.kpis.catalog import KPIS
from metrics.kpis.model import Count, Ratio
from ui import charts
from ui.fmt import DASH, delta, fmt_date, fmt_delta, fmt_int, fmt_pp, fmt_value, fmt_values
from ui.i18n import t

# The Overview's headline KPIs, in its order (app_pages/overview.py HEADLINE).
HEADLINE: tuple[str, ...] = (
    "csat_rate", "nps", "response_sla_rate", "retention_rate", "active_customers",
    "new_customers", "lead_conversion_rate", "new_loan_amount", "new_loan_growth",
    "npl_ratio", "avg_annual_revenue", "clv_cac_ratio",
)  # fmt: skip
TRENDS: tuple[str, ...] = ("csat_rate", "response_sla_rate", "new_loan_amount", "npl_ratio")
BRANCH_KPIS: tuple[str, ...] = ("csat_rate", "response_sla_rate", "npl_ratio", "new_loan_amount")
TIER_KPIS: tuple[str, ...] = ("active_customers", "new_loan_amount", "outstanding_balance")
MOVERS = 3


@dataclass(frozen=True)
class Scope:
    """What a brief is about: a month and the customers selected (empty: all)."""

    month: str  # YYYY-MM
    lang: str = "zh"
    branches: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()

    def bounds(self) -> tuple[dt.date, dt.date]:
        from metrics.alerts.evaluate import month_bounds

        return month_bounds(self.month)

    def filters(self, date_from: dt.date | None = None, date_to: dt.date | None = None) -> Filters:
        first, last = self.bounds()
        return Filters(date_from or first, date_to or last, self.branches, self.tiers)


@dataclass
class Brief:
    """Everything the PDF prints, as text (tables as rows of strings), plus the figures."""

    title: str
    filters_line: str
    as_of_line: str
    headline: list[list[str]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    off_target: str = ""
    movers: str = ""
    events: list[str] = field(default_factory=list)
    figures: list[go.Figure] = field(default_factory=list)
    branches: list[list[str]] = field(default_factory=list)
    tiers: list[list[str]] = field(default_factory=list)
    migration: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # under the headline (page 1)
    table_notes: list[str] = field(default_factory=list)  # under the tables (page 3)


def _previous_month(first: dt.date) -> tuple[dt.date, dt.date]:
    last = first - dt.timedelta(days=1)
    return last.replace(day=1), last


def _year_ago(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    start = first.replace(year=first.year - 1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


def _sample(kpi: str, cell: query.Cell) -> Any:
    c = KPIS[kpi].computes
    if (isinstance(c, Ratio) and c.counts) or (isinstance(c, Count) and c.n is not None):
        return cell.denominator
    return None


def _unsigned(text: str) -> str:
    return text.lstrip("+-")


def gap_text(kpi: str, value: float, lang: str) -> str:
    """|value - target| in the KPI's unit, as the app writes it (points for ratios)."""
    k = KPIS[kpi]
    assert k.target is not None
    diff = abs(value - k.target)
    return _unsigned(fmt_pp(diff, lang)) if k.unit == "ratio" else fmt_value(diff, k.unit, lang)


def sentence(kpi: str, value: Any, previous: Any, lang: str) -> str:
    """'满意率 89.9%，低于目标 0.1 个百分点，较上月下降 0.6 个百分点。' from the numbers."""
    k = KPIS[kpi]
    parts = [t("brief.s.value", lang, label=k.label(lang), value=fmt_value(value, k.unit, lang))]
    if k.target is not None and value is not None:
        v = float(value)
        if v == k.target:
            parts.append(t("brief.s.at", lang))
        else:
            key = "brief.s.above" if v > k.target else "brief.s.below"
            parts.append(t(key, lang, gap=gap_text(kpi, v, lang)))
    change = delta(value, previous, k.unit)
    if change is not None:
        shown = fmt_delta(value, previous, k.unit, lang) or DASH
        if change == 0:
            parts.append(t("brief.s.flat", lang))
        else:
            key = "brief.s.up" if change > 0 else "brief.s.down"
            parts.append(t(key, lang, delta=_unsigned(shown)))
    return t("brief.s.join", lang).join(parts) + t("brief.s.end", lang)


def _as_of_line(con: duckdb.DuckDBPyConnection, lang: str) -> str:
    from metrics.contract import TABLES

    dates = query.source_dates(con)
    items = []
    for name, d in dates.items():
        label = TABLES[name].alias if lang == "zh" and name in TABLES else name
        items.append(f"{label} {fmt_date(d.as_of)}")
    return t("brief.as_of", lang, dates=" · ".join(items))


def branch_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    frame = views.branch_list(con)
    return dict(zip(frame["branch_id"].astype(str), frame["branch_name"].astype(str), strict=True))


def _filters_line(con: duckdb.DuckDBPyConnection, s: Scope) -> str:
    names = branch_names(con)
    every = t("brief.all", s.lang)
    branches = ", ".join(f"{b} {names.get(b, '')}".strip() for b in s.branches) or every
    return t("brief.filters", s.lang, branches=branches, tiers=", ".join(s.tiers) or every)


def _headline(brief: Brief, con: duckdb.DuckDBPyConnection, s: Scope) -> None:
    lang, min_n = s.lang, get_settings().min_n
    first, last = s.bounds()
    periods = [(first, last), _previous_month(first), _year_ago(first, last)]
    targeted = [k for k in KPIS if KPIS[k].target is not None]
    ids = list(dict.fromkeys(HEADLINE + tuple(targeted)))
    res = query.cells(con, s.filters(), periods, None, ids)
    now, prev, ago = (res[(i, query.ALL)] for i in range(3))
    ago = {k: c if c.covered else c.uncovered() for k, c in ago.items()}
    prev = {k: c if c.covered else c.uncovered() for k, c in prev.items()}
    for kpi in HEADLINE:
        k, c = KPIS[kpi], now[kpi]
        n = _sample(kpi, c)
        low = n is not None and n < min_n and c.value is not None
        ci = DASH
        if c.ci_low is not None and c.ci_high is not None:
            lo, hi = fmt_values([c.ci_low, c.ci_high], k.unit, lang)
            ci = f"{lo} – {hi}"
        immature = c.mature is False and c.value is not None
        brief.headline.append(
            [
                k.label(lang),
                fmt_value(c.value, k.unit, lang)
                + (" *" if low else "")
                + (" †" if immature else ""),
                DASH if k.target is None else fmt_value(k.target, k.unit, lang),
                fmt_delta(c.value, prev[kpi].value, k.unit, lang) or DASH,
                fmt_delta(c.value, ago[kpi].value, k.unit, lang) or DASH,
                DASH if n is None else fmt_int(n),
                ci,
            ]
        )
    brief.sentences = [
        sentence(kpi, now[kpi].value, prev[kpi].value, lang)
        for kpi in targeted
        if now[kpi].value is not None
    ]
    off = [
        KPIS[kpi].label(lang)
        for kpi in targeted
        if charts.status_of(now[kpi].value, KPIS[kpi].target, KPIS[kpi].direction) == "off"
    ]
    brief.off_target = (
        t("brief.off_target", lang, items="、".join(off) if lang == "zh" else ", ".join(off))
        if off
        else t("brief.all_on_target", lang)
    )
    moves = []
    for kpi in HEADLINE:
        a, b = now[kpi].value, prev[kpi].value
        if KPIS[kpi].direction == "none" or a is None or b is None or float(b) == 0:
            continue
        if now[kpi].mature is False:  # a funnel value still rising is no movement
            continue
        moves.append((abs(float(a) / float(b) - 1), kpi))
    moves.sort(key=lambda m: (-m[0], m[1]))
    items = [
        f"{KPIS[k].label(lang)} {fmt_delta(now[k].value, prev[k].value, KPIS[k].unit, lang)}"
        for _, k in moves[:MOVERS]
    ]
    sep = "；" if lang == "zh" else "; "
    brief.movers = (
        t("brief.movers", lang, items=sep.join(items)) if items else t("brief.no_movers", lang)
    )
    if any(" *" in r[1] for r in brief.headline):
        brief.notes.append(t("brief.low_n", lang, n=min_n))
    if any(r[1].endswith(" †") for r in brief.headline):
        days = get_settings().maturity_days
        brief.notes.append(t("brief.immature", lang, days=days))


def _events(brief: Brief, con: duckdb.DuckDBPyConnection, s: Scope) -> None:
    lang = s.lang
    for e in impact.events_in(con, s.filters()):
        where = t("brief.bank_wide", lang) if e.branch_id is None else e.branch_id
        text = (
            f"{fmt_date(e.event_date)} {e.title}（{where}）"
            if lang == "zh"
            else (f"{fmt_date(e.event_date)} {e.title} ({where})")
        )
        if e.description:
            text += f"：{e.description}" if lang == "zh" else f": {e.description}"
        brief.events.append(text)


def _figures(brief: Brief, con: duckdb.DuckDBPyConnection, s: Scope) -> None:
    lang = s.lang
    first, last = s.bounds()
    start = first.replace(year=first.year - 1) + dt.timedelta(days=31)
    window = s.filters(start.replace(day=1), last)
    frame = query.series(con, window, "month", list(TRENDS))
    events = impact.events_in(con, window)
    for kpi in TRENDS:
        k = KPIS[kpi]
        brief.figures.append(
            charts.trend(
                frame,
                {kpi: k.label(lang)},
                k.unit,
                lang,
                title=k.label(lang),
                target=k.target,
                target_label=t("target", lang),
                height=300,
                events=events,
            )
        )


def _branches(brief: Brief, con: duckdb.DuckDBPyConnection, s: Scope) -> None:
    lang, min_n = s.lang, get_settings().min_n
    names = branch_names(con)
    rows = query.breakdown_detail(con, s.filters(), "branch", list(BRANCH_KPIS))

    def rank(item: tuple[str, dict[str, query.Cell]]) -> tuple[int, float, str]:
        v = item[1]["csat_rate"].value
        return (v is None, -(float(v) if v is not None else 0.0), item[0])

    for branch, row in sorted(rows.items(), key=rank):
        shown = [f"{branch} {names.get(branch, '')}".strip()]
        for kpi in BRANCH_KPIS:
            c = row[kpi]
            n = _sample(kpi, c)
            mark = " *" if n is not None and n < min_n and c.value is not None else ""
            shown.append(fmt_value(c.value, KPIS[kpi].unit, lang) + mark)
        shown.append(
            DASH if row["csat_rate"].denominator is None else fmt_int(row["csat_rate"].denominator)
        )
        brief.branches.append(shown)
    if any(cell.endswith(" *") for r in brief.branches for cell in r):
        brief.table_notes.append(t("brief.low_n", lang, n=min_n))


def _tiers(brief: Brief, con: duckdb.DuckDBPyConnection, s: Scope) -> None:
    lang = s.lang
    rows = query.breakdown_detail(con, s.filters(), "tier", list(TIER_KPIS), intervals=False)
    total = sum(float(r["active_customers"].value or 0) for r in rows.values())
    for tier, row in rows.items():
        active = row["active_customers"].value
        share = None if not total or active is None else float(active) / total
        brief.tiers.append(
            [tier, fmt_int(active), fmt_value(share, "ratio", lang)]
            + [fmt_value(row[k].value, KPIS[k].unit, lang) for k in TIER_KPIS[1:]]
        )


def _migration(brief: Brief, con: duckdb.DuckDBPyConnection, s: Scope) -> None:
    lang = s.lang
    frame = migration.risk_migration(con, s.filters())
    for r in frame.itertuples(index=False):
        brief.migration.append(
            [
                t(f"risk_{r.risk_before}", lang),
                t(f"risk_{r.risk_now}", lang),
                fmt_int(r.loans),
                fmt_value(r.balance, "cny", lang),
            ]
        )


def build(con: duckdb.DuckDBPyConnection, s: Scope) -> Brief:
    """The brief of `s.month` for the selection, in `s.lang`."""
    brief = Brief(
        title=t("brief.title", s.lang, month=s.month),
        filters_line=_filters_line(con, s),
        as_of_line=_as_of_line(con, s.lang),
    )
    _headline(brief, con, s)
    _events(brief, con, s)
    _figures(brief, con, s)
    _branches(brief, con, s)
    _tiers(brief, con, s)
    _migration(brief, con, s)
    return brief
