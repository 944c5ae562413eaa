"""Text of the relationship manager's desk (scorecards, watchlist, whitespace): key ->
{"zh", "en"}; merged into the one catalog by ui.i18n (PART_CATALOGS)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "nav_desk": {"zh": "客户经理工作台", "en": "RM desk"},
    "page_managers": {"zh": "客户经理", "en": "Relationship managers"},
    "page_watchlist": {"zh": "预警客户", "en": "Watchlist"},
    "page_whitespace": {"zh": "交叉销售机会", "en": "Cross-sell whitespace"},
    "dim_relationship_manager": {"zh": "客户经理", "en": "Relationship manager"},
    "unassigned": {"zh": "未分配", "en": "Unassigned"},
    "score_table": {"zh": "客户经理排名", "en": "Manager scorecards"},
    "score_caption": {
        "zh": "期间内各客户经理名下客户的指标；满意率附问卷数 n 与 95% 置信区间（Wilson），"
        "样本不足的客户经理按满意率排名时排在最后；预警客户数为 {day} 当日。",
        "en": "The KPIs of each manager's customers over the period; satisfaction with its "
        "survey count n and 95% (Wilson) interval, low-sample managers ranked last on it; "
        "the watchlist count is for {day}.",
    },
    "score_rank_by": {"zh": "排名依据", "en": "Rank by"},
    "book_title": {"zh": "客户经理名下客户", "en": "Book of business"},
    "book_of": {"zh": "客户经理", "en": "Manager"},
    "book_caption": {
        "zh": "{name} 名下 {day} 在册的客户，预警信号多者在前。",
        "en": "{name}'s customers active on {day}, most flags first.",
    },
    "col_rank": {"zh": "排名", "en": "Rank"},
    "col_manager": {"zh": "客户经理", "en": "Manager"},
    "col_tier_a_share": {"zh": "A 类占比", "en": "Tier A share"},
    "col_tier_b_share": {"zh": "B 类占比", "en": "Tier B share"},
    "col_tier_c_share": {"zh": "C 类占比", "en": "Tier C share"},
    "col_csat_n": {"zh": "问卷数 n", "en": "Surveys (n)"},
    "col_csat_interval": {"zh": "满意率 95% 区间", "en": "Satisfaction, 95% interval"},
    "col_low_n": {"zh": "样本不足（n < {n}）", "en": "Low sample (n < {n})"},
    "col_watchlist": {"zh": "预警客户数", "en": "On the watchlist"},
    "col_flags": {"zh": "预警信号", "en": "Flags"},
    "col_facts": {"zh": "预警依据", "en": "What triggered them"},
    "col_outstanding_balance": {"zh": "贷款余额", "en": "Outstanding"},
    "col_last_survey_date": {"zh": "最近调查日期", "en": "Last survey"},
    "col_last_score": {"zh": "最近满意度", "en": "Last score"},
    "col_open_complaints": {"zh": "未办结投诉", "en": "Open complaints"},
    "col_held": {"zh": "已持有产品", "en": "Held categories"},
    "col_next_best": {"zh": "推荐产品", "en": "Next best category"},
    "col_next_best_share": {"zh": "同层持有率", "en": "Peer share"},
    "flag_revenue_drop": {"zh": "收入下滑", "en": "Revenue drop"},
    "flag_risk_downgrade": {"zh": "风险分类下迁", "en": "Risk downgrade"},
    "flag_past_due": {"zh": "逾期", "en": "Past due"},
    "flag_complaint_open": {"zh": "投诉未办结", "en": "Open complaint"},
    "flag_low_satisfaction": {"zh": "满意度低", "en": "Low satisfaction"},
    "flag_maturity_no_renewal": {"zh": "到期未续贷", "en": "Maturing, no renewal"},
    "fact_revenue_drop": {
        "zh": "近3个月收入 {recent}，前3个月 {before}（{change}）",
        "en": "revenue {recent} in the last 3 months vs {before} before ({change})",
    },
    "fact_risk_downgrade": {"zh": "{loan} 由正常下迁为{to}", "en": "{loan} from normal to {to}"},
    "fact_past_due": {"zh": "{loan} 逾期 {days} 天", "en": "{loan} {days} days past due"},
    "fact_complaint_open": {
        "zh": "投诉 {id} 已 {days} 天未办结",
        "en": "complaint {id} open for {days} days",
    },
    "fact_low_satisfaction": {
        "zh": "最近一次调查 {score} 分（{date}）",
        "en": "last survey scored {score} ({date})",
    },
    "fact_maturity": {
        "zh": "{loan} 于 {date} 到期，尚无续贷",
        "en": "{loan} matures on {date}, not renewed",
    },
    "wl_caption": {
        "zh": "{day} 当日在册且至少有一项预警信号的客户：信号多者在前，其次贷款余额大者在前。",
        "en": "Customers active on {day} with at least one flag: most flags first, then the "
        "largest outstanding balance.",
    },
    "wl_flags_filter": {"zh": "预警信号", "en": "Flags"},
    "wl_managers_filter": {"zh": "客户经理", "en": "Managers"},
    "wl_count": {"zh": "预警客户", "en": "Customers flagged"},
    "wl_none": {"zh": "当日没有符合条件的预警客户。", "en": "No customer is flagged on this day."},
    "wl_link": {
        "zh": "预警客户 {n} 户（{day}），查看名单",
        "en": "{n} customers on the watchlist ({day}): open the list",
    },
    "ws_caption": {
        "zh": "截至 {day} 的近12个月内收入为正的产品类别即为已持有；同层持有率为同一分层中有收入"
        "记录的客户持有该类产品的比例；推荐产品为未持有类别中同层持有率最高者。",
        "en": "A category is held with revenue > 0 in the 12 months to {day}; the peer share is "
        "the share of the tier's customers with revenue who hold it; the next best category is "
        "the one not held with the highest peer share.",
    },
    "ws_heatmap": {"zh": "各分层产品持有率", "en": "Share of customers holding each category"},
    "ws_campaign_title": {"zh": "营销名单", "en": "Campaign list"},
    "ws_pick": {"zh": "推荐产品", "en": "Next best category"},
    "ws_campaign": {
        "zh": "推荐产品为{category}的客户",
        "en": "Customers whose next best is {category}",
    },
    "ws_customers": {
        "zh": "客户产品持有与推荐",
        "en": "Held categories and next best, per customer",
    },
}
