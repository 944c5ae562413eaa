"""The demo bank: a deterministic, seeded generator of every contract table.

`generate()` builds typed DataFrames with vectorised numpy (one
`np.random.default_rng(seed)`, no wall clock, no hashing), and `build_demo()`
loads them through the same validation as an analyst's extract. The data
carries stories the dashboard must reveal: a relationship-management
programme from mid-2023 lifts satisfaction and cuts complaints and response
times, one branch (LAGGING_BRANCH) lags on satisfaction, SLA and churn,
lending surges in Q4 and dips at Chinese New Year, loans renew and migrate
through the five risk classes, and revenue falls before churn and grows for
young customers.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from metrics.cli import CliError
from metrics.contract import TABLES
from metrics.store import connect_reader, resolve_db

if TYPE_CHECKING:
    from metrics.load import LoadReport

IntArray = np.ndarray[Any, np.dtype[np.int64]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]

DEFAULT_END = date(2026, 10, 31)
HISTORY_YEARS = 5
PROGRAMME_START = date(2023, 7, 1)  # relationship-management programme launch
PROGRAMME_RAMP_DAYS = 540  # full effect about 18 months after launch

# (branch_id, name, region, size weight)
BRANCHES: tuple[tuple[str, str, str, float], ...] = (
    ("BR01", "北京分行", "华北", 1.6),
    ("BR02", "天津分行", "华北", 0.8),
    ("BR03", "上海分行", "华东", 1.6),
    ("BR04", "南京分行", "华东", 0.9),
    ("BR05", "杭州分行", "华东", 1.0),
    ("BR06", "苏州分行", "华东", 0.8),
    ("BR07", "广州分行", "华南", 1.1),
    ("BR08", "深圳分行", "华南", 1.3),
    ("BR09", "武汉分行", "华中", 0.8),
    ("BR10", "成都分行", "西南", 0.9),
    ("BR11", "重庆分行", "西南", 0.7),
    ("BR12", "西安分行", "西北", 0.9),
)
LAGGING_BRANCH = "BR12"  # lags on satisfaction, SLA and churn; the programme barely lands

INDUSTRIES = (
    "制造业",
    "批发和零售业",
    "建筑业",
    "信息技术",
    "交通运输",
    "房地产业",
    "能源",
    "农业",
    "医药卫生",
    "科技服务",
    "文化传媒",
    "化工",
)
INDUSTRY_WEIGHTS = (0.22, 0.14, 0.09, 0.1, 0.07, 0.05, 0.06, 0.04, 0.06, 0.08, 0.04, 0.05)
INDUSTRY_WORDS = (
    "精密制造",
    "商贸",
    "建设工程",
    "信息科技",
    "物流",
    "置业",
    "能源",
    "农业发展",
    "医药",
    "科技",
    "文化传媒",
    "化工",
)
NAME_PREFIX = (
    "华",
    "中",
    "金",
    "鑫",
    "宏",
    "恒",
    "瑞",
    "盛",
    "泰",
    "新",
    "东",
    "永",
    "嘉",
    "远",
    "天",
    "凯",
)
NAME_CORE = ("达", "通", "信", "源", "丰", "安", "茂", "昌", "德", "顺", "辉", "佳", "润", "博")
NAME_SUFFIX = ("有限公司", "股份有限公司", "集团有限公司", "有限责任公司")
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱")
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "涛", "明", "超", "霞")

SIZES = ("large", "medium", "small", "micro")
RATINGS = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
ACQ_CHANNELS = ("referral", "branch", "campaign", "online", "partner")
PRODUCTS = (
    "project_finance",
    "term_loan",
    "working_capital",
    "supply_chain",
    "trade_finance",
    "ip_pledge",
)
PRODUCT_TERM_MONTHS = ((36, 84), (12, 36), (6, 12), (3, 6), (3, 6), (12, 24))
PRODUCT_AMOUNT_FACTOR = (3.0, 1.2, 1.0, 0.4, 0.5, 0.6)
AMORTISING = (True, True, False, False, False, True)
# Product mix by tier A, B, C.
PRODUCT_MIX = (
    (0.2, 0.3, 0.3, 0.1, 0.1, 0.0),
    (0.05, 0.3, 0.35, 0.15, 0.1, 0.05),
    (0.0, 0.15, 0.45, 0.25, 0.05, 0.1),
)
# Lending seasonality by calendar month: Chinese New Year dip, Q4 surge.
LENDING_SEASON = (0.6, 0.5, 1.0, 1.0, 1.0, 1.05, 0.95, 0.95, 1.05, 1.15, 1.4, 1.7)
RISK_CLASSES = ("normal", "special_mention", "substandard", "doubtful", "loss")
TOUCHPOINTS = ("loan_approval", "disbursement", "annual_review", "complaint_followup")
SURVEY_CHANNELS = ("email", "phone", "app", "visit")
REQUEST_CHANNELS = ("phone", "app", "email", "branch", "relationship_manager")
CATEGORIES = ("inquiry", "service", "complaint")
GOOD_COMMENTS = ("客户经理响应及时", "审批效率高", "服务专业", "流程清晰")
BAD_COMMENTS = ("审批太慢", "联系不上客户经理", "利率偏高", "材料要求繁琐")
LEAD_SOURCES = ("campaign", "online", "partner", "branch", "event")
LOST_REASONS = (
    ("联系不上", "暂无融资需求"),
    ("利率不满意", "暂无融资需求", "选择他行"),
    ("资料不全", "资质不符"),
    ("客户放弃", "选择他行"),
)
SPEND_CHANNELS = ("campaign", "online", "partner", "event")
SPEND_SHARE = (0.4, 0.3, 0.15, 0.15)
REVENUE_CATEGORIES = (
    "loan",
    "deposit",
    "cash_management",
    "fx",
    "trade_finance",
    "wealth",
    "advisory",
)
# Per category: share of customers that use it, share of their months with revenue,
# and its share of the customer's monthly revenue.
REVENUE_USE = (0.0, 0.95, 0.4, 0.25, 0.15, 0.2, 0.08)  # loan: customers with loans
REVENUE_MONTHS = (1.0, 1.0, 1.0, 0.5, 0.6, 1.0, 0.25)
REVENUE_SHARE = (0.45, 0.22, 0.1, 0.08, 0.07, 0.05, 0.1)
TIER_MONTHLY_REVENUE = (100_000.0, 20_000.0, 4_000.0)
MARKETING_CAC = 150_000.0  # marketing spend per new customer, roughly


@dataclass(frozen=True)
class _Calendar:
    """The history window in day numbers (days since 1970-01-01) and month indices."""

    start: int  # first day of the first month of history
    end: int  # last day of history (the extract date)
    programme: int
    start_m: int  # month index (months since 1970-01) of start
    end_m: int  # month index of end
    last_snap_m: int  # last month whose last day is on or before end

    def effect(self, days: IntArray) -> FloatArray:
        """Programme effect 0..1: 0 before launch, ramping to 1 over PROGRAMME_RAMP_DAYS."""
        return np.clip((days - self.programme) / PROGRAMME_RAMP_DAYS, 0.0, 1.0)


def _day(d: date) -> int:
    """Day number: days since 1970-01-01, the unit every date is generated in."""
    return int(np.datetime64(d, "D").astype(np.int64))


def _month_of(days: IntArray) -> IntArray:
    """Month index (months since 1970-01) of each day number."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _month_first(months: IntArray) -> IntArray:
    """Day number of the first day of each month index."""
    months = np.asarray(months, dtype=np.int64)
    if months.size == 0:
        return months.copy()
    lo = int(months.min())
    table = np.arange(lo, int(months.max()) + 1).astype("datetime64[M]").astype("datetime64[D]")
    return table.astype(np.int64)[months - lo]  # a lookup: converting each row is slow


def _month_last(months: IntArray) -> IntArray:
    """Day number of the last day of each month index."""
    return _month_first(months + 1) - 1


def _calendar(end: date) -> _Calendar:
    """Five years of history: the 60 months ending with the month of `end`."""
    end_d = _day(end)
    end_m = int(_month_of(np.array([end_d]))[0])
    start_m = end_m - 12 * HISTORY_YEARS + 1
    last_m = end_m if int(_month_last(np.array([end_m]))[0]) <= end_d else end_m - 1
    return _Calendar(
        start=int(_month_first(np.array([start_m]))[0]),
        end=end_d,
        programme=_day(PROGRAMME_START),
        start_m=start_m,
        end_m=end_m,
        last_snap_m=last_m,
    )


def _expand(counts: IntArray) -> tuple[IntArray, IntArray]:
    """Owner index and 0-based position for `counts[i]` rows per owner i."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(starts, counts)
    return owner, pos


def _pick(rng: np.random.Generator, n: int, weights: Sequence[float]) -> IntArray:
    """n category codes drawn with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)


def _pick_rows(rng: np.random.Generator, probs: FloatArray) -> IntArray:
    """One category per row from a (rows, k) matrix of probabilities."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1).astype(np.int64)


def _season_weight(days: IntArray) -> FloatArray:
    """Lending seasonality of each day's calendar month."""
    moy = _month_of(days) % 12
    return np.asarray(LENDING_SEASON, dtype=np.float64)[moy]


# --- typed column builders -------------------------------------------------------------


def _str_dtype() -> Any:
    """pandas 3's default `str` dtype (pyarrow storage, NaN for missing)."""
    return pd.StringDtype("pyarrow", na_value=np.nan)


def _text(labels: Sequence[str | None], codes: IntArray, missing: BoolArray | None = None) -> Any:
    """A `str` column taking labels[codes]; rows flagged missing are empty."""
    mask = None if missing is None else np.asarray(missing, dtype=bool)
    arr = pa.array(list(labels), type=pa.large_string()).take(pa.array(codes, mask=mask))
    return pd.Series(arr.to_pandas(types_mapper={pa.large_string(): _str_dtype()}.get))


def _ids(prefix: str, numbers: IntArray, width: int, missing: BoolArray | None = None) -> Any:
    """Identifiers such as C000123: prefix plus zero-padded number, leading zeros kept."""
    numbers = np.asarray(numbers, dtype=np.int64)
    top = int(numbers.max(initial=0))
    if missing is not None:
        top = int(numbers[~missing].max(initial=0))
        numbers = np.where(missing, 0, numbers)
    # Format each distinct number once, then take: repeated references cost a gather.
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(top + 1)), pa.string()), width, "0")
    labels = pc.cast(pc.binary_join_element_wise(prefix, digits, ""), pa.large_string())
    mask = None if missing is None else np.asarray(missing, dtype=bool)
    arr = labels.take(pa.array(numbers, mask=mask))
    return pd.Series(arr.to_pandas(types_mapper={pa.large_string(): _str_dtype()}.get))


def _dates(days: IntArray, missing: BoolArray | None = None) -> pd.Series:
    """A datetime64 date column from day numbers; missing rows are NaT."""
    arr = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[s]")
    if missing is not None:
        arr[missing] = np.datetime64("NaT")
    return pd.Series(arr)


def _months(months: IntArray) -> pd.Series:
    """A month column: the first day of each month index."""
    return _dates(_month_first(months))


def _timestamps(seconds: IntArray, missing: BoolArray | None = None) -> pd.Series:
    """A datetime64 timestamp column from seconds since 1970; missing rows are NaT."""
    arr = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
    if missing is not None:
        arr[missing] = np.datetime64("NaT")
    return pd.Series(arr)


def _money(values: FloatArray, missing: BoolArray | None = None) -> pd.Series:
    """A decimal column rounded to cents; missing rows are NaN."""
    out = pd.Series(np.round(np.asarray(values, dtype=np.float64), 2))
    if missing is not None:
        out[missing] = np.nan
    return out


def _ints(values: IntArray, missing: BoolArray | None = None) -> pd.Series:
    """A nullable Int64 column; missing rows are <NA>."""
    return pd.Series(pd.array(np.asarray(values, dtype=np.int64), dtype="Int64").copy()).mask(
        missing if missing is not None else np.zeros(len(values), dtype=bool)
    )


# --- tables ----------------------------------------------------------------------------


@dataclass
class _Customers:
    """Customer attributes kept as arrays for the other tables."""

    frame: pd.DataFrame
    branch: IntArray
    tier: IntArray  # 0 = A, 1 = B, 2 = C (the rule's tier, stored or not)
    onboard: IntArray
    churn: IntArray  # churn day, or a large number when still active
    latent_churn: IntArray  # when the relationship would end, possibly after `end`
    lagging: BoolArray


def _branches() -> pd.DataFrame:
    """The twelve branches, fixed whatever the seed."""
    return pd.DataFrame(
        {
            "branch_id": pd.Series([b[0] for b in BRANCHES], dtype="str"),
            "branch_name": pd.Series([b[1] for b in BRANCHES], dtype="str"),
            "region": pd.Series([b[2] for b in BRANCHES], dtype="str"),
        }
    )


def _onboard_days(rng: np.random.Generator, n: int, cal: _Calendar) -> IntArray:
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
        w = growth * _season_weight(cand) ** 0.5
        keep = cand[rng.random(len(cand)) < w / w.max()]
        picked.append(keep)
        got += len(keep)
    new = np.concatenate(picked)[:need]
    return np.sort(np.concatenate([old, new]).astype(np.int64), kind="stable")


def _customers(rng: np.random.Generator, n: int, cal: _Calendar) -> _Customers:
    """Customers in onboarding order (C000001 is the oldest), tiers consistent with the rule."""
    onboard = _onboard_days(rng, n, cal)
    branch = _pick(rng, n, [b[3] for b in BRANCHES])
    lagging = branch == [b[0] for b in BRANCHES].index(LAGGING_BRANCH)
    tier = _pick(rng, n, (0.10, 0.40, 0.50))

    # Assets and rating drawn so that the kpis.md tier rule gives back `tier`.
    assets = np.empty(n)
    rating = np.empty(n, dtype=np.int64)
    a, b, c = tier == 0, tier == 1, tier == 2
    assets[a] = 1.05e9 * np.exp(rng.gamma(1.2, 0.8, a.sum()))
    rating[a] = _pick(rng, int(a.sum()), (0.3, 0.45, 0.25))
    b_big = b & (rng.random(n) < 0.15)  # large but rated BBB or lower: still B
    b_mid = b & ~b_big
    assets[b_mid] = np.exp(rng.uniform(np.log(1.2e8), np.log(9.5e8), b_mid.sum()))
    rating[b_mid] = _pick(rng, int(b_mid.sum()), (0.03, 0.12, 0.35, 0.35, 0.1, 0.05))
    assets[b_big] = np.exp(rng.uniform(np.log(1.1e9), np.log(5e9), b_big.sum()))
    rating[b_big] = 3 + _pick(rng, int(b_big.sum()), (0.7, 0.2, 0.1))
    c_bad = c & (rng.random(n) < 0.12)  # distressed: rated CCC or lower, any size
    c_small = c & ~c_bad
    assets[c_small] = np.exp(rng.uniform(np.log(2e6), np.log(9.5e7), c_small.sum()))
    rating[c_small] = _pick(rng, int(c_small.sum()), (0, 0, 0.12, 0.48, 0.27, 0.13))
    assets[c_bad] = np.exp(rng.uniform(np.log(1e7), np.log(2e9), c_bad.sum()))
    rating[c_bad] = 6 + _pick(rng, int(c_bad.sum()), (0.6, 0.3, 0.1))
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
        _pick(rng, n, (0.28, 0.27, 0.2, 0.15, 0.1)),
        _pick(rng, n, (0.18, 0.35, 0.2, 0.15, 0.12)),
    )
    earlier = np.searchsorted(onboard, onboard, side="left")  # customers onboarded before
    channel = np.where((channel == 0) & (earlier == 0), 1, channel)
    referral = channel == 0
    referrer = np.floor(rng.random(n) * np.maximum(earlier, 1)).astype(np.int64)
    no_channel = rng.random(n) < 0.04
    referral &= ~no_channel

    rm_slot = rng.integers(0, 8, n)
    rm_names = [
        SURNAMES[(7 * i + 3 * s) % len(SURNAMES)] + GIVEN[(5 * i + s) % len(GIVEN)]
        for i in range(len(BRANCHES))
        for s in range(8)
    ]
    no_rm = rng.random(n) < 0.03

    # Churn: piecewise-constant hazard (per year) that the programme lowers, inverted.
    hazard = 0.055 * np.asarray((0.5, 1.0, 1.4))[tier] * np.where(lagging, 2.4, 1.0)
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
    industry = _pick(rng, n, INDUSTRY_WEIGHTS)
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
            "customer_id": _ids("C", np.arange(1, n + 1), 6),
            "customer_name": pd.Series(name, dtype="str"),
            "branch_id": _text([x[0] for x in BRANCHES], branch),
            "industry": _text(INDUSTRIES, industry, no_industry),
            "company_size": _text(SIZES, size, no_size),
            "credit_rating": _text(RATINGS, rating),
            "total_assets": _money(assets, no_assets),
            "tier": _text(("A", "B", "C"), tier, ~stored_tier),
            "onboard_date": _dates(onboard),
            "acquisition_channel": _text(ACQ_CHANNELS, channel, no_channel),
            "referred_by": _ids("C", referrer + 1, 6, ~referral),
            "relationship_manager": _text(rm_names, branch * 8 + rm_slot, no_rm),
            "churn_date": _dates(latent, ~churned),
        }
    )
    return _Customers(frame, branch, tier, onboard, churn, latent, lagging)


@dataclass
class _Loans:
    frame: pd.DataFrame
    balances: pd.DataFrame


def _loans(rng: np.random.Generator, cus: _Customers, cal: _Calendar) -> _Loans:
    """New facilities (seasonal Poisson), renewal chains, then month-end balance snapshots."""
    lo = np.maximum(cus.onboard, cal.start - 3 * 365)
    hi = np.minimum(cus.churn, cal.end + 1)
    years = np.maximum(hi - lo, 0) / 365.0
    rate = np.asarray((1.2, 0.6, 0.3))[cus.tier]
    season_max = max(LENDING_SEASON)
    cand_owner, _ = _expand(rng.poisson(rate * years * season_max))
    span = hi[cand_owner] - lo[cand_owner]
    cand_day = lo[cand_owner] + np.floor(rng.random(len(cand_owner)) * span).astype(np.int64)
    keep = rng.random(len(cand_owner)) < _season_weight(cand_day) / season_max
    owner = cand_owner[keep]
    disb = cand_day[keep]
    tier = cus.tier[owner]
    product = _pick_rows(rng, np.asarray(PRODUCT_MIX)[tier])
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
        months = t_lo + np.floor(rng.random(len(owner)) * (t_hi - t_lo + 1)).astype(np.int64)
        term = np.round(months * 30.44).astype(np.int64)
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
    last_m = _month_of(last_day)
    last_m = last_m - (_month_last(last_m) != last_day)
    last_m = np.minimum(last_m, cal.last_snap_m)
    first_m = np.maximum(_month_of(disb), cal.start_m)
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
            "loan_id": _ids("L", np.arange(1, len(order) + 1), 8),
            "customer_id": _ids("C", owner + 1, 6),
            "product": _text(PRODUCTS, product),
            "amount": _money(amount),
            "disbursed_date": _dates(disb),
            "maturity_date": _dates(maturity),
            "interest_rate": _money(rate_pct, no_rate),
            "renewed_from": _ids("L", parent_new + 1, 8, parent_new < 0),
        }
    )

    li, pos = _expand(count)
    month = first_m[li] + pos
    me = _month_last(month)
    ts = trouble_start[li]
    in_default = (ts >= 0) & (me >= ts) & ((cure_day[li] < 0) | (me < cure_day[li]))
    # Amortising loans repay linearly; a loan in default stops repaying.
    elapsed = np.clip((np.where(in_default, ts, me) - disb[li]) / term[li], 0.0, 1.0)
    share = np.where(np.asarray(AMORTISING)[product[li]], 1.0 - elapsed, 1.0)
    balance = np.maximum(np.round(amount[li] * share, 2), 0.0)
    dpd = np.where(in_default, me - ts + 1, 0)
    risk = np.searchsorted(np.asarray([1, 90, 180, 360]), dpd, side="right")
    balances = pd.DataFrame(
        {
            "as_of_month": _months(month),
            "loan_id": _ids("L", li + 1, 8),
            "outstanding_balance": _money(balance),
            "risk_class": _text(RISK_CLASSES, risk),
            "days_past_due": _ints(dpd),
        }
    )
    return _Loans(loans, balances)


def _active_span(cus: _Customers, cal: _Calendar) -> tuple[IntArray, IntArray]:
    """Per customer, the first and last day of the relationship inside the window."""
    lo = np.maximum(cus.onboard, cal.start)
    hi = np.minimum(cus.churn - 1, cal.end)
    return lo, hi


def _events(
    rng: np.random.Generator, cus: _Customers, cal: _Calendar, per_year: FloatArray
) -> tuple[IntArray, IntArray]:
    """Poisson events per customer while active in the window: (owner, day), sorted by day."""
    lo, hi = _active_span(cus, cal)
    days = np.maximum(hi - lo + 1, 0)
    owner, _ = _expand(rng.poisson(per_year * days / 365.0))
    day = lo[owner] + np.floor(rng.random(len(owner)) * days[owner]).astype(np.int64)
    order = np.lexsort((owner, day))
    return owner[order], day[order]


def _surveys(rng: np.random.Generator, cus: _Customers, cal: _Calendar) -> pd.DataFrame:
    """Satisfaction about 65 % before the programme, rising towards 90 %; one branch lags."""
    owner, day = _events(rng, cus, cal, np.full(len(cus.onboard), 1.3))
    m = len(owner)
    lag = cus.lagging[owner]
    eff = cal.effect(day)
    p_sat = np.where(lag, 0.52 + 0.16 * eff, 0.655 + 0.26 * eff)
    sat = rng.random(m) < p_sat
    score = np.where(sat, 4 + (rng.random(m) < 0.45), 3 - _pick(rng, m, (0.6, 0.25, 0.15)))
    quality = np.clip(score + _pick(rng, m, (0.2, 0.6, 0.2)) - 1, 1, 5)
    speed_shift = np.where(rng.random(m) < 0.25 * (1 - eff) + 0.1 * lag, -1, 0)
    speed = np.clip(score + speed_shift + _pick(rng, m, (0.15, 0.7, 0.15)) - 1, 1, 5)
    nps = np.where(sat, 7 + rng.integers(0, 4, m), rng.integers(0, 8, m))
    nps = np.where(score == 5, np.maximum(nps, 9), nps)
    comment_pick = rng.integers(0, 4, m)
    comment_code = np.where(score >= 4, comment_pick, 4 + comment_pick)
    return pd.DataFrame(
        {
            "response_id": _ids("S", np.arange(1, m + 1), 8),
            "customer_id": _ids("C", owner + 1, 6),
            "survey_date": _dates(day),
            "touchpoint": _text(TOUCHPOINTS, _pick(rng, m, (0.3, 0.25, 0.35, 0.1))),
            "channel": _text(SURVEY_CHANNELS, _pick(rng, m, (0.3, 0.3, 0.25, 0.15))),
            "overall_score": _ints(score),
            "service_quality_score": _ints(quality, rng.random(m) < 0.1),
            "response_speed_score": _ints(speed, rng.random(m) < 0.15),
            "nps_score": _ints(nps, rng.random(m) < 0.2),
            "comment": _text(GOOD_COMMENTS + BAD_COMMENTS, comment_code, rng.random(m) < 0.8),
        }
    )


def _service_requests(rng: np.random.Generator, cus: _Customers, cal: _Calendar) -> pd.DataFrame:
    """Complaints and response times fall with the programme, less so in the lagging branch."""
    per_year = np.asarray((4.0, 3.0, 2.0))[cus.tier]
    owner, day = _events(rng, cus, cal, per_year)
    m = len(owner)
    lag = cus.lagging[owner]
    eff = cal.effect(day) * np.where(lag, 0.3, 1.0)
    p_complaint = np.where(lag, 0.2, 0.15) - 0.09 * eff
    u = rng.random(m)
    category = np.where(u < p_complaint, 2, np.where(u < p_complaint + 0.5, 0, 1))
    hour = _pick(rng, m, (1, 3, 4, 4, 2, 3, 4, 4, 3, 2, 1, 1))
    opened = (day * 86400 + (8 + hour) * 3600 + rng.integers(0, 3600, m)).astype(np.int64)
    # First response: lognormal hours, median 8 h before and 2.5 h at full effect.
    log_median = np.log(8.0) * (1 - eff) + np.log(2.5) * eff + np.where(lag, np.log(1.6), 0.0)
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
    resolved_missing = (rng.random(m) < 0.03) | (resolved_s >= extract)
    order = np.lexsort((owner, opened))
    owner, opened, category = owner[order], opened[order], category[order]
    first_s, first_missing = first_s[order], first_missing[order]
    resolved_s, resolved_missing = resolved_s[order], resolved_missing[order]
    return pd.DataFrame(
        {
            "request_id": _ids("R", np.arange(1, m + 1), 8),
            "customer_id": _ids("C", owner + 1, 6),
            "category": _text(CATEGORIES, category),
            "channel": _text(REQUEST_CHANNELS, _pick(rng, m, (0.35, 0.25, 0.1, 0.1, 0.2))),
            "opened_at": _timestamps(opened),
            "first_response_at": _timestamps(first_s, first_missing),
            "resolved_at": _timestamps(resolved_s, resolved_missing),
        }
    )


def _leads(rng: np.random.Generator, cus: _Customers, cal: _Calendar) -> pd.DataFrame:
    """Converted leads for new customers plus leads lost at every stage, some stages skipped."""
    chan = cus.frame["acquisition_channel"].to_numpy(dtype=object, na_value="")
    src_map = {s: i for i, s in enumerate(LEAD_SOURCES)}
    src = np.asarray([src_map.get(c, -1) for c in ACQ_CHANNELS])
    chan_code = np.asarray([ACQ_CHANNELS.index(c) if c else -1 for c in chan], dtype=np.int64)
    lead_src = np.where(chan_code >= 0, src[np.maximum(chan_code, 0)], -1)
    conv = (cus.onboard >= cal.start) & (lead_src >= 0) & (rng.random(len(chan)) < 0.75)
    c_owner = np.flatnonzero(conv)
    k = len(c_owner)
    disbursed = cus.onboard[c_owner]
    approved = disbursed - rng.integers(1, 15, k)
    applied = approved - np.round(rng.uniform(7, 40, k) * (1 - 0.3 * cal.effect(approved)))
    applied = applied.astype(np.int64)
    contacted = applied - rng.integers(3, 30, k)
    created = contacted - rng.integers(1, 12, k)
    c_branch = cus.branch[c_owner]

    # Lost (or still open) leads, about 2.5 per converted one, more in the lagging branch.
    n_lost = round(k * 2.5)
    weights = [b[3] * (1.5 if b[0] == LAGGING_BRANCH else 1.0) for b in BRANCHES]
    l_branch = _pick(rng, n_lost, weights)
    l_created = np.sort(cal.start + rng.integers(0, cal.end - cal.start + 1, n_lost))
    stage = _pick(rng, n_lost, (0.3, 0.3, 0.25, 0.15))  # last stage reached before loss
    l_contacted = l_created + rng.integers(1, 12, n_lost)
    l_applied = l_contacted + rng.integers(3, 30, n_lost)
    l_approved = l_applied + rng.integers(7, 40, n_lost)
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
    source = np.concatenate([lead_src[c_owner], _pick(rng, n_lost, (0.3, 0.3, 0.15, 0.15, 0.1))])
    product = _pick(rng, n, (0.05, 0.25, 0.35, 0.15, 0.1, 0.1))
    expected = np.round(rng.lognormal(np.log(5e6), 0.9, n) / 1e4) * 1e4
    reason = np.concatenate([np.zeros(k, dtype=np.int64), reason_off[stage] + reason_i])
    customer = np.concatenate([c_owner, np.zeros(n_lost, dtype=np.int64)])
    order = np.lexsort((branch_all, created_all))
    o = order
    return pd.DataFrame(
        {
            "lead_id": _ids("LD", np.arange(1, n + 1), 7),
            "branch_id": _text([b[0] for b in BRANCHES], branch_all[o]),
            "source_channel": _text(LEAD_SOURCES, source[o]),
            "product": _text(PRODUCTS, product[o], rng.random(n) < 0.05),
            "expected_amount": _money(expected[o], rng.random(n) < 0.05),
            "created_date": _dates(created_all[o]),
            "contacted_date": _dates(contacted_all[o], ~has_contacted[o]),
            "applied_date": _dates(applied_all[o], ~has_applied[o]),
            "approved_date": _dates(approved_all[o], ~has_approved[o]),
            "disbursed_date": _dates(disbursed_all[o], ~has_disbursed[o]),
            "lost_date": _dates(lost_all[o], ~has_lost[o]),
            "lost_reason": _text(reason_labels, reason[o], ~has_lost[o]),
            "customer_id": _ids("C", customer[o] + 1, 6, ~has_disbursed[o]),
        }
    )


def _marketing_spend(rng: np.random.Generator, n_customers: int, cal: _Calendar) -> pd.DataFrame:
    """Monthly spend per branch and channel, scaled to the book, heavier in Q4."""
    months = np.arange(cal.start_m, cal.end_m + 1)
    nm, nb, nc = len(months), len(BRANCHES), len(SPEND_CHANNELS)
    mi, bi, ci = (a.ravel() for a in np.meshgrid(np.arange(nm), np.arange(nb), np.arange(nc)))
    order = np.lexsort((ci, bi, mi))
    mi, bi, ci = mi[order], bi[order], ci[order]
    size = np.asarray([b[3] for b in BRANCHES])
    # About 150k CNY per new customer: new customers a year are about 13 % of the book.
    monthly = MARKETING_CAC * 0.13 * n_customers / 12.0
    season = np.asarray(LENDING_SEASON)[months[mi] % 12] ** 0.5
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
            "month": _months(months[mi]),
            "branch_id": _text([b[0] for b in BRANCHES], bi),
            "channel": _text(SPEND_CHANNELS, ci),
            "amount": _money(amount),
        }
    )


def _revenue(
    rng: np.random.Generator, cus: _Customers, cal: _Calendar, borrowers: BoolArray
) -> pd.DataFrame:
    """Monthly revenue per customer and category: grows while young, fades before churn."""
    n = len(cus.onboard)
    lo, hi = _active_span(cus, cal)
    first_m = _month_of(lo)
    last_m = _month_of(np.maximum(hi, lo))
    count = np.where(hi >= lo, last_m - first_m + 1, 0)
    uses = rng.random((n, len(REVENUE_CATEGORIES))) < np.asarray(REVENUE_USE)
    uses[:, 0] = borrowers
    level = np.asarray(TIER_MONTHLY_REVENUE)[cus.tier] * rng.lognormal(-0.1, 0.45, n)
    onboard_m = _month_of(cus.onboard)
    latent_m = _month_of(cus.latent_churn)

    ci, pos = _expand(count)  # one row per customer-month, in customer then month order
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
    return pd.DataFrame(
        {
            "month": _months(month[row]),
            "customer_id": _ids("C", ci[row] + 1, 6),
            "product_category": _text(REVENUE_CATEGORIES, cat),
            "revenue": _money(value),
        }
    )


def generate(
    seed: int = 7, customers: int = 3000, end: date = DEFAULT_END
) -> dict[str, pd.DataFrame]:
    """Every contract table as a typed DataFrame; the same seed gives identical frames."""
    if customers < 50:
        raise ValueError("the demo bank needs at least 50 customers")
    rng = np.random.default_rng(seed)
    cal = _calendar(end)
    cus = _customers(rng, customers, cal)
    loans = _loans(rng, cus, cal)
    borrowers = np.zeros(customers, dtype=bool)
    borrowers[loans.frame["customer_id"].str.slice(1).astype(np.int64).to_numpy() - 1] = True
    frames = {
        "branches": _branches(),
        "customers": cus.frame,
        "loans": loans.frame,
        "loan_balances": loans.balances,
        "surveys": _surveys(rng, cus, cal),
        "service_requests": _service_requests(rng, cus, cal),
        "leads": _leads(rng, cus, cal),
        "marketing_spend": _marketing_spend(rng, customers, cal),
        "revenue": _revenue(rng, cus, cal, borrowers),
    }
    return {name: frames[name][list(TABLES[name].column_names)] for name in TABLES}


def build_demo(
    db: Path,
    seed: int = 7,
    customers: int = 3000,
    on_progress: Callable[[str], None] | None = None,
) -> list[LoadReport]:
    """Generate the demo bank and load it through the analyst's validation, replacing all."""
    from metrics.load import load_frames

    say = on_progress or (lambda _msg: None)
    say(f"Generating the demo bank ({customers:,} customers, seed {seed})…")
    frames = generate(seed=seed, customers=customers)
    say("Loading and validating every table…")
    reports = load_frames(Path(db), frames, mode="replace", source="demo")
    refused = [r for r in reports if not getattr(r, "ok", True)]
    if refused:
        raise RuntimeError("The loader refused the demo bank:\n" + "\n".join(map(str, refused)))
    return list(reports)


def _run(args: argparse.Namespace) -> int:
    """Build the demo into --db and print one line: rows per table and seconds."""
    if args.customers < 50:
        raise CliError("--customers must be at least 50")
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
