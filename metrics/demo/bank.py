"""Bank-wide demo tables: branches, managers, events, customers, leads and marketing spend.

These are small (a row per customer at most) and drawn once for the whole bank; the
large fact tables are drawn per chunk of customers in `metrics.demo.facts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.demo.columns import (
    BoolArray,
    IntArray,
    dates,
    day,
    ids,
    money,
    months,
    pick,
    text,
)
from metrics.demo.story import (
    ACQ_CHANNELS,
    BRANCHES,
    EVENTS,
    INDUSTRIES,
    INDUSTRY_WEIGHTS,
    INDUSTRY_WORDS,
    LAGGING_BRANCH,
    LEAD_SOURCES,
    LENDING_SEASON,
    LOST_REASONS,
    MARKETING_CAC,
    NAME_CORE,
    NAME_PREFIX,
    NAME_SUFFIX,
    PILOT_APPROVAL,
    PILOT_BRANCH,
    PILOT_START,
    PRODUCTS,
    RATINGS,
    SIZES,
    SPEND_CHANNELS,
    SPEND_SHARE,
    WEAK_CHURN,
    Calendar,
    manager_names,
    managers_per_branch,
    season_weight,
)


@dataclass
class Customers:
    """Customer attributes kept as arrays for the fact tables; `part` takes a chunk."""

    frame: pd.DataFrame | None
    branch: IntArray
    tier: IntArray  # 0 = A, 1 = B, 2 = C (the rule's tier, stored or not)
    onboard: IntArray
    churn: IntArray  # churn day, or a large number when still active
    latent_churn: IntArray  # when the relationship would end, possibly after `end`
    lagging: BoolArray
    weak: BoolArray  # served by their branch's weaker manager
    first: int = 0  # index of the first customer (C000001 is index 0)

    def part(self, lo: int, hi: int) -> Customers:
        """Customers lo..hi-1 (0-based) without the frame, for one chunk of facts."""
        s = slice(lo, hi)
        return Customers(
            None,
            self.branch[s],
            self.tier[s],
            self.onboard[s],
            self.churn[s],
            self.latent_churn[s],
            self.lagging[s],
            self.weak[s],
            self.first + lo,
        )


def branch_index(branch_id: str) -> int:
    """Position of a branch in BRANCHES."""
    return [b[0] for b in BRANCHES].index(branch_id)


def events() -> pd.DataFrame:
    """The events table: the programme launch (bank-wide) and one branch's pilot."""
    return pd.DataFrame(
        {
            "event_id": pd.Series([e[0] for e in EVENTS], dtype="str"),
            "event_date": dates(np.asarray([day(e[1]) for e in EVENTS])),
            "title": pd.Series([e[2] for e in EVENTS], dtype="str"),
            "branch_id": pd.Series([e[3] for e in EVENTS], dtype="str"),
            "description": pd.Series([e[4] for e in EVENTS], dtype="str"),
        }
    )


def branches() -> pd.DataFrame:
    """The twelve branches, fixed whatever the seed."""
    return pd.DataFrame(
        {
            "branch_id": pd.Series([b[0] for b in BRANCHES], dtype="str"),
            "branch_name": pd.Series([b[1] for b in BRANCHES], dtype="str"),
            "region": pd.Series([b[2] for b in BRANCHES], dtype="str"),
        }
    )


def _onboard_days(rng: np.random.Generator, n: int, cal: Calendar) -> IntArray:
    """35 % of the book predates the history window; new business grows and is seasonal."""
    n_old = round(n * 0.35)
    old = rng.integers(cal.start - 8 * 365, cal.start, size=n_old)
    need = n - n_old
    picked: list[IntArray] = []
    got = 0
    span = cal.end - cal.start + 1
    while got < need:
        cand = cal.start + rng.integers(0, span, size=3 * need + 16)
        growth = 1.0 + 0.6 * (cand - cal.start) / span
        w = growth * season_weight(cand) ** 0.5
        keep = cand[rng.random(len(cand)) < w / w.max()]
        picked.append(keep)
        got += len(keep)
    new = np.concatenate(picked)[:need]
    return np.sort(np.concatenate([old, new]).astype(np.int64), kind="stable")


def customers(rng: np.random.Generator, n: int, cal: Calendar) -> Customers:
    """Customers in onboarding order (C000001 is the oldest), tiers consistent with the rule."""
    onboard = _onboard_days(rng, n, cal)
    branch = pick(rng, n, [b[3] for b in BRANCHES])
    lagging = branch == branch_index(LAGGING_BRANCH)
    tier = pick(rng, n, (0.10, 0.40, 0.50))

    # Assets and rating drawn so that the kpis.md tier rule gives back `tier`.
    assets = np.empty(n)
    rating = np.empty(n, dtype=np.int64)
    a, b, c = tier == 0, tier == 1, tier == 2
    assets[a] = 1.05e9 * np.exp(rng.gamma(1.2, 0.8, a.sum()))
    rating[a] = pick(rng, int(a.sum()), (0.3, 0.45, 0.25))
    b_big = b & (rng.random(n) < 0.15)  # large but rated BBB or lower: still B
    b_mid = b & ~b_big
    assets[b_mid] = np.exp(rng.uniform(np.log(1.2e8), np.log(9.5e8), b_mid.sum()))
    rating[b_mid] = pick(rng, int(b_mid.sum()), (0.03, 0.12, 0.35, 0.35, 0.1, 0.05))
    assets[b_big] = np.exp(rng.uniform(np.log(1.1e9), np.log(5e9), b_big.sum()))
    rating[b_big] = 3 + pick(rng, int(b_big.sum()), (0.7, 0.2, 0.1))
    c_bad = c & (rng.random(n) < 0.12)  # distressed: rated CCC or lower, any size
    c_small = c & ~c_bad
    assets[c_small] = np.exp(rng.uniform(np.log(2e6), np.log(9.5e7), c_small.sum()))
    rating[c_small] = pick(rng, int(c_small.sum()), (0, 0, 0.12, 0.48, 0.27, 0.13))
    assets[c_bad] = np.exp(rng.uniform(np.log(1e7), np.log(2e9), c_bad.sum()))
    rating[c_bad] = 6 + pick(rng, int(c_bad.sum()), (0.6, 0.3, 0.1))
    assets = np.round(assets / 1e4) * 1e4
    no_assets = c & (rng.random(n) < 0.08)  # empty assets count as 0: tier C either way
    stored_tier = rng.random(n) < 0.8

    size = np.select([assets >= 8e8, assets >= 1e8, assets >= 1e7], [0, 1, 2], 3)
    size = np.where(no_assets, 2 + rng.integers(0, 2, n), size)
    no_size = rng.random(n) < 0.05

    # Acquisition: referral rises once RMs ask for it; a referrer onboarded strictly earlier.
    after = cal.effect(onboard) > 0
    channel = np.where(
        after,
        pick(rng, n, (0.28, 0.27, 0.2, 0.15, 0.1)),
        pick(rng, n, (0.18, 0.35, 0.2, 0.15, 0.12)),
    )
    earlier = np.searchsorted(onboard, onboard, side="left")  # customers onboarded before
    channel = np.where((channel == 0) & (earlier == 0), 1, channel)
    referral = channel == 0
    referrer = np.floor(rng.random(n) * np.maximum(earlier, 1)).astype(np.int64)
    no_channel = rng.random(n) < 0.04
    referral &= ~no_channel

    # Every customer has a manager of their branch; the branch's last manager is the weaker.
    per_branch = np.asarray([managers_per_branch(b[3]) for b in BRANCHES])
    first_rm = np.cumsum(per_branch) - per_branch
    slot = np.floor(rng.random(n) * per_branch[branch]).astype(np.int64)
    weak = slot == per_branch[branch] - 1
    rm_names = [name for names in manager_names() for name in names]

    # Churn: piecewise-constant hazard (per year) that the programme lowers, inverted.
    hazard = 0.055 * np.asarray((0.5, 1.0, 1.4))[tier] * np.where(lagging, 2.4, 1.0)
    hazard = hazard * np.where(weak, WEAK_CHURN, 1.0)
    hazard_after = hazard * np.where(lagging, 0.95, 0.65)
    budget = rng.exponential(1.0, n)
    accrue = np.maximum(onboard, cal.start).astype(np.float64)
    before = np.maximum(cal.programme - accrue, 0.0) / 365.0 * hazard
    t = np.where(
        budget <= before,
        accrue + budget / hazard * 365.0,
        np.maximum(accrue, cal.programme) + (budget - before) / hazard_after * 365.0,
    )
    latent = np.maximum(np.ceil(t), onboard + 30).astype(np.int64)
    churned = latent <= cal.end
    churn = np.where(churned, latent, np.iinfo(np.int64).max // 4)

    names_idx = (
        rng.integers(0, len(NAME_PREFIX), n) * 10_000
        + rng.integers(0, len(NAME_CORE), n) * 100
        + rng.integers(0, len(NAME_SUFFIX), n)
    )
    industry = pick(rng, n, INDUSTRY_WEIGHTS)
    no_industry = rng.random(n) < 0.03
    name = np.char.add(
        np.char.add(
            np.char.add(
                np.asarray(NAME_PREFIX)[names_idx // 10_000],
                np.asarray(NAME_CORE)[(names_idx // 100) % 100],
            ),
            np.asarray(INDUSTRY_WORDS)[industry],
        ),
        np.asarray(NAME_SUFFIX)[names_idx % 100],
    )

    frame = pd.DataFrame(
        {
            "customer_id": ids("C", np.arange(1, n + 1), 6),
            "customer_name": pd.Series(name, dtype="str"),
            "branch_id": text([x[0] for x in BRANCHES], branch),
            "industry": text(INDUSTRIES, industry, no_industry),
            "company_size": text(SIZES, size, no_size),
            "credit_rating": text(RATINGS, rating),
            "total_assets": money(assets, no_assets),
            "tier": text(("A", "B", "C"), tier, ~stored_tier),
            "onboard_date": dates(onboard),
            "acquisition_channel": text(ACQ_CHANNELS, channel, no_channel),
            "referred_by": ids("C", referrer + 1, 6, ~referral),
            "relationship_manager": text(rm_names, first_rm[branch] + slot),
            "churn_date": dates(latent, ~churned),
        }
    )
    return Customers(frame, branch, tier, onboard, churn, latent, lagging, weak)


def leads(rng: np.random.Generator, cus: Customers, cal: Calendar) -> pd.DataFrame:
    """Converted leads for new customers plus leads lost at every stage, some stages skipped."""
    assert cus.frame is not None, "leads are drawn for the whole bank"
    chan = cus.frame["acquisition_channel"].to_numpy(dtype=object, na_value="")
    src_map = {s: i for i, s in enumerate(LEAD_SOURCES)}
    src = np.asarray([src_map.get(c, -1) for c in ACQ_CHANNELS])
    chan_code = np.asarray([ACQ_CHANNELS.index(c) if c else -1 for c in chan], dtype=np.int64)
    lead_src = np.where(chan_code >= 0, src[np.maximum(chan_code, 0)], -1)
    conv = (cus.onboard >= cal.start) & (lead_src >= 0) & (rng.random(len(chan)) < 0.75)
    c_owner = np.flatnonzero(conv)
    k = len(c_owner)
    disbursed = cus.onboard[c_owner]
    c_branch = cus.branch[c_owner]
    pilot, pilot_day = branch_index(PILOT_BRANCH), day(PILOT_START)
    approved = disbursed - rng.integers(1, 15, k)
    # Approval takes 7-40 days, 30 % less with the programme, half that in the pilot branch.
    approval = rng.uniform(7, 40, k) * (1 - 0.3 * cal.effect(approved))
    approval *= np.where((c_branch == pilot) & (approved >= pilot_day), PILOT_APPROVAL, 1.0)
    applied = (approved - np.maximum(np.round(approval), 1)).astype(np.int64)
    contacted = applied - rng.integers(3, 30, k)
    created = contacted - rng.integers(1, 12, k)

    # Lost (or still open) leads, about 2.5 per converted one, more in the lagging branch.
    n_lost = round(k * 2.5)
    weights = [b[3] * (1.5 if b[0] == LAGGING_BRANCH else 1.0) for b in BRANCHES]
    l_branch = pick(rng, n_lost, weights)
    l_created = np.sort(cal.start + rng.integers(0, cal.end - cal.start + 1, n_lost))
    stage = pick(rng, n_lost, (0.3, 0.3, 0.25, 0.15))  # last stage reached before loss
    l_contacted = l_created + rng.integers(1, 12, n_lost)
    l_applied = l_contacted + rng.integers(3, 30, n_lost)
    l_approval = rng.integers(7, 40, n_lost).astype(np.float64)
    l_approval *= np.where((l_branch == pilot) & (l_applied >= pilot_day), PILOT_APPROVAL, 1.0)
    l_approved = l_applied + np.round(l_approval).astype(np.int64)
    reached = np.stack([l_created, l_contacted, l_applied, l_approved], axis=1)
    last_date = reached[np.arange(n_lost), stage]
    lost = last_date + rng.integers(3, 45, n_lost)
    reason_i = rng.integers(0, 3, n_lost) % np.asarray([len(r) for r in LOST_REASONS])[stage]
    reason_labels = [r for rs in LOST_REASONS for r in rs]
    reason_off = np.cumsum([0] + [len(r) for r in LOST_REASONS])[:-1]

    n = k + n_lost
    created_all = np.concatenate([created, l_created])
    contacted_all = np.concatenate([contacted, l_contacted])
    applied_all = np.concatenate([applied, l_applied])
    approved_all = np.concatenate([approved, l_approved])
    disbursed_all = np.concatenate([disbursed, np.zeros(n_lost, dtype=np.int64)])
    stage_all = np.concatenate([np.full(k, 4), stage])
    lost_all = np.concatenate([np.zeros(k, dtype=np.int64), lost])
    # A stage is present when reached and already happened by the extract date.
    has_contacted = (stage_all >= 1) & (contacted_all <= cal.end)
    has_applied = (stage_all >= 2) & (applied_all <= cal.end)
    has_approved = (stage_all >= 3) & (approved_all <= cal.end)
    has_disbursed = stage_all >= 4
    last_all = np.concatenate([disbursed, last_date])
    has_lost = (stage_all < 4) & (lost_all <= cal.end) & (last_all <= cal.end)
    skip = (rng.random(n) < 0.06) & has_applied  # contact never recorded
    has_contacted &= ~skip
    branch_all = np.concatenate([c_branch, l_branch])
    source = np.concatenate([lead_src[c_owner], pick(rng, n_lost, (0.3, 0.3, 0.15, 0.15, 0.1))])
    product = pick(rng, n, (0.05, 0.25, 0.35, 0.15, 0.1, 0.1))
    expected = np.round(rng.lognormal(np.log(5e6), 0.9, n) / 1e4) * 1e4
    reason = np.concatenate([np.zeros(k, dtype=np.int64), reason_off[stage] + reason_i])
    customer = np.concatenate([c_owner, np.zeros(n_lost, dtype=np.int64)])
    order = np.lexsort((branch_all, created_all))
    o = order
    return pd.DataFrame(
        {
            "lead_id": ids("LD", np.arange(1, n + 1), 7),
            "branch_id": text([b[0] for b in BRANCHES], branch_all[o]),
            "source_channel": text(LEAD_SOURCES, source[o]),
            "product": text(PRODUCTS, product[o], rng.random(n) < 0.05),
            "expected_amount": money(expected[o], rng.random(n) < 0.05),
            "created_date": dates(created_all[o]),
            "contacted_date": dates(contacted_all[o], ~has_contacted[o]),
            "applied_date": dates(applied_all[o], ~has_applied[o]),
            "approved_date": dates(approved_all[o], ~has_approved[o]),
            "disbursed_date": dates(disbursed_all[o], ~has_disbursed[o]),
            "lost_date": dates(lost_all[o], ~has_lost[o]),
            "lost_reason": text(reason_labels, reason[o], ~has_lost[o]),
            "customer_id": ids("C", customer[o] + 1, 6, ~has_disbursed[o]),
        }
    )


def marketing_spend(rng: np.random.Generator, n_customers: int, cal: Calendar) -> pd.DataFrame:
    """Monthly spend per branch and channel, scaled to the book, heavier in Q4."""
    month_index = np.arange(cal.start_m, cal.end_m + 1)
    nm, nb, nc = len(month_index), len(BRANCHES), len(SPEND_CHANNELS)
    mi, bi, ci = (a.ravel() for a in np.meshgrid(np.arange(nm), np.arange(nb), np.arange(nc)))
    order = np.lexsort((ci, bi, mi))
    mi, bi, ci = mi[order], bi[order], ci[order]
    size = np.asarray([b[3] for b in BRANCHES])
    # About 150k CNY per new customer: new customers a year are about 13 % of the book.
    monthly = MARKETING_CAC * 0.13 * n_customers / 12.0
    season = np.asarray(LENDING_SEASON)[month_index[mi] % 12] ** 0.5
    growth = 1.0 + 0.05 * mi / 12.0
    amount = (
        monthly
        * size[bi]
        / size.sum()
        * np.asarray(SPEND_SHARE)[ci]
        * season
        * growth
        * rng.lognormal(0.0, 0.2, len(mi))
    )
    return pd.DataFrame(
        {
            "month": months(month_index[mi]),
            "branch_id": text([b[0] for b in BRANCHES], bi),
            "channel": text(SPEND_CHANNELS, ci),
            "amount": money(amount),
        }
    )
