"""The demo's fact tables for one chunk of customers: loans and balances, surveys,
service requests and revenue.

Each function draws from the chunk's own random generator and numbers its rows from
the given first id, so chunks generated one after another give the same rows whatever
else runs; customer ids are `cus.first + index + 1`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.demo.bank import Customers, branch_index
from metrics.demo.columns import (
    BoolArray,
    FloatArray,
    IntArray,
    dates,
    day,
    expand,
    ids,
    ints,
    money,
    month_last,
    month_of,
    months,
    pick,
    pick_rows,
    text,
    timestamps,
)
from metrics.demo.story import (
    AMORTISING,
    BAD_COMMENTS,
    CATEGORIES,
    GOOD_COMMENTS,
    LENDING_SEASON,
    OPEN_COMPLAINT_DAYS,
    OPEN_COMPLAINT_P,
    OPEN_COMPLAINT_P_WEAK,
    PILOT_BRANCH,
    PILOT_RESPONSE,
    PILOT_START,
    PRODUCT_AMOUNT_FACTOR,
    PRODUCT_MIX,
    PRODUCT_TERM_MONTHS,
    PRODUCTS,
    REQUEST_CHANNELS,
    REVENUE_CATEGORIES,
    REVENUE_MONTHS,
    REVENUE_SHARE,
    REVENUE_USE,
    RISK_CLASSES,
    SURVEY_CHANNELS,
    TIER_MONTHLY_REVENUE,
    TOUCHPOINTS,
    WEAK_COMPLAINTS,
    WEAK_RESPONSE,
    WEAK_SATISFACTION,
    Calendar,
    season_weight,
)


@dataclass
class _Loans:
    frame: pd.DataFrame
    balances: pd.DataFrame


def _loans(rng: np.random.Generator, cus: Customers, cal: Calendar, first_id: int) -> _Loans:
    """New facilities (seasonal Poisson), renewal chains, then month-end balance snapshots."""
    lo = np.maximum(cus.onboard, cal.start - 3 * 365)
    hi = np.minimum(cus.churn, cal.end + 1)
    years = np.maximum(hi - lo, 0) / 365.0
    rate = np.asarray((1.2, 0.6, 0.3))[cus.tier]
    season_max = max(LENDING_SEASON)
    cand_owner, _ = expand(rng.poisson(rate * years * season_max))
    span = hi[cand_owner] - lo[cand_owner]
    cand_day = lo[cand_owner] + np.floor(rng.random(len(cand_owner)) * span).astype(np.int64)
    keep = rng.random(len(cand_owner)) < season_weight(cand_day) / season_max
    owner = cand_owner[keep]
    disb = cand_day[keep]
    tier = cus.tier[owner]
    product = pick_rows(rng, np.asarray(PRODUCT_MIX)[tier])
    median = np.asarray((6e7, 1.2e7, 2.5e6))[tier] * np.asarray(PRODUCT_AMOUNT_FACTOR)[product]
    amount = np.maximum(np.round(median * rng.lognormal(0.0, 0.6, len(owner)) / 1e4) * 1e4, 1e4)
    renewed_from = np.full(len(owner), -1, dtype=np.int64)

    owners, disbs, products, amounts, parents = [owner], [disb], [product], [amount], [renewed_from]
    terms: list[IntArray] = []
    troubles: list[IntArray] = []
    cures: list[IntArray] = []
    offset = 0
    gen = 0
    while len(owner):
        t_lo = np.asarray([p[0] for p in PRODUCT_TERM_MONTHS])[product]
        t_hi = np.asarray([p[1] for p in PRODUCT_TERM_MONTHS])[product]
        term_m = t_lo + np.floor(rng.random(len(owner)) * (t_hi - t_lo + 1)).astype(np.int64)
        term = np.round(term_m * 30.44).astype(np.int64)
        # Troubled loans: default starts part-way through the term; 40 % cure within 90 days.
        p_trouble = (
            np.asarray((0.025, 0.09, 0.2))[cus.tier[owner]]
            * np.where(cus.lagging[owner], 1.8, 1.0)
            * (1.0 - 0.3 * cal.effect(disb))
        )
        trouble = rng.random(len(owner)) < p_trouble
        d0 = disb + np.floor(rng.uniform(0.15, 0.9, len(owner)) * term).astype(np.int64)
        cure = trouble & (rng.random(len(owner)) < 0.4)
        trouble_start = np.where(trouble, d0, -1)
        cure_day = np.where(cure, d0 + rng.integers(20, 85, len(owner)), -1)
        terms.append(term)
        troubles.append(trouble_start)
        cures.append(cure_day)
        # Renewals: a healthy loan maturing while the relationship lasts may be renewed.
        maturity = disb + term
        new_day = maturity + rng.integers(0, 15, len(owner))
        p_renew = np.asarray((0.65, 0.55, 0.4))[cus.tier[owner]] + 0.1 * cal.effect(maturity)
        renew = (
            (rng.random(len(owner)) < p_renew)
            & ((trouble_start < 0) | ((cure_day >= 0) & (cure_day < maturity)))
            & (new_day <= cal.end)
            & (new_day < cus.churn[owner])
            & (product != 0)
        )
        parent_idx = offset + np.flatnonzero(renew)
        offset += len(owner)
        owner = owner[renew]
        disb = new_day[renew]
        product = product[renew]
        amount = np.maximum(
            np.round(amount[renew] * rng.lognormal(0.03, 0.12, len(owner)) / 1e4) * 1e4, 1e4
        )
        gen += 1
        if len(owner):
            owners.append(owner)
            disbs.append(disb)
            products.append(product)
            amounts.append(amount)
            parents.append(parent_idx)

    owner = np.concatenate(owners)
    disb = np.concatenate(disbs)
    product = np.concatenate(products)
    amount = np.concatenate(amounts)
    parent = np.concatenate(parents)
    term = np.concatenate(terms)
    trouble_start = np.concatenate(troubles)
    cure_day = np.concatenate(cures)
    maturity = disb + term
    tier = cus.tier[owner]
    rate_pct = (
        3.45
        + np.asarray((0.3, 0.9, 1.8))[tier]
        + 0.4 * (product == 0)
        + rng.normal(0.0, 0.35, len(owner))
    )
    rate_pct = np.clip(np.round(rate_pct, 2), 2.5, 12.0)
    no_rate = rng.random(len(owner)) < 0.02

    # Month-end snapshots while outstanding: repaid at maturity (or at churn); a loan in
    # default stays on the book past maturity until written off at 540 days past due.
    defaulted = (trouble_start >= 0) & (cure_day < 0)
    churn = cus.churn[owner]
    stop = np.minimum(maturity, churn)
    stop = np.where(defaulted, np.minimum(trouble_start + 540, churn), stop)
    last_day = stop - 1
    last_m = month_of(last_day)
    last_m = last_m - (month_last(last_m) != last_day)
    last_m = np.minimum(last_m, cal.last_snap_m)
    first_m = np.maximum(month_of(disb), cal.start_m)
    count = np.maximum(last_m - first_m + 1, 0)

    # The extract holds loans disbursed in the window or still outstanding in it; ids
    # follow disbursement order (then customer) and renewals point at the new ids.
    kept = (disb >= cal.start) | (count > 0)
    order = np.flatnonzero(kept)[np.lexsort((owner[kept], disb[kept]))]
    new_pos = np.full(len(owner), -1, dtype=np.int64)
    new_pos[order] = np.arange(len(order))
    parent_new = np.where(parent >= 0, new_pos[np.maximum(parent, 0)], -1)[order]
    owner, disb, product, amount = owner[order], disb[order], product[order], amount[order]
    maturity, term, trouble_start = maturity[order], term[order], trouble_start[order]
    cure_day, rate_pct, no_rate = cure_day[order], rate_pct[order], no_rate[order]
    count, first_m = count[order], first_m[order]
    loans = pd.DataFrame(
        {
            "loan_id": ids("L", first_id + np.arange(len(order)), 8),
            "customer_id": ids("C", cus.first + owner + 1, 6),
            "product": text(PRODUCTS, product),
            "amount": money(amount),
            "disbursed_date": dates(disb),
            "maturity_date": dates(maturity),
            "interest_rate": money(rate_pct, no_rate),
            "renewed_from": ids("L", first_id + parent_new, 8, parent_new < 0),
        }
    )

    li, pos = expand(count)
    month = first_m[li] + pos
    me = month_last(month)
    ts = trouble_start[li]
    in_default = (ts >= 0) & (me >= ts) & ((cure_day[li] < 0) | (me < cure_day[li]))
    # Amortising loans repay linearly; a loan in default stops repaying.
    elapsed = np.clip((np.where(in_default, ts, me) - disb[li]) / term[li], 0.0, 1.0)
    share = np.where(np.asarray(AMORTISING)[product[li]], 1.0 - elapsed, 1.0)
    balance = np.maximum(np.round(amount[li] * share, 2), 0.0)
    dpd = np.where(in_default, me - ts + 1, 0)
    risk = np.searchsorted(np.asarray([1, 90, 180, 360]), dpd, side="right")
    # Stored by month (then loan, then as drawn): DuckDB skips the row groups of other months.
    by_month = np.argsort(month, kind="stable")
    month, li, risk, dpd = month[by_month], li[by_month], risk[by_month], dpd[by_month]
    balance = balance[by_month]
    balances = pd.DataFrame(
        {
            "as_of_month": months(month),
            "loan_id": ids("L", first_id + li, 8),
            "outstanding_balance": money(balance),
            "risk_class": text(RISK_CLASSES, risk),
            "days_past_due": ints(dpd),
        }
    )
    return _Loans(loans, balances)


def _active_span(cus: Customers, cal: Calendar) -> tuple[IntArray, IntArray]:
    """Per customer, the first and last day of the relationship inside the window."""
    lo = np.maximum(cus.onboard, cal.start)
    hi = np.minimum(cus.churn - 1, cal.end)
    return lo, hi


def _events(
    rng: np.random.Generator, cus: Customers, cal: Calendar, per_year: FloatArray
) -> tuple[IntArray, IntArray]:
    """Poisson events per customer while active in the window: (owner, day), sorted by day."""
    lo, hi = _active_span(cus, cal)
    days = np.maximum(hi - lo + 1, 0)
    owner, _ = expand(rng.poisson(per_year * days / 365.0))
    when = lo[owner] + np.floor(rng.random(len(owner)) * days[owner]).astype(np.int64)
    order = np.lexsort((owner, when))
    return owner[order], when[order]


def _surveys(
    rng: np.random.Generator, cus: Customers, cal: Calendar, first_id: int
) -> pd.DataFrame:
    """Satisfaction about 65 % before the programme, rising towards 90 %; one branch and
    every branch's weaker manager lag."""
    owner, when = _events(rng, cus, cal, np.full(len(cus.onboard), 1.3))
    m = len(owner)
    lag = cus.lagging[owner]
    eff = cal.effect(when)
    p_sat = np.where(lag, 0.52 + 0.16 * eff, 0.675 + 0.27 * eff)
    p_sat = p_sat - WEAK_SATISFACTION * cus.weak[owner]
    sat = rng.random(m) < p_sat
    score = np.where(sat, 4 + (rng.random(m) < 0.45), 3 - pick(rng, m, (0.6, 0.25, 0.15)))
    quality = np.clip(score + pick(rng, m, (0.2, 0.6, 0.2)) - 1, 1, 5)
    speed_shift = np.where(rng.random(m) < 0.25 * (1 - eff) + 0.1 * lag, -1, 0)
    speed = np.clip(score + speed_shift + pick(rng, m, (0.15, 0.7, 0.15)) - 1, 1, 5)
    nps = np.where(sat, 7 + rng.integers(0, 4, m), rng.integers(0, 8, m))
    nps = np.where(score == 5, np.maximum(nps, 9), nps)
    comment_pick = rng.integers(0, 4, m)
    comment_code = np.where(score >= 4, comment_pick, 4 + comment_pick)
    return pd.DataFrame(
        {
            "response_id": ids("S", first_id + np.arange(m), 8),
            "customer_id": ids("C", cus.first + owner + 1, 6),
            "survey_date": dates(when),
            "touchpoint": text(TOUCHPOINTS, pick(rng, m, (0.3, 0.25, 0.35, 0.1))),
            "channel": text(SURVEY_CHANNELS, pick(rng, m, (0.3, 0.3, 0.25, 0.15))),
            "overall_score": ints(score),
            "service_quality_score": ints(quality, rng.random(m) < 0.1),
            "response_speed_score": ints(speed, rng.random(m) < 0.15),
            "nps_score": ints(nps, rng.random(m) < 0.2),
            "comment": text(GOOD_COMMENTS + BAD_COMMENTS, comment_code, rng.random(m) < 0.8),
        }
    )


def _service_requests(
    rng: np.random.Generator, cus: Customers, cal: Calendar, first_id: int
) -> pd.DataFrame:
    """Complaints and response times fall with the programme, less so in the lagging branch
    and for the weaker managers; the pilot branch answers faster from its start."""
    per_year = np.asarray((4.0, 3.0, 2.0))[cus.tier]
    owner, when = _events(rng, cus, cal, per_year)
    m = len(owner)
    lag = cus.lagging[owner]
    weak = cus.weak[owner]
    eff = cal.effect(when) * np.where(lag, 0.3, 1.0)
    p_complaint = np.where(lag, 0.2, 0.15) - 0.09 * eff + WEAK_COMPLAINTS * weak
    u = rng.random(m)
    category = np.where(u < p_complaint, 2, np.where(u < p_complaint + 0.5, 0, 1))
    hour = pick(rng, m, (1, 3, 4, 4, 2, 3, 4, 4, 3, 2, 1, 1))
    opened = (when * 86400 + (8 + hour) * 3600 + rng.integers(0, 3600, m)).astype(np.int64)
    # First response: lognormal hours, median 8 h before and 2.5 h at full effect.
    log_median = np.log(8.0) * (1 - eff) + np.log(2.5) * eff + np.where(lag, np.log(1.6), 0.0)
    log_median += np.where(weak, np.log(WEAK_RESPONSE), 0.0)
    pilot = (cus.branch[owner] == branch_index(PILOT_BRANCH)) & (when >= day(PILOT_START))
    log_median += np.where(pilot, np.log(PILOT_RESPONSE), 0.0)
    sigma = 1.2 - 0.2 * eff
    first = rng.lognormal(0.0, 1.0, m) ** sigma * np.exp(log_median)
    first_s = opened + np.maximum(np.round(first * 3600), 60).astype(np.int64)
    no_answer = rng.random(m) < 0.03 - 0.02 * eff
    res_median = np.asarray((4.0, 24.0, 96.0))[category]
    res_median = np.where(category == 2, res_median * (1 - 0.6 * eff), res_median)
    res_median = res_median * np.where(lag, 1.6, 1.0)
    resolve = rng.lognormal(0.0, 0.8, m) * res_median
    resolved_s = first_s + np.round(resolve * 3600).astype(np.int64)
    extract = (cal.end + 1) * 86400
    first_missing = no_answer | (first_s >= extract)
    # Inquiries and service requests: 3 % never closed. Complaints: only recent ones are
    # still open (the watchlist's complaint_open), the weaker managers' more often.
    p_open = np.where(weak, OPEN_COMPLAINT_P_WEAK, OPEN_COMPLAINT_P)
    recent = when > cal.end - OPEN_COMPLAINT_DAYS
    left_open = np.where(category == 2, recent & (rng.random(m) < p_open), rng.random(m) < 0.03)
    resolved_missing = left_open | (resolved_s >= extract)
    order = np.lexsort((owner, opened))
    owner, opened, category = owner[order], opened[order], category[order]
    first_s, first_missing = first_s[order], first_missing[order]
    resolved_s, resolved_missing = resolved_s[order], resolved_missing[order]
    return pd.DataFrame(
        {
            "request_id": ids("R", first_id + np.arange(m), 8),
            "customer_id": ids("C", cus.first + owner + 1, 6),
            "category": text(CATEGORIES, category),
            "channel": text(REQUEST_CHANNELS, pick(rng, m, (0.35, 0.25, 0.1, 0.1, 0.2))),
            "opened_at": timestamps(opened),
            "first_response_at": timestamps(first_s, first_missing),
            "resolved_at": timestamps(resolved_s, resolved_missing),
        }
    )


def _revenue(
    rng: np.random.Generator, cus: Customers, cal: Calendar, borrowers: BoolArray
) -> pd.DataFrame:
    """Monthly revenue per customer and category: grows while young, fades before churn."""
    n = len(cus.onboard)
    lo, hi = _active_span(cus, cal)
    first_m = month_of(lo)
    last_m = month_of(np.maximum(hi, lo))
    count = np.where(hi >= lo, last_m - first_m + 1, 0)
    uses = rng.random((n, len(REVENUE_CATEGORIES))) < np.asarray(REVENUE_USE)
    uses[:, 0] = borrowers
    level = np.asarray(TIER_MONTHLY_REVENUE)[cus.tier] * rng.lognormal(-0.1, 0.45, n)
    onboard_m = month_of(cus.onboard)
    latent_m = month_of(cus.latent_churn)

    ci, pos = expand(count)  # one row per customer-month, in customer then month order
    month = first_m[ci] + pos
    age = month - onboard_m[ci]
    to_churn = latent_m[ci] - month
    mult = np.minimum(1.0, 0.35 + 0.65 * age / 24.0) * np.clip(to_churn / 18.0, 0.08, 1.0) ** 2
    mult *= 1.0 + 0.08 * (month % 12 >= 9)  # a little more business in Q4
    # (customer-month, category) cells with revenue; nonzero keeps row-major order.
    cells = uses[ci] & (rng.random((len(ci), len(REVENUE_CATEGORIES))) < REVENUE_MONTHS)
    row, cat = np.nonzero(cells)
    del cells
    value = (
        level[ci[row]]
        * np.asarray(REVENUE_SHARE)[cat]
        * mult[row]
        * rng.lognormal(0.0, 0.2, len(row))
    )
    p_negative = np.where(np.isin(cat, (3, 6)), 0.02, 0.004)  # fx and advisory swing more
    value = np.where(rng.random(len(row)) < p_negative, -0.3 * value, value)
    # Stored by month (then customer and category, as drawn): DuckDB skips the row groups
    # of other months.
    by_month = np.argsort(month[row], kind="stable")
    row, cat, value = row[by_month], cat[by_month], value[by_month]
    return pd.DataFrame(
        {
            "month": months(month[row]),
            "customer_id": ids("C", cus.first + ci[row] + 1, 6),
            "product_category": text(REVENUE_CATEGORIES, cat),
            "revenue": money(value),
        }
    )


@dataclass
class ChunkFacts:
    """One chunk's fact tables, and how many ids of each kind it used."""

    frames: dict[str, pd.DataFrame]
    loans: int
    surveys: int
    requests: int


def chunk_facts(
    rng: np.random.Generator,
    cus: Customers,
    cal: Calendar,
    first_loan: int,
    first_survey: int,
    first_request: int,
) -> ChunkFacts:
    """The fact tables of one chunk of customers, ids numbered from the given first ids."""
    loans = _loans(rng, cus, cal, first_loan)
    borrowers = np.zeros(len(cus.onboard), dtype=bool)
    owners = loans.frame["customer_id"].str.slice(1).astype(np.int64).to_numpy()
    borrowers[owners - 1 - cus.first] = True
    surveys = _surveys(rng, cus, cal, first_survey)
    requests = _service_requests(rng, cus, cal, first_request)
    frames = {
        "loans": loans.frame,
        "loan_balances": loans.balances,
        "surveys": surveys,
        "service_requests": requests,
        "revenue": _revenue(rng, cus, cal, borrowers),
    }
    return ChunkFacts(frames, len(loans.frame), len(surveys), len(requests))
