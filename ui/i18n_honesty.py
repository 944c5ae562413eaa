"""Labels of n, intervals, flags, exports and drill-downs: key -> (zh, en); merged by ui.i18n."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # n, intervals and flags
    "n_equals": ("n = {n}", "n = {n}"),
    "ci_range": ("95% 置信区间 {low}–{high}", "95% CI {low}–{high}"),
    "flag_low_n": ("样本不足，仅供参考", "low sample, indicative only"),
    "flag_running": ("本期未结束", "period still running"),
    "flag_immature": ("尚未成熟", "not yet mature"),
    "flag_not_covered": ("数据起始日之前，无法比较", "before the data starts, not comparable"),
    "status_low_n": ("样本不足 · n = {n}", "Low sample · n = {n}"),
    "delta_immature": ("—，尚未成熟", "—, not yet mature"),
    "delta_not_covered": ("—，上期早于数据起始", "—, previous period before the data"),
    "yoy_not_covered": ("—（去年同期早于数据起始）", "— (a year earlier is before the data)"),
    "delta_running": ("本期未结束，变化仅供参考", "period still running, change indicative"),
    "card_running": (
        "数据尚未覆盖至期末，数值可能偏低",
        "the data do not reach the period's end yet: the value may still grow",
    ),
    "card_immature": (
        "转化尚未成熟：线索需 {days} 天后才有定论",
        "not yet mature: leads need {days} days to convert",
    ),
    "tier_filter_ignored": (
        "此指标不按客户分层筛选（线索与营销费用没有分层）",
        "This KPI ignores the tier filter (leads and spend have no tier)",
    ),
    "trend_window": (
        "趋势：{start} 至 {end}（{months} 个月）",
        "Trend {start} to {end} ({months} months)",
    ),
    "trend_uncovered": (
        "{months}：早于数据起始（滚动12个月须有完整12个月），显示为“—”。",
        "{months}: before the data start (a trailing 12 months needs all 12), shown as “—”.",
    ),
    "trend_legend": (
        "阴影为 95% 置信区间；灰点样本不足；虚线为尚未结束或尚未成熟的月份。",
        "Band: 95% interval; grey points: low sample; dotted: a month still running or "
        "not yet mature.",
    ),
    "col_n_of": ("{label} n", "{label} n"),
    # exports
    "data_as_of": ("数据截至 {date}", "Data as of {date}"),
    # drill-down
    "drill_all": ("全部（当前筛选）", "All (current filters)"),
    "drill_title_leads": ("明细：查看背后的线索", "Drill down: the leads behind it"),
    "drill_population_period": (
        "所选期间内的客户（期末前获客、期初后未流失）。点击图中的柱子或 RFM 方块可直接查看。",
        "Customers of the period (onboarded by its end, not churned before its start). "
        "Click a bar (or an RFM cell) in a chart to drill into it.",
    ),
    "drill_population_surveyed": (
        "期间内参与满意度调查的客户。点击图中的柱子可直接查看。",
        "The customers surveyed in the period. Click a bar in a chart to drill into it.",
    ),
    "drill_population_churned": (
        "期初在册、期间内流失的客户。",
        "The customers of the period's start who churned in it.",
    ),
    "drill_population_borrowers": (
        "期间内有新增贷款发放的客户。",
        "The customers with new loans disbursed in the period.",
    ),
    "drill_population_revenue": (
        "近12个月有收入的客户。点击图中的柱子可直接查看。",
        "The customers with revenue in the 12 months to the period's end. Click a bar "
        "in a chart to drill into it.",
    ),
    "drill_population_leads": (
        "期间内创建的线索（线索没有客户分层）。点击图中的柱子可直接查看。",
        "Leads created in the period (leads have no tier). Click a bar in a chart to "
        "drill into it.",
    ),
    "drill_population_title_period": ("期间客户", "Customers of the period"),
    "drill_population_title_surveyed": ("受访客户", "Surveyed customers"),
    "drill_population_title_churned": ("流失客户", "Churned customers"),
    "drill_population_title_borrowers": ("新增贷款客户", "Borrowers"),
    "drill_population_title_revenue": ("有收入客户", "Customers with revenue"),
    "drill_population_title_leads": ("线索", "Leads"),
    "col_surveys": ("问卷数", "Surveys"),
    "col_mean_score": ("平均满意度", "Mean score"),
    "col_last_survey": ("最近调查日", "Last survey"),
    "col_new_loans": ("新增贷款笔数", "New loans"),
    "col_new_loan_amount": ("新增贷款金额", "New lending"),
    "col_lead_id": ("线索编号", "Lead id"),
    "col_expected_amount": ("预计金额", "Expected amount"),
    "col_created_date": ("创建日", "Created"),
    "col_contacted_date": ("接触日", "Contacted"),
    "col_applied_date": ("申请日", "Applied"),
    "col_approved_date": ("审批日", "Approved"),
    "col_disbursed_date": ("放款日", "Disbursed"),
    "col_lost_date": ("流失日", "Lost"),
    # the off-target list, exported as numbers
    "col_kpi_unit": ("单位", "Unit"),
}
