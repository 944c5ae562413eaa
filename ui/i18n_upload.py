"""Labels of the upload page: key -> (zh, en); merged into ui.i18n by the UI layer."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "upload.title": ("数据导入", "Load extracts"),
    "upload.intro": (
        "上传系统导出的明细文件（CSV UTF-8/GBK、Excel、Parquet）。先检查、预览，"
        "确认无误后一次性导入：要么全部成功，要么什么都不变。导入期间其他人照常查看。",
        "Drop the extracts exported from the source systems (CSV UTF-8/GBK, Excel, "
        "Parquet). Check and preview them, then load them in one transaction: all of "
        "them go in or nothing changes. Others keep reading while you load.",
    ),
    "upload.limit": (
        "单个文件上限 {mb} MB。更大的文件会被拒绝：请拆分或缩小导出范围。",
        "Each file may be up to {mb} MB (server.maxUploadSize). A larger file is refused: "
        "split it or export a narrower extract.",
    ),
    "upload.too_large": (
        "{name} 有 {size} MB，超过上限 {mb} MB，未读取。请拆分文件或缩小导出范围。",
        "{name} is {size} MB, over the {mb} MB limit, and was not read. "
        "Split it or export a narrower extract.",
    ),
    "upload.mode": ("导入方式", "Mode"),
    "upload.mode.append": ("追加（已有主键报错）", "Append (a stored key is an error)"),
    "upload.mode.upsert": ("更新插入（已有主键被替换）", "Upsert (a stored key is replaced)"),
    "upload.mode.replace": ("整表替换", "Replace (the table's rows are replaced)"),
    "upload.files": ("选择文件", "Files"),
    "upload.files_help": (
        "可一次上传多个文件，每个文件对应一张表；客户与其贷款可在同一批导入。",
        "Several files at once, one table each; customers and their loans may come in one batch.",
    ),
    "upload.no_store": (
        "还没有数据库，首次导入时会自动创建。",
        "No store yet: the first load creates it.",
    ),
    "upload.read_error": ("无法读取 {name}：{error}", "Cannot read {name}: {error}"),
    "upload.sheet": ("工作表", "Sheet"),
    "upload.detected": (
        "格式 {format} · 编码 {encoding} · {rows} · {cols}",
        "Format {format} · encoding {encoding} · {rows} · {cols}",
    ),
    "upload.table": ("目标表", "Table"),
    "upload.table_recognised": (
        "根据表头识别为 {table}。",
        "Recognised from the headers: {table}.",
    ),
    "upload.table_unknown": (
        "无法根据表头识别目标表，请选择。",
        "The headers do not identify a table: pick one.",
    ),
    "upload.table_twice": (
        "同一批里有两个文件都要导入 {table}：每张表一批只能一个文件。",
        "Two files of this batch go to {table}: one file per table in a batch.",
    ),
    "upload.headers": ("表头匹配", "How each header was matched"),
    "upload.col.file_header": ("文件表头", "File header"),
    "upload.col.column": ("入库字段", "Stored as"),
    "upload.col.match": ("匹配方式", "Matched by"),
    "upload.match.canonical": ("标准字段名", "canonical name"),
    "upload.match.alias": ("中文别名", "Chinese alias"),
    "upload.match.manual": ("手工映射", "manual mapping"),
    "upload.match.unknown": ("未识别（不入库）", "unknown (not stored)"),
    "upload.saved_mapping": ("已保存的映射", "Saved mapping"),
    "upload.saved_none": ("（不使用）", "(none)"),
    "upload.saved_applied": (
        "已套用映射“{name}”（匹配 {headers}）。",
        "Mapping “{name}” applied ({headers}).",
    ),
    "upload.manual": ("手工映射未识别的表头", "Map unmatched headers by hand"),
    "upload.ignore": ("（忽略）", "(ignore)"),
    "upload.all_matched": ("每个表头都已匹配。", "Every header is matched."),
    "upload.save_name": ("映射名称（例如源系统名）", "Mapping name (e.g. the source system)"),
    "upload.save": ("保存映射", "Save mapping"),
    "upload.saved": (
        "映射“{name}”已保存，下次同源文件会自动套用。",
        "Mapping “{name}” saved; the next extract from this source will use it.",
    ),
    "upload.save_error": ("无法保存映射：{error}", "Cannot save the mapping: {error}"),
    "upload.preview": (
        "预览（前 {n} 行，按入库后的样子；未通过校验的单元格显示原文并标 ⚠）",
        "Preview (first {n} rows, as they will be stored; a cell that fails the check "
        "shows its text as in the file, marked ⚠)",
    ),
    "upload.report": ("校验报告", "Validation report"),
    "upload.report_ok": ("校验通过：{rows}可以导入。", "Checked: {rows} can be loaded."),
    "upload.report_bad": (
        "校验未通过：{problems}，{refused}被拒（文件共 {rows_in} 行）。修正文件后重新上传。",
        "Refused: {problems} in {refused} (the file has {rows_in}). "
        "Fix the file and drop it again.",
    ),
    "upload.first_problems": (
        "仅列出前 {n} 处问题，共 {total} 处。",
        "Showing the first {n} of {total} problems.",
    ),
    "upload.col.row": ("行", "Row"),
    "upload.col.file_row": ("文件行号", "row"),
    "upload.col.problem_column": ("字段", "Column"),
    "upload.col.value": ("值", "Value"),
    "upload.col.expected": ("应为", "Expected"),
    "upload.download_report": ("下载校验报告 CSV", "Download the report (CSV)"),
    "upload.warnings": ("提示", "Warnings"),
    "upload.loaded_by": ("导入人", "Loaded by"),
    "upload.load": ("导入", "Load"),
    "upload.load_blocked": (
        "有文件未通过校验或未选目标表，无法导入。",
        "A file is refused or has no table: nothing can be loaded yet.",
    ),
    "upload.loading": ("正在导入…", "Loading…"),
    "upload.reading": ("正在读取 {name}…", "Reading {name}…"),
    "upload.checking": ("正在校验…", "Checking…"),
    "upload.step.open": ("打开数据库", "opening the store"),
    "upload.step.check": ("校验各行", "checking the rows"),
    "upload.step.write": ("写入 {table}", "writing {table}"),
    "upload.step.publish": ("发布新数据", "publishing the new store"),
    "upload.step.done": ("完成", "done"),
    "upload.step.wait": (
        "数据库正被另一次导入占用，等待其完成…",
        "the store is busy with another load; waiting for it to finish…",
    ),
    "upload.load_failed": (
        "导入失败，数据未作任何改动：{error}",
        "The load failed and nothing changed: {error}",
    ),
    "upload.load_refused": (
        "导入被拒，数据未作任何改动。",
        "The load was refused and nothing changed.",
    ),
    "upload.loaded": (
        "{file} → {table}：新增 {added}，替换 {replaced}（导入编号 {load_id}）。",
        "{file} → {table}: {added} added, {replaced} replaced (load {load_id}).",
    ),
    "upload.kpi_title": ("导入前后对比：{period}", "Before and after the load: {period}"),
    "upload.kpi": ("指标", "KPI"),
    "upload.kpi_error": (
        "数据已导入，但无法计算导入前后的指标：{error}",
        "The load went in, but the KPIs before and after could not be computed: {error}",
    ),
    "upload.before": ("导入前", "Before"),
    "upload.after": ("导入后", "After"),
    "upload.history": ("导入记录", "Load history"),
    "upload.history_empty": ("还没有导入记录。", "No loads yet."),
    "upload.undo_pick": ("撤销哪次导入", "Load to undo"),
    "upload.undo": ("撤销导入", "Undo load"),
    "upload.undone": ("导入 {load_id} 已撤销。", "Load {load_id} was undone."),
    "upload.undo_refused": (
        "不能撤销导入 {load_id}：{reason}",
        "Load {load_id} cannot be undone: {reason}",
    ),
    "upload.nothing_to_undo": ("没有可撤销的导入。", "No load can be undone."),
    "upload.undo_help": (
        "每张表只能撤销其最近一次未撤销的导入；其他导入为何不能撤销见上表“可否撤销”一列。",
        "Only the latest load of each table that is not undone yet can be undone; the "
        "“Undo” column of the history says why another load cannot.",
    ),
    "upload.undo_option": (
        "{load_id} · {table} · {file} · {at} · {rows}",
        "{load_id} · {table} · {file} · {at} · {rows}",
    ),
    "upload.status.ready": ("可撤销", "can be undone"),
    "upload.status.undone": ("已撤销", "undone"),
    "upload.status.refused": ("被拒，未改动数据", "refused, changed nothing"),
    "upload.status.later": (
        "须先撤销导入 {later}（同表更晚的导入）",
        "undo load {later} first (a later load of this table)",
    ),
    "upload.status.expired": (
        "超出每表最近 {keep} 次导入，替换前的数据已不保留",
        "older than the last {keep} loads of this table; the rows it replaced are gone",
    ),
    "upload.n.row": ("{n} 行", "{n} row"),
    "upload.n.rows": ("{n} 行", "{n} rows"),
    "upload.n.column": ("{n} 列", "{n} column"),
    "upload.n.columns": ("{n} 列", "{n} columns"),
    "upload.n.problem": ("{n} 处问题", "{n} problem"),
    "upload.n.problems": ("{n} 处问题", "{n} problems"),
    "upload.n.header": ("{n} 个表头", "{n} header"),
    "upload.n.headers": ("{n} 个表头", "{n} headers"),
    "upload.h.load_id": ("编号", "Load"),
    "upload.h.loaded_at": ("时间", "When"),
    "upload.h.loaded_by": ("导入人", "Who"),
    "upload.h.table_name": ("表", "Table"),
    "upload.h.file_name": ("文件", "File"),
    "upload.h.checksum": ("校验和", "Checksum"),
    "upload.h.mode": ("方式", "Mode"),
    "upload.h.rows_in": ("行数", "Rows"),
    "upload.h.rows_refused": ("被拒行数", "Refused"),
    "upload.h.outcome": ("结果", "Outcome"),
    "upload.h.message": ("说明", "Message"),
    "upload.h.undone_at": ("撤销时间", "Undone"),
    "upload.h.undo_status": ("可否撤销", "Undo"),
    # Hardened loader (issue 9): the encoding choice, and unknown headers beyond the widgets.
    "upload.encoding": ("文本编码", "Encoding"),
    "upload.encoding_auto": (
        "自动（UTF-8，或可确认为中文的 GBK/GB18030）",
        "Automatic (UTF-8, or GBK/GB18030 when it reads as Chinese)",
    ),
    "upload.encoding_help": (
        "只有在文件既不是 UTF-8、也不能确认是中文 GBK 时才需要选择；选错会被拒绝，不会乱码入库。",
        "Only needed when the file is neither UTF-8 nor certainly Chinese GBK; "
        "a wrong choice is refused, never stored garbled.",
    ),
    "upload.more_unknown": (
        "另有 {n} 个未识别的表头未列出，将被忽略。",
        "{n} more unmatched headers are not listed and will be ignored.",
    ),
}
