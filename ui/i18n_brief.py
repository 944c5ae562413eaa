"""Labels of the board brief, the alerts, events and initiative impact: key -> (zh, en)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # The brief (PDF)
    "brief.title": ("董事会月度经营简报 {month}", "Board brief {month}"),
    "brief.filters": (
        "筛选：机构 {branches}；客户层级 {tiers}",
        "Filters: branches {branches}; tiers {tiers}",
    ),
    "brief.all": ("全部", "all"),
    "brief.as_of": ("数据截至：{dates}", "Data as of: {dates}"),
    "brief.page": ("第 {n} / {total} 页", "Page {n} of {total}"),
    "brief.generated": (
        "按规则由数据生成，相同输入得到相同文本。",
        "Generated from the data by rules; the same inputs give the same text.",
    ),
    "brief.headline": ("核心指标与目标", "Headline KPIs against targets"),
    "brief.col.kpi": ("指标", "KPI"),
    "brief.col.value": ("本月", "Month"),
    "brief.col.target": ("目标", "Target"),
    "brief.col.mom": ("较上月", "vs last month"),
    "brief.col.yoy": ("较上年同月", "vs a year ago"),
    "brief.col.n": ("样本 n", "n"),
    "brief.col.ci": ("95% 区间", "95% interval"),
    "brief.summary": ("要点", "Summary"),
    "brief.off_target": ("未达目标：{items}", "Off target: {items}"),
    "brief.all_on_target": (
        "有数据的目标指标均已达标。",
        "Every KPI with a target and data is on target.",
    ),
    "brief.movers": ("较上月变化最大：{items}", "Biggest movers on last month: {items}"),
    "brief.no_movers": ("较上月无可比数据。", "Nothing to compare with last month."),
    "brief.events": ("本月事件", "Events of the month"),
    "brief.no_events": ("本月无事件。", "No events this month."),
    "brief.bank_wide": ("全行", "bank-wide"),
    "brief.trends": (
        "近 12 个月趋势（虚线为目标，紫色竖线为事件）",
        "The last 12 months (dashed: target; purple: events)",
    ),
    "brief.branches": ("分行排名（按满意率）", "Branch ranking (by satisfaction)"),
    "brief.col.branch": ("分行", "Branch"),
    "brief.low_n": (
        "* 样本少于 {n}，数值仅供参考。",
        "* fewer than {n} in the sample: read with care.",
    ),
    "brief.immature": (
        "† 转化类指标在期末后 {days} 天才成熟，本月数值仍会上升。",
        "† funnel values mature {days} days after the month; this one will still rise.",
    ),
    "brief.tiers": ("客户层级结构", "Tier mix"),
    "brief.col.tier": ("层级", "Tier"),
    "brief.col.share": ("占比", "Share"),
    "brief.migration": (
        "风险分类迁徙（上月末 → 本月末）",
        "Risk-class migration (last month end -> this month end)",
    ),
    "brief.col.from": ("上月末", "Last month"),
    "brief.col.to": ("本月末", "This month"),
    "brief.col.loans": ("笔数", "Loans"),
    "brief.col.balance": ("本月余额", "Balance now"),
    "brief.no_migration": (
        "两个月末都没有贷款余额快照。",
        "No loan balance snapshots at both month ends.",
    ),
    # Rule-generated sentences
    "brief.s.value": ("{label} {value}", "{label} {value}"),
    "brief.s.below": ("低于目标 {gap}", "{gap} below target"),
    "brief.s.above": ("高于目标 {gap}", "{gap} above target"),
    "brief.s.at": ("与目标持平", "at target"),
    "brief.s.up": ("较上月上升 {delta}", "up {delta} on last month"),
    "brief.s.down": ("较上月下降 {delta}", "down {delta} on last month"),
    "brief.s.flat": ("与上月持平", "unchanged on last month"),
    "brief.s.join": ("，", ", "),
    "brief.s.end": ("。", "."),
    "brief.download": ("下载董事会简报（PDF）", "Download the board brief (PDF)"),
    "brief.month": ("简报月份", "Brief month"),
    "brief.make": ("生成简报", "Make the brief"),
    "brief.making": ("正在生成简报…", "Making the brief…"),
    # Alerts on the Overview
    "alerts.title": ("预警", "Alerts"),
    "alerts.none": ("{month}：没有触发的预警。", "{month}: no alert fires."),
    "alerts.some": ("{month}：{count} 项预警触发", "{month}: {count} alert(s) fire"),
    "alerts.scope.bank": ("所选范围", "selection"),
    "alerts.line": (
        "{label}（{where}）：{value}，{rule} {bound}，n {n}",
        "{label} ({where}): {value}, {rule} {bound}, n {n}",
    ),
    "alerts.rule.target": ("目标", "target"),
    "alerts.rule.threshold": ("阈值", "threshold"),
    "alerts.bad_rule": (
        "预警规则有误，未评估：{error}",
        "An alert rule is wrong, none evaluated: {error}",
    ),
    # Events and impact
    "page_impact": ("举措成效", "Initiative impact"),
    "impact.title": ("举措成效：事件前后对比", "Initiative impact: before and after an event"),
    "impact.event": ("事件", "Event"),
    "impact.window": ("窗口（天）", "Window (days)"),
    "impact.windows": (
        "事件前 {b0} 至 {b1}；事件后 {a0} 至 {a1}",
        "Before {b0} to {b1}; after {a0} to {a1}",
    ),
    "impact.col.before": ("事件前", "Before"),
    "impact.col.after": ("事件后", "After"),
    "impact.col.change": ("变化", "Change"),
    "impact.col.ci": ("变化 95% 区间", "Change 95% interval"),
    "impact.col.did": ("双重差分（对比其他分行）", "Difference-in-differences (vs other branches)"),
    "impact.note": (
        "事件前后各取 {days} 天；比率类指标给出 95% 区间；分行事件与其他分行同期变化相减"
        "得到双重差分；数据未覆盖的窗口显示“—”。",
        "{days} days before and from the event; rates carry a 95% interval; a branch event's "
        "change minus the other branches' gives the difference-in-differences; a window the "
        "data does not cover shows “—”.",
    ),
    "impact.no_events": (
        "还没有事件。分析员可在下方添加。",
        "No events yet. Analysts can add them below.",
    ),
    "impact.chart": ("事件前后（{kpi}）", "Before and after ({kpi})"),
    "events.title": ("事件维护", "Edit events"),
    "events.help": (
        "编辑后点击保存：整张事件表作为一次导入替换（可在数据页撤销）。",
        "Edit, then save: the whole events table is replaced as one load "
        "(undo it on the Data page).",
    ),
    "events.save": ("保存事件", "Save events"),
    "events.saved": (
        "已保存 {rows} 个事件（导入编号 {load_id}）。",
        "Saved {rows} events (load {load_id}).",
    ),
    "events.refused": ("未保存：", "Not saved: "),
}
