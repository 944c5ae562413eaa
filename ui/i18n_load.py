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
    "load.m.counted": (
        "{refused} 行中有 {problems} 处问题（文件共 {rows} 行）",
        "{problems} problem(s) in {refused} of {rows} rows",
    ),
    # a replace that would leave stored rows of another table pointing at nothing
    "load.p.orphans": (
        "仍被引用的{field}：已入库的 {rows} 行{child}指向此类{field}（如本值）；"
        "请在同一批中导入{child}，或保留这些{field}",
        "a {field} still stored: {rows} stored {child} row(s) point at such values (e.g. "
        "this one); load {child} in the same batch or keep those {field} values",
    ),
    "load.m.orphans_lead": ("整表替换后将有数据失去关联：", "replace would leave"),
    "load.m.orphans": (
        "已入库的 {rows} 行{child}将指向不存在的{parent_column}（如 {example}）",
        "{rows} stored {child} row(s) pointing at a missing {parent}.{parent_column} "
        "(e.g. '{example}')",
    ),
    "load.m.orphans_fix": (
        "请在同一批中导入这些行所在的表，或保留这些{field}",
        "load those rows' tables in the same batch or keep those {field} values",
    ),
    # a load that went in (the history's message)
    "load.m.loaded": (
        "已从 {file} 向{table}导入 {rows} 行（导入编号 {load_id}，方式：{mode}）",
        "Loaded {rows} rows into {table} from {file} (load {load_id}, mode {mode})",
    ),
    "load.m.upserted": (
        "更新 {updated} 行，新增 {inserted} 行",
        "{updated} updated, {inserted} inserted",
    ),
    "load.m.kept": ("保留原值的字段：{columns}", "kept as stored: {columns}"),
    "load.m.replaced": ("替换已入库的 {rows} 行", "{rows} stored rows replaced"),
    # the store could not be written (metrics.store)
    "load.m.store_busy": (
        "数据库被另一次导入占用，等待 {seconds} 秒后仍未释放；请稍后再试。",
        "The store {path} stayed busy for {seconds} s; try again later.",
    ),
    "load.m.store_no_space": (
        "磁盘空间不足，无法写入数据库：{folder} 仅剩 {free}，需要 {need}"
        "（{size} 的数据库副本加余量）；请释放空间后重试。数据未作任何改动。",
        "not enough free disk space to write the store: {free} free in {folder}, {need} "
        "needed (a copy of the {size} store plus headroom); free some space and try again. "
        "Nothing was changed.",
    ),
    "load.m.store_unwritable": (
        "数据库 {path} 无法写入（{cause}），数据未作任何改动",
        "the store {path} could not be written ({reason}); nothing was changed",
    ),
    "load.cause.ENOSPC": ("磁盘已满", "no space left on the device"),
    "load.cause.EDQUOT": ("超出磁盘配额", "disk quota exceeded"),
    "load.cause.EACCES": ("没有写入权限", "permission denied"),
    "load.cause.EPERM": ("没有写入权限", "operation not permitted"),
    "load.cause.EROFS": ("文件系统只读", "read-only file system"),
    "load.cause.EIO": ("磁盘读写错误", "input/output error"),
    "load.cause.other": ("系统错误", "a system error"),
    # an undo that cannot be done (metrics.load.undo)
    "load.m.undo_no_load": ("没有编号为 {load_id} 的导入", "there is no load {load_id}"),
    "load.m.undo_refused_load": (
        "导入 {load_id} 当时被拒，未改动任何数据，无需撤销",
        "load {load_id} was refused and changed nothing; nothing to undo",
    ),
    "load.m.undo_already": (
        "导入 {load_id} 已于 {at} 撤销",
        "load {load_id} was already undone at {at}",
    ),
    "load.m.undo_expired": (
        "导入 {load_id} 早于{table}最近 {keep} 次导入，它替换掉的数据已不再保留",
        "load {load_id} is older than the last {keep} loads of {table}; "
        "the rows it replaced are no longer kept",
    ),
    "load.m.undo_later": (
        "{table}在导入 {load_id} 之后还有导入 {later}，请先撤销它",
        "load {later} of {table} came after load {load_id}; undo it first",
    ),
    "load.m.undo_breaks": (
        "撤销导入 {load_id} 会破坏数据关联：",
        "undoing load {load_id} would break a link:",
    ),
    "load.m.undo_link": (
        "{rows} 行{child}将指向不存在的{parent_column}（如 {example}）",
        "{rows} {child} row(s) pointing at a missing {parent}.{parent_column} (e.g. '{example}')",
    ),
    "load.m.batch_refused": (
        "未导入：整批导入要么全部成功要么全部不变，而 {files} 被拒。",
        "Not loaded: the batch is all or nothing and {files} was refused.",
    ),
    # a file that cannot be read at all (metrics.load.parse.ExtractError)
    "load.m.read_not_workbook": (
        "{file} 不是可读取的 Excel 工作簿",
        "{file} is not a readable xlsx workbook ({detail})",
    ),
    "load.m.read_xls": (
        "{file} 是旧版 Excel 工作簿（97–2003 格式）；请在 Excel 中另存为新格式或 CSV 后导入",
        "{file} is an old Excel .xls workbook; save it as .xlsx or CSV and load that",
    ),
    "load.m.read_bad_xlsx": (
        "{file} 不是有效的 Excel 工作簿",
        "{file} is not a valid .xlsx workbook",
    ),
    "load.m.read_bad_parquet": (
        "{file} 不是有效的 Parquet 文件",
        "{file} is not a valid Parquet file",
    ),
    "load.m.read_too_many_columns": (
        "{file} 有 {n} 列，最多读取 {max} 列（数据约定中没有超过 13 列的表）",
        "{file} has {n} columns; at most {max} are read "
        "(no table of the contract has more than 13)",
    ),
    "load.m.read_value_too_long": (
        "{file}：第 {row} 行“{column}”列有 {length} 个字符；一个值最多 {max} 个字符",
        "{file}: row {row}, column '{column}' holds {length} characters; a value has at most {max}",
    ),
    "load.m.read_binary": (
        "{file} 不是文本（CSV）文件：其中含有二进制数据",
        "{file} is not a text (CSV) file: it holds binary data",
    ),
    "load.m.read_nul": (
        "{file}：第 {row} 行“{column}”列含有 NUL 字节（文本文件中的二进制数据）；请删除后重新导入",
        "{file}: row {row}, column '{column}' holds a NUL byte "
        "(binary data in a text file); remove it and load again",
    ),
    "load.m.read_too_large": (
        "{file} 超过 {mb} MB",
        "{file} is larger than {mb} MB",
    ),
    "load.m.read_mixed_encoding": (
        "{file} 混用了多种编码：除第 {line} 行（字节 {byte}）外都按 UTF-8 读取；"
        "请另存为 UTF-8，或指定其编码（上传页的“文本编码”）",
        "{file} mixes encodings: it reads as UTF-8 except at line {line} (byte 0x{byte}); "
        "save it as UTF-8, or name its encoding (--encoding; the upload page's Encoding)",
    ),
    "load.m.read_not_utf8": (
        "{file} 不是 UTF-8 编码（第 {line} 行，字节 {byte}），也不能确认是 GBK 中文文本；"
        "请另存为 UTF-8，或指定其编码（上传页的“文本编码”）",
        "{file} is not UTF-8 (at line {line} (byte 0x{byte})) and does not read as GBK "
        "Chinese text; save it as UTF-8, or name its encoding "
        "(--encoding; the upload page's Encoding)",
    ),
    "load.m.read_unknown_encoding": (
        "“{encoding}”不是可识别的文本编码",
        "'{encoding}' is not an encoding Python knows",
    ),
    "load.m.read_bad_encoding": (
        "{file} 不是有效的 {encoding} 编码：第 {line} 行（字节 {byte}）",
        "{file} is not valid {encoding}: line {line} (byte 0x{byte})",
    ),
    "load.m.read_row_too_long": (
        "{file}：第 {row} 行长 {length} 个字符；一行最多 {max} 个字符",
        "{file}: row {row} is {length} characters long; a row has at most {max}",
    ),
    "load.m.read_line_too_long": (
        "{file}：第 {line} 行长 {length} 字节；"
        "一行最多 {max} 字节（一个值最多 {max_value} 个字符）",
        "{file}: line {line} is {length} bytes long; a row has at most {max} "
        "(a value at most {max_value} characters)",
    ),
    "load.m.read_quote_open": (
        "{file}：第 {row} 行“{column}”列的引号没有闭合，之后每一行都会被读成这个值的一部分；"
        '请补上引号（值中的引号要写两次：""）',
        "{file}: row {row}, column '{column}': a quote opens here and never closes, so "
        "every later row would be read as part of this value; close the quote (a quote "
        'inside a value is doubled: "")',
    ),
    "load.m.read_quote_inside": (
        "{file}：第 {row} 行“{column}”列的值中间出现引号；请给整个值加引号，"
        '并把其中的引号写两次（"5"" 寸"）',
        "{file}: row {row}, column '{column}': a quote opens inside a value; quote the "
        'whole value and double the quote inside it ("5"" pipe")',
    ),
    "load.m.read_quote_after": (
        "{file}：第 {row} 行“{column}”列的闭合引号后还有文字；请给整个值加引号",
        "{file}: row {row}, column '{column}': text follows a closing quote; quote the whole value",
    ),
    "load.m.read_empty": (
        "{file} 是空文件：没有表头，也没有数据行",
        "{file} is empty: it has no header and no rows",
    ),
    "load.m.read_header": (
        "{file}：无法读取表头行",
        "{file}: the header row cannot be read ({detail})",
    ),
    "load.m.read_field_count": (
        "{file}：第 {row} 行有 {n} 个字段，而表头只有 {header} 个",
        "{file}: row {row} has {n} fields but the header has {header}",
    ),
    "load.m.read_row": (
        "{file}：第 {row} 行无法读取",
        "{file}: row {row} cannot be read ({detail})",
    ),
    "load.m.read_no_sheets": ("{file} 没有工作表", "{file} has no sheets"),
    "load.m.read_no_sheet": (
        "{file} 中没有名为“{sheet}”的工作表；现有工作表：{sheets}",
        "{file} has no sheet named '{sheet}'; its sheets are: {sheets}",
    ),
    "load.m.read_workbook": (
        "{file}：工作簿无法读取（已损坏，或解压后超出大小上限）",
        "{file}: {detail}",
    ),
    "load.m.read_sheet": (
        "无法读取 {file} 的工作表“{sheet}”",
        "cannot read sheet '{sheet}' of {file}: {detail}",
    ),
    "load.m.read_sheet_empty": (
        "{file} 的工作表“{sheet}”是空的：没有表头，也没有数据行",
        "sheet '{sheet}' of {file} is empty: no header and no rows",
    ),
    "load.m.read_parquet": (
        "无法按 Parquet 格式读取 {file}",
        "cannot read {file} as Parquet: {detail}",
    ),
    "load.m.read_parquet_too_large": (
        "{file} 解压后有 {size} MB；最多读取 {max} MB",
        "{file} unpacks to {size} MB; at most {max} MB are read",
    ),
    # a saved header mapping the analyst must fix (metrics.load.mappings.MappingError)
    "load.m.mapping_name": (
        "映射名称为 1 到 80 个文字、数字、空格或“.”“-”“_”，且不以“.”开头；此处为“{name}”",
        "A mapping name is 1 to 80 letters, digits, spaces, '.', '-' or '_' and does not "
        "start with a dot; got '{name}'.",
    ),
    "load.m.mapping_table": ("没有名为“{name}”的表", "Unknown table '{name}'."),
    "load.m.mapping_column": (
        "{table}没有字段“{name}”（表头“{header}”）",
        "{table} has no column '{name}' (header '{header}').",
    ),
    "load.m.mapping_twice": (
        "表头“{first}”与“{header}”都对应{table}的{field}",
        "Headers '{first}' and '{header}' both map to {table}.{field}.",
    ),
    "load.m.mapping_missing": (
        "{folder} 中没有名为“{name}”的已保存映射",
        "No saved mapping named '{name}' in {folder}.",
    ),
    "load.m.mapping_invalid": (
        "映射文件 {path} 不是有效的映射",
        "The mapping file {path} is not a valid mapping: {detail}",
    ),
    # file formats (Extract.format) as the upload page names them
    "load.format.csv": ("CSV", "csv"),
    "load.format.xlsx": ("Excel", "xlsx"),
    "load.format.parquet": ("Parquet", "parquet"),
    # the load history's code values
    "load.v.append": ("追加", "append"),
    "load.v.upsert": ("更新插入", "upsert"),
    "load.v.replace": ("整表替换", "replace"),
    "load.v.loaded": ("已导入", "loaded"),
    "load.v.refused": ("被拒", "refused"),
    "load.v.failed": ("失败", "failed"),
    "load.v.undone": ("已撤销", "undone"),
}
