"""The loader's report worded in each language (ui/upload_text.py): codes from metrics.load,
words from the catalog. A four-row surveys file against the seed store, counted by hand."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from metrics.load import validate
from metrics.load.parse import read_extract
from metrics.load.report import LoadReport
from ui import upload_text
from ui.upload import report_csv

# Seed customers are C01..C14; S01 is a stored survey id.
# row 2: S90 fine except the score 7 (1..5)            -> invalid overall_score
# row 3: S91 for C99, no such customer                 -> no_parent customer_id
# row 4: S92 on 2025-13-01, not a date                 -> invalid survey_date
# row 5: S90 again                                     -> key_repeated (first in row 2)
# header: 备注 is no column of surveys                  -> the unknown_columns note
FILE = (
    "response_id,customer_id,survey_date,overall_score,备注\n"
    "S90,C01,2025-12-05,7,a\n"
    "S91,C99,2025-12-06,4,b\n"
    "S92,C02,2025-13-01,3,c\n"
    "S90,C03,2025-12-07,4,d\n"
).encode()
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
ALLOWED = {"YYYY", "MM", "DD", "YYYYMMDD", "CSV"}  # date formats are written as they are typed


def _report(seed_db: Path) -> LoadReport:
    return validate(seed_db, "surveys", read_extract(FILE, "s.csv"))


def test_every_problem_has_a_code_and_chinese_words(seed_db: Path) -> None:
    rep = _report(seed_db)
    codes = sorted((p.row, p.code, p.arg("field")) for p in rep.problems)
    assert codes == [
        (2, "invalid", "overall_score"),
        (3, "no_parent", "customer_id"),
        (4, "invalid", "survey_date"),
        (5, "key_repeated", "response_id"),
    ]
    frame = upload_text.problems_frame(rep, "zh")
    assert list(frame.columns) == ["行", "字段", "值", "应为"]
    expected = dict(zip(frame["行"], frame["应为"], strict=True))
    assert expected[2] == "整数，介于 1 与 5 之间"
    assert expected[3] == "文本，客户中已有的客户编号"
    assert expected[4] == "日期 YYYY-MM-DD（或 YYYY/MM/DD、YYYYMMDD）"
    assert expected[5] == "文件内不重复的 问卷编号（首次出现在第 2 行）"
    for text in expected.values():
        assert set(LATIN_WORD.findall(text)) <= ALLOWED, text


def test_the_unknown_column_warning_and_the_csv_are_chinese(seed_db: Path) -> None:
    rep = _report(seed_db)
    assert upload_text.warnings(rep, "zh") == ["字段 备注 不属于表 满意度调查，未入库。"]
    assert upload_text.warnings(rep, "en") == [
        "Column(s) 备注 are not part of surveys and were not stored."
    ]
    rows = list(csv.reader(io.StringIO(report_csv(rep, "zh").decode("utf-8-sig"))))
    assert rows[0] == ["行", "字段", "值", "应为"]
    assert rows[1] == ["2", "overall_score", "7", "整数，介于 1 与 5 之间"]
    # without a language the CSV keeps the loader's own words (the CLI's)
    plain = list(csv.reader(io.StringIO(report_csv(rep).decode("utf-8-sig"))))
    assert plain[0] == ["row", "column", "value", "expected"]
    assert plain[1][3] == "a whole number, from 1 to 5"


def test_history_values_are_worded() -> None:
    frame = pd.DataFrame(
        {"mode": ["replace", "append", "odd"], "outcome": ["loaded", "refused", None]}
    )
    out = upload_text.history_values(frame, "zh")
    assert list(out["mode"]) == ["整表替换", "追加", "odd"]
    assert list(out["outcome"])[:2] == ["已导入", "被拒"]


def test_the_header_map_names_a_stored_column_in_the_pages_language() -> None:
    from ui.upload.mapping import stored_as

    # metrics/contract.py: surveys.customer_id's Chinese name is 客户编号
    assert stored_as("surveys", "customer_id", "zh") == "客户编号（customer_id）"
    assert stored_as("surveys", "customer_id", "en") == "customer_id"
    assert stored_as("surveys", None, "zh") == "—"  # a header that maps to nothing
