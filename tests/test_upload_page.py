"""The upload page through app.py with AppTest (which drives st.file_uploader in 1.67).

Each test runs on its own seed store (tests/seed, 14 customers, 7 surveys, 11 loans,
9 loads in the history) and its own mappings directory. What the real browser proves
(the file dialog, the uploader's own size refusal) is left to the browser tests.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from streamlit import config as st_config
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

from metrics.contract import TABLES
from metrics.load import mappings
from metrics.store import connect_reader, data_version
from tests.conftest import REPO_ROOT
from tests.signin import sign_in
from ui.upload import report_csv

APP = str(REPO_ROOT / "app.py")
PAGE = "app_pages/upload.py"
TIMEOUT = 60


@pytest.fixture
def store(seed_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed store as the app's store, and an empty mappings directory."""
    monkeypatch.setenv("CRM_DB", str(seed_db))
    monkeypatch.setenv("CRM_MAPPINGS_DIR", str(tmp_path / "mappings"))
    return seed_db


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page(PAGE)  # the first run goes straight to the upload page, after sign-in
    sign_in(at)
    assert not at.exception
    assert [t.value for t in at.title] == ["数据导入"]
    return at


def confirm_undo(at: AppTest) -> None:
    """Undo the picked load: the first click asks, the second (confirm) does it."""
    at.button(key="upload_undo").click()
    at.run()
    assert not at.exception
    at.button(key="upload_undo_confirm").click()
    at.run()


def drop(at: AppTest, *files: tuple[str, bytes]) -> None:
    """Put files into the uploader, as a user dropping them, and rerun."""
    at.file_uploader[0].set_value(
        [(name, data, "application/octet-stream") for name, data in files]
    )
    at.run()
    assert not at.exception, at.exception


# Frames are told apart by their first column (st.dataframe keys do not reach AppTest).
# the preview is headed by the contract's Chinese names: 文件行号 (row), 问卷编号 (response_id), ...
PREVIEW, HEADERS, PROBLEMS, KPIS, HISTORY = "文件行号", "文件表头", "行", "指标", "编号"


def frame(at: AppTest, first_column: str, index: int = 0) -> pd.DataFrame:
    """The `index`-th dataframe on the page whose first column is `first_column`."""
    found = [d.value for d in at.dataframe if list(d.value.columns[:1]) == [first_column]]
    assert len(found) > index, f"no dataframe starting with {first_column!r}"
    value: pd.DataFrame = found[index]
    return value


def rows(db: Path, table: str) -> list[tuple[Any, ...]]:
    """Every stored row of a table (with its _load_id), in a fixed order."""
    con = connect_reader(db)
    try:
        cols = ", ".join([*TABLES[table].column_names, "_load_id"])
        return con.execute(f"SELECT {cols} FROM {table} ORDER BY ALL").fetchall()
    finally:
        con.close()


def everything(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {t: rows(db, t) for t in TABLES}


def shown(at: AppTest, first_column: str, index: int = 0) -> pd.DataFrame:
    """What the browser shows of that dataframe: the Styler's display text of every cell."""
    found = [d for d in at.dataframe if list(d.value.columns[:1]) == [first_column]]
    assert len(found) > index, f"no dataframe starting with {first_column!r}"
    styler = found[index].proto.arrow_data.styler
    assert styler.display_values, "the frame is not styled"
    display: pd.DataFrame = convert_arrow_bytes_to_pandas_df(styler.display_values)
    display.attrs["styles"] = styler.styles
    return display


def undo_picker(at: AppTest) -> Any:
    """The "load to undo" selectbox (its key carries the newest load id, see ui.upload.undo_key)."""
    found = [s for s in at.selectbox if str(s.key).startswith("upload_undo_id_")]
    assert len(found) == 1, [s.key for s in at.selectbox]
    return found[0]


def texts(elements: Any) -> str:
    """The elements' text as the browser shows it (markdown escapes of data removed)."""
    return "\n".join(re.sub(r"\\(.)", r"\1", str(e.value)) for e in elements)


# Two December 2025 surveys. Seed December: S06 (C12, 2025-12-31, score 4) only, so the
# satisfaction rate of the latest month (2025-12) goes from 1/1 = 100.0% to
# (S06 4 + S90 5 satisfied, S91 2 not) 2/3 = 66.7%.
GOOD_SURVEYS = (
    "response_id,customer_id,survey_date,overall_score,comment\n"
    "S90,C01,2025-12-05,5,很满意\n"
    "S91,C02,2025-12-06,2,\n"
).encode()

# Row 2: score 7 is outside 1-5; row 3: C99 is no stored customer; row 4: month 13.
BAD_SURVEYS = (
    b"response_id,customer_id,survey_date,overall_score\n"
    b"S90,C01,2025-12-05,7\n"
    b"S91,C99,2025-12-06,4\n"
    b"S92,C02,2025-13-01,3\n"
)


def test_good_file_shows_a_preview_loads_and_compares_kpis(store: Path) -> None:
    at = open_page()
    drop(at, ("surveys_dec.csv", GOOD_SURVEYS))
    assert at.selectbox(key="upload_0_table").value == "surveys"
    preview = frame(at, PREVIEW)
    assert list(preview["问卷编号"]) == ["S90", "S91"]
    assert list(preview["总体满意度"]) == [5, 2]
    # S91 has no comment: the cell holds "—" (a null would be drawn as "None").
    assert list(preview["意见"].fillna("")) == ["很满意", "—"]
    headers = frame(at, HEADERS)
    assert list(headers.iloc[:, 2]) == ["标准字段名"] * 5  # every header is canonical
    assert len(rows(store, "surveys")) == 7
    # loaded_by is the signed-in user, "tester" (tests/signin.py), not a typed name
    at.button(key="upload_load").click()
    at.run()
    assert not at.exception
    assert "surveys_dec.csv → 满意度调查：新增 2 行，替换 0 行（导入编号 10）" in texts(at.success)
    assert len(rows(store, "surveys")) == 9  # 7 seed + 2
    kpis = frame(at, KPIS)
    csat = kpis[kpis.iloc[:, 0] == "满意率"].iloc[0]
    assert (csat.iloc[1], csat.iloc[2]) == ("100.0%", "66.7%")
    assert "2025-12-01 – 2025-12-31" in texts(at.markdown)
    assert at.file_uploader[0].value == []  # emptied: the same files are not loaded twice
    history = frame(at, HISTORY)
    newest = history.iloc[0]  # load, when, who, table, file, mode, rows, refused, outcome
    assert list(newest.iloc[[0, 2, 3, 4, 5, 6, 7, 8]]) == [
        10,
        "tester",
        "满意度调查",  # surveys, by its Chinese name
        "surveys_dec.csv",
        "追加",  # append
        2,
        0,
        "已导入",  # loaded
    ]


def test_bad_file_shows_its_report_and_nothing_changes(store: Path) -> None:
    version, before = data_version(store), everything(store)
    at = open_page()
    drop(at, ("surveys_bad.csv", BAD_SURVEYS))
    assert "3 处问题，3 行被拒" in texts(at.error)
    problems = frame(at, PROBLEMS)
    found = {(int(r[0]), r[1], r[2]) for r in problems.itertuples(index=False)}
    assert found == {
        (2, "overall_score", "7"),
        (3, "customer_id", "C99"),
        (4, "survey_date", "2025-13-01"),
    }
    assert at.button(key="upload_load").disabled
    with pytest.raises(AppTestError):
        at.button(key="upload_load").click()
    assert len(at.get("download_button")) == 1
    assert data_version(store) == version and everything(store) == before


def test_report_csv_lists_row_column_value_expected() -> None:
    from metrics.load import validate
    from metrics.load.parse import read_extract

    report = validate(
        Path("/nonexistent/none.duckdb"), "surveys", read_extract(BAD_SURVEYS, "b.csv")
    )
    parsed = list(csv.reader(io.StringIO(report_csv(report).decode("utf-8-sig"))))
    assert parsed[0] == ["row", "column", "value", "expected"]
    # In an empty store every customer is missing: rows 2-4 each name customer_id, plus
    # the score of row 2 and the date of row 4.
    cells = {(r[0], r[1], r[2]) for r in parsed[1:]}
    assert ("2", "overall_score", "7") in cells and ("4", "survey_date", "2025-13-01") in cells
    assert all(r[3] for r in parsed[1:])  # every problem says what was expected


def test_gbk_file_with_chinese_headers_maps_every_column(store: Path) -> None:
    text = (
        "客户编号,客户名称,机构编号,信用评级,建立关系日期,企业规模\n"
        "C90,测试公司,B01,AA,2025-12-01,中型\n"
    )
    at = open_page()
    drop(at, ("客户.csv", text.encode("gbk")))
    assert "编码 GB18030" in texts(at.caption)  # upper case in Chinese
    assert at.selectbox(key="upload_0_table").value == "customers"
    headers = frame(at, HEADERS)
    # the stored column in Chinese: the contract's Chinese name, then the id it maps to
    assert list(headers.iloc[:, 1]) == [
        "客户编号（customer_id）",
        "客户名称（customer_name）",
        "机构编号（branch_id）",
        "信用评级（credit_rating）",
        "建立关系日期（onboard_date）",
        "企业规模（company_size）",
    ]
    assert list(headers.iloc[:, 2]) == ["中文别名"] * 6
    at.button(key="upload_load").click()
    at.run()
    assert not at.exception
    con = connect_reader(store)
    try:
        got = con.execute(
            "SELECT customer_name, branch_id, company_size, onboard_date::VARCHAR "
            "FROM customers WHERE customer_id = 'C90'"
        ).fetchall()
    finally:
        con.close()
    assert got == [("测试公司", "B01", "medium", "2025-12-01")]  # 中型 is stored as medium


def _core_loans(loan_id: str) -> bytes:
    """A loans extract whose key header (借据号) is neither canonical nor the alias 借据编号."""
    return (
        "借据号,客户编号,产品,放款金额,放款日期,到期日期\n"
        f"{loan_id},C01,term_loan,1000000,2025-12-10,2026-12-10\n"
    ).encode()


def test_manual_mapping_is_saved_and_reused(store: Path, tmp_path: Path) -> None:
    at = open_page()
    drop(at, ("core_loans_1.csv", _core_loans("L90")))
    assert at.selectbox(key="upload_0_table").value == "loans"
    assert at.button(key="upload_load").disabled  # loan_id is missing until mapped
    mapper = at.selectbox(key="upload_0_map_0_")
    assert mapper.label == "借据号"
    mapper.set_value("loan_id")
    at.run()
    assert list(frame(at, HEADERS).iloc[0]) == ["借据号", "借据编号（loan_id）", "手工映射"]
    at.text_input(key="upload_0_save_name").set_value("核心系统")
    at.button(key="upload_0_save").click()
    at.run()
    assert not at.exception
    assert "映射“核心系统”已保存" in texts(at.success)
    assert at.selectbox(key="upload_0_saved").value == "核心系统"
    assert len(at.warning) == 0  # no unmatched header left, no widget-state warning
    saved = json.loads((tmp_path / "mappings" / "核心系统.json").read_text(encoding="utf-8"))
    assert (saved["table"], saved["columns"]) == ("loans", {"借据号": "loan_id"})

    # A new session, the next extract from the same system: the mapping applies itself.
    at = open_page()
    drop(at, ("core_loans_2.csv", _core_loans("L91")))
    assert at.selectbox(key="upload_0_saved").value == "核心系统"
    assert list(frame(at, HEADERS).iloc[0]) == ["借据号", "借据编号（loan_id）", "手工映射"]
    at.button(key="upload_load").click()
    at.run()
    assert not at.exception
    assert [r[0] for r in rows(store, "loans") if r[0] in ("L90", "L91")] == ["L91"]


def test_undo_restores_the_store_exactly(store: Path) -> None:
    before = everything(store)
    # Upsert: C01 is renamed (a stored row replaced) and C90 is new.
    upsert = (
        "customer_id,customer_name,branch_id,credit_rating,onboard_date\n"
        "C01,星辰科技集团,B01,AAA,2019-03-15\n"
        "C90,新客户,B02,A,2025-12-20\n"
    ).encode()
    at = open_page()
    at.radio(key="upload_mode").set_value("upsert")
    drop(at, ("customers_fix.csv", upsert))
    at.button(key="upload_load").click()
    at.run()
    assert "新增 2 行，替换 1 行（导入编号 10）" in texts(at.success)
    assert everything(store) != before
    assert undo_picker(at).value == 10
    confirm_undo(at)
    assert not at.exception
    assert "导入 10 已撤销" in texts(at.success)
    assert everything(store) == before

    # The seed's customers load (load 2) cannot be undone: loans point at those customers.
    undo_picker(at).set_value(2)
    confirm_undo(at)
    # in Chinese, from the error's codes: all 11 seed loans would point at no customer
    error = texts(at.error)
    assert "不能撤销导入 2：撤销导入 2 会破坏数据关联：" in error
    assert "11 行贷款将指向不存在的客户编号" in error and "would break" not in error
    assert everything(store) == before


@pytest.fixture
def one_mb_limit() -> Iterator[None]:
    old = st_config.get_option("server.maxUploadSize")
    st_config.set_option("server.maxUploadSize", 1)
    try:
        yield
    finally:
        st_config.set_option("server.maxUploadSize", old)


def test_a_file_over_the_upload_limit_is_refused_with_a_message(
    store: Path, one_mb_limit: None
) -> None:
    at = open_page()
    assert "单个文件上限 1 MB" in texts(at.caption)
    big = b"branch_id,branch_name\n" + b"".join(b"B%07d,x\n" % i for i in range(120_000))
    assert len(big) > 2**20  # 22 + 120,000 x 11 bytes = 1,320,022 > 1,048,576
    drop(at, ("branches_big.csv", big))
    assert "branches_big.csv 有 1.3 MB，超过上限 1 MB" in texts(at.error)
    assert len(at.get("download_button")) == 0 and "upload_load" not in [b.key for b in at.button]


def test_xlsx_sheet_choice(store: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["本工作簿的第二页是机构清单"])
    data = book.create_sheet("机构")
    data.append(["机构编号", "机构名称", "区域"])
    data.append(["B09", "深圳分行", "华南"])
    buf = io.BytesIO()
    book.save(buf)
    at = open_page()
    drop(at, ("机构.xlsx", buf.getvalue()))
    sheet = at.selectbox(key="upload_0_sheet")
    assert sheet.options == ["说明", "机构"]
    sheet.set_value("机构")
    at.run()
    assert "格式 Excel (机构)" in texts(at.caption)  # the format by its name, not "xlsx"
    assert at.selectbox(key="upload_0_table").value == "branches"
    assert list(frame(at, PREVIEW)["机构名称"]) == ["深圳分行"]


# --------------------------------------------------------------------------- mappings


def test_mappings_round_trip_and_best_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_MAPPINGS_DIR", str(tmp_path / "m"))
    assert mappings.mappings_dir() == tmp_path / "m"
    assert mappings.list_mappings() == []
    path = mappings.save_mapping("核心系统", "loans", {"借据号": "loan_id", "备注": None})
    assert path == tmp_path / "m" / "核心系统.json"
    got = mappings.load_mapping("核心系统")
    assert (got.table, got.columns) == ("loans", {"借据号": "loan_id", "备注": None})
    mappings.save_mapping("信贷系统", "loans", {"借据号": "loan_id", "客户号": "customer_id"})
    # Matching ignores case, spaces and underscores; 信贷系统 names 2 of these headers,
    # 核心系统 only 1 (借据号), so 信贷系统 wins.
    headers = [" 借据号 ", "客户号", "产品"]
    assert mappings.best_mapping(headers, "loans").name == "信贷系统"  # type: ignore[union-attr]
    assert mappings.best_mapping(headers, "customers") is None
    assert [m.name for m in mappings.list_mappings("loans")] == ["信贷系统", "核心系统"]
    assert got.for_headers(["借据号", "x"]) == {"借据号": "loan_id"}
    assert mappings.delete_mapping("核心系统") and not mappings.delete_mapping("核心系统")


@pytest.mark.parametrize(
    ("name", "table", "columns"),
    [
        ("../escape", "loans", {"a": "loan_id"}),
        (".hidden", "loans", {"a": "loan_id"}),
        ("ok", "nosuchtable", {"a": "loan_id"}),
        ("ok", "loans", {"a": "no_such_column"}),
        ("ok", "loans", {"a": "loan_id", "b": "loan_id"}),
    ],
)
def test_mappings_refuse_bad_names_and_columns(
    tmp_path: Path, name: str, table: str, columns: dict[str, str | None]
) -> None:
    with pytest.raises(mappings.MappingError):
        mappings.save_mapping(name, table, columns, directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_customers_and_their_loans_load_in_one_batch(store: Path) -> None:
    # L95 belongs to C95, a customer that only the other file of the batch brings: the
    # dry run checks foreign keys against the store after the whole batch, so both pass.
    customers = (
        b"customer_id,customer_name,branch_id,credit_rating,onboard_date\n"
        b"C95,Batch Co,B03,A,2025-12-01\n"
    )
    loans = (
        b"loan_id,customer_id,product,amount,disbursed_date,maturity_date\n"
        b"L95,C95,term_loan,2000000,2025-12-15,2027-12-15\n"
    )
    at = open_page()
    drop(at, ("loans_new.csv", loans), ("customers_new.csv", customers))
    assert [at.selectbox(key=f"upload_{i}_table").value for i in (0, 1)] == ["loans", "customers"]
    assert not at.button(key="upload_load").disabled
    at.button(key="upload_load").click()
    at.run()
    assert not at.exception
    # Loaded in dependency order: customers (load 10) before loans (load 11).
    assert "customers_new.csv → 客户：新增 1 行，替换 0 行（导入编号 10）" in texts(at.success)
    assert "loans_new.csv → 贷款：新增 1 行，替换 0 行（导入编号 11）" in texts(at.success)
    kpis = frame(at, KPIS)
    lending = kpis[kpis.iloc[:, 0] == "新增贷款"].iloc[0]
    # No seed loan is disbursed in December 2025 (tests/seed/loans.csv: the 2025 ones are
    # L02 March, L06 April, L05 September), so 0 before and 2,000,000 = 200万 after
    # (ui.fmt: three significant digits, so 200 has no decimals).
    assert (lending.iloc[1], lending.iloc[2]) == ("¥0", "¥200万")


def test_page_speaks_english(store: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.switch_page(PAGE)
    sign_in(at)
    assert not at.exception
    assert [t.value for t in at.title] == ["Load extracts"]
    assert "Each file may be up to 400 MB" in texts(at.caption)


def test_parquet_file_is_read_typed(store: Path) -> None:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "month": pa.array([dt.date(2025, 12, 1)], pa.date32()),
            "customer_id": ["C01"],
            "product_category": ["fx"],
            "revenue": pa.array([1234.5], pa.float64()),
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    at = open_page()
    drop(at, ("revenue_dec.parquet", buf.getvalue()))
    assert "格式 Parquet · 编码 — · 1 行 · 4 列" in texts(at.caption)
    assert at.selectbox(key="upload_0_table").value == "revenue"
    preview = frame(at, PREVIEW)
    assert (preview["客户编号"][0], float(preview["收入"][0])) == ("C01", 1234.5)
    assert not at.button(key="upload_load").disabled


# --------------------------------------------------------------------------- review fixes


def test_preview_shows_the_file_text_of_failing_cells(store: Path) -> None:
    at = open_page()
    drop(at, ("surveys_bad.csv", BAD_SURVEYS))
    # Row 2 (position 0): score 7 is outside 1-5; row 3: C99 is no stored customer;
    # row 4: month 13 does not parse. Each shows the file's text, marked; the other
    # cells show the value as stored.
    data = frame(at, PREVIEW)
    assert list(data["总体满意度"]) == ["7 ⚠", "4", "3"]
    assert list(data["客户编号"]) == ["C01", "C99 ⚠", "C02"]
    assert list(data["调查日期"]) == ["2025-12-05", "2025-12-06", "2025-13-01 ⚠"]
    assert list(data["文件行号"]) == [2, 3, 4]  # a column with no failing cell keeps its type
    view = shown(at, PREVIEW)  # what the browser draws
    assert list(view["调查日期"]) == ["2025-12-05", "2025-12-06", "2025-13-01 ⚠"]
    assert list(view["文件行号"]) == ["2", "3", "4"]
    assert "background-color" in view.attrs["styles"]  # the failing cells are shaded
    assert not view.isin(["None", "nan", "NaT"]).to_numpy().any()


def test_empty_cells_show_a_dash_not_none(store: Path) -> None:
    at = open_page()
    drop(at, ("surveys_dec.csv", GOOD_SURVEYS))
    assert list(frame(at, PREVIEW)["意见"]) == ["很满意", "—"]  # S91 has no comment
    assert list(shown(at, PREVIEW)["意见"]) == ["很满意", "—"]
    # The 9 seed loads: none undone, so the undone column is all dashes.
    assert list(frame(at, HISTORY)["撤销时间"]) == ["—"] * 9
    assert list(shown(at, HISTORY)["撤销时间"]) == ["—"] * 9


def _surveys_jan(response_id: str) -> bytes:
    """One January 2026 survey (C03, score 4): valid, so it loads."""
    header = "response_id,customer_id,survey_date,overall_score\n"
    return f"{header}{response_id},C03,2026-01-05,4\n".encode()


def test_undo_picker_follows_every_load_and_offers_only_undoable_loads(store: Path) -> None:
    at = open_page()
    # Seed loads 1-9 are one per table (branches, customers, loans, loan_balances, surveys,
    # service_requests, leads, marketing_spend, revenue): each is its table's latest load,
    # so all nine can be undone and the newest, 9, is the default.
    assert undo_picker(at).value == 9
    drop(at, ("surveys_dec.csv", GOOD_SURVEYS))
    at.button(key="upload_load").click()
    at.run()
    assert undo_picker(at).value == 10  # load 10 is now the newest
    undo_picker(at).set_value(8)  # the analyst looks at another load, then loads again
    at.run()
    drop(at, ("surveys_jan.csv", _surveys_jan("S93")))
    at.button(key="upload_load").click()
    at.run()
    assert not at.exception
    picker = undo_picker(at)
    assert picker.value == 11  # the newest undoable load, not the 8 picked before
    # Loads 10 and 5 are surveys loads older than 11: undo_load would refuse them.
    assert [int(o.split(" · ")[0]) for o in picker.options] == [11, 9, 8, 7, 6, 4, 3, 2, 1]
    first = picker.options[0].split(" · ")
    assert first[:3] == ["11", "满意度调查", "surveys_jan.csv"]  # surveys, in Chinese
    assert len(first[3]) == len("2026-11-24 01:48") and first[4] == "1 行"
    history = frame(at, HISTORY).set_index("编号")
    status = history["可否撤销"]
    assert status[11] == "可撤销" and status[9] == "可撤销"
    assert status[10] == status[5] == "须先撤销导入 11（同表更晚的导入）"

    confirm_undo(at)
    assert "导入 11 已撤销" in texts(at.success)
    picker = undo_picker(at)
    assert picker.value == 10  # 11 is undone: 10 is the surveys load to undo next
    assert [int(o.split(" · ")[0]) for o in picker.options] == [10, 9, 8, 7, 6, 4, 3, 2, 1]
    assert frame(at, HISTORY).set_index("编号")["可否撤销"][11] == "已撤销"


def _english_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.switch_page(PAGE)
    sign_in(at)
    assert not at.exception
    return at


def test_counts_are_singular_or_plural_and_said_once(store: Path) -> None:
    one_bad = b"response_id,customer_id,survey_date,overall_score\nS90,C01,2025-12-05,7\n"
    at = _english_page()
    drop(at, ("one_bad.csv", one_bad))
    shown_text = texts(at.error) + "\n" + texts(at.caption)
    # One problem (score 7) in the file's one row.
    assert "Refused: 1 problem in 1 row (the file has 1)." in texts(at.error)
    assert "problems" not in shown_text and "problem(s)" not in shown_text
    assert shown_text.count("1 problem") == 1
    assert "Format csv · encoding utf-8 · 1 row · 4 columns" in texts(at.caption)

    at = _english_page()
    drop(at, ("surveys_bad.csv", BAD_SURVEYS))
    assert "Refused: 3 problems in 3 rows (the file has 3)." in texts(at.error)

    at = _english_page()
    drop(at, ("surveys_jan.csv", _surveys_jan("S93")))
    assert "Checked: 1 row can be loaded." in texts(at.success)
    at.button(key="upload_load").click()
    at.run()
    assert "surveys_jan.csv → surveys: 1 row added, 0 rows replaced (load 10)." in texts(at.success)


def test_progress_steps_are_translated() -> None:
    from ui.upload import progress_step

    assert progress_step("Opening the store…", "zh") == "打开数据库"
    assert progress_step("Writing customers…", "zh") == "写入 客户"  # the contract's name
    assert progress_step("Writing customers…", "en") == "writing customers"
    assert progress_step("Checking the rows…", "en") == "checking the rows"
    assert progress_step("Done", "zh") == "完成"
    assert progress_step("Waiting for another load to finish…") == (
        "Waiting for another load to finish…"
    )
