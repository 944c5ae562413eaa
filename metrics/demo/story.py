"""The demo bank's story: calendar, branches, managers, events and the knobs of every table.

Everything here is fixed whatever the seed; the seed only draws the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from metrics.demo.columns import FloatArray, IntArray, day, month_first, month_last, month_of

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

# Relationship managers: a few per branch (about four per unit of branch size, at least
# three); the last manager of every branch is the weaker one (WEAK_*), with an equal share
# of the branch's customers.
WEAK_SATISFACTION = 0.18  # lower chance of a satisfied survey (score >= 4)
WEAK_RESPONSE = 2.0  # slower first response (median multiplied)
WEAK_CHURN = 2.2  # higher churn hazard
WEAK_COMPLAINTS = 0.04  # more complaints (added to the complaint share)


def managers_per_branch(weight: float) -> int:
    """A few managers per branch: four per unit of size weight, at least three."""
    return max(3, round(4 * weight))


def manager_names() -> tuple[tuple[str, ...], ...]:
    """Per branch (in BRANCHES order), its managers' names; unique across the bank."""
    out: list[tuple[str, ...]] = []
    k = 0
    for b in BRANCHES:
        names = []
        for _ in range(managers_per_branch(b[3])):
            # k and k + 14 j share a surname; their given names differ by 13 j mod 15 != 0.
            surname = SURNAMES[k % len(SURNAMES)]
            given = GIVEN[(k // len(SURNAMES) + 3 * k) % len(GIVEN)]
            names.append(surname + given)
            k += 1
        out.append(tuple(names))
    return tuple(out)


# Events (the contract's `events` table): the programme launch, bank-wide, and one
# branch's pilot whose effect the data carries (approval and first response faster in
# that branch from its date on), so a difference-in-differences has something to find.
PILOT_BRANCH = "BR08"
PILOT_START = date(2025, 4, 1)
PILOT_APPROVAL = 0.5  # approval time (applied -> approved) multiplied
PILOT_RESPONSE = 0.6  # first-response median multiplied
EVENTS: tuple[tuple[str, date, str, str | None, str], ...] = (
    (
        "EV01",
        PROGRAMME_START,
        "客户关系管理提升计划启动",
        None,
        "全行推行专属客户经理一对一服务、24小时响应承诺和定期维护报告。",
    ),
    (
        "EV02",
        PILOT_START,
        "深圳分行审批提速试点",
        PILOT_BRANCH,
        "深圳分行设立专属审批团队：审批时长减半，首次响应提速。",
    ),
)

# Watchlist: an open complaint is a recent one. A complaint opened in the last
# OPEN_COMPLAINT_DAYS days before the extract date stays open with this probability
# (more for the weaker managers); older complaints are all resolved.
OPEN_COMPLAINT_DAYS = 60
OPEN_COMPLAINT_P = 0.2
OPEN_COMPLAINT_P_WEAK = 0.35

# Streaming: the fact tables are generated and loaded this many customers at a time.
CHUNK_CUSTOMERS = 25_000


@dataclass(frozen=True)
class Calendar:
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


def calendar(end: date) -> Calendar:
    """Five years of history: the 60 months ending with the month of `end`."""
    end_d = day(end)
    end_m = int(month_of(np.array([end_d]))[0])
    start_m = end_m - 12 * HISTORY_YEARS + 1
    last_m = end_m if int(month_last(np.array([end_m]))[0]) <= end_d else end_m - 1
    return Calendar(
        start=int(month_first(np.array([start_m]))[0]),
        end=end_d,
        programme=day(PROGRAMME_START),
        start_m=start_m,
        end_m=end_m,
        last_snap_m=last_m,
    )


def season_weight(days: IntArray) -> FloatArray:
    """Lending seasonality of each day's calendar month."""
    moy = month_of(days) % 12
    return np.asarray(LENDING_SEASON, dtype=np.float64)[moy]
