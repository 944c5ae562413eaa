"""Every UI string in Chinese and English, in one dict; `t(key, **fmt)` picks the language.

KPI labels and definitions come from metrics.registry, not from here. The upload
page's strings live in ui/i18n_upload.py (STRINGS) and are merged in when present.
"""

from __future__ import annotations

import importlib
from typing import Any

STRINGS: dict[str, dict[str, str]] = {
    # App and navigation
    "app_title": {"zh": "对公客户经营看板", "en": "Corporate Client Dashboard"},
    "nav_dashboard": {"zh": "经营看板", "en": "Dashboard"},
    "nav_analysis": {"zh": "客户分析", "en": "Customers"},
    "nav_reference": {"zh": "数据与说明", "en": "Data & reference"},
    "page_overview": {"zh": "总览", "en": "Overview"},
    "page_satisfaction": {"zh": "满意度与服务", "en": "Satisfaction & service"},
    "page_retention": {"zh": "客户保持", "en": "Retention"},
    "page_funnel": {"zh": "转化漏斗", "en": "Conversion funnel"},
    "page_tiers": {"zh": "分层与关系", "en": "Tiers & relationships"},
    "page_value": {"zh": "客户价值", "en": "Value"},
    "page_lending": {"zh": "贷款与风险", "en": "Lending & risk"},
    "page_glossary": {"zh": "指标说明", "en": "Glossary"},
    "page_upload": {"zh": "数据导入与记录", "en": "Data: upload & history"},
    # Sidebar
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "period": {"zh": "统计期间", "en": "Period"},
    "preset_month": {"zh": "本月", "en": "This month"},
    "preset_quarter": {"zh": "本季度", "en": "This quarter"},
    "preset_ytd": {"zh": "年初至今", "en": "Year to date"},
    "preset_last12": {"zh": "近12个月", "en": "Last 12 months"},
    "preset_year": {"zh": "自然年", "en": "Calendar year"},
    "preset_custom": {"zh": "自定义", "en": "Custom range"},
    "year": {"zh": "年份", "en": "Year"},
    "date_range": {"zh": "起止日期", "en": "From – to"},
    "range_caption": {"zh": "{start} 至 {end}", "en": "{start} to {end}"},
    "branches": {"zh": "机构", "en": "Branches"},
    "tiers": {"zh": "客户分层", "en": "Customer tiers"},
    "all": {"zh": "全部", "en": "All"},
    "tier_name": {"zh": "{tier} 类", "en": "Tier {tier}"},
    "freshness": {"zh": "数据截至 {date}", "en": "Data up to {date}"},
    "last_load": {"zh": "最近导入 {when} · {table}", "en": "Last load {when} · {table}"},
    "no_loads": {"zh": "尚无导入记录", "en": "No loads recorded yet"},
    "share_hint": {
        "zh": "复制浏览器地址即可分享当前视图。",
        "en": "Copy the browser address to share this exact view.",
    },
    # Empty states
    "no_store": {
        "zh": "尚未建立数据库（{path}）。请在“数据导入与记录”页导入数据，或运行 "
        "`python -m metrics demo` 生成演示数据。",
        "en": "There is no data store yet ({path}). Load extracts on the “Data: upload & "
        "history” page, or run `python -m metrics demo` to build the demo bank.",
    },
    "demo_building": {
        "zh": "首次启动：正在生成演示银行数据（约几秒钟）…",
        "en": "First start: building the demo bank (a few seconds)…",
    },
    "store_incomplete": {
        "zh": "数据库缺少数据表：{tables}。导入任意一个文件（或运行 `python -m metrics demo`）"
        "会建立全部数据表。",
        "en": "The store has no table {tables}. Any load (or `python -m metrics demo`) creates "
        "every table of the data contract.",
    },
    "store_empty": {
        "zh": "数据库中还没有客户数据。请先导入数据。",
        "en": "The store holds no customers yet. Load extracts first.",
    },
    "no_data_period": {
        "zh": "所选期间和筛选条件下没有数据。",
        "en": "No data for the selected period and filters.",
    },
    "no_data_short": {"zh": "暂无数据", "en": "No data"},
    "no_customers_selected": {
        "zh": "所选期间和筛选条件下没有客户：各项指标显示为“—”。请调整期间、机构或客户分层。",
        "en": "No customer matches the selected period and filters, so the KPIs show “—”. "
        "Widen the period, branches or tiers.",
    },
    "store_error": {
        "zh": "读取数据时出错：{error}",
        "en": "The data could not be read: {error}",
    },
    # KPI cards
    "vs_previous": {"zh": "较上期", "en": "vs previous period"},
    "vs_year_ago": {"zh": "较去年同期", "en": "vs a year earlier"},
    "target": {"zh": "目标", "en": "Target"},
    "gap": {"zh": "差距", "en": "Gap"},
    "gap_col": {"zh": "差距", "en": "Gap"},
    "status_on": {"zh": "达标", "en": "On target"},
    "status_near": {"zh": "接近目标", "en": "Near target"},
    "status_off": {"zh": "未达标", "en": "Off target"},
    "status_none": {"zh": "无目标", "en": "No target"},
    "status_nodata": {"zh": "暂无数据", "en": "No data"},
    "lower_better": {"zh": "越低越好", "en": "lower is better"},
    # Tables and export
    "download_csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "download_xlsx": {"zh": "下载 Excel", "en": "Download Excel"},
    "exported": {"zh": "导出时间", "en": "Exported"},
    "search": {"zh": "搜索", "en": "Search"},
    "search_placeholder": {"zh": "客户编号、名称…", "en": "Customer id, name…"},
    "rows": {"zh": "共 {n} 行", "en": "{n} rows"},
    # Drill-down
    "drill_title": {"zh": "明细：查看背后的客户", "en": "Drill down: the customers behind it"},
    "drill_by": {"zh": "维度", "en": "Dimension"},
    "drill_value": {"zh": "取值", "en": "Value"},
    "dim_branch": {"zh": "机构", "en": "Branch"},
    "dim_tier": {"zh": "客户分层", "en": "Tier"},
    "dim_relationship_type": {"zh": "客户关系类型", "en": "Relationship type"},
    "dim_rfm_segment": {"zh": "RFM 分群", "en": "RFM segment"},
    "dim_source_channel": {"zh": "线索来源", "en": "Source channel"},
    # Overview
    "overview_title": {"zh": "经营总览", "en": "Overview"},
    "headline": {"zh": "核心指标", "en": "Headline KPIs"},
    "off_target_title": {"zh": "未达标指标", "en": "KPIs off target"},
    "all_on_target": {
        "zh": "所有设定目标的指标均已达标。",
        "en": "Every KPI with a target is on target.",
    },
    "trend_title": {"zh": "近12个月趋势", "en": "Trend over the last 12 months"},
    "kpi": {"zh": "指标", "en": "KPI"},
    "value": {"zh": "数值", "en": "Value"},
    "status": {"zh": "状态", "en": "Status"},
    "kpis_by_group": {"zh": "分组明细", "en": "By group"},
    # Satisfaction
    "csat_monthly": {"zh": "月度满意率", "en": "Satisfaction rate by month"},
    "by_branch": {"zh": "按机构", "en": "By branch"},
    "by_tier": {"zh": "按客户分层", "en": "By tier"},
    "score_dist": {"zh": "总体满意度分布", "en": "Overall score distribution"},
    "score": {"zh": "评分", "en": "Score"},
    "responses": {"zh": "问卷数", "en": "Responses"},
    "share": {"zh": "占比", "en": "Share"},
    "service_title": {"zh": "服务响应", "en": "Service"},
    "nps_monthly": {"zh": "月度净推荐值", "en": "NPS by month"},
    "sla_monthly": {"zh": "月度24小时响应率", "en": "Answered within 24 h, by month"},
    # Retention
    "retention_trend": {
        "zh": "客户保持率（滚动12个月）",
        "en": "Retention rate (trailing 12 months)",
    },
    "churn_trend": {"zh": "客户流失率（滚动12个月）", "en": "Churn rate (trailing 12 months)"},
    "renewal_trend": {"zh": "续贷率（滚动12个月）", "en": "Renewal rate (trailing 12 months)"},
    "repeat_trend": {
        "zh": "复购率（滚动12个月）",
        "en": "Repeat-borrower rate (trailing 12 months)",
    },
    "cohort_caption": {
        "zh": "{start} 至 {end} 间建立关系的客户，按获客季度分组；格内为该季度末仍活跃的比例。",
        "en": "Customers onboarded {start} to {end}, grouped by onboarding quarter; each cell is "
        "the share still active at that quarter's end.",
    },
    "cohort_title": {"zh": "按季度的客户留存（同期群）", "en": "Cohort retention by quarter"},
    "cohort": {"zh": "获客季度", "en": "Cohort"},
    "quarters_after": {"zh": "之后第几个季度", "en": "Quarters after onboarding"},
    "cohort_size": {"zh": "客户数", "en": "Size"},
    "churned_list": {"zh": "期间内流失的客户", "en": "Customers who churned in the period"},
    "no_churn": {"zh": "所选期间没有客户流失。", "en": "No customer churned in the period."},
    # Funnel
    "funnel_title": {"zh": "线索转化漏斗", "en": "Lead conversion funnel"},
    "funnel_chart_title": {
        "zh": "线索漏斗（数量 · 环节转化率）",
        "en": "Funnel (leads · % of previous stage)",
    },
    "funnel_tier_note": {
        "zh": "线索尚无客户分层：本页仅按机构筛选，客户分层筛选不适用。",
        "en": "Leads have no tier: this page follows the branch filter only; the tier filter "
        "does not apply.",
    },
    "stage_created": {"zh": "创建", "en": "Created"},
    "stage_contacted": {"zh": "接触", "en": "Contacted"},
    "stage_applied": {"zh": "申请", "en": "Applied"},
    "stage_approved": {"zh": "审批通过", "en": "Approved"},
    "stage_disbursed": {"zh": "放款", "en": "Disbursed"},
    "step_rate": {"zh": "环比转化", "en": "of previous"},
    "step_rate_col": {"zh": "环节转化率", "en": "Step conversion"},
    "overall_rate": {"zh": "累计转化率", "en": "Share of leads"},
    "reached": {"zh": "到达数", "en": "Reached"},
    "stage": {"zh": "环节", "en": "Stage"},
    "group": {"zh": "分组", "en": "Group"},
    "funnel_by_branch": {"zh": "各机构转化", "en": "Conversion by branch"},
    "funnel_by_channel": {"zh": "各来源渠道转化", "en": "Conversion by source channel"},
    # Tiers & relationships
    "kpis_by_tier": {"zh": "各分层指标", "en": "Every customer KPI by tier"},
    "rel_title": {"zh": "五类客户关系", "en": "Five relationship types"},
    "rel_customers": {"zh": "各类客户数", "en": "Customers by type"},
    "rel_caption": {
        "zh": "{day} 当日活跃客户的关系类型；收入为截至当月的近12个月收入。",
        "en": "Types of the customers active on {day}; revenue over the 12 months to that month.",
    },
    "rel_revenue_share": {"zh": "收入占比", "en": "Revenue share"},
    "rel_r12": {"zh": "近12个月收入", "en": "Revenue, last 12 months"},
    "rel_movement": {"zh": "期初→期末关系类型变化", "en": "Movement from period start to end"},
    "rel_movement_table": {"zh": "变化矩阵（客户数）", "en": "Movement matrix (customers)"},
    "start": {"zh": "期初", "en": "start"},
    "end": {"zh": "期末", "en": "end"},
    "rel_strategic": {"zh": "战略型", "en": "Strategic"},
    "rel_growth": {"zh": "成长型", "en": "Growth"},
    "rel_stable": {"zh": "稳定型", "en": "Stable"},
    "rel_risk": {"zh": "风险型", "en": "Risk"},
    "rel_churning": {"zh": "流失型", "en": "Churning"},
    "rel_not_active": {"zh": "非活跃", "en": "Not active"},
    "rfm_title": {"zh": "RFM 客户价值分群", "en": "RFM value segments"},
    "segment": {"zh": "分群", "en": "Segment"},
    "customers": {"zh": "客户数", "en": "Customers"},
    # Value
    "value_title": {"zh": "获客与客户价值", "en": "Acquisition and customer value"},
    "rev_by_branch": {"zh": "各机构户均年收入", "en": "Revenue per customer by branch"},
    "rev_by_tier": {"zh": "各分层户均年收入", "en": "Revenue per customer by tier"},
    "value_by_branch": {"zh": "各机构价值指标", "en": "Value KPIs by branch"},
    "clv_cac_by_branch": {"zh": "各机构 CLV/CAC", "en": "CLV/CAC by branch"},
    "cross_sell_trend": {
        "zh": "交叉销售率（滚动12个月）",
        "en": "Cross-sell rate (trailing 12 months)",
    },
    "cac_note": {
        "zh": "营销费用没有客户分层：获客成本仅按机构筛选。",
        "en": "Marketing spend has no tier: CAC follows the branch filter only.",
    },
    # Lending
    "lending_monthly": {
        "zh": "月度新增贷款（与去年同期对比）",
        "en": "New lending by month vs last year",
    },
    "this_period": {"zh": "本期", "en": "This period"},
    "last_year": {"zh": "去年同期", "en": "Last year"},
    "month": {"zh": "月份", "en": "Month"},
    "npl_trend": {"zh": "不良贷款率趋势", "en": "NPL ratio trend"},
    "risk_classes": {"zh": "五级分类贷款余额", "en": "Balance by risk class"},
    "risk_classes_watch": {
        "zh": "关注类及不良贷款余额（月末）",
        "en": "Special mention and non-performing balance (month-end)",
    },
    "risk_normal": {"zh": "正常", "en": "Normal"},
    "risk_special_mention": {"zh": "关注", "en": "Special mention"},
    "risk_substandard": {"zh": "次级", "en": "Substandard"},
    "risk_doubtful": {"zh": "可疑", "en": "Doubtful"},
    "risk_loss": {"zh": "损失", "en": "Loss"},
    "outstanding_trend": {"zh": "贷款余额趋势", "en": "Outstanding balance"},
    # Glossary
    "glossary_intro": {
        "zh": "每个指标的口径均来自同一份指标注册表；目标值可在配置中调整。",
        "en": "Every KPI below comes from the one KPI registry; targets are configurable.",
    },
    "label_zh": {"zh": "中文名称", "en": "Chinese label"},
    "label_en": {"zh": "英文名称", "en": "English label"},
    "definition": {"zh": "口径", "en": "Definition"},
    "unit": {"zh": "单位", "en": "Unit"},
    "direction": {"zh": "方向", "en": "Direction"},
    "kpi_group": {"zh": "类别", "en": "Group"},
    "tier_filter": {"zh": "适用分层筛选", "en": "Tier filter applies"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "dir_higher": {"zh": "越高越好", "en": "higher is better"},
    "dir_lower": {"zh": "越低越好", "en": "lower is better"},
    "dir_none": {"zh": "—", "en": "—"},
    "dir_higher_short": {"zh": "越高越好 · 无目标", "en": "Higher is better · no target"},
    "dir_lower_short": {"zh": "越低越好 · 无目标", "en": "Lower is better · no target"},
    "dir_none_short": {"zh": "规模指标 · 无目标", "en": "Volume · no target"},
    "unit_ratio": {"zh": "百分比", "en": "percent"},
    "unit_score": {"zh": "分（1–5）", "en": "score 1–5"},
    "unit_points": {"zh": "分（−100～100）", "en": "points −100..100"},
    "unit_count": {"zh": "个数", "en": "count"},
    "unit_per100": {"zh": "每百户", "en": "per 100 customers"},
    "unit_hours": {"zh": "小时", "en": "hours"},
    "unit_days": {"zh": "天", "en": "days"},
    "unit_cny": {"zh": "人民币元", "en": "CNY"},
    "unit_multiple": {"zh": "倍", "en": "times"},
    "rfm_map": {"zh": "RFM 分群规则", "en": "RFM segment map"},
    "rfm_intro": {
        "zh": "R = 距最近一次放款的天数（越近得分越高），F = 近36个月放款笔数，M = 其金额合计；"
        "各按五分位打 1–5 分。",
        "en": "R = days since the latest disbursement (more recent scores higher), F = loans "
        "in the 36 months to the period end, M = their amount; each scored 1–5 by quintile.",
    },
    "rel_rules": {
        "zh": "客户关系类型规则（按顺序，先满足者优先）",
        "en": "Relationship-type rules (first rule that holds wins)",
    },
    "rel_rule_churning": {
        "zh": "近12个月收入 < 前12个月的50%（且前12个月 > 0），或近6个月无正收入而前12个月 > 0",
        "en": "R12 < 50 % of P12 (P12 > 0), or no positive revenue in the last 6 months while "
        "P12 > 0",
    },
    "rel_rule_risk": {
        "zh": "最近快照中有关注及以下分类贷款，或信用评级为 BB 及以下",
        "en": "A loan in special mention or worse in the latest snapshot, or rating BB or lower",
    },
    "rel_rule_strategic": {
        "zh": "A 类客户且近12个月收入位列活跃客户前10%",
        "en": "Tier A and R12 in the top 10 % of active customers",
    },
    "rel_rule_growth": {
        "zh": "近12个月收入 ≥ 前12个月的1.2倍，或近24个月内新建立关系",
        "en": "R12 ≥ 1.2 × P12, or onboarded within the last 24 months",
    },
    "rel_rule_stable": {"zh": "其余客户", "en": "Every other customer"},
    "tier_rules": {
        "zh": "客户分层规则（未提供分层时推导）",
        "en": "Tier rules (derived where none is given)",
    },
    "tier_rule_A": {
        "zh": "资产总额 ≥ 10亿元 且信用评级为 AAA、AA、A",
        "en": "Total assets ≥ ¥1bn and rating AAA, AA or A",
    },
    "tier_rule_B": {"zh": "其余客户", "en": "Every other customer"},
    "tier_rule_C": {
        "zh": "信用评级为 CCC、CC、C，或资产总额 < 1亿元（空值按0计）",
        "en": "Rating CCC, CC or C, or total assets < ¥100M (empty counts as 0)",
    },
    "rule": {"zh": "规则", "en": "Rule"},
    "rfm_rule_champions": {"zh": "R5，F4–5：近期且频繁放款。", "en": ""},
    "rfm_rule_loyal": {"zh": "R3–4，F4–5：放款频繁，较近期。", "en": ""},
    "rfm_rule_potential_loyalist": {"zh": "R4–5，F2–3：近期放款，有一定复购。", "en": ""},
    "rfm_rule_new": {"zh": "R5，F1：最近首次放款。", "en": ""},
    "rfm_rule_promising": {"zh": "R4，F1：较近期，仅一笔贷款。", "en": ""},
    "rfm_rule_need_attention": {"zh": "R3，F3：两项均居中。", "en": ""},
    "rfm_rule_about_to_sleep": {"zh": "R3，F1–2：渐趋沉寂，放款较少。", "en": ""},
    "rfm_rule_at_risk": {"zh": "R1–2，F3–4：曾经频繁放款，近期没有。", "en": ""},
    "rfm_rule_cant_lose": {"zh": "R1–2，F5：最好的借款客户已沉寂。", "en": ""},
    "rfm_rule_hibernating": {"zh": "R1–2，F1–2：久未放款且很少放款。", "en": ""},
    "type": {"zh": "类型", "en": "Type"},
    # Table columns shared by drill-down and lists
    "col_customer_id": {"zh": "客户编号", "en": "Customer id"},
    "col_customer_name": {"zh": "客户名称", "en": "Customer"},
    "col_branch_id": {"zh": "机构编号", "en": "Branch"},
    "col_branch_name": {"zh": "机构名称", "en": "Branch name"},
    "col_tier": {"zh": "分层", "en": "Tier"},
    "col_onboard_date": {"zh": "建立关系日期", "en": "Onboarded"},
    "col_churn_date": {"zh": "流失日期", "en": "Churned on"},
    "col_industry": {"zh": "行业", "en": "Industry"},
    "col_credit_rating": {"zh": "信用评级", "en": "Rating"},
    "col_relationship_manager": {"zh": "客户经理", "en": "Relationship manager"},
    "col_r12": {"zh": "近12个月收入", "en": "Revenue, 12 m"},
    "col_p12": {"zh": "前12个月收入", "en": "Revenue, prior 12 m"},
    "col_rel_type": {"zh": "关系类型", "en": "Relationship type"},
    "col_customers": {"zh": "客户数", "en": "Customers"},
    "col_revenue_share": {"zh": "收入占比", "en": "Revenue share"},
    "col_share": {"zh": "占比", "en": "Share"},
    "col_avg_recency_days": {"zh": "平均距最近放款天数", "en": "Mean days since last loan"},
    "col_avg_frequency": {"zh": "平均放款笔数", "en": "Mean loans, 36 m"},
    "col_rfm_segment": {"zh": "RFM 分群", "en": "RFM segment"},
    "col_tier_source": {"zh": "分层来源", "en": "Tier source"},
    "col_total_assets": {"zh": "资产总额", "en": "Total assets"},
    "col_recency_days": {"zh": "距最近放款天数", "en": "Days since last loan"},
    "col_frequency": {"zh": "36个月放款笔数", "en": "Loans, 36 m"},
    "col_monetary": {"zh": "36个月放款金额", "en": "Amount, 36 m"},
    "col_last_year": {"zh": "去年同期", "en": "Last year"},
    "col_month": {"zh": "月份", "en": "Month"},
    "col_group": {"zh": "分组", "en": "Group"},
    "col_stage": {"zh": "环节", "en": "Stage"},
    "col_reached": {"zh": "到达数", "en": "Reached"},
    "col_step_rate": {"zh": "环节转化率", "en": "Step conversion"},
    "col_overall_rate": {"zh": "累计转化率", "en": "Share of leads"},
    "col_normal": {"zh": "正常", "en": "Normal"},
    "col_special_mention": {"zh": "关注", "en": "Special mention"},
    "col_substandard": {"zh": "次级", "en": "Substandard"},
    "col_doubtful": {"zh": "可疑", "en": "Doubtful"},
    "col_loss": {"zh": "损失", "en": "Loss"},
    "col_current": {"zh": "本期", "en": "This period"},
    "tier_stored": {"zh": "系统提供", "en": "stored"},
    "tier_derived": {"zh": "规则推导", "en": "derived"},
    "col_relationship_type": {"zh": "关系类型", "en": "Relationship type"},
    "col_segment": {"zh": "RFM 分群", "en": "RFM segment"},
    "col_outstanding": {"zh": "贷款余额", "en": "Outstanding"},
    "col_score": {"zh": "评分", "en": "Score"},
    "col_responses": {"zh": "问卷数", "en": "Responses"},
    "col_revenue": {"zh": "收入", "en": "Revenue"},
    "col_amount": {"zh": "金额", "en": "Amount"},
    "col_source_channel": {"zh": "线索来源", "en": "Source channel"},
    "col_acquisition_channel": {"zh": "获客渠道", "en": "Acquisition channel"},
    "col_company_size": {"zh": "企业规模", "en": "Company size"},
    "col_product": {"zh": "产品", "en": "Product"},
    "col_product_category": {"zh": "产品类别", "en": "Product category"},
    "col_risk_class": {"zh": "五级分类", "en": "Risk class"},
    "col_from_type": {"zh": "期初类型", "en": "Type at start"},
    "col_to_type": {"zh": "期末类型", "en": "Type at end"},
    "no_rows_match": {
        "zh": "没有符合搜索条件的客户。",
        "en": "No customer matches this search.",
    },
    # Access: sign-in, roles, branch scope, accounts and audit (issue 11)
    "auth_title": {"zh": "登录", "en": "Sign in"},
    "auth_intro": {
        "zh": "客户数据仅限授权人员查看。请使用您的账号登录。",
        "en": "Customer data is for authorised staff only. Sign in with your account.",
    },
    "auth_name": {"zh": "用户名", "en": "Username"},
    "auth_password": {"zh": "密码", "en": "Password"},
    "auth_submit": {"zh": "登录", "en": "Sign in"},
    "auth_bad": {"zh": "用户名或密码错误。", "en": "Wrong username or password."},
    "auth_locked": {
        "zh": "连续 5 次登录失败，该账号已锁定至 {until}。请稍后再试或联系管理员。",
        "en": "Five failed sign-ins in a row: this account is locked until {until}. "
        "Try again later or ask an administrator.",
    },
    "auth_demo_off": {
        "zh": "演示账号仅在演示数据下可用。",
        "en": "Demo accounts work only with the demo bank.",
    },
    "auth_expired": {
        "zh": "您已闲置超过 {hours} 小时，请重新登录。",
        "en": "You were idle for more than {hours} h; please sign in again.",
    },
    "auth_signed_out": {"zh": "您已退出登录。", "en": "You are signed out."},
    "auth_no_accounts": {
        "zh": "尚无账号。请管理员在服务器上创建第一个管理员：`{command}`",
        "en": "There is no account yet. An administrator creates the first one on the "
        "server: `{command}`",
    },
    "auth_demo_title": {
        "zh": "演示数据的演示账号（真实数据下不显示、不可用）",
        "en": "Demo accounts of the demo bank (never shown or accepted with real data)",
    },
    "auth_signed_in_as": {"zh": "已登录：{name}（{role}）", "en": "Signed in: {name} ({role})"},
    "auth_scope": {"zh": "可见机构：{branches}", "en": "Branches you see: {branches}"},
    "auth_sign_out": {"zh": "退出登录", "en": "Sign out"},
    "auth_scope_note": {
        "zh": "您只能查看 {own}。链接中的 {asked} 不在您的权限范围内，未显示。",
        "en": "You can see {own} only. The link asked for {asked}, which is outside "
        "your branches and is not shown.",
    },
    "auth_denied": {
        "zh": "您的角色（{role}）无权执行此操作：{action}。",
        "en": "Your role ({role}) may not do this: {action}.",
    },
    "role_executive": {"zh": "管理层", "en": "Executive"},
    "role_manager": {"zh": "机构负责人", "en": "Manager"},
    "role_analyst": {"zh": "数据分析员", "en": "Analyst"},
    "role_admin": {"zh": "系统管理员", "en": "Administrator"},
    "all_branches": {"zh": "全部机构", "en": "all branches"},
    "page_admin": {"zh": "账号与审计", "en": "Accounts & audit"},
    "admin_intro": {
        "zh": "管理账号（角色、机构、密码、停用）并查看审计记录。每项更改都会记入审计。",
        "en": "Manage accounts (role, branches, password, disable) and read the audit "
        "trail. Every change is itself audited.",
    },
    "admin_accounts": {"zh": "账号", "en": "Accounts"},
    "admin_add": {"zh": "新建账号", "en": "New account"},
    "admin_change": {"zh": "修改账号", "en": "Change an account"},
    "admin_role": {"zh": "角色", "en": "Role"},
    "admin_branches": {"zh": "机构（仅机构负责人）", "en": "Branches (managers only)"},
    "admin_new_password": {"zh": "新密码（至少 8 位）", "en": "New password (8+ characters)"},
    "admin_create": {"zh": "创建", "en": "Create"},
    "admin_account": {"zh": "账号", "en": "Account"},
    "admin_save_role": {"zh": "保存角色与机构", "en": "Save role and branches"},
    "admin_save_password": {"zh": "重设密码", "en": "Reset password"},
    "admin_disable": {"zh": "停用", "en": "Disable"},
    "admin_enable": {"zh": "启用", "en": "Enable"},
    "admin_done": {"zh": "已保存：{what}", "en": "Saved: {what}"},
    "admin_error": {"zh": "未保存：{error}", "en": "Not saved: {error}"},
    "admin_audit": {"zh": "审计记录", "en": "Audit trail"},
    "admin_audit_since": {"zh": "起始日期", "en": "Since"},
    "admin_audit_user": {"zh": "用户", "en": "User"},
    "admin_audit_all": {"zh": "全部用户", "en": "All users"},
    "col_event_id": {"zh": "序号", "en": "Event"},
    "col_event_at": {"zh": "时间", "en": "When"},
    "col_user_name": {"zh": "用户", "en": "User"},
    "col_action": {"zh": "操作", "en": "Action"},
    "col_outcome": {"zh": "结果", "en": "Outcome"},
    "col_detail": {"zh": "详情", "en": "Details"},
    "col_address": {"zh": "地址", "en": "Address"},
    "col_name": {"zh": "用户名", "en": "Username"},
    "col_role": {"zh": "角色", "en": "Role"},
    "col_branches": {"zh": "机构", "en": "Branches"},
    "col_disabled": {"zh": "已停用", "en": "Disabled"},
    "col_demo": {"zh": "演示账号", "en": "Demo"},
    "col_locked_until": {"zh": "锁定至", "en": "Locked until"},
    "col_last_sign_in": {"zh": "最近登录", "en": "Last sign-in"},
    "col_created_at": {"zh": "创建时间", "en": "Created"},
    "undo_confirm": {
        "zh": "撤销导入 {load_id}（文件 {file}）将从表 {table} 删除 {removed}，并恢复 {restored}"
        "被该次导入替换的行。确认请再点一次。",
        "en": "Undoing load {load_id} (file {file}) removes {removed} from table {table} and "
        "puts back {restored} it replaced. Click again to confirm.",
    },
    "undo_confirm_button": {"zh": "确认撤销", "en": "Confirm undo"},
    "undo_cancel": {"zh": "取消", "en": "Cancel"},
}


# Known values of the extracts' code columns, by kind: (zh, en). Unknown values pass through.
_CHANNELS: dict[str, tuple[str, str]] = {
    "referral": ("客户推荐", "Referral"),
    "branch": ("网点", "Branch"),
    "campaign": ("营销活动", "Campaign"),
    "online": ("线上", "Online"),
    "partner": ("合作机构", "Partner"),
    "event": ("会议活动", "Event"),
    "email": ("邮件", "Email"),
    "phone": ("电话", "Phone"),
    "app": ("手机银行", "App"),
    "visit": ("上门拜访", "Visit"),
    "relationship_manager": ("客户经理", "Relationship manager"),
    "unknown": ("未知", "Unknown"),
}
VALUE_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "channel": _CHANNELS,
    "industry": {
        "agriculture": ("农业", "Agriculture"),
        "chemicals": ("化工", "Chemicals"),
        "construction": ("建筑业", "Construction"),
        "electronics": ("电子", "Electronics"),
        "energy": ("能源", "Energy"),
        "food": ("食品", "Food"),
        "logistics": ("物流", "Logistics"),
        "machinery": ("机械", "Machinery"),
        "manufacturing": ("制造业", "Manufacturing"),
        "pharma": ("医药", "Pharma"),
        "technology": ("科技", "Technology"),
        "textiles": ("纺织", "Textiles"),
        "trade": ("商贸", "Trade"),
        "retail": ("零售", "Retail"),
        "real_estate": ("房地产", "Real estate"),
        "制造业": ("制造业", "Manufacturing"),
        "批发和零售业": ("批发和零售业", "Wholesale & retail"),
        "建筑业": ("建筑业", "Construction"),
        "信息技术": ("信息技术", "Information technology"),
        "交通运输": ("交通运输", "Transport"),
        "房地产业": ("房地产业", "Real estate"),
        "能源": ("能源", "Energy"),
        "农业": ("农业", "Agriculture"),
        "医药卫生": ("医药卫生", "Healthcare"),
        "科技服务": ("科技服务", "Tech services"),
        "文化传媒": ("文化传媒", "Media"),
        "化工": ("化工", "Chemicals"),
    },
    "company_size": {
        "large": ("大型", "Large"),
        "medium": ("中型", "Medium"),
        "small": ("小型", "Small"),
        "micro": ("微型", "Micro"),
    },
    "product": {
        "project_finance": ("项目贷款", "Project finance"),
        "term_loan": ("固定资产贷款", "Term loan"),
        "working_capital": ("流动资金贷款", "Working capital"),
        "supply_chain": ("供应链融资", "Supply-chain finance"),
        "trade_finance": ("贸易融资", "Trade finance"),
        "ip_pledge": ("知识产权质押", "IP-backed loan"),
    },
    "product_category": {
        "loan": ("贷款", "Loans"),
        "deposit": ("存款", "Deposits"),
        "cash_management": ("现金管理", "Cash management"),
        "fx": ("外汇", "FX"),
        "trade_finance": ("贸易融资", "Trade finance"),
        "wealth": ("理财", "Wealth"),
        "advisory": ("顾问咨询", "Advisory"),
    },
    "risk_class": {
        "normal": ("正常", "Normal"),
        "special_mention": ("关注", "Special mention"),
        "substandard": ("次级", "Substandard"),
        "doubtful": ("可疑", "Doubtful"),
        "loss": ("损失", "Loss"),
    },
    "rel_type": {
        "strategic": ("战略型", "Strategic"),
        "growth": ("成长型", "Growth"),
        "stable": ("稳定型", "Stable"),
        "risk": ("风险型", "Risk"),
        "churning": ("流失型", "Churning"),
        "not_active": ("非活跃", "Not active"),
    },
    "request_category": {
        "inquiry": ("咨询", "Inquiry"),
        "service": ("服务", "Service"),
        "complaint": ("投诉", "Complaint"),
    },
    "tier_source": {"stored": ("系统提供", "Stored"), "derived": ("规则推导", "Derived")},
}
# Column names whose values are codes of a kind above.
VALUE_COLUMNS: dict[str, str] = {
    "source_channel": "channel",
    "acquisition_channel": "channel",
    "channel": "channel",
    "industry": "industry",
    "company_size": "company_size",
    "product": "product",
    "product_category": "product_category",
    "risk_class": "risk_class",
    "rel_type": "rel_type",
    "relationship_type": "rel_type",
    "category": "request_category",
    "tier_source": "tier_source",
}


def value_name(kind: str, value: Any, lang: str | None = None) -> Any:
    """A code's display name ("food" -> "食品" / "Food"); unknown values come back unchanged."""
    names = VALUE_NAMES.get(kind, {})
    if not isinstance(value, str) or value not in names:
        return value
    zh, en = names[value]
    return zh if (lang or current_lang()) == "zh" else en


def value_names(kind: str, lang: str | None = None) -> dict[str, str]:
    """Every known code of a kind with its display name (chart and selectbox labels)."""
    return {code: str(value_name(kind, code, lang)) for code in VALUE_NAMES.get(kind, {})}


# Modules of a part's own strings, each with STRINGS: key -> (zh, en) or {"zh", "en"}.
EXTRA_STRINGS: tuple[str, ...] = ("ui.i18n_upload", "ui.i18n_brief")


def _merged() -> dict[str, dict[str, str]]:
    """STRINGS plus each EXTRA_STRINGS module's STRINGS."""
    out = dict(STRINGS)
    for name in EXTRA_STRINGS:
        try:
            extra = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for key, value in getattr(extra, "STRINGS", {}).items():
            if isinstance(value, dict):
                out[key] = {"zh": str(value.get("zh", "")), "en": str(value.get("en", ""))}
            else:
                zh, en = value
                out[key] = {"zh": zh, "en": en}
    return out


ALL_STRINGS: dict[str, dict[str, str]] = _merged()


LANG_STATE_KEY = "w_lang"
# The language last seen in a session: used when a widget's format_func is called outside
# a script run (Streamlit's AppTest evaluates it on the test thread).
_last_lang = "zh"


def current_lang() -> str:
    """The language the sidebar selected ('zh' before it is drawn or outside Streamlit)."""
    global _last_lang
    try:
        import streamlit as st
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        if get_script_run_ctx(suppress_warning=True) is None:
            return _last_lang
        value = st.session_state.get(LANG_STATE_KEY, "zh")
    except Exception:
        return "zh"
    _last_lang = value if value in ("zh", "en") else "zh"
    return _last_lang


def t(key: str, lang: str | None = None, **fmt: Any) -> str:
    """The string `key` in `lang` (default: the selected language), formatted with `fmt`.

    An unknown key shows itself, so a missing string is visible, never an exception.
    """
    lang = lang or current_lang()
    entry = ALL_STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("en") or key
    return text.format(**fmt) if fmt else text
