"""The loader's report in the reader's language: problems, notes, messages, history values.

metrics.load reports each problem with a code and its facts (Problem.code/args, Note);
this module words them from the catalog (ui/i18n_load.py) and the contract, so nothing
the loader writes in English reaches a Chinese screen. A problem without a code shows
the loader's own sentence.
"""

from __future__ import annotations

import pandas as pd

from metrics.contract import TABLES, Column, Table
from metrics.load.report import LoadReport, Note, Problem, notes_from_json, notes_of
from ui.i18n import t


def _num(value: float) -> str:
    return f"{value:g}" if value < 1e6 else f"{value:,.0f}"


def _column(table: str, name: str) -> Column | None:
    spec: Table | None = TABLES.get(table)
    if spec is None:
        return None
    return next((c for c in spec.columns if c.name == name), None)


def field_name(table: str, field: str, lang: str) -> str:
    """A contract column (or "a + b" key) as `lang` names it: 客户编号 in Chinese."""
    if lang != "zh":
        return field
    return " + ".join(getattr(_column(table, f), "alias", f) for f in field.split(" + "))


def table_name(table: str, lang: str) -> str:
    """A contract table as `lang` names it: 客户 in Chinese."""
    spec = TABLES.get(table)
    return spec.alias if lang == "zh" and spec is not None else table


def format_name(fmt: str, lang: str) -> str:
    """A file format as `lang` names it (CSV, Excel, Parquet in Chinese); unknown ones as is."""
    return str(_value(fmt, lang, "load.format"))


def encoding_name(encoding: str, lang: str) -> str:
    """A text encoding as `lang` writes it: upper case in Chinese (UTF-8, GB18030), as Python
    names it in English (utf-8, gb18030)."""
    return encoding.upper() if lang == "zh" else encoding


def expected_text(table: str, column: str, lang: str) -> str:
    """What a valid value of table.column looks like (Column.expected, in `lang`)."""
    col = _column(table, column)
    if col is None:
        return column
    parts = [t(f"load.type.{col.type}", lang, scale=col.scale)]
    if col.choices:
        parts = [t("load.rule.choices", lang, values=", ".join(col.choices))]
    if col.minimum is not None and col.maximum is not None:
        parts.append(t("load.rule.between", lang, low=_num(col.minimum), high=_num(col.maximum)))
    elif col.minimum is not None:
        rule = "load.rule.above" if col.exclusive_minimum else "load.rule.at_least"
        parts.append(t(rule, lang, low=_num(col.minimum)))
    if col.references:
        parent, key = col.references
        parent_name, key_name = table_name(parent, lang), field_name(parent, key, lang)
        parts.append(t("load.rule.exists", lang, table=parent_name, column=key_name))
    if col.not_before:
        other = field_name(table, col.not_before, lang)
        parts.append(t("load.rule.not_before", lang, column=other))
    sep = "，" if lang == "zh" else ", "
    return sep.join(parts)


def _worded(args: dict[str, str], table: str, lang: str) -> dict[str, str]:
    """A code's facts as `lang` names them: tables, contract columns, modes, OS causes.

    `field`/`columns` are columns of `table` (or of the fact `table`); `column` one of
    `child` and `parent_column` one of `parent` (a foreign-key link's two ends).
    """
    out = dict(args)
    own = args.get("table") or table
    for name in ("table", "child", "parent"):
        if name in out:
            out[name] = table_name(out[name], lang)
    if "field" in out:
        out["field"] = field_name(own, out["field"], lang)
    if "columns" in out:
        out["columns"] = ", ".join(field_name(own, c, lang) for c in out["columns"].split(", "))
    if "column" in out and "child" in args:
        out["column"] = field_name(args["child"], out["column"], lang)
    if "parent_column" in out and "parent" in args:
        out["parent_column"] = field_name(args["parent"], out["parent_column"], lang)
    if "mode" in out:
        out["mode"] = str(_value(out["mode"], lang))
    if "cause" in out:
        out["cause"] = t(f"load.cause.{out['cause'] or 'other'}", lang)
    return out


def problem_text(problem: Problem, table: str, lang: str) -> str:
    """The "expected" cell of one problem."""
    code = problem.code
    if not code:
        return problem.expected
    field = problem.arg("field")
    expected = expected_text(table, field, lang)
    if code == "required" and expected == t("load.type.text", lang):
        code = "required_text"
    args = _worded(dict(problem.args), table, lang)
    args.update(arg=problem.arg("arg"), expected=expected)
    return t(f"load.p.{code}", lang, **args)


def note_text(note: Note, lang: str) -> str:
    """A warning (Note) as a sentence."""
    return t(f"load.n.{note.code}", lang, **_worded(dict(note.args), "", lang))


def notes_text(notes: list[Note], table: str, lang: str) -> str:
    """Message parts (Note codes of load.m.*) as one text in `lang`, joined by "; " ("；");
    a lead-in part (orphans_lead, undo_breaks) is followed by its list without one."""
    out = ""
    for note in notes:
        part = t(f"load.m.{note.code}", lang, **_worded(dict(note.args), table, lang))
        if not part:
            continue
        if not out:
            out = part
        elif out.endswith(("：", ":")) or out.endswith(t("load.m.orphans_lead", lang)):
            out += part if lang == "zh" else f" {part}"
        else:
            out += f"；{part}" if lang == "zh" else f"; {part}"
    return out


def message_text(report: LoadReport, lang: str) -> str:
    """The report's message in `lang`: its coded parts when it has them, else as written."""
    if not report.message_codes:
        return report.message
    return notes_text(report.message_codes, report.table, lang)


def error_text(error: BaseException, lang: str) -> str:
    """An error of the loader or the store in `lang` (metrics.errors.CodedError's parts);
    another error as its own text."""
    notes = notes_of(error)
    return notes_text(notes, "", lang) if notes else str(error)


def warnings(report: LoadReport, lang: str) -> list[str]:
    """Every warning of the report, coded ones in `lang`, the rest as written."""
    coded = [note_text(n, lang) for n in report.notes]
    return coded + report.warnings[len(coded) :]


def problems_frame(report: LoadReport, lang: str) -> pd.DataFrame:
    """The kept problems with headings and the "expected" column in `lang` (page and CSV)."""
    frame = report.problems_frame()
    frame["expected"] = [problem_text(p, report.table, lang) for p in report.problems]
    # a missing column has no header of the file: it is named as the contract names it
    frame["column"] = [
        field_name(report.table, p.column, lang) if p.code == "column_missing" else p.column
        for p in report.problems
    ]
    names = {
        "row": t("upload.col.row", lang),
        "column": t("upload.col.problem_column", lang),
        "value": t("upload.col.value", lang),
        "expected": t("upload.col.expected", lang),
    }
    return frame.rename(columns=names)


def history_values(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The history's code columns (table, mode, outcome) worded in `lang`; unknown values kept.

    The message is worded from its codes (message_codes) where the row has them; a row
    written before they were kept shows its text. message_codes itself is left out.
    """
    out = frame.copy()
    if "message_codes" in out.columns:
        tables = out["table_name"] if "table_name" in out.columns else pd.Series("", out.index)
        texts = [
            notes_text(notes, str(table), lang) if notes else text
            for text, codes, table in zip(out["message"], out["message_codes"], tables, strict=True)
            for notes in [notes_from_json(codes)]
        ]
        out["message"] = pd.Series(texts, index=out.index, dtype=object)
        out = out.drop(columns=["message_codes"])
    if "table_name" in out.columns:
        names = [table_name(v, lang) if isinstance(v, str) else v for v in out["table_name"]]
        out["table_name"] = pd.Series(names, index=out.index, dtype=object)
    for col in ("mode", "outcome"):
        if col in out.columns:
            out[col] = pd.Series([_value(v, lang) for v in out[col]], index=out.index, dtype=object)
    return out


def _value(value: object, lang: str, prefix: str = "load.v") -> object:
    if not isinstance(value, str):
        return value
    key = f"{prefix}.{value}"
    text = t(key, lang)
    return value if text == key else text
