"""The loader's own sentences in one language at a time (issue 10, item 7): the refusal of
a replace that would orphan stored rows, a store that cannot be written, a file that
cannot be read, an undo that cannot be done and the load history's messages. Each comes
from metrics with a code and its facts and is worded by ui/upload_text.py; in Chinese no
Latin word may remain but the browser language test's allowlist and the data (file names,
ids, the store's folder). Counted by hand from tests/seed/*.csv (the seed store).
"""

from __future__ import annotations

import ast
import csv
import errno
import io
import os
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics import load as loader
from metrics import store
from metrics.load import mappings
from metrics.load.parse import ExtractError, read_extract
from tests.conftest import REPO_ROOT
from tests.seedstore import SEED_DIR, build_seed_store
from tests.signin import sign_in
from tests.test_browser_language import foreign_words
from tests.test_store_crash import fill, small_disk  # noqa: F401  (a real 64 MB tmpfs)
from ui import upload_text
from ui.i18n import ALL_STRINGS
from ui.upload import report_csv

APP = str(REPO_ROOT / "app.py")
PAGE = "app_pages/upload.py"

# The seed's customers file without its last row, C14. Stored rows pointing at C14
# (tests/seed): loans L10 (1 row) and revenue 2024-10 and 2025-10 (2 rows); no survey,
# request or lead names C14, and no customer was referred by it.
WITHOUT_C14 = b"\n".join((SEED_DIR / "customers.csv").read_bytes().splitlines()[:-1]) + b"\n"

ORPHANS_ZH = (
    "整表替换后将有数据失去关联：已入库的 1 行贷款将指向不存在的客户编号（如 C14）；"
    "已入库的 2 行客户收入将指向不存在的客户编号（如 C14）；"
    "请在同一批中导入这些行所在的表，或保留这些客户编号"
)
ORPHANS_EN = (
    "replace would leave 1 stored loans row(s) pointing at a missing customers.customer_id "
    "(e.g. 'C14'); 2 stored revenue row(s) pointing at a missing customers.customer_id "
    "(e.g. 'C14'); load those rows' tables in the same batch or keep those customer_id values"
)


def latin(text: str, *data: str) -> set[str]:
    """Latin words of a Chinese text, the browser test's allowlist and `data` left out."""
    for d in data:
        text = text.replace(d, " ")
    return foreign_words(text, "zh")


def history_frame(db: Path) -> pd.DataFrame:
    con = store.connect_reader(db)
    try:
        return loader.history(con, db)
    finally:
        con.close()


def newest_history(db: Path, lang: str) -> dict[str, object]:
    return dict(upload_text.history_values(history_frame(db), lang).iloc[0])


def test_the_checker_finds_english() -> None:
    assert latin("数据库 /x/s.duckdb 无法写入（No space）", "/x/s.duckdb") == {"No", "space"}


def test_a_replace_that_would_orphan_rows_is_refused_in_each_language(seed_db: Path) -> None:
    ext = read_extract(WITHOUT_C14, "c.csv")
    [rep] = loader.load_batch(seed_db, [("customers", ext, None)], "replace")
    assert not rep.ok and rep.message == ORPHANS_EN  # the CLI's sentence is unchanged
    # one file-level problem per broken link: no row, the key column, the key, expected
    zh = upload_text.problems_frame(rep, "zh")
    assert list(zh.columns) == ["行", "字段", "值", "应为"]
    assert zh["行"].isna().all()
    assert list(zh["字段"]) == ["customer_id", "customer_id"]  # the file's header
    assert list(zh["值"]) == ["C14", "C14"]
    assert list(zh["应为"]) == [
        "仍被引用的客户编号：已入库的 1 行贷款指向此类客户编号（如本值）；"
        "请在同一批中导入贷款，或保留这些客户编号",
        "仍被引用的客户编号：已入库的 2 行客户收入指向此类客户编号（如本值）；"
        "请在同一批中导入客户收入，或保留这些客户编号",
    ]
    assert upload_text.message_text(rep, "zh") == ORPHANS_ZH
    for text in [*zh["应为"], ORPHANS_ZH]:
        assert latin(text, "C14") == set(), text
    en = upload_text.problems_frame(rep, "en")
    assert list(en.columns) == ["Row", "Column", "Value", "Expected"]
    assert en["Expected"].iloc[0] == (
        "a customer_id still stored: 1 stored loans row(s) point at such values (e.g. this "
        "one); load loans in the same batch or keep those customer_id values"
    )
    assert upload_text.message_text(rep, "en") == ORPHANS_EN
    # the downloaded report says the same, in Chinese
    rows = list(csv.reader(io.StringIO(report_csv(rep, "zh").decode("utf-8-sig"))))
    assert rows[0] == ["行", "字段", "值", "应为"]
    assert rows[1] == ["", "customer_id", "C14", zh["应为"].iloc[0]]
    # and so does the history: load 10 (9 seed loads before it), refused
    zh_row, en_row = newest_history(seed_db, "zh"), newest_history(seed_db, "en")
    assert (zh_row["load_id"], zh_row["outcome"], zh_row["mode"]) == (10, "被拒", "整表替换")
    assert zh_row["message"] == ORPHANS_ZH
    assert en_row["message"] == ORPHANS_EN
    assert "message_codes" not in zh_row  # the codes are worded, not shown


def test_history_messages_of_loads_are_chinese(seed_db: Path) -> None:
    frame = history_frame(seed_db)
    zh = upload_text.history_values(frame, "zh").set_index("load_id")["message"]
    en = upload_text.history_values(frame, "en").set_index("load_id")["message"]
    # the seed's loads, in TABLE_ORDER: 1 branches (3 rows), 2 customers (14), 9 revenue (29)
    assert zh[1] == "已从 branches.csv 向分支机构导入 3 行（导入编号 1，方式：追加）"
    assert zh[2] == "已从 customers.csv 向客户导入 14 行（导入编号 2，方式：追加）"
    assert zh[9] == "已从 revenue.csv 向客户收入导入 29 行（导入编号 9，方式：追加）"
    assert en[1] == "Loaded 3 rows into branches from branches.csv (load 1, mode append)"
    assert list(en) == list(frame["message"])  # English from codes = the stored sentence
    for text in zh:
        assert latin(str(text), *(f"{t}.csv" for t in frame["table_name"])) == set(), text


def test_an_upsert_message_names_updated_inserted_and_kept(seed_db: Path) -> None:
    # C01 is stored (updated), C90 is new (inserted); the file has no industry etc.: kept
    data = (
        b"customer_id,customer_name,branch_id,credit_rating,onboard_date\n"
        b"C01,X,B01,AAA,2019-03-15\nC90,Y,B02,A,2025-12-20\n"
    )
    ext = read_extract(data, "u.csv")
    [rep] = loader.load_batch(seed_db, [("customers", ext, None)], "upsert")
    assert rep.ok, rep.render_text()
    zh = str(newest_history(seed_db, "zh")["message"])
    # the eight columns the file lacks, in contract order, by their Chinese names
    assert zh == (
        "已从 u.csv 向客户导入 2 行（导入编号 10，方式：更新插入）；更新 1 行，新增 1 行；"
        "保留原值的字段：行业, 企业规模, 资产总额, 客户分层, 获客渠道, 推荐客户编号, "
        "客户经理, 流失日期"
    ), zh
    assert newest_history(seed_db, "en")["message"] == (
        "Loaded 2 rows into customers from u.csv (load 10, mode upsert); 1 updated, 1 inserted; "
        "kept as stored: industry, company_size, total_assets, tier, acquisition_channel, "
        "referred_by, relationship_manager, churn_date"
    )
    assert latin(zh, "u.csv") == set(), zh


def test_an_older_store_without_message_codes_still_shows_its_text(seed_db: Path) -> None:
    con = duckdb.connect(str(seed_db))  # a store written before the column existed
    con.execute("ALTER TABLE load_history DROP COLUMN message_codes")
    con.close()
    frame = history_frame(seed_db)
    assert "message_codes" not in frame.columns
    old = "Loaded 3 rows into branches from branches.csv (load 1, mode append)"
    zh = upload_text.history_values(frame, "zh").set_index("load_id")["message"]
    assert zh[1] == old  # shown as it was stored
    # the next write adds the column; the new load is worded, the old ones keep their text
    data = b"branch_id,branch_name\nB09,West\n"
    [rep] = loader.load_batch(seed_db, [("branches", read_extract(data, "b.csv"), None)], "append")
    assert rep.ok, rep.render_text()
    frame = history_frame(seed_db)
    zh = upload_text.history_values(frame, "zh").set_index("load_id")["message"]
    assert zh[10] == "已从 b.csv 向分支机构导入 1 行（导入编号 10，方式：追加）"
    assert zh[1] == old


def test_a_file_that_cannot_be_read_is_worded_in_each_language() -> None:
    # Latin-1 "café": byte 0xE9 on line 2 is not UTF-8, and GB18030 cannot pair it with
    # the space after it, so neither encoding reads the file.
    with pytest.raises(ExtractError) as caught:
        read_extract(b"id,name\n1,caf\xe9 creme\n", "s.csv")
    zh = upload_text.error_text(caught.value, "zh")
    assert zh == (
        "s.csv 不是 UTF-8 编码（第 2 行，字节 E9），也不能确认是 GBK 中文文本；"
        "请另存为 UTF-8，或指定其编码（上传页的“文本编码”）"
    )
    assert latin(zh) == set()
    assert upload_text.error_text(caught.value, "en") == str(caught.value)


def test_a_mapping_to_fix_is_worded_in_each_language() -> None:
    with pytest.raises(mappings.MappingError) as caught:
        mappings.check_name("a/b")  # "/" is no letter, digit, space, ".", "-" or "_"
    zh = upload_text.error_text(caught.value, "zh")
    assert zh == "映射名称为 1 到 80 个文字、数字、空格或“.”“-”“_”，且不以“.”开头；此处为“a/b”"
    assert upload_text.error_text(caught.value, "en") == str(caught.value)
    with pytest.raises(mappings.MappingError) as caught:
        mappings.check_columns("loans", {"借据号": "loan_id", "编号": "loan_id"})
    zh = upload_text.error_text(caught.value, "zh")
    assert zh == "表头“借据号”与“编号”都对应贷款的借据编号"
    assert latin(zh) == set()
    assert upload_text.error_text(caught.value, "en") == str(caught.value)


def test_a_write_error_is_worded_from_its_os_cause(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    full = store._write_failure(db, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    zh = upload_text.error_text(full, "zh")
    assert zh == f"数据库 {db} 无法写入（磁盘已满），数据未作任何改动"
    assert latin(zh, str(db)) == set()
    assert (
        upload_text.error_text(full, "en")
        == str(full)
        == (f"the store {db} could not be written (No space left on device); nothing was changed")
    )
    other = store._write_failure(db, OSError(errno.ENXIO, os.strerror(errno.ENXIO)))
    assert (
        upload_text.error_text(other, "zh") == f"数据库 {db} 无法写入（系统错误），数据未作任何改动"
    )


def test_an_undo_that_cannot_be_done_is_worded(seed_db: Path) -> None:
    ext = read_extract(WITHOUT_C14, "c.csv")
    loader.load_batch(seed_db, [("customers", ext, None)], "replace")  # load 10, refused
    with pytest.raises(loader.UndoError) as caught:
        loader.undo_load(seed_db, 10)
    zh = upload_text.error_text(caught.value, "zh")
    assert zh == "导入 10 当时被拒，未改动任何数据，无需撤销"
    assert upload_text.error_text(caught.value, "en") == str(caught.value)
    # Undoing the seed's customers (load 2) leaves every stored loan (11) without its
    # customer (and surveys, requests, revenue: one part each, in contract order).
    with pytest.raises(loader.UndoError) as caught:
        loader.undo_load(seed_db, 2)
    zh = upload_text.error_text(caught.value, "zh")
    assert zh.startswith("撤销导入 2 会破坏数据关联：11 行贷款将指向不存在的客户编号（如 C"), zh
    assert latin(zh) == set(), zh
    assert upload_text.error_text(caught.value, "en") == str(caught.value)


# --- the page, on a real full disk (small_disk: a 64 MB tmpfs, see test_store_crash) -------


GOOD_SURVEY = b"response_id,customer_id,survey_date,overall_score\nS90,C01,2025-12-05,5\n"


def texts(elements: object) -> str:
    return "\n".join(re.sub(r"\\(.)", r"\1", str(e.value)) for e in elements)  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_full_disk_is_said_in_the_page_language(
    small_disk: Path,  # noqa: F811  (the fixture imported from tests/test_store_crash.py)
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    lang: str,
) -> None:
    db = build_seed_store(small_disk / "seed.duckdb")
    monkeypatch.setenv("CRM_DB", str(db))
    monkeypatch.setenv("CRM_MAPPINGS_DIR", str(tmp_path / "mappings"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    at.switch_page(PAGE)
    sign_in(at)
    assert not at.exception
    at.file_uploader[0].set_value([("s.csv", GOOD_SURVEY, "text/csv")])
    at.run()
    assert not at.exception
    # 4 MB free: less than the store plus its 32 MB headroom (store.space_needed)
    need = f"{store.space_needed(db) / 2**20:,.1f} MB"
    size = f"{db.stat().st_size / 2**20:,.1f} MB"
    fill(small_disk, 4 << 20)
    at.button(key="upload_load").click()
    at.run()
    assert not at.exception
    error = texts(at.error)
    folder = str(small_disk)
    if lang == "zh":
        assert "导入被拒，数据未作任何改动。" in error
        said = re.search(r"磁盘空间不足，无法写入数据库：.*?数据未作任何改动。", error)
        assert said, error
        assert said.group(0).startswith(f"磁盘空间不足，无法写入数据库：{folder} 仅剩 ")
        assert f"，需要 {need}（{size} 的数据库副本加余量）；请释放空间后重试。" in said.group(0)
        assert latin(error, folder, "s.csv") == set(), error
    else:
        assert "The load was refused and nothing changed." in error
        assert "not enough free disk space to write the store: " in error
        assert f"free in {folder}, {need} needed (a copy of the {size} store plus" in error
    # the refusal is in the history at once (kept beside the full store), in its words
    history = [
        d.value
        for d in at.dataframe
        if list(d.value.columns[:1]) == ["编号" if lang == "zh" else "Load"]
    ]
    assert history, [list(d.value.columns) for d in at.dataframe]
    newest = history[0].iloc[0]
    message = str(newest["说明" if lang == "zh" else "Message"])
    assert newest.iloc[0] == 10
    if lang == "zh":
        assert message.startswith(f"磁盘空间不足，无法写入数据库：{folder} 仅剩 "), message
        assert latin(message, folder) == set(), message
    else:
        assert message.startswith("not enough free disk space to write the store"), message


# --- every code metrics raises has its words -----------------------------------------------

CODED = {"ExtractError", "UndoError", "StoreWriteError", "StoreBusyError"}


def _codes() -> set[tuple[str, str]]:
    """(kind, code) of every coded error, Note and `also` call in metrics/ (string literals)."""
    found: set[tuple[str, str]] = set()
    for path in (REPO_ROOT / "metrics").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if name in CODED and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                found.add(("m", str(node.args[1].value)))
            elif name in ("Note", "also") and args and isinstance(node.args[0], ast.Constant):
                found.add(("n" if name == "Note" else "m", str(args[0])))
    return found


def test_every_code_has_words_in_both_languages() -> None:
    codes = _codes()
    assert ("m", "store_no_space") in codes and ("m", "read_not_utf8") in codes
    assert ("n", "orphans") in codes and ("m", "undo_link") in codes
    missing = []
    for kind, code in sorted(codes):
        keys = [f"load.m.{code}"] if kind == "m" else [f"load.m.{code}", f"load.n.{code}"]
        entry = next((ALL_STRINGS[k] for k in keys if k in ALL_STRINGS), None)
        if entry is None or not entry.get("zh") or not entry.get("en"):
            missing.append(code)
    assert missing == []
