"""The data contract, declared once: tables, columns, types, aliases and rules.

Table creation (DDL), header matching, validation and the contract section of
the docs are all derived from `TABLES`. Spec: ../shared/spec/data-contract.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "decimal", "integer", "date", "month", "timestamp"]

SQL_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "decimal": "DECIMAL(18,{scale})",
    "integer": "BIGINT",
    "date": "DATE",
    "month": "DATE",  # stored as the first day of the month
    "timestamp": "TIMESTAMP",
}

EXPECTED_FORMAT: dict[str, str] = {
    "text": "text",
    "decimal": "a number with at most {scale} decimals",
    "integer": "a whole number",
    "date": "a date YYYY-MM-DD (or YYYY/MM/DD, YYYYMMDD)",
    "month": "a month YYYY-MM (or a date in that month)",
    "timestamp": "a timestamp YYYY-MM-DD HH:MM[:SS]",
}


@dataclass(frozen=True)
class Column:
    """One column of an extract: its canonical name, Chinese alias, type and rules."""

    name: str
    alias: str
    type: ColumnType
    required: bool = True
    # Allowed values: canonical value -> extra accepted spellings (e.g. Chinese).
    choices: dict[str, tuple[str, ...]] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    scale: int = 2  # decimals kept by a decimal column; more are refused, never rounded
    references: tuple[str, str] | None = None  # (table, column) that must hold the value
    not_before: str | None = None  # another column of the table this value must not precede
    note: str = ""

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type].format(scale=self.scale)

    def expected(self) -> str:
        """Plain-language description of a valid value, for reports and docs."""
        parts = [EXPECTED_FORMAT[self.type].format(scale=self.scale)]
        if self.choices:
            parts = ["one of " + ", ".join(self.choices)]
        if self.minimum is not None and self.maximum is not None:
            parts.append(f"from {_num(self.minimum)} to {_num(self.maximum)}")
        elif self.minimum is not None:
            parts.append(f"{'>' if self.exclusive_minimum else '>='} {_num(self.minimum)}")
        if self.references:
            parts.append(f"an existing {self.references[0]}.{self.references[1]}")
        if self.not_before:
            parts.append(f"not before {self.not_before}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Table:
    """One table of the store: its columns in order, its key and its Chinese name."""

    name: str
    alias: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str = ""
    # Column groups whose present values must never decrease, in this order.
    ordered_dates: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def references(self) -> list[tuple[Column, str, str]]:
        """Foreign keys of this table: (column, parent table, parent column)."""
        return [(c, *c.references) for c in self.columns if c.references]


def _num(value: float) -> str:
    return f"{value:g}" if value < 1e6 else f"{value:,.0f}"


def _c(name: str, alias: str, type_: ColumnType, **kw: object) -> Column:
    return Column(name, alias, type_, **kw)  # type: ignore[arg-type]


RATINGS = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
RISK_CLASSES = {
    "normal": ("正常",),
    "special_mention": ("关注",),
    "substandard": ("次级",),
    "doubtful": ("可疑",),
    "loss": ("损失",),
}
NPL_CLASSES = ("substandard", "doubtful", "loss")
TIERS = ("A", "B", "C")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "branches",
            "分支机构",
            (
                _c("branch_id", "机构编号", "text"),
                _c("branch_name", "机构名称", "text"),
                _c("region", "区域", "text", required=False),
            ),
            key=("branch_id",),
            description="The bank's branches.",
        ),
        Table(
            "customers",
            "客户",
            (
                _c("customer_id", "客户编号", "text"),
                _c("customer_name", "客户名称", "text"),
                _c("branch_id", "机构编号", "text", references=("branches", "branch_id")),
                _c("industry", "行业", "text", required=False),
                _c(
                    "company_size",
                    "企业规模",
                    "text",
                    required=False,
                    choices={
                        "large": ("大型",),
                        "medium": ("中型",),
                        "small": ("小型",),
                        "micro": ("微型",),
                    },
                ),
                _c(
                    "credit_rating",
                    "信用评级",
                    "text",
                    choices={r: () for r in RATINGS},
                ),
                _c("total_assets", "资产总额", "decimal", required=False, minimum=0),
                _c(
                    "tier",
                    "客户分层",
                    "text",
                    required=False,
                    choices={t: () for t in TIERS},
                    note="where empty it is derived (kpis.md, Tiers)",
                ),
                _c("onboard_date", "建立关系日期", "date"),
                _c("acquisition_channel", "获客渠道", "text", required=False),
                _c(
                    "referred_by",
                    "推荐客户编号",
                    "text",
                    required=False,
                    references=("customers", "customer_id"),
                ),
                _c("relationship_manager", "客户经理", "text", required=False),
                _c("churn_date", "流失日期", "date", required=False, not_before="onboard_date"),
            ),
            key=("customer_id",),
            description="Corporate customers; churn_date is the day the relationship ended.",
        ),
        Table(
            "loans",
            "贷款",
            (
                _c("loan_id", "借据编号", "text"),
                _c("customer_id", "客户编号", "text", references=("customers", "customer_id")),
                _c("product", "产品", "text"),
                _c("amount", "放款金额", "decimal", minimum=0, exclusive_minimum=True),
                _c("disbursed_date", "放款日期", "date"),
                _c("maturity_date", "到期日期", "date", not_before="disbursed_date"),
                _c(
                    "interest_rate",
                    "年利率",
                    "decimal",
                    required=False,
                    minimum=0,
                    maximum=36,
                    scale=4,
                ),
                _c(
                    "renewed_from",
                    "续贷原借据编号",
                    "text",
                    required=False,
                    references=("loans", "loan_id"),
                ),
            ),
            key=("loan_id",),
            description="One row per facility, as of the extract date.",
        ),
        Table(
            "loan_balances",
            "贷款余额",
            (
                _c("as_of_month", "统计月份", "month"),
                _c("loan_id", "借据编号", "text", references=("loans", "loan_id")),
                _c("outstanding_balance", "贷款余额", "decimal", minimum=0),
                _c("risk_class", "五级分类", "text", choices=RISK_CLASSES),
                _c("days_past_due", "逾期天数", "integer", required=False, minimum=0),
            ),
            key=("as_of_month", "loan_id"),
            description="Month-end snapshots of each loan's balance and risk class.",
        ),
        Table(
            "surveys",
            "满意度调查",
            (
                _c("response_id", "问卷编号", "text"),
                _c("customer_id", "客户编号", "text", references=("customers", "customer_id")),
                _c("survey_date", "调查日期", "date"),
                _c("touchpoint", "触点", "text", required=False),
                _c("channel", "渠道", "text", required=False),
                _c("overall_score", "总体满意度", "integer", minimum=1, maximum=5),
                _c(
                    "service_quality_score",
                    "服务质量评分",
                    "integer",
                    required=False,
                    minimum=1,
                    maximum=5,
                ),
                _c(
                    "response_speed_score",
                    "响应速度评分",
                    "integer",
                    required=False,
                    minimum=1,
                    maximum=5,
                ),
                _c("nps_score", "推荐意愿", "integer", required=False, minimum=0, maximum=10),
                _c("comment", "意见", "text", required=False),
            ),
            key=("response_id",),
            description="Satisfaction survey responses.",
        ),
        Table(
            "service_requests",
            "服务请求与投诉",
            (
                _c("request_id", "工单编号", "text"),
                _c("customer_id", "客户编号", "text", references=("customers", "customer_id")),
                _c(
                    "category",
                    "类别",
                    "text",
                    choices={
                        "inquiry": ("咨询",),
                        "service": ("服务",),
                        "complaint": ("投诉",),
                    },
                ),
                _c("channel", "渠道", "text", required=False),
                _c("opened_at", "受理时间", "timestamp"),
                _c(
                    "first_response_at",
                    "首次响应时间",
                    "timestamp",
                    required=False,
                    not_before="opened_at",
                ),
                _c("resolved_at", "办结时间", "timestamp", required=False, not_before="opened_at"),
            ),
            key=("request_id",),
            description="Service requests and complaints.",
        ),
        Table(
            "leads",
            "营销线索",
            (
                _c("lead_id", "线索编号", "text"),
                _c("branch_id", "机构编号", "text", references=("branches", "branch_id")),
                _c("source_channel", "线索来源", "text", required=False),
                _c("product", "意向产品", "text", required=False),
                _c("expected_amount", "预计金额", "decimal", required=False, minimum=0),
                _c("created_date", "创建日期", "date"),
                _c("contacted_date", "首次接触日期", "date", required=False),
                _c("applied_date", "申请日期", "date", required=False),
                _c("approved_date", "审批通过日期", "date", required=False),
                _c("disbursed_date", "放款日期", "date", required=False),
                _c("lost_date", "流失日期", "date", required=False),
                _c("lost_reason", "流失原因", "text", required=False),
                _c(
                    "customer_id",
                    "客户编号",
                    "text",
                    required=False,
                    references=("customers", "customer_id"),
                ),
            ),
            key=("lead_id",),
            description="Marketing leads: the conversion funnel.",
            ordered_dates=(
                "created_date",
                "contacted_date",
                "applied_date",
                "approved_date",
                "disbursed_date",
            ),
        ),
        Table(
            "marketing_spend",
            "营销费用",
            (
                _c("month", "月份", "month"),
                _c("branch_id", "机构编号", "text", references=("branches", "branch_id")),
                _c("channel", "渠道", "text"),
                _c("amount", "金额", "decimal", minimum=0),
            ),
            key=("month", "branch_id", "channel"),
            description="Marketing spend by month, branch and channel.",
        ),
        Table(
            "revenue",
            "客户收入",
            (
                _c("month", "月份", "month"),
                _c("customer_id", "客户编号", "text", references=("customers", "customer_id")),
                _c("product_category", "产品类别", "text"),
                _c("revenue", "收入", "decimal"),
            ),
            key=("month", "customer_id", "product_category"),
            description="Monthly net revenue the bank earned, by product category.",
        ),
        Table(
            "events",
            "经营事件",
            (
                _c("event_id", "事件编号", "text"),
                _c("event_date", "事件日期", "date"),
                _c("title", "标题", "text"),
                _c(
                    "branch_id",
                    "机构编号",
                    "text",
                    required=False,
                    references=("branches", "branch_id"),
                    note="empty = the whole bank",
                ),
                _c("description", "说明", "text", required=False),
            ),
            key=("event_id",),
            description="Initiatives and other dated events, drawn on trends.",
        ),
    )
}

# Dependency order: a table comes after every table it references.
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)

FUNNEL_STAGES: tuple[str, ...] = ("created", "contacted", "applied", "approved", "disbursed")


def normalize_header(text: str) -> str:
    """Header matching ignores case, surrounding spaces and `_`/space differences."""
    return re.sub(r"[\s_\u3000]+", "", str(text)).lower()


def header_lookup(table: Table) -> dict[str, str]:
    """Normalized header (canonical or alias) -> canonical column name."""
    out: dict[str, str] = {}
    for col in table.columns:
        out[normalize_header(col.name)] = col.name
        out[normalize_header(col.alias)] = col.name
    return out


def create_table_sql(table: Table, schema: str = "main") -> str:
    """DDL for one table, with the `_load_id` provenance column used by undo."""
    cols = [f"{c.name} {c.sql_type}" for c in table.columns]
    cols.append("_load_id BIGINT")
    return f"CREATE TABLE IF NOT EXISTS {schema}.{table.name} ({', '.join(cols)})"


def contract_markdown() -> str:
    """The contract as Markdown tables, for the docs and the app's help page."""
    lines: list[str] = []
    for t in TABLES.values():
        lines += [f"### {t.name} — {t.alias}", "", t.description, ""]
        lines += ["| column | alias | type | rule |", "|---|---|---|---|"]
        for c in t.columns:
            rule = "key" if c.name in t.key else ("required" if c.required else "optional")
            rule += "; " + c.expected() if c.expected() != "text" else ""
            if c.note:
                rule += f"; {c.note}"
            typ = c.type + ("" if c.required else "?")
            lines.append(f"| {c.name} | {c.alias} | {typ} | {rule} |")
        lines.append("")
    return "\n".join(lines)
