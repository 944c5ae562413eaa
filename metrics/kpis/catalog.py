"""Every KPI declared once, as data: what computes it, labels, unit, direction, target.

The engine (metrics.engine) generates every query from MEASURES and KPIS; nothing
else defines a KPI. A declaration that does not resolve (an unknown measure, source,
input or shift) raises at import. Spec: ../shared/spec/kpis.md.

Adding a KPI: one `_k(...)` entry below (plus a measure if it aggregates something
new) and one row of hand-worked cases in tests/test_kpis.py.
"""

from __future__ import annotations

from metrics.config import get_settings
from metrics.engine.sources import SOURCES
from metrics.filters import Filters
from metrics.kpis.model import (
    SHIFTS,
    Computation,
    Count,
    Derived,
    Direction,
    Input,
    Kpi,
    Measure,
    Ratio,
    Unit,
    Value,
)

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

GROUPS: dict[str, dict[str, str]] = {
    "satisfaction": {"zh": "客户满意度", "en": "Satisfaction"},
    "service": {"zh": "服务响应", "en": "Service"},
    "retention": {"zh": "客户保持", "en": "Retention"},
    "funnel": {"zh": "转化漏斗", "en": "Conversion funnel"},
    "acquisition": {"zh": "获客与价值", "en": "Acquisition and value"},
    "lending": {"zh": "贷款与风险", "en": "Lending and risk"},
}

# Period conditions on a customer `x` of the dimension, for a period `p`.
_AT_START = "x.onboard_date < p.date_from AND (x.churn_date IS NULL OR x.churn_date >= p.date_from)"
_NEW = "x.onboard_date BETWEEN p.date_from AND p.date_to"
_COMPLAINT = "x.category = 'complaint'"
_FIRST_IN_PERIOD = "(x.prev_day IS NULL OR x.prev_day < p.date_from)"

# Each measure: (id, source, SQL aggregate over the source's rows `x`). Additive ones are
# pre-summed per day (or month) and branch, tier and manager in the rollups at publish.
MEASURES: dict[str, Measure] = {
    m.id: m
    for m in (
        Measure("surveys", "surveys", "count(*)"),
        Measure("satisfied", "surveys", "count(*) FILTER (WHERE x.overall_score >= 4)"),
        Measure("score_sum", "surveys", "sum(x.overall_score)"),
        Measure("quality_sum", "surveys", "sum(x.service_quality_score)"),
        Measure("quality_n", "surveys", "count(x.service_quality_score)"),
        Measure("speed_sum", "surveys", "sum(x.response_speed_score)"),
        Measure("speed_n", "surveys", "count(x.response_speed_score)"),
        Measure("nps_net", "surveys",
                "count(*) FILTER (WHERE x.nps_score >= 9) "
                "- count(*) FILTER (WHERE x.nps_score <= 6)"),
        Measure("nps_n", "surveys", "count(x.nps_score)"),
        Measure("requests", "requests", "count(*)"),
        Measure("answered_24h", "requests",
                "count(*) FILTER (WHERE x.first_response_at IS NOT NULL "
                "AND x.first_response_at <= x.opened_at + INTERVAL 24 HOUR)"),
        Measure("complaints_x100", "requests", f"100 * count(*) FILTER (WHERE {_COMPLAINT})"),
        Measure("resolved_complaints", "requests",
                f"count(*) FILTER (WHERE {_COMPLAINT} AND x.resolved_at IS NOT NULL)"),
        # Resolved complaints only (sources.SLIM_SQL): x.hours = resolved_at - opened_at.
        Measure("resolution_median", "complaints", "median(x.hours)", additive=False,
                empty=None),
        Measure("customers_at_start", "customers", f"count(*) FILTER (WHERE {_AT_START})"),
        Measure("churned", "customers",
                f"count(*) FILTER (WHERE {_AT_START} AND x.churn_date <= p.date_to)"),
        Measure("retained", "customers",
                "count(*) FILTER (WHERE x.onboard_date < p.date_from "
                "AND (x.churn_date IS NULL OR x.churn_date > p.date_to))"),
        Measure("new_customers", "customers", f"count(*) FILTER (WHERE {_NEW})"),
        Measure("referred_new", "customers", f"count(*) FILTER (WHERE {_NEW} AND x.referred)"),
        Measure("active_customers", "customers",
                "count(*) FILTER (WHERE x.onboard_date <= p.date_to "
                "AND (x.churn_date IS NULL OR x.churn_date > p.date_to))"),
        Measure("period_customers", "customers",
                "count(*) FILTER (WHERE x.onboard_date <= p.date_to "
                "AND (x.churn_date IS NULL OR x.churn_date > p.date_from))"),
        Measure("new_customers_any_tier", "customers_any_tier",
                f"count(*) FILTER (WHERE {_NEW})"),
        Measure("new_loan_amount", "disbursed", "sum(x.amount)"),
        # Distinct customers with a loan in the period: each counted on its first loan day
        # in it (sources.SLIM_SQL, borrowing), so a count, not a DISTINCT.
        Measure("borrowers", "borrowing", f"count(*) FILTER (WHERE {_FIRST_IN_PERIOD})",
                additive=False),
        Measure("repeat_borrowers", "borrowing",
                f"count(*) FILTER (WHERE {_FIRST_IN_PERIOD} "
                "AND x.first_disbursed < p.date_from)",
                additive=False),
        Measure("maturing", "maturing", "count(*)"),
        Measure("renewed", "maturing", "count(*) FILTER (WHERE x.renewed)"),
        Measure("leads", "leads", "count(*)"),
        Measure("leads_disbursed", "leads", "count(x.disbursed_date)"),
        Measure("convert_days", "leads", "sum(date_diff('day', x.created_date, x.disbursed_date))"),
        Measure("approval_days", "leads", "sum(date_diff('day', x.applied_date, x.approved_date))"),
        Measure("approval_n", "leads",
                "count(*) FILTER (WHERE x.applied_date IS NOT NULL "
                "AND x.approved_date IS NOT NULL)"),
        Measure("marketing_spend", "spend", "sum(x.amount)"),
        Measure("balance", "balances", "sum(x.outstanding_balance)"),
        Measure("npl_balance", "balances",
                "sum(x.outstanding_balance) "
                "FILTER (WHERE list_contains($npl_classes::VARCHAR[], x.risk_class))"),
        Measure("revenue12", "revenue", "sum(x.revenue)"),
        Measure("revenue_customers", "revenue_customers", "count(*)"),
        Measure("cross_sold", "revenue_customers", "count(*) FILTER (WHERE x.cats >= 2)"),
    )
}  # fmt: skip


def _div(a: Value, b: Value) -> Value:
    if a is None or b is None or b == 0:
        return None
    return float(a) / float(b)


def _growth(v: tuple[Value, ...], _f: Filters) -> Value:
    """x / (x a year earlier) - 1."""
    q = _div(v[0] or 0, v[1] or 0)
    return None if q is None else q - 1.0


def _clv(v: tuple[Value, ...], f: Filters) -> Value:
    """avg_annual_revenue x r / (1 + d - r); r = retention over the 365 days to date_to."""
    revenue, r = v
    if revenue is None or r is None:
        return None
    return _div(revenue * r, 1.0 + float(f.discount_rate) - r)


def _quotient(v: tuple[Value, ...], _f: Filters) -> Value:
    return _div(v[0], v[1])


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
    computes: Computation,
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
        computes=computes,
        customer_based=customer_based,
        empty=empty,
        target=get_settings().target(id),
    )


_ALL: tuple[Kpi, ...] = (
    _k(
        "csat_rate", "satisfaction", "满意率", "Satisfaction rate", "ratio", "higher",
        "Surveys dated in the period: share with overall score 4 or 5.",
        "期间内调查问卷中，总体满意度为4分或5分的占比。",
        computes=Ratio("satisfied", "surveys", interval=True),
    ),
    _k(
        "csat_mean", "satisfaction", "平均满意度", "Mean satisfaction", "score", "higher",
        "Mean overall score (1–5) of surveys dated in the period.",
        "期间内调查问卷总体满意度（1–5分）的平均值。",
        computes=Ratio("score_sum", "surveys"),
    ),
    _k(
        "service_quality_mean", "satisfaction", "服务质量评分", "Service quality", "score",
        "higher",
        "Mean of the non-empty service quality scores of those surveys.",
        "上述问卷中非空服务质量评分的平均值。",
        computes=Ratio("quality_sum", "quality_n"),
    ),
    _k(
        "response_speed_mean", "satisfaction", "响应速度评分", "Response speed", "score",
        "higher",
        "Mean of the non-empty response speed scores of those surveys.",
        "上述问卷中非空响应速度评分的平均值。",
        computes=Ratio("speed_sum", "speed_n"),
    ),
    _k(
        "nps", "satisfaction", "净推荐值", "NPS", "points", "higher",
        "Over non-empty recommend scores: 100 × (share 9–10 − share 0–6).",
        "非空推荐意愿中：100 ×（9–10分占比 − 0–6分占比）。",
        computes=Ratio("nps_net", "nps_n", scale=100.0),
    ),
    _k(
        "survey_responses", "satisfaction", "有效问卷数", "Responses", "count", "none",
        "Number of surveys dated in the period.",
        "期间内的调查问卷数量。",
        empty=0,
        computes=Count("surveys"),
    ),
    _k(
        "response_sla_rate", "service", "24小时响应率", "Answered within 24 h", "ratio", "higher",
        "Requests opened in the period: share first answered within 24 hours (none = missed).",
        "期间内受理的工单中，24小时内首次响应的占比（无响应视为超时）。",
        computes=Ratio("answered_24h", "requests", interval=True),
    ),
    _k(
        "complaint_rate", "service", "投诉率", "Complaints per 100 customers", "per100", "lower",
        "100 × complaints opened in the period / customers active on any day of the period.",
        "100 × 期间内受理的投诉数 / 期间内任一天处于活跃状态的客户数。",
        computes=Ratio("complaints_x100", "period_customers"),
    ),
    _k(
        "complaint_resolution_hours", "service", "投诉办结时长",
        "Complaint resolution (median h)", "hours", "lower",
        "Median hours from opening to resolution of complaints opened in the period and resolved.",
        "期间内受理且已办结的投诉，从受理到办结的小时数中位数。",
        computes=Count("resolution_median", n="resolved_complaints"),
    ),
    _k(
        "customers_at_start", "retention", "期初客户数", "Customers at start", "count", "none",
        "Customers onboarded before the period and not churned before it starts.",
        "期初之前建立关系、且在期初之前未流失的客户数。",
        empty=0,
        computes=Count("customers_at_start"),
    ),
    _k(
        "churned_customers", "retention", "流失客户数", "Churned", "count", "lower",
        "Customers at start whose churn date is on or before the period's end.",
        "期初客户中，流失日期不晚于期末的客户数。",
        empty=0,
        computes=Count("churned"),
    ),
    _k(
        "retention_rate", "retention", "客户保持率", "Retention rate", "ratio", "higher",
        "(Customers at start − churned) / customers at start.",
        "（期初客户数 − 流失客户数）/ 期初客户数。",
        computes=Ratio("retained", "customers_at_start", interval=True),
    ),
    _k(
        "churn_rate", "retention", "客户流失率", "Churn rate", "ratio", "lower",
        "1 − retention rate.",
        "1 − 客户保持率。",
        computes=Ratio("churned", "customers_at_start", interval=True),
    ),
    _k(
        "new_customers", "retention", "新增客户数", "New customers", "count", "higher",
        "Customers whose onboard date is in the period.",
        "建立关系日期在期间内的客户数。",
        empty=0,
        computes=Count("new_customers"),
    ),
    _k(
        "active_customers", "retention", "期末活跃客户数", "Active customers", "count", "none",
        "Customers active on the period's last day.",
        "期末当日处于活跃状态的客户数。",
        empty=0,
        computes=Count("active_customers"),
    ),
    _k(
        "renewal_rate", "retention", "续贷率", "Renewal rate", "ratio", "higher",
        "Loans maturing in the period: share renewed by any stored loan.",
        "期间内到期的贷款中，被任一已存贷款续贷的占比。",
        computes=Ratio("renewed", "maturing", interval=True),
    ),
    _k(
        "repurchase_rate", "retention", "复购率", "Repeat-borrower rate", "ratio", "higher",
        "Customers with a loan disbursed in the period: share who also borrowed before it.",
        "期间内有放款的客户中，期初之前也曾有放款的占比。",
        computes=Ratio("repeat_borrowers", "borrowers", interval=True),
    ),
    _k(
        "leads_created", "funnel", "线索数", "Leads", "count", "none",
        "Leads created in the period (branch filter only; tiers do not apply).",
        "期间内创建的线索数（仅按机构筛选，不适用客户分层）。",
        customer_based=False,
        empty=0,
        computes=Count("leads"),
    ),
    _k(
        "lead_conversion_rate", "funnel", "线索转化率", "Lead-to-loan conversion", "ratio",
        "higher",
        "Leads created in the period that reached disbursement / leads created.",
        "期间内创建的线索中已放款的数量 / 线索数。",
        customer_based=False,
        computes=Ratio("leads_disbursed", "leads", interval=True, matures=True),
    ),
    _k(
        "avg_days_to_convert", "funnel", "平均转化时长", "Days to convert", "days", "lower",
        "Mean days from creation to disbursement over disbursed leads created in the period.",
        "期间内创建并已放款的线索，从创建到放款的平均天数。",
        customer_based=False,
        computes=Ratio("convert_days", "leads_disbursed", matures=True),
    ),
    _k(
        "avg_approval_days", "funnel", "平均审批时长", "Approval time", "days", "lower",
        "Mean days from application to approval where both dates are present.",
        "申请日期与审批通过日期均存在的线索，从申请到审批通过的平均天数。",
        customer_based=False,
        computes=Ratio("approval_days", "approval_n"),
    ),
    _k(
        "marketing_spend", "acquisition", "营销费用", "Marketing spend", "cny", "none",
        "Spend of the months whose first day is in the period (branch filter only).",
        "月初日期在期间内的月份的营销费用合计（仅按机构筛选）。",
        customer_based=False,
        empty=0,
        computes=Count("marketing_spend"),
    ),
    _k(
        "cac", "acquisition", "获客成本", "CAC", "cny", "lower",
        "Marketing spend / new customers, both under the branch filter only.",
        "营销费用 / 新增客户数（两者均仅按机构筛选）。",
        customer_based=False,
        computes=Ratio("marketing_spend", "new_customers_any_tier"),
    ),
    _k(
        "referral_rate", "acquisition", "推荐获客占比", "Referred share", "ratio", "higher",
        "New customers who were referred by a customer / new customers.",
        "新增客户中有推荐客户的数量 / 新增客户数。",
        computes=Ratio("referred_new", "new_customers", interval=True),
    ),
    _k(
        "avg_annual_revenue", "acquisition", "户均年收入", "Revenue per customer", "cny",
        "higher",
        "Revenue of the 12 months ending with the end month / customers with revenue rows there.",
        "截至期末所在月的12个月收入合计 / 该12个月内有收入记录的客户数。",
        computes=Ratio("revenue12", "revenue_customers"),
    ),
    _k(
        "cross_sell_rate", "acquisition", "交叉销售率", "Cross-sell rate", "ratio", "higher",
        "Customers with revenue rows in those 12 months: share with a positive sum in 2+ "
        "categories.",
        "上述12个月内有收入记录的客户中，2个及以上产品类别收入合计为正的占比。",
        computes=Ratio("cross_sold", "revenue_customers", interval=True),
    ),
    _k(
        "clv", "acquisition", "客户生命周期价值", "CLV", "cny", "higher",
        "Revenue per customer × r / (1 + d − r); r = retention over the 365 days ending at the "
        "period end.",
        "户均年收入 × r /（1 + d − r）；r 为截至期末365天的客户保持率，d 为折现率。",
        computes=Derived(
            (Input("avg_annual_revenue"), Input("retention_rate", "year_to_date_to")), _clv
        ),
    ),
    _k(
        "clv_cac_ratio", "acquisition", "CLV/CAC", "CLV/CAC", "multiple", "higher",
        "CLV / CAC.",
        "客户生命周期价值 / 获客成本。",
        computes=Derived((Input("clv"), Input("cac")), _quotient),
    ),
    _k(
        "new_loan_amount", "lending", "新增贷款", "New lending", "cny", "higher",
        "Sum of amounts of loans disbursed in the period.",
        "期间内放款的贷款金额合计。",
        empty=0,
        computes=Count("new_loan_amount"),
    ),
    _k(
        "new_loan_growth", "lending", "新增贷款同比", "New lending YoY", "ratio", "higher",
        "New lending / new lending of the same period one year earlier − 1.",
        "新增贷款 / 上年同期新增贷款 − 1。",
        computes=Derived(
            (Input("new_loan_amount"), Input("new_loan_amount", "year_ago")),
            _growth,
            needs_covered=True,
        ),
    ),
    _k(
        "outstanding_balance", "lending", "贷款余额", "Outstanding", "cny", "none",
        "Outstanding balance in the latest month-end snapshot on or before the period end.",
        "不晚于期末的最近一个月末快照中的贷款余额合计。",
        computes=Count("balance"),
    ),
    _k(
        "npl_ratio", "lending", "不良贷款率", "NPL ratio", "ratio", "lower",
        "Balance classed substandard, doubtful or loss / outstanding balance, same snapshot.",
        "同一快照中次级、可疑、损失类贷款余额 / 贷款余额。",
        computes=Ratio("npl_balance", "balance", counts=False),
    ),)  # fmt: skip

KPIS: dict[str, Kpi] = {k.id: k for k in _ALL}


def measures_of(kpi_id: str) -> tuple[str, ...]:
    """The measures a KPI reads directly (none for a derived KPI)."""
    c = KPIS[kpi_id].computes
    if isinstance(c, Count):
        return (c.measure,) + ((c.n,) if c.n else ())
    if isinstance(c, Ratio):
        return (c.numerator, c.denominator)
    return ()


def sources_of(kpi_id: str) -> tuple[str, ...]:
    """The sources a KPI reads, through its inputs too, in declaration order."""
    c = KPIS[kpi_id].computes
    found: list[str] = []
    if isinstance(c, Derived):
        for i in c.inputs:
            found += sources_of(i.kpi)
    else:
        found += [MEASURES[m].source for m in measures_of(kpi_id)]
    return tuple(dict.fromkeys(found))


def tables_of(kpi_id: str) -> tuple[str, ...]:
    """The contract tables a KPI reads (their as-of and start dates decide its flags)."""
    return tuple(dict.fromkeys(SOURCES[s].table for s in sources_of(kpi_id)))


def kpis_in_group(group: str) -> list[Kpi]:
    """The KPIs of one group, in display order."""
    return [k for k in KPIS.values() if k.group == group]


def check() -> None:
    """Raise ValueError unless every declaration resolves (called at import)."""
    if len(KPIS) != len(_ALL):
        raise ValueError("duplicate KPI id")
    for m in MEASURES.values():
        if m.source not in SOURCES:
            raise ValueError(f"measure {m.id}: unknown source {m.source!r}")
    seen: set[str] = set()
    for k in _ALL:
        if k.group not in GROUPS or k.unit not in UNITS or k.direction not in DIRECTIONS:
            raise ValueError(f"KPI {k.id}: unknown group, unit or direction")
        c = k.computes
        if isinstance(c, Derived):
            for i in c.inputs:
                if i.kpi not in seen:
                    raise ValueError(f"KPI {k.id}: input {i.kpi!r} is not declared before it")
                if i.shift not in SHIFTS:
                    raise ValueError(f"KPI {k.id}: unknown shift {i.shift!r}")
        elif isinstance(c, Count | Ratio):
            for mid in measures_of(k.id):
                if mid not in MEASURES:
                    raise ValueError(f"KPI {k.id}: unknown measure {mid!r}")
            keyed = {SOURCES[s].keyed for s in sources_of(k.id)}
            if k.customer_based != (keyed == {"customer"}):
                raise ValueError(f"KPI {k.id}: customer_based disagrees with its sources")
        else:
            raise ValueError(f"KPI {k.id}: computes is not a Count, Ratio or Derived")
        seen.add(k.id)


check()
