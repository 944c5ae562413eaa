"""Words of the loader's report in both languages: one entry per problem, note and message
code of metrics.load (Problem.code, Note.code), and the contract's value formats."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # what a valid value looks like, by contract type (ui.upload_text.expected_text)
    "load.type.text": ("文本", "text"),
    "load.type.decimal": ("最多 {scale} 位小数的数字", "a number with at most {scale} decimals"),
    "load.type.integer": ("整数", "a whole number"),
    "load.type.date": (
        "日期 YYYY-MM-DD（或 YYYY/MM/DD、YYYYMMDD）",
        "a date YYYY-MM-DD (or YYYY/MM/DD, YYYYMMDD)",
    ),
    "load.type.month": (
        "月份 YYYY-MM（或该月内的日期）",
        "a month YYYY-MM (or a date in that month)",
    ),
    "load.type.timestamp": ("时间 YYYY-MM-DD HH:MM[:SS]", "a timestamp YYYY-MM-DD HH:MM[:SS]"),
    "load.rule.choices": ("以下之一：{values}", "one of {values}"),
    "load.rule.between": ("介于 {low} 与 {high} 之间", "from {low} to {high}"),
    "load.rule.at_least": ("≥ {low}", ">= {low}"),
    "load.rule.above": ("> {low}", "> {low}"),
    "load.rule.exists": ("{table}中已有的{column}", "an existing {table}.{column}"),
    "load.rule.not_before": ("不早于 {column}", "not before {column}"),
    # problems (Problem.code); {field} is the contract column, {expected} its format
    "load.p.required": ("必填：{expected}", "a value (required): {expected}"),
    "load.p.required_text": ("必填", "a value (required)"),
    "load.p.invalid": ("{expected}", "{expected}"),
    "load.p.no_parent": ("{expected}", "{expected}"),
    "load.p.scientific": (
        "完整写出的数字，不能用科学计数法（精度已丢失）",
        "a number written out in full, not in scientific notation (precision lost)",
    ),
    "load.p.id_scientific": (
        "完整写出的编号，不能用科学计数法（精度已丢失）",
        "an id written out in full, not in scientific notation (precision lost)",
    ),
    "load.p.comma": (
        "不含“,”的数字（非逗号分隔的文件里，逗号是千分位还是小数点无法判断）",
        "a number without ',' (ambiguous in a file not delimited by commas)",
    ),
    "load.p.percent": ("{expected}，不是百分数", "{expected}, not a percent"),
    "load.p.id_unclean": (
        "准确的编号：前后无空格，无不可见字符（零宽空格、不换行空格、BOM）",
        "an exact id: no leading or trailing spaces and no invisible characters",
    ),
    "load.p.nul": ("不含 NUL 字符的文本", "text without NUL characters"),
    "load.p.before_other": ("{expected}；此处 {arg}", "{expected}; here {arg}"),
    "load.p.before_stage": (
        "不早于之前阶段的日期，此处为 {arg}",
        "a date not before the earlier stages, here {arg}",
    ),
    "load.p.key_repeated": (
        "文件内不重复的 {field}（首次出现在第 {arg} 行）",
        "a {field} not repeated in the file (first in row {arg})",
    ),
    "load.p.key_case_file": (
        "与文件中其他编号不只大小写不同的 {field}（{arg}）",
        "a {field} that differs from another key by more than letter case ({arg})",
    ),
    "load.p.key_case_stored": (
        "与已入库编号不只大小写不同的 {field}（已入库：{arg}）",
        "a {field} that differs from a stored key by more than letter case (stored: {arg})",
    ),
    "load.p.key_stored": (
        "尚未入库的 {field}（追加只能新增行；要替换已入库的行请用“更新插入”）",
        "a {field} not already stored (append adds new rows only; use upsert)",
    ),
    "load.p.column_twice": (
        "每个字段只出现一次：{arg} 与此列都对应 {field}",
        "each column once: {arg} and this header both name {field}",
    ),
    "load.p.column_missing": (
        "字段 {field}：{expected}",
        "a column {field}: {expected}",
    ),
    # notes and messages (Note.code)
    "load.n.unknown_columns": (
        "字段 {columns} 不属于表 {table}，未入库。",
        "Column(s) {columns} are not part of {table} and were not stored.",
    ),
    "load.m.columns_missing": ("缺少必填字段：{columns}", "missing required column(s): {columns}"),
    "load.m.column_twice": ("表头中有字段重复出现", "a column is named twice in the header"),
    "load.m.no_rows": ("文件没有数据行", "the file has no data rows"),
    "load.m.counted": ("", ""),
    "load.m.batch_refused": (
        "未导入：整批导入要么全部成功要么全部不变，而 {files} 被拒。",
        "Not loaded: the batch is all or nothing and {files} was refused.",
    ),
    # the load history's code values
    "load.v.append": ("追加", "append"),
    "load.v.upsert": ("更新插入", "upsert"),
    "load.v.replace": ("整表替换", "replace"),
    "load.v.loaded": ("已导入", "loaded"),
    "load.v.refused": ("被拒", "refused"),
    "load.v.failed": ("失败", "failed"),
    "load.v.undone": ("已撤销", "undone"),
}
