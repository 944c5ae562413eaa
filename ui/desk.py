"""The relationship manager's desk, app side: the day, flags in words, facts, tables, heatmap.

Pages (managers, watchlist, whitespace) ask these helpers for what they show; the frames
come from metrics.scorecards / watchlist / whitespace, and only get labelled and worded here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics import scorecards, watchlist
from metrics.config import get_settings
from metrics.filters import UNASSIGNED, Filters
from metrics.registry import KPIS
from ui import names, page, tables
from ui.charts import domain as domain_charts
from ui.data import deferred
from ui.fmt import DASH, fmt_date, fmt_pct, fmt_value, is_missing
from ui.i18n import t, value_name

SCORE_EXTRA_UNITS: dict[str, str] = {
    "tier_a_share": "ratio",
    "tier_b_share": "ratio",
    "tier_c_share": "ratio",
}


def day(f: Filters) -> dt.date:
    """The day the desk looks at: the period's last day, or the latest data date if earlier."""
    latest = page.load(watchlist.latest_day, None)
    return min(f.date_to, latest) if latest else f.date_to


def manager_name(manager: Any, lang: str) -> str:
    """A manager as shown: their name, or 未分配 / Unassigned."""
    return (
        t("unassigned", lang)
        if manager in (UNASSIGNED, None) or is_missing(manager)
        else str(manager)
    )


def flag_words(flags: Sequence[str], lang: str) -> str:
    """Flag ids as words, in the spec's order: "逾期、投诉未办结" / "Past due, Open complaint"."""
    return ("、" if lang == "zh" else ", ").join(t(f"flag_{x}", lang) for x in flags)


def _money(value: Any, lang: str) -> str:
    return fmt_value(value, "cny", lang)


def facts(row: dict[str, Any], lang: str) -> str:
    """The facts behind a watchlist row's flags, one clause per flag."""
    parts: list[str] = []
    for flag in row["flags"]:
        if flag == "revenue_drop":
            before, recent = row["rev_before"], row["rev_recent"]
            change = fmt_pct(recent / before - 1, 0) if before else DASH
            parts.append(
                t(
                    "fact_revenue_drop",
                    lang,
                    recent=_money(recent, lang),
                    before=_money(before, lang),
                    change=change,
                )
            )
        elif flag == "risk_downgrade":
            parts.append(
                t(
                    "fact_risk_downgrade",
                    lang,
                    loan=row["downgraded_loan"],
                    to=value_name("risk_class", row["downgraded_to"], lang),
                )
            )
        elif flag == "past_due":
            parts.append(
                t("fact_past_due", lang, loan=row["past_due_loan"], days=int(row["days_past_due"]))
            )
        elif flag == "complaint_open":
            parts.append(
                t(
                    "fact_complaint_open",
                    lang,
                    id=row["complaint_id"],
                    days=int(row["complaint_age_days"]),
                )
            )
        elif flag == "low_satisfaction":
            parts.append(
                t(
                    "fact_low_satisfaction",
                    lang,
                    score=int(row["last_score"]),
                    date=fmt_date(row["last_survey_date"]),
                )
            )
        elif flag == "maturity_no_renewal":
            parts.append(
                t(
                    "fact_maturity",
                    lang,
                    loan=row["maturing_loan"],
                    date=fmt_date(row["maturity_date"]),
                )
            )
    return ("；" if lang == "zh" else "; ").join(parts)


def watch_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The watchlist as shown and exported: who, flags in words, facts, balance."""
    records: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in frame.to_dict("records")
    ]
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "customer_name": frame["customer_name"],
            "branch_id": frame["branch_id"],
            "tier": frame["tier"],
            "relationship_manager": [manager_name(m, lang) for m in frame["relationship_manager"]],
            "outstanding_balance": frame["outstanding_balance"],
            "flags": [flag_words(r["flags"], lang) for r in records],
            "facts": [facts(r, lang) for r in records],
        }
    )


def book_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A book of business as shown: relationship type and flags in words."""
    out = names.readable(frame, lang)
    out["flags"] = [flag_words(x, lang) for x in frame["flags"]]
    return out


def score_frame(
    cards: pd.DataFrame, lang: str
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """Scorecards as a table (manager names, the interval as text) with labels and units."""
    out = cards.copy()
    out.insert(1, "manager", [manager_name(m, lang) for m in cards.index])
    interval = [
        DASH if is_missing(lo) else f"{fmt_pct(lo, 1)}–{fmt_pct(hi, 1)}"
        for lo, hi in zip(cards["csat_low"], cards["csat_high"], strict=True)
    ]
    out["csat_interval"] = interval
    first = ["rank", "manager", "active_customers", "tier_a_share", "tier_b_share", "tier_c_share"]
    first += ["csat_rate", "csat_interval", "csat_n", "low_n"]
    rest = [x for x in out.columns if x not in (*first, "csat_low", "csat_high")]
    out = out[first + rest].reset_index(drop=True)
    labels = tables.column_labels(list(out.columns), lang)
    labels.update({k: KPIS[k].label(lang) for k in scorecards.SCORE_KPIS})
    labels["low_n"] = t("col_low_n", lang, n=get_settings().min_n)
    units = {k: KPIS[k].unit for k in scorecards.SCORE_KPIS} | SCORE_EXTRA_UNITS
    return out, labels, units


def rank_label(column: str, lang: str) -> str:
    """What a scorecard can be ranked by: a KPI's label, or the watchlist count."""
    return KPIS[column].label(lang) if column in KPIS else t(f"col_{column}", lang)


def manager_picker(cards: pd.DataFrame, lang: str, key: str) -> str | None:
    """Whose book to open: the managers in rank order."""
    names = list(cards.index)
    if not names:
        return None
    picked = st.selectbox(
        t("book_of", lang), names, format_func=lambda m: manager_name(m, lang), key=key
    )
    return str(picked) if picked is not None else None


def watch_pickers(f: Filters, lang: str) -> tuple[Filters, tuple[str, ...]]:
    """The watchlist's own filters (flags, managers) on top of the sidebar's; the new Filters."""
    managers = page.load(watchlist.managers, replace(f, managers=()))
    left, right = st.columns(2)
    with left:
        flags = st.multiselect(
            t("wl_flags_filter", lang),
            list(watchlist.FLAGS),
            format_func=lambda x: t(f"flag_{x}", lang),
            placeholder=t("all", lang),
            key="wl_flags",
        )
    with right:
        chosen = st.multiselect(
            t("wl_managers_filter", lang),
            managers,
            format_func=lambda m: manager_name(m, lang),
            placeholder=t("all", lang),
            key="wl_managers",
        )
    return replace(f, managers=tuple(chosen) or f.managers), tuple(flags)


def peer_heatmap(shares: pd.DataFrame, lang: str, title: str) -> go.Figure:
    """Tiers (rows) x product categories (columns): the share of peers holding each."""
    wide = (
        shares.pivot(index="tier", columns="category", values="share")
        if not shares.empty
        else shares
    )
    if not shares.empty:
        wide.index = [t("tier_name", lang, tier=x) for x in wide.index]
        wide.columns = [str(value_name("product_category", x, lang)) for x in wide.columns]
    return domain_charts.heatmap(wide, lang, title=title, empty_message=t("no_data_period", lang))


def category_name(category: Any, lang: str) -> str:
    """A product category's name, "—" for none."""
    return DASH if is_missing(category) else str(value_name("product_category", category, lang))


def whitespace_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per customer: held categories and the next best one, in words."""
    sep = "、" if lang == "zh" else ", "
    out = frame.copy()
    out["relationship_manager"] = [manager_name(m, lang) for m in frame["relationship_manager"]]
    out["held"] = [sep.join(category_name(x, lang) for x in held) or DASH for held in frame["held"]]
    out["next_best"] = [category_name(x, lang) for x in frame["next_best"]]
    return out


def customer_list(
    fetch: Callable[..., pd.DataFrame],
    count: Callable[..., int],
    f: Filters,
    lang: str,
    *args: Any,
    name: str,
    title: str,
    key: str,
    shape: Callable[[pd.DataFrame, str], pd.DataFrame] = whitespace_frame,
    **kwargs: Any,
) -> None:
    """A desk page's customer list: the first rows a grid draws and how many there are on
    screen, every row in the downloads (fetched when a button is clicked). `fetch` takes
    `limit=`; `count` the same arguments without it; `shape` words the rows."""
    shown = page.load(fetch, f, *args, limit=tables.GRID_ROWS, **kwargs)
    total = page.load(count, f, *args, **kwargs)
    everything = deferred(fetch, f, *args, **kwargs)
    tables.table(
        shape(shown, lang),
        name,
        f,
        lang,
        title=title,
        key=key,
        total=total,
        everything=lambda: shape(everything(), lang),
    )


def category_picker(counts: pd.DataFrame, lang: str, key: str) -> str | None:
    """Which next best category to list customers for (most customers first)."""
    if counts.empty:
        return None
    sizes = dict(zip(counts["category"], counts["customers"], strict=True))
    picked = st.selectbox(
        t("ws_pick", lang),
        list(sizes),
        format_func=lambda x: f"{category_name(x, lang)} ({sizes[x]})",
        key=key,
    )
    return str(picked) if picked is not None else None


def watchlist_link(f: Filters, lang: str) -> None:
    """The Overview's line: how many customers are flagged today, linking to the watchlist."""
    on = day(f)
    n = page.load(watchlist.watchlist_count, f, on)
    st.page_link(
        "app_pages/watchlist.py",
        label=t("wl_link", lang, n=f"{n:,}", day=fmt_date(on)),
        icon=":material/notification_important:",
    )
