"""The Chinese of what the library finds and refuses: the message of every Issue code (CODES: what
reading, scoring and checking find, and why a whole file was refused), severity labels, the review
workflow's labels and refusals, and the sandbox's reading failures.

The core emits codes and parameters; `issue()` here turns them into an Issue with its message, the one
place a message is rendered. Other sentences live with the module that owns their wording: the
自评报告 drafts in report/wording.py, a rule's explanation of a score in rules.py, the store's refusals in
store/errors.py, what the pages show in present/ and views/.
"""

from __future__ import annotations

from selfeval.model import Issue, Loc, Severity

# code -> (severity, template) of what reading, scoring and checking a form finds. Templates use
# str.format with the parameters the emitter passes; `issue()` renders them (CODES adds the refusals).
ISSUES: dict[str, tuple[Severity, str]] = {
    # files (the CLI's and the import's: a file that is not there, a form the store refused)
    "FILE_MISSING": ("error", "文件不存在或不是普通文件。"),
    "UNIT_REFUSED": (
        "error",
        "{reason}",
    ),  # the store's sentence (selfeval/store/errors.py), naming the owner
    # reading
    "FORM_NOT_FOUND": (
        "error",
        "未识别到项目支出绩效自评表：找不到“项目编码/项目名称”“资金使用情况”或“年度绩效指标”等标签。",
    ),
    "FUNDS_MISSING": ("error", "缺少“资金使用情况”表（年初预算数/全年预算数/全年执行数），无法可靠评分。"),
    "INDICATORS_MISSING": ("error", "缺少“年度绩效指标”表头或指标行，无法可靠评分。"),
    "HEADER_MISSING": ("error", "缺少项目编码和项目名称，无法识别是哪个项目。"),
    "FIELD_MISSING": ("warning", "缺少“{field}”。"),
    "CODE_AS_NUMBER": (
        "error",
        "项目编码“{code}”以数字格式保存，Excel 只保留 15 位有效数字，编码已失真。请把该单元格设为文本格式后重新填写 21 位编码。",
    ),
    # no longer emitted (rows are placed by evidence, never shifted): submissions stored before carry it
    "ROW_SHIFTED": ("info", "该行单元格错位 {offset:+d} 列，已按表头对齐读取。"),
    "ROW_UNREADABLE": ("error", "无法确定该行各列含义（分值、得分不是数字）：{text}"),
    "NUMBER_UNREADABLE": ("error", "“{field}”不是数字：{text}"),
    "LEVEL2_UNKNOWN": ("warning", "该行缺少二级指标名称。"),
    "LEVEL1_INFERRED": ("info", "一级指标由二级指标“{level2}”推定为“{level1}”。"),
    "TEXT_SEPARATORS_LOST": (
        "error",
        "文本丢失了单元格之间的分隔（如“{text}”），数值粘连在一起，无法确定各数值属于哪一列，该表未读取。"
        "请提供原表（Excel）或保留分隔符（制表符、“|”或逐格换行）的文本。",
    ),
    "TEXT_ORDER_LOST": (
        "error",
        "文本中单元格的顺序已打乱（{why}），无法可靠还原各行，该表未读取：{text}",
    ),
    "TEXT_AMBIGUOUS": (
        "error",
        "文本中的单元格可以有不止一种分行或对应表头的方式（{why}），为免读错，该表未读取：{text}",
    ),
    "TEXT_COLUMNS_UNCLEAR": (
        "error",
        "按空格对齐的文本中，单元格“{text}”的位置对不上表头的列（{why}），无法确定所属列，该表未读取。",
    ),
    "SHEET_SKIPPED": ("info", "工作表“{sheet}”不是自评表，已跳过。"),
    "SHEET_EMPTY": ("info", "工作表“{sheet}”是空白工作表，已跳过。"),
    "SHEET_SKIPPED_KIND": ("info", "工作表“{sheet}”是{kind}，不是自评表，已跳过。"),
    # PDF pages (selfeval/readers/pdf.py): a page that cannot be read leaves its form out, never half read
    "PDF_PAGE_SCANNED": (
        "error",
        "第{page}页是扫描件，没有可读取的文字层，该页及与之相连的表未读取。请上传 Excel，或可复制文字的 PDF。",
    ),
    "PDF_TEXT_OVERLAPS": (
        "error",
        "第{page}页有文字重叠（单元格内容超出格子、压在相邻内容上），无法分辨各格的内容，该页所在的表未读取。"
        "请在 Excel 中调整列宽或设为自动换行后重新导出 PDF，或直接上传 Excel。",
    ),
    "PDF_TEXT_CROSSES_LINES": (
        "error",
        "第{page}页有文字越过表格线（单元格内容超出了格子），无法确定属于哪一格，该页所在的表未读取。"
        "请在 Excel 中调整列宽或设为自动换行后重新导出 PDF，或直接上传 Excel。",
    ),
    "PDF_TEXT_CLIPPED": (
        "error",
        "第{page}页有文字印在页面之外（表格被分页截断），该页所在的表未读取。请在打印设置中选择“将所有列调整为一页”"
        "后重新导出 PDF，或直接上传 Excel。",
    ),
    "PDF_PAGE_TOO_DENSE": (
        "error",
        "第{page}页的文字或线条过多（超过 {chars} 个字符或 {edges} 条线），不像自评表，该页未读取。",
    ),
    "PDF_MIXED_PAGES": (
        "error",
        "“{sheet}”中有的页有表格线、有的页没有，无法按同一张表读取，该表未读取。请上传 Excel。",
    ),
    "PDF_PAGE_SKIPPED": ("info", "第{page}页没有文字，已跳过。"),
    "ROW_AMBIGUOUS": (
        "error",
        "该行单元格与表头对不上，且按内容也无法唯一确定各列含义，未采用：{text}",
    ),
    "ROW_ALIGNED": (
        "info",
        "该行单元格与表头列位不一致，已按单元格内容（金额、百分比、分值、得分）唯一对齐：{fields}。",
    ),
    "CELL_UNPLACED": ("warning", "数字“{text}”不在任何表头列的正下方，含义不明，未采用。"),
    "VALUE_RANGE": ("error", "“{field}”的值 {text} 超出合理范围（{bounds}），未采用。"),
    "LEVEL1_NAME_INFERRED": (
        "info",
        "一级指标名称未列出（只见“{printed}”），按二级指标“{level2}”推定为“{level1}”。",
    ),
    "TEMPLATE_LEFTOVER": ("info", "模板遗留的空行“{text}”已忽略。"),
    "FUNDS_FROM_PART": (
        "warning",
        "年度资金总额行{why}，金额取自“{part}”行（{amounts}）。",
    ),
    "TARGET_IN_NAME": (
        "info",
        "指标表没有“指标值”列（指标值写在指标名称中，如“{target}”）：各行无法核验，保留申报得分。",
    ),
    "RATE_AS_FRACTION": ("info", "执行率 {value} 按小数读取为 {percent}%。"),
    # values and rules
    "VALUE_UNPARSED": (
        "error",
        "无法识别{role}“{text}”，该指标未评分，请改为“运算符+数值+单位”或“达成/部分达成/未达成”。",
    ),
    "UNIT_MISMATCH": (
        "error",
        "指标值单位“{target_unit}”与实际完成值单位“{actual_unit}”不一致，无法比较，该指标未评分。",
    ),
    "WEIGHT_MISSING": ("error", "缺少分值，该指标无法核验，保留申报得分（未核验）。"),
    "WEIGHT_RANGE": ("error", "分值 {weight} 超出 0 至 100 的范围，该指标无法核验。"),
    "LEVEL_WEIGHTS_ONLY": (
        "info",
        "“{levels}”的三级指标未列分值，分值只见于一级指标：各行保留申报得分（未核验），只核对一级指标得分合计。",
    ),
    "LEVEL_SCORE_SUM": ("error", "“{level1}”各行申报得分合计 {actual:g} 超过一级指标分值 {expected:g}。"),
    "TOTAL_UNVERIFIED": ("error", "分值合计 {weights}，不等于 100：总分 {total} 不予核验，也不评定等级。"),
    "OVER_ACHIEVED": (
        "info",
        "实际完成值达到指标值的 {ratio:.0%}（≥ {threshold:.0%}），指标值可能设置偏低。",
    ),
    "OVER_REVIEW": (
        "warning",
        "实际完成值达到指标值的 {ratio:.0%}（≥ {threshold:.0%}），须人工复核指标值设置是否合理。",
    ),
    "DATE_LATE": ("warning", "完成时间 {actual} 晚于要求 {target}，按部分达成计分，请人工复核。"),
    "BAND_OUTSIDE": ("error", "申报得分 {declared} 不在规则允许的区间 [{low}, {high}]（{grade}）内。"),
    "BAND_NO_DECLARED": (
        "warning",
        "规则给出区间 [{low}, {high}]（{grade}），未填写得分，暂按下限 {low} 计。",
    ),
    # checks (docs/forms.md §4)
    "WEIGHT_LEVEL_SUM": ("error", "“{level1}”下三级指标分值合计 {actual:g}，应为 {expected:g}。"),
    "WEIGHT_TOTAL": ("error", "全部分值（含预算执行率 {budget:g} 分）合计 {actual:g}，应为 100。"),
    "WEIGHT_DECLARED_TOTAL": ("warning", "总分行的分值 {declared:g} 与各项分值合计 {actual:g} 不一致。"),
    "REASON_MISSING": ("error", "得分 {score:g} 低于分值 {weight:g}，必须填写偏差原因分析及改进措施。"),
    "REASON_EMPTY": ("info", "偏差原因为空；得满分时宜填“无”。"),
    "SCORE_RANGE": ("error", "申报得分 {score:g} 超出 0 至分值 {weight:g} 的范围。"),
    "SCORE_MISSING": ("warning", "未填写得分。"),
    "SCORE_MISMATCH": ("error", "申报得分 {declared:g} 与规则计算得分 {computed:g} 不一致。"),
    "NA_NONZERO": ("error", "“不适用”指标的分值和得分应为 0（现为 {weight:g} / {score:g}）。"),
    "OVERSPENT": (
        "warning",
        "全年执行数 {executed:,.2f} 元大于全年预算数 {budget:,.2f} 元（执行率超过 100%），请核实；预算执行得分按评分规则计（通常以分值为上限）。",
    ),
    "RATE_IMPLAUSIBLE": (
        "error",
        "执行率 {rate:,.2f}% 超出合理范围（不超过 {limit:g}%），多为金额单位或数字填错：预算执行不予评分，该表不评定等级、不计入各项合计与执行率。",
    ),
    "AMOUNT_NEGATIVE": (
        "error",
        "“{field}”为负数：{value:,.2f} 元。该表不评定等级、不计入各项合计与执行率。",
    ),
    "AMOUNT_MISSING": ("error", "缺少“{field}”，无法计算预算执行率。"),
    "BUDGET_ZERO": ("warning", "全年预算数为 0，执行率按 0 计。"),
    "FUNDS_PARTS_SUM": (
        "warning",
        "“{column}”分项合计 {parts:,.2f} 元与年度资金总额 {total:,.2f} 元不一致。",
    ),
    "RATE_MISMATCH": ("error", "申报执行率 {declared:.2f}% 与计算执行率 {computed:.2f}% 不一致。"),
    "BUDGET_SCORE_MISMATCH": ("error", "申报预算执行得分 {declared:g} 与计算得分 {computed:g} 不一致。"),
    "BUDGET_WEIGHT_MISMATCH": (
        "warning",
        "资金分值 {declared:g} 与规则的预算执行率分值 {expected:g} 不一致。",
    ),
    "TOTAL_MISMATCH": ("error", "申报总分 {declared:g} 与计算总分 {computed:g} 不一致。"),
    "TOTAL_NOT_SUM": ("warning", "申报总分 {declared:g} 不等于申报各项得分之和 {summed:g}。"),
    "TOTAL_CAPPED": ("info", "执行率 {rate:.2f}% 时总分上限为 {cap:g}，总分由 {raw:g} 调整为 {cap:g}。"),
    "COST_MISMATCH": (
        "warning",
        "成本指标实际完成值 {actual} 与全年执行数 {executed:,.2f} 元（{wan:.2f} 万元）不一致。",
    ),
    "RATE_INDICATOR_MISMATCH": (
        "warning",
        "指标“{name}”的实际完成值 {actual:.2f}% 与资金执行率 {rate:.2f}% 不一致。",
    ),
    "CODE_FORMAT": ("error", "项目编码“{code}”不是 21 位数字（半角 0–9）。"),
    "YEAR_FORMAT": ("warning", "绩效自评年度“{year}”不是四位年份。"),
    "DUPLICATE_CODE": ("warning", "同一批次中项目编码 {code} 出现多次（{count} 次）。"),
}


_PARAM_TYPES = (str, int, float, bool)  # kept in an Issue's params as they are; anything else as text


def issue(code: str, place: Loc | str | None, /, **params: object) -> Issue:
    """The one way an Issue is made: the code's severity, and its message rendered from its template
    and `params` (kept in the Issue, as numbers and text). An undeclared code raises KeyError."""
    severity, template = CODES[code]
    kept = {k: v if v is None or isinstance(v, _PARAM_TYPES) else str(v) for k, v in params.items()}
    return Issue(code, severity, "" if place is None else place, template.format(**params), kept)


SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
# the server log's line when a sign-in header is not believed (%-style: logging formats it lazily)
TRUSTED_HEADER_IGNORED = (
    "未采用登录头 %s（%d 个值）：连接地址 %s 不是 SELFEVAL_TRUSTED_PROXIES 中的代理，或头不止一个值；"
    "请求带 X-Forwarded-For：%s（Streamlit 的服务器会把本机代理转来的该头当作连接地址，"
    "nginx 应清除它，见 docs/deploy.md）"
)

# the cell comment the template writer puts where a rule could not compute and the declared value stands
TEMPLATE_DECLARED_COMMENT = "规则未能计算此项，此处为原表填报值，请核对。"


# preflight refusals (selfeval/readers/preflight.py): upper-case keys are codes, the rest fill them
PREFLIGHT: dict[str, str] = {
    "EMPTY": "文件为空，请选择填写好的自评表后重新上传。",
    "TOO_LARGE": "文件过大（{size}），上限为 {limit}。请删除无关工作表后再上传。",
    "IMAGE": "「{filename}」是{what}图片，不是表格文件。请上传自评表的 Excel 文件（.xlsx 或 .xls），不要上传截图或照片。",
    "NOT_WORKBOOK": "「{filename}」是{what}，不是 Excel 工作簿。请上传 Excel 格式的自评表（.xlsx 或 .xls）；"
    "如果自评表是其他格式，请先在 Excel 或 WPS 中另存为 .xlsx。",
    "HTML_EXPORT": "「{filename}」是网页（HTML）或 XML 格式的导出文件，并不是真正的 Excel 工作簿。"
    "请用 Excel 或 WPS 打开它，另存为 .xlsx 后再上传。",
    "UNKNOWN_FORMAT": "无法识别「{filename}」的格式：它既不是 Excel 工作簿或 PDF，也不是纯文本。"
    "请上传 .xlsx 或 .xls 文件、可复制文字的 PDF，或 UTF-8/GBK 编码的文本。",
    "CORRUPT": "文件已损坏或不完整，无法读取。请在 Excel 或 WPS 中打开确认内容无误，重新保存后再上传。",
    "ENCRYPTED": "文件已加密（设置了打开密码），无法读取。请取消密码后另存再上传。",
    "MACRO": "这是启用宏的工作簿（.xlsm），出于安全原因不予读取。请另存为 .xlsx 后上传。",
    "TOO_MANY_PARTS": "文件内部包含 {count} 个部件，超过上限 {limit} 个，不像正常的自评表。"
    "请将自评表另存为新的 .xlsx 文件后上传。",
    "UNCOMPRESSED_TOO_LARGE": "文件解压后的内容过大（{size}），上限为 {limit}。请删除无关工作表和多余数据后再上传。",
    "COMPRESSION_RATIO": "文件中的「{part}」压缩比异常（约 {ratio} 倍，上限 {limit} 倍），疑似压缩炸弹，不予读取。"
    "请将自评表另存为新的 .xlsx 文件后上传。",
    "XML_DTD": "文件内部含有 DTD 或实体声明（DOCTYPE/ENTITY），正常的 Excel 文件不会包含，出于安全原因不予读取。"
    "请在 Excel 或 WPS 中另存为 .xlsx 后上传。",
    "XML_UNSUPPORTED": "文件内部的 XML 不是 Excel 的常规写法（{detail}），无法安全读取。"
    "请在 Excel 或 WPS 中另存为 .xlsx 后上传。",
    "SHEET_TOO_LARGE": "工作表「{sheet}」的范围达到 {rows} 行 × {cols} 列，超出上限（{max_rows} 行 × {max_cols} 列）。"
    "请删除多余的行列后上传。",
    "SHEET_UNSUPPORTED": "工作表「{sheet}」的单元格没有标注位置且内容过多，无法安全读取。"
    "请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传。",
    "CELL_TOO_LONG": "{where}有单元格的内容超过 {limit} 个字符，超出 Excel 单元格的上限。请检查并缩短后再上传。",
    "TEXT_ENCODING": "无法识别文本的编码。请将文本另存为 UTF-8 或 GBK（GB18030）编码后重新上传。",
    "TEXT_TOO_MANY_LINES": "文本共有 {lines} 行，超出上限 {limit} 行。请只保留自评表的内容后再上传。",
    "TEXT_LINE_TOO_LONG": "文本第 {line} 行有 {chars} 个字符，超出上限 {limit} 个。请检查是否粘贴了多余内容。",
    "TEXT_TOO_MANY_COLUMNS": "文本第 {line} 行有 {cols} 列，超出上限 {limit} 列。请只保留自评表的内容后再上传。",
    "TEXT_TOO_MANY_CELLS": "文本中的单元格多于 {limit} 个，超出上限。请只保留自评表的内容，或分成几个文件上传。",
    # PDF (selfeval/readers/pdfcheck.py): bounded before any parser sees the file
    "PDF_ENCRYPTED": "PDF 文件已加密（设置了密码或权限保护），无法读取。请导出未加密的 PDF，或直接上传 Excel。",
    "PDF_TOO_MANY_PAGES": "PDF 共有 {count} 页，超出上限 {limit} 页。请只保留自评表所在的页，或分成几个文件上传。",
    "PDF_TOO_MANY_OBJECTS": "PDF 内部含有 {count} 个对象，超出上限 {limit} 个，不像正常的自评表，不予读取。"
    "请重新导出 PDF，或直接上传 Excel。",
    "PDF_UNCOMPRESSED_TOO_LARGE": "PDF 解压后的内容过大（{size}），上限为 {limit}。请只保留自评表所在的页后再上传。",
    "PDF_COMPRESSION_RATIO": "PDF 中有数据流的压缩比异常（约 {ratio} 倍，上限 {limit} 倍），疑似压缩炸弹，不予读取。"
    "请重新导出 PDF，或直接上传 Excel。",
    "PDF_FILTER_UNSUPPORTED": "PDF 使用了不支持的压缩方式（{name}），无法安全读取。请用 Excel、WPS 或打印为 PDF 重新导出，"
    "或直接上传 Excel。",
    "PDF_CORRUPT": "PDF 文件已损坏或不完整，无法读取。请重新导出 PDF，或直接上传 Excel。",
    "STYLES_TOO_LARGE": "文件中的单元格格式过多（{what}），超出上限（{limit}），不像正常的自评表，无法安全读取。"
    "请在 Excel 或 WPS 中把自评表复制到新工作簿，另存为 .xlsx 后上传。",
    # what a file really is (NOT_WORKBOOK)
    "kind.docx": "Word 文档（.docx）",
    "kind.pptx": "PowerPoint 演示文稿（.pptx）",
    "kind.xlsb": "Excel 二进制工作簿（.xlsb）",
    "kind.xlsx_incomplete": "不完整的 Excel 工作簿（缺少内容类型清单）",
    "kind.ods": "OpenDocument 表格（.ods）",
    "kind.odf": "OpenDocument 文档",
    "kind.zip": "普通压缩包（.zip）",
    "kind.doc": "Word 文档（.doc）",
    "kind.ppt": "PowerPoint 演示文稿（.ppt）",
    "kind.ole": "Office 复合文档（不含工作簿）",
    "kind.rar": "RAR 压缩包",
    "kind.7z": "7z 压缩包",
    "kind.gzip": "gzip 压缩包",
    "kind.xz": "xz 压缩包",
    "kind.rtf": "RTF 文档",
    # why the XML is not what Excel writes (XML_UNSUPPORTED)
    "detail.encoding": "内部文件使用了 {encoding} 编码",
    "detail.markup": "工作表中含有注释、CDATA 或处理指令",
    "detail.tag": "标签过长",
    "detail.ref": "单元格位置「{ref}」无法识别",
    "detail.noise": "含有大量异常属性",
    "detail.styles": "{count} 种",
    # where an over-long cell is (CELL_TOO_LONG), and a sheet without a readable name
    "where.sheet": "工作表「{sheet}」中",
    "where.file": "文件中",
    "sheet.nth": "第{n}个工作表",
}


# the review workflow (selfeval/workflow.py): state and action labels, and why a step is refused
REVIEW: dict[str, str] = {
    "state.draft": "草稿",
    "state.submitted": "已送审",
    "state.approved": "已通过",
    "state.returned": "已退回",
    "action.upload": "上传",
    "action.import": "导入",
    "action.edit": "在线编辑",
    "action.revise": "修改",
    "action.submit": "送审",
    "action.approve": "通过",
    "action.return": "退回",
    "action.restore": "恢复版本",
    "action.transfer": "转移单位",
    "action.restored": "从备份恢复数据库",
    "ROLE": "您的角色（{role}）不能{action}。",
    "UNIT": "您不负责“{unit}”，不能{action}该单位的项目。",
    "STATE.submit.submitted": "该表已送审，正在等待审核，无需再次送审。",
    "STATE.submit.approved": "该版本已通过审核并锁定，无需再次送审；如需修改，请提交新版本。",
    "STATE.approve.draft": "该表尚未送审，不能审核通过。",
    "STATE.approve.approved": "该版本已通过审核。",
    "STATE.approve.returned": "该表已退回填报人，须重新送审后才能审核。",
    "STATE.return.draft": "该表尚未送审，不能退回。",
    "STATE.return.approved": "该版本已通过审核并锁定，不能退回；如需修改，请填报人提交新版本重新送审。",
    "STATE.return.returned": "该表已退回，正在等待填报人修改。",
    "NOT_CURRENT": "该版本已不是现行版本（项目已有更新的版本），请刷新后处理现行版本。",
    "OWN_VERSION": "这一版本由您本人上传或送审，不能由您本人审核通过（不相容岗位相互分离）：请由另一位审核人审核。",
    "EXPLANATION_REQUIRED": "该表有 {errors} 处错误，送审时必须填写说明，供审核人查看。",
    "RESUBMIT_EXPLANATION_REQUIRED": "该表被退回后未作修改，重新送审时必须填写说明，回应审核意见。",
    "COMMENT_REQUIRED": "退回时必须填写退回意见，说明需要修改什么。",
    "TARGET_UNIT_REQUIRED": "请选择要转入的单位。",
}


# reading in the sandbox (selfeval/readers/sandbox.py): a parser that died, overran or failed
READING: dict[str, str] = {
    "READ_MEMORY": "读取该文件所需的内存超出上限，已停止读取（文件可能已损坏，或工作表范围异常大）。"
    "请在 Excel 或 WPS 中打开确认内容无误，删除多余的行列后另存为 .xlsx 再上传。",
    "READ_TIMEOUT": "读取该文件超出时间上限，已停止读取（文件可能已损坏或内容异常多）。"
    "请在 Excel 或 WPS 中打开确认内容无误，另存为 .xlsx 后再上传。",
    "READ_CRASHED": "读取该文件时读取程序意外终止，文件可能已损坏。请在 Excel 或 WPS 中打开确认内容无误，另存为 .xlsx 后再上传。",
    # the machine, not the file: no reading process could be started for it (selfeval/readers/sandbox.py)
    "READ_UNAVAILABLE": "服务器繁忙，未能启动读取进程，该文件未读取（不是文件的问题）。请稍后重新上传。",
    "FILE_UNREADABLE": "文件无法读取（{error}），可能已损坏。请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。",
    # a PDF none of whose pages has text (selfeval/readers/pdf.py)
    "PDF_SCANNED": "扫描件，没有可读取的文字层：请上传 Excel，或可复制文字的 PDF。",
}

# one browser session's upload past its bounds (selfeval/uploads.py): the files not read, each said
UPLOADS: dict[str, str] = {
    "TOO_MANY_FILES": "一次最多读取 {limit} 个文件，「{filename}」未读取。请分批上传（大量文件请用命令行 selfeval import 导入整个文件夹）。",
    "SESSION_TOO_LARGE": "本次上传的文件合计超过 {limit}，「{filename}」未读取。请先保存或清除已上传的文件，再分批上传其余文件。",
}

# Every code an Issue may carry, with its severity and message template: the findings above, and the
# refusal of a whole file by the gate (PREFLIGHT's upper-case keys), the sandbox (READING) or an upload's
# bounds (UPLOADS): errors.
CODES: dict[str, tuple[Severity, str]] = {
    **ISSUES,
    **{code: ("error", text) for code, text in PREFLIGHT.items() if code.isupper()},
    **{code: ("error", text) for code, text in READING.items()},
    **{code: ("error", text) for code, text in UPLOADS.items()},
}

# the role file (selfeval/access.py): refused whole, naming the line, so that one slip never opens a unit
ROLES_FILE: dict[str, str] = {
    "MISSING": "找不到角色文件 {path}（由 SELFEVAL_ROLES 指定）。",
    "SYNTAX": "不是有效的 TOML：{detail}",
    "NOT_A_TABLE": '“{key}”应为表（[users."账号"] 一节）。',
    "UNKNOWN_KEY": "未知的设置“{key}”（只能有 role 和 units）。",
    "UNKNOWN_TOP": '未知的设置或一节“{key}”（只能有登记单位的 units = [...] 和各账号的 [users."账号"]）。',
    "EMPTY_USER": "账号为空。",
    "DUPLICATE_USER": "账号“{user}”出现了两次（账号不区分大小写）。",
    "ROLE_MISSING": "账号“{user}”缺少 role（viewer / editor / reviewer / admin）。",
    "ROLE_UNKNOWN": "账号“{user}”的角色“{role}”无效，应为 viewer / editor / reviewer / admin。",
    "UNITS_MISSING": '账号“{user}”缺少 units：请列出其负责的单位，或写 units = "*" 表示全部单位。',
    "UNITS_TYPE": '账号“{user}”的 units 应为单位名称的列表，或 "*"（全部单位）。',
    "UNIT_EMPTY": "账号“{user}”的 units 中有空的单位名称。",
    "UNIT_PLACEHOLDER": "账号“{user}”的 units 中的“{unit}”是占位写法（表示没有或全部单位），不是单位名称。",
    "UNIT_INVISIBLE": "账号“{user}”的 units 中的“{unit}”含有看不见的字符（零宽字符、方向控制符等），"
    "与看起来相同的单位是两个单位：请删去这些字符。",
    "AT_LINE": "角色文件 {path} 第 {line} 行：{problem}",
    "NO_LINE": "角色文件 {path}：{problem}",
    "PAGE": "角色文件有误（{where}：{problem}），已暂停所有账号的访问。请管理员修正后刷新页面"
    "（可用 python -m selfeval roles 检查）。",
    "PAGE_LINE": "第 {line} 行",
    "PAGE_NO_LINE": "见服务器日志",
}

# the audit trail checked (selfeval/store/trail.py): `selfeval verify`, every restore
AUDIT: dict[str, str] = {
    "LINK": "审核记录第 {n} 条（编号 {id}）与前一条的链接断开：之前的记录被删除、插入或改动过",
    "HASH": "审核记录第 {n} 条（编号 {id}）的内容与其哈希不符：该条记录被改动过",
    "AT": "审核记录编号 {id}（{action}，版本 {sid}）",
    "UNKNOWN": "{where}的操作或角色无法识别",
    "ROLE": "{where}由角色“{role}”执行，而该角色无权这样做",
    "NO_VERSION": "{where}所指的提交版本不存在",
    "WRONG_PROJECT": "{where}记录的项目或年度与该版本不符",
    "CREATED_TWICE": "{where}：同一版本被记录保存了两次",
    "STATE": "{where}：从“{before}”不能经此操作变为“{after}”",
    "NOT_CURRENT": "{where}：操作的不是当时的现行版本",
    "UNIT": "{where}记录的单位“{unit}”与该版本的单位“{owner}”不符",
    "UNRECORDED": "提交版本 {sid} 没有上传、导入或编辑的记录",
    "CURRENT": "项目 {code}（{year}）的提交版本 {sid} 标记为现行版本：{now}，与审核记录不符（现行版本应是最后一次保存的版本）",
    "REVIEW_STATE": "提交版本 {sid} 的审核状态为“{have}”，而审核记录表明应为“{want}”",
    "OK": "审核记录完整：共 {events} 条，链头为编号 {id}（{hash}），审核状态与记录一致。",
    "BROKEN": "审核记录有问题（共 {events} 条）：{first}。",
    "MORE": "另有 {n} 处问题：",
    "PRIVILEGE": "应用连接数据库所用的账号“{role}”可以对 audit_events 执行 {what}：历史记录可被改写。"
    "请按 docs/deploy.md 分开表的所有者账号与应用账号。",
    "HEAD_MISMATCH": "清单记录的审核记录链头（编号 {want_id}）与备份中的记录（编号 {have_id}）不符",
    "RESTORED": "从备份恢复（清单 sha256 {manifest}；链头编号 {id}）",
    "DISCARDED": "；按要求舍弃了原数据库的另一段历史（{events} 条审核记录，链头编号 {id}，哈希 {hash}）",
    "UNSIGNED": "备份没有签名，而本机配置了备份签名密钥（SELFEVAL_BACKUP_KEY_FILE），无法确认备份写出后未被改动；"
    "确认来源可信时可加 --accept-unsigned 恢复，恢复记录会写明",
    "BAD_SIGNATURE": "备份的签名与本机的备份签名密钥不符：清单在写出后被改动，或备份不是用这把密钥签名的",
    "FILE_CHANGED": "数据文件 {name} 与清单记录的 sha256 不符（写出后被改动或损坏）",
    "SIGNED": "；签名已核对",
    "ACCEPTED_UNSIGNED": "；备份没有签名，由恢复人确认接受",
    "SIGNATURE_UNCHECKED": "；备份有签名，但本机未配置备份签名密钥，签名未核对",
    "DROPPED": "；备份早于原数据库，其后的 {events} 条审核记录未恢复（原链头编号 {id}，哈希 {hash}）",
    "DIVERGES_EVENT": "备份的审核记录编号 {id} 与要被替换的数据库中同一编号的记录不同：两者不是同一段历史（备份被改写过，或来自另一个数据库）"
    "（确要用另一段历史替换本数据库，请指定 --discard-history）",
    "DIVERGES_VERSION": "备份中提交版本 {sid} 的内容与要被替换的数据库中同一版本不同：两者不是同一段历史（备份被改写过，或来自另一个数据库）"
    "（确要用另一段历史替换本数据库，请指定 --discard-history）",
}

# the CLI, when the database fails past what opening it could tell (a damaged file)
DISK_FULL_FILES = "磁盘空间不足，输出文件未能写完（{error}）。请清理磁盘空间后重试；已写出的文件可能不完整。"
DATABASE_FAILED = "数据库读写出错（{error}），数据库文件可能已损坏。请从备份恢复（selfeval restore），或用 --db 指定另一个文件。"


# `selfeval import` (selfeval/cli/commands.py over selfeval/bulk.py): progress, resuming, the summary
IMPORT: dict[str, str] = {
    "progress": "{done}/{total} 个文件 · {rate} 表/秒 · 剩余 {left}",
    "rate.none": "—",
    "left.none": "—",
    "left.hours": "{h} 小时 {m} 分",
    "left.minutes": "{m} 分 {s} 秒",
    "left.seconds": "{s} 秒",
    "resumed": "已导入 {forms} 个自评表（{files} 个文件此前已保存），跳过这些文件，继续导入其余 {rest} 个文件。",
    "summary": "已保存 {stored} 个自评表，重复 {duplicates} 个，无法读取的文件 {unreadable} 个。",
    "summary.skipped": "其中 {forms} 个自评表所在的 {files} 个文件此前已导入，已跳过，未重新读取。",
    "summary.time": "用时 {elapsed}，读取 {read} 个文件，{rate} 表/秒。",
    "problem": "无法读取 {path}：{location}：{message}",
    "report.more": "另有 {more} 个文件无法读取，未在此列出。",
    "report.where": "全部无法读取的文件及原因已写入 {path}",
    "report.header": "selfeval import：无法读取的文件及原因（{started}）",
}
