"""Workbooks of the template families of docs/forms.md §6, built cell by cell with real merges (openpyxl).

Each builder returns xlsx bytes; the figures are chosen so that the declared scores follow the rules of
the profile the form's weights select, and the tests assert every figure and every issue.
"""

from __future__ import annotations

import io

import openpyxl

CODE = "440304226011500000099"


class Sheet:
    """A worksheet written row by row: `put(row, col, value, to=col2, down=row2)` merges as asked."""

    def __init__(self, ws):
        self.ws = ws

    def put(self, row: int, col: int, value, *, to: int | None = None, down: int | None = None) -> None:
        if value is not None:
            self.ws.cell(row, col, value)
        if (to and to > col) or (down and down > row):
            self.ws.merge_cells(start_row=row, start_column=col, end_row=down or row, end_column=to or col)

    def line(self, row: int, values: dict[int, object], merges: dict[int, int] | None = None) -> None:
        for col, value in values.items():
            self.put(row, col, value, to=(merges or {}).get(col))


def save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


CENTRAL_ROWS = [
    # level1, level2, name, target, actual, weight, score, reason
    ("产出指标", "数量指标", "举办劳模活动", ">100人次", "128人次", 12.5, 12.5, "无"),
    ("产出指标", "质量指标", "活动覆盖率", "≥90%", "95%", 12.5, 12.5, "无"),
    ("产出指标", "时效指标", "完成时间", "2023年12月底前", "2023年11月19日", 12.5, 12.5, "无"),
    ("产出指标", "成本指标", "项目成本", "<35万元", "34.52万元", 12.5, 12.5, "无"),
    ("效益指标", "社会效益指标", "劳模关爱落实", "有效落实", "100%有效落实", 30, 30, "无"),
    ("满意度指标", "服务对象满意度指标", "劳模满意度", ">90%", "93.97%", 10, 10, "无"),
]


def central(*, initial: object = 35, rate_text: str = "98.63%", title: str = "项目支出绩效自评表") -> bytes:
    """财预〔2020〕10号's own table on A–K: title, （2023年度）, 项目名称 merged, 主管部门 and 实施单位 on one
    row, 执行率 merged H:I as text, 得分 J:K, 三级指标 D:E, 偏差原因 J:K, 一级指标 without points, 万元."""
    wb = openpyxl.Workbook()
    s = Sheet(wb.active)
    wb.active.title = "劳模管理"
    s.put(1, 1, title, to=11)
    s.put(2, 1, "（2023年度）", to=11)
    s.put(3, 1, "项目名称")
    s.put(3, 2, "劳模管理", to=11)
    s.put(4, 1, "主管部门")
    s.put(4, 2, "深圳市福田区总工会", to=5)
    s.put(4, 6, "实施单位")
    s.put(4, 7, "深圳市福田区总工会（本级）", to=11)
    s.put(5, 1, "项目资金（万元）", down=9)
    s.put(5, 2, None, to=3)
    s.line(
        5,
        {4: "年初预算数", 5: "全年预算数", 6: "全年执行数", 7: "分值", 8: "执行率", 10: "得分"},
        {8: 9, 10: 11},
    )
    s.put(6, 2, "年度资金总额", to=3)
    s.line(6, {4: initial, 5: 35, 6: 34.5202, 7: 10, 8: rate_text, 10: 9.86}, {8: 9, 10: 11})
    s.put(7, 2, "其中：当年财政拨款", to=3)
    s.line(7, {4: initial, 5: 35, 6: 34.5202, 7: "—", 8: "—", 10: "—"}, {8: 9, 10: 11})
    for r, label in ((8, "上年结转资金"), (9, "其他资金")):
        s.put(r, 2, label, to=3)
        s.line(r, {4: 0, 5: 0, 6: 0, 7: "—", 8: "—", 10: "—"}, {8: 9, 10: 11})
    s.put(10, 1, "年度总体目标", down=11)
    s.put(10, 2, "预期目标", to=6)
    s.put(10, 7, "实际完成情况", to=11)
    s.put(11, 2, "关爱劳模，举办活动不少于100人次。", to=6)
    s.put(11, 7, "举办活动128人次，劳模满意度93.97%。", to=11)
    first = 13
    last = first + len(CENTRAL_ROWS) - 1
    s.put(12, 1, "绩效指标", down=last)
    s.line(12, {2: "一级指标", 3: "二级指标", 4: "三级指标", 6: "年度指标值", 7: "实际完成值", 8: "分值", 9: "得分",
                10: "偏差原因分析及改进措施"}, {4: 5, 10: 11})  # fmt: skip
    for i, (_l1, l2, name, target, actual, weight, score, reason) in enumerate(CENTRAL_ROWS):
        r = first + i
        s.line(r, {3: l2, 4: name, 6: target, 7: actual, 8: weight, 9: score, 10: reason}, {4: 5, 10: 11})
    s.put(first, 2, "产出指标", down=first + 3)
    s.put(first + 4, 2, "效益指标")
    s.put(first + 5, 2, "满意度指标")
    s.put(last + 1, 1, "总分", to=7)
    s.line(last + 1, {8: 100, 9: 99.86})
    return save(wb)


def yunnan() -> bytes:
    """20 + 80: `预算执行情况（万元）（20分）` with 预算数(A)/执行数(B)/执行率(B/A)/得分(20分*执行率), no
    年初预算数, no sub-rows; `年度绩效目标（80分）`, weights only in the 一级 header, no 分值 column."""
    wb = openpyxl.Workbook()
    s = Sheet(wb.active)
    wb.active.title = "云南"
    s.put(1, 1, "项目支出绩效自评表", to=7)
    s.line(2, {1: "项目名称", 2: "职工技能培训", 5: "项目编码", 6: CODE})
    s.line(
        3, {1: "主管部门", 2: "某市总工会", 3: "实施单位", 4: "某市职工服务中心", 5: "评价年度", 6: "2023"}
    )
    s.put(4, 1, "预算执行情况（万元）（20分）", down=5)
    s.line(4, {2: "预算数(A)", 3: "执行数(B)", 4: "执行率(B/A)", 5: "得分(20分*执行率)"})
    s.line(5, {2: 100, 3: 95, 4: "95%", 5: 19})
    s.put(6, 1, "年度绩效目标（80分）", down=11)
    s.line(
        6, {2: "一级指标", 3: "二级指标", 4: "三级指标", 5: "年初目标值(A)", 6: "实际完成值(B)", 7: "得分"}
    )
    rows = [
        ("数量指标", "培训人次", "≥500人次", "520人次", 20),
        ("质量指标", "培训合格率", "≥95%", "96%", 20),
        ("时效指标", "完成时间", "2023年12月底前", "2023年12月20日", 20),
        ("社会效益指标", "职工知晓率", "≥80%", "85%", 10),
        ("服务对象满意度指标", "参训职工满意度", "≥90%", "92%", 9),
    ]
    for i, (l2, name, target, actual, score) in enumerate(rows):
        s.line(7 + i, {3: l2, 4: name, 5: target, 6: actual, 7: score})
    s.put(7, 2, "产出指标(60分)", down=9)
    s.put(10, 2, "效益指标(10分)")
    s.put(11, 2, "满意度指标(10分)")
    s.put(12, 1, "总分", to=6)
    s.put(12, 7, 98)
    return save(wb)


def sichuan() -> bytes:
    """10 + 90 with 指标性质 / 指标值 / 度量单位 columns, 完成值 / 权重 / 得分, a split of 40/30/20 and
    年初预算数 left blank."""
    wb = openpyxl.Workbook()
    s = Sheet(wb.active)
    wb.active.title = "四川"
    s.line(1, {1: "项目名称", 2: "职工法律援助", 5: "项目编码", 6: CODE})
    s.line(2, {1: "实施单位", 2: "某县总工会", 3: "主管部门", 4: "某县总工会", 5: "年度", 6: "2023"})
    s.line(
        3,
        {1: "预算执行情况(10分)", 2: "年初预算数", 3: "全年预算数", 4: "全年执行数", 5: "执行率", 6: "得分"},
    )
    s.line(4, {1: "年度资金总额", 3: 200000, 4: 190000, 5: "95%", 6: 9.5})
    s.put(5, 1, "绩效指标(90分)", down=8)
    s.line(5, {2: "一级指标", 3: "二级指标", 4: "三级指标", 5: "指标性质", 6: "指标值", 7: "度量单位", 8: "完成值",
               9: "权重", 10: "得分"})  # fmt: skip
    rows = [
        ("产出指标", "数量指标", "法律援助场次", "≧", "10", "场", "12", 40, 40),
        ("效益指标", "社会效益指标", "职工知晓率", "≧", "90", "%", "95", 30, 30),
        ("满意度指标", "服务对象满意度指标", "受援职工满意度", "正向", "85", "%", "80", 20, 18.82),
    ]
    for i, row in enumerate(rows):
        s.line(6 + i, dict(zip(range(2, 11), row, strict=True)))
    s.put(9, 1, "总分", to=8)
    s.line(9, {9: 100, 10: 98.32})
    return save(wb)


def leftovers() -> bytes:
    """安徽-style leftovers: only 分值 and 得分 (target in the name), `指标1:` prefixes, an empty `指标2:`
    row and a `……` row, `/` for not applicable, 一级 names missing (only `(50分)`), 执行率 left empty,
    and the 总额 row all zero while the amounts sit on 本年财政拨款."""
    wb = openpyxl.Workbook()
    s = Sheet(wb.active)
    wb.active.title = "安徽"
    s.line(1, {1: "项目名称", 2: "困难职工帮扶", 4: "项目编码", 5: CODE})
    s.line(2, {1: "实施单位", 2: "某区总工会", 4: "主管部门", 5: "某区总工会"})
    s.line(3, {1: "自评年度", 2: "2023"})
    s.line(
        4,
        {
            1: "项目资金（元）",
            2: "年初预算数",
            3: "全年预算数",
            4: "全年执行数",
            5: "分值",
            6: "执行率",
            7: "得分",
        },
    )
    s.line(5, {1: "年度资金总额", 2: 0, 3: 0, 4: 0, 5: 10, 7: 10})
    s.line(6, {1: "其中：本年财政拨款", 2: 100000, 3: 100000, 4: 100000, 5: "—", 6: "—", 7: "—"})
    s.line(7, {1: "上年结转资金", 2: 0, 3: 0, 4: 0, 5: "—", 6: "—", 7: "—"})
    s.line(8, {1: "一级指标", 2: "二级指标", 3: "三级指标", 4: "分值", 5: "得分"})
    s.put(9, 1, "(50分)", down=11)
    s.line(9, {2: "数量指标", 3: "指标1：年度资金支付完成率100%", 4: 25, 5: 25})
    s.line(10, {2: "质量指标", 3: "指标1：验收合格率100%", 4: 25, 5: 25})
    s.line(11, {3: "指标2："})
    s.put(12, 1, "(30分)", down=13)
    s.line(12, {2: "社会效益指标", 3: "指标1：困难职工受益", 4: 30, 5: 30})
    s.line(13, {2: "生态效益指标", 3: "/", 4: 0, 5: 0})
    s.put(14, 1, "(10分)", down=15)
    s.line(14, {2: "服务对象满意度指标", 3: "指标1：受助职工满意度≥90%", 4: 10, 5: 10})
    s.line(15, {3: "……"})
    s.line(16, {1: "总分", 4: 100, 5: 100})
    return save(wb)


def with_cover(form_bytes: bytes) -> bytes:
    """A cover sheet (说明 + a project list with scores), an empty Sheet1, then the form's sheets."""
    src = openpyxl.load_workbook(io.BytesIO(form_bytes))
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "封面"
    cover["A1"] = "2023年度项目支出绩效自评汇总"
    cover["A2"] = "填表说明：请按财预〔2020〕10号要求填写各项目自评表，项目名称、项目编码由系统导出。"
    for r, row in enumerate(
        [("序号", "项目名称", "项目编码", "自评得分"), (1, "劳模管理", CODE, 99.86)], start=4
    ):
        for c, value in enumerate(row, start=1):
            cover.cell(r, c, value)
    wb.create_sheet("Sheet1")
    for ws in src.worksheets:
        target = wb.create_sheet(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    target.cell(cell.row, cell.column, cell.value)
        for rng in ws.merged_cells.ranges:
            target.merge_cells(str(rng))
    return save(wb)
