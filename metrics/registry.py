"""Every KPI declared once: id, labels, unit, direction, target and definition.

Pages, the glossary, the CLI's JSON and the tests read only this module; the
queries live in metrics.kpis, keyed by the same ids. Spec: ../shared/spec/kpis.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from metrics.config import get_settings

Unit = Literal["ratio", "score", "points", "count", "per100", "hours", "days", "cny", "multiple"]
Direction = Literal["higher", "lower", "none"]
Lang = Literal["zh", "en"]

UNITS: tuple[str, ...] = (
    "ratio",
    "score",
    "points",
    "count",
    "per100",
    "hours",
    "days",
    "cny",
    "multiple",
)
DIRECTIONS: tuple[str, ...] = ("higher", "lower", "none")


@dataclass(frozen=True)
class Kpi:
    """One KPI. `empty` is its value over nothing: 0 for sums and counts, None for ratios."""

    id: str
    group: str
    label_zh: str
    label_en: str
    unit: Unit
    direction: Direction
    definition_en: str
    definition_zh: str
    customer_based: bool = True
    empty: float | None = None
    target: float | None = None

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def definition(self, lang: str = "zh") -> str:
        return self.definition_zh if lang == "zh" else self.definition_en


GROUPS: dict[str, dict[str, str]] = {
    "satisfaction": {"zh": "客户满意度", "en": "Satisfaction"},
    "service": {"zh": "服务响应", "en": "Service"},
    "retention": {"zh": "客户保持", "en": "Retention"},
    "funnel": {"zh": "转化漏斗", "en": "Conversion funnel"},
    "acquisition": {"zh": "获客与价值", "en": "Acquisition and value"},
    "lending": {"zh": "贷款与风险", "en": "Lending and risk"},
}


def _k(
    id: str,
    group: str,
    zh: str,
    en: str,
    unit: Unit,
    direction: Direction,
    def_en: str,
    def_zh: str,
    *,
    customer_based: bool = True,
    empty: float | None = None,
) -> Kpi:
    return Kpi(
        id=id,
        group=group,
        label_zh=zh,
        label_en=en,
        unit=unit,
        direction=direction,
        definition_en=def_en,
        definition_zh=def_zh,
        customer_based=customer_based,
        empty=empty,
        target=get_settings().target(id),
    )


_ALL: tuple[Kpi, ...] = (
    # Satisfaction
    _k(
        "csat_rate", "satisfaction", "满意率", "Satisfaction rate", "ratio", "higher",
        "Surveys dated in the period: share with overall score 4 or 5.",
        "期间内调查问卷中，总体满意度为4分或5分的占比。",
    ),
    _k(
        "csat_mean", "satisfaction", "平均满意度", "Mean satisfaction", "score", "higher",
        "Mean overall score (1–5) of surveys dated in the period.",
        "期间内调查问卷总体满意度（1–5分）的平均值。",
    ),
    _k(
        "service_quality_mean", "satisfaction", "服务质量评分", "Service quality", "score",
        "higher",
        "Mean of the non-empty service quality scores of those surveys.",
        "上述问卷中非空服务质量评分的平均值。",
    ),
    _k(
        "response_speed_mean", "satisfaction", "响应速度评分", "Response speed", "score",
        "higher",
        "Mean of the non-empty response speed scores of those surveys.",
        "上述问卷中非空响应速度评分的平均值。",
    ),
    _k(
        "nps", "satisfaction", "净推荐值", "NPS", "points", "higher",
        "Over non-empty recommend scores: 100 × (share 9–10 − share 0–6).",
        "非空推荐意愿中：100 ×（9–10分占比 − 0–6分占比）。",
    ),
    _k(
        "survey_responses", "satisfaction", "有效问卷数", "Responses", "count", "none",
        "Number of surveys dated in the period.",
        "期间内的调查问卷数量。",
        empty=0,
    ),
    # Service
    _k(
        "response_sla_rate", "service", "24小时响应率", "Answered within 24 h", "ratio", "higher",
        "Requests opened in the period: share first answered within 24 hours (none = missed).",
        "期间内受理的工单中，24小时内首次响应的占比（无响应视为超时）。",
    ),
    _k(
        "complaint_rate", "service", "投诉率", "Complaints per 100 customers", "per100", "lower",
        "100 × complaints opened in the period / customers active on any day of the period.",
        "100 × 期间内受理的投诉数 / 期间内任一天处于活跃状态的客户数。",
    ),
    _k(
        "complaint_resolution_hours", "service", "投诉办结时长",
        "Complaint resolution (median h)", "hours", "lower",
        "Median hours from opening to resolution of complaints opened in the period and resolved.",
        "期间内受理且已办结的投诉，从受理到办结的小时数中位数。",
    ),
    # Retention
    _k(
        "customers_at_start", "retention", "期初客户数", "Customers at start", "count", "none",
        "Customers onboarded before the period and not churned before it starts.",
        "期初之前建立关系、且在期初之前未流失的客户数。",
        empty=0,
    ),
    _k(
        "churned_customers", "retention", "流失客户数", "Churned", "count", "lower",
        "Customers at start whose churn date is on or before the period's end.",
        "期初客户中，流失日期不晚于期末的客户数。",
        empty=0,
    ),
    _k(
        "retention_rate", "retention", "客户保持率", "Retention rate", "ratio", "higher",
        "(Customers at start − churned) / customers at start.",
        "（期初客户数 − 流失客户数）/ 期初客户数。",
    ),
    _k(
        "churn_rate", "retention", "客户流失率", "Churn rate", "ratio", "lower",
        "1 − retention rate.",
        "1 − 客户保持率。",
    ),
    _k(
        "new_customers", "retention", "新增客户数", "New customers", "count", "higher",
        "Customers whose onboard date is in the period.",
        "建立关系日期在期间内的客户数。",
        empty=0,
    ),
    _k(
        "active_customers", "retention", "期末活跃客户数", "Active customers", "count", "none",
        "Customers active on the period's last day.",
        "期末当日处于活跃状态的客户数。",
        empty=0,
    ),
    _k(
        "renewal_rate", "retention", "续贷率", "Renewal rate", "ratio", "higher",
        "Loans maturing in the period: share renewed by any stored loan.",
        "期间内到期的贷款中，被任一已存贷款续贷的占比。",
    ),
    _k(
        "repurchase_rate", "retention", "复购率", "Repeat-borrower rate", "ratio", "higher",
        "Customers with a loan disbursed in the period: share who also borrowed before it.",
        "期间内有放款的客户中，期初之前也曾有放款的占比。",
    ),
    # Funnel
    _k(
        "leads_created", "funnel", "线索数", "Leads", "count", "none",
        "Leads created in the period (branch filter only; tiers do not apply).",
        "期间内创建的线索数（仅按机构筛选，不适用客户分层）。",
        customer_based=False,
        empty=0,
    ),
    _k(
        "lead_conversion_rate", "funnel", "线索转化率", "Lead-to-loan conversion", "ratio",
        "higher",
        "Leads created in the period that reached disbursement / leads created.",
        "期间内创建的线索中已放款的数量 / 线索数。",
        customer_based=False,
    ),
    _k(
        "avg_days_to_convert", "funnel", "平均转化时长", "Days to convert", "days", "lower",
        "Mean days from creation to disbursement over disbursed leads created in the period.",
        "期间内创建并已放款的线索，从创建到放款的平均天数。",
        customer_based=False,
    ),
    _k(
        "avg_approval_days", "funnel", "平均审批时长", "Approval time", "days", "lower",
        "Mean days from application to approval where both dates are present.",
        "申请日期与审批通过日期均存在的线索，从申请到审批通过的平均天数。",
        customer_based=False,
    ),
    # Acquisition and value
    _k(
        "marketing_spend", "acquisition", "营销费用", "Marketing spend", "cny", "none",
        "Spend of the months whose first day is in the period (branch filter only).",
        "月初日期在期间内的月份的营销费用合计（仅按机构筛选）。",
        customer_based=False,
        empty=0,
    ),
    _k(
        "cac", "acquisition", "获客成本", "CAC", "cny", "lower",
        "Marketing spend / new customers, both under the branch filter only.",
        "营销费用 / 新增客户数（两者均仅按机构筛选）。",
        customer_based=False,
    ),
    _k(
        "referral_rate", "acquisition", "推荐获客占比", "Referred share", "ratio", "higher",
        "New customers who were referred by a customer / new customers.",
        "新增客户中有推荐客户的数量 / 新增客户数。",
    ),
    _k(
        "avg_annual_revenue", "acquisition", "户均年收入", "Revenue per customer", "cny",
        "higher",
        "Revenue of the 12 months ending with the end month / customers with revenue rows there.",
        "截至期末所在月的12个月收入合计 / 该12个月内有收入记录的客户数。",
    ),
    _k(
        "cross_sell_rate", "acquisition", "交叉销售率", "Cross-sell rate", "ratio", "higher",
        "Customers with revenue rows in those 12 months: share with a positive sum in 2+ "
        "categories.",
        "上述12个月内有收入记录的客户中，2个及以上产品类别收入合计为正的占比。",
    ),
    _k(
        "clv", "acquisition", "客户生命周期价值", "CLV", "cny", "higher",
        "Revenue per customer × r / (1 + d − r); r = retention over the 365 days ending at the "
        "period end.",
        "户均年收入 × r /（1 + d − r）；r 为截至期末365天的客户保持率，d 为折现率。",
    ),
    _k(
        "clv_cac_ratio", "acquisition", "CLV/CAC", "CLV/CAC", "multiple", "higher",
        "CLV / CAC.",
        "客户生命周期价值 / 获客成本。",
    ),
    # Lending and risk
    _k(
        "new_loan_amount", "lending", "新增贷款", "New lending", "cny", "higher",
        "Sum of amounts of loans disbursed in the period.",
        "期间内放款的贷款金额合计。",
        empty=0,
    ),
    _k(
        "new_loan_growth", "lending", "新增贷款同比", "New lending YoY", "ratio", "higher",
        "New lending / new lending of the same period one year earlier − 1.",
        "新增贷款 / 上年同期新增贷款 − 1。",
    ),
    _k(
        "outstanding_balance", "lending", "贷款余额", "Outstanding", "cny", "none",
        "Outstanding balance in the latest month-end snapshot on or before the period end.",
        "不晚于期末的最近一个月末快照中的贷款余额合计。",
    ),
    _k(
        "npl_ratio", "lending", "不良贷款率", "NPL ratio", "ratio", "lower",
        "Balance classed substandard, doubtful or loss / outstanding balance, same snapshot.",
        "同一快照中次级、可疑、损失类贷款余额 / 贷款余额。",
    ),
)  # fmt: skip

KPIS: dict[str, Kpi] = {k.id: k for k in _ALL}


def kpis_in_group(group: str) -> list[Kpi]:
    """The KPIs of one group, in display order."""
    return [k for k in KPIS.values() if k.group == group]
