"""Other regions' forms as text, and the text layouts the tests read them in.

The forms are made here from the template families of docs/forms.md §6 (central geometry, 20/80 云南,
指标性质 columns, 四川 10/90, template leftovers, 四川 web tables); their declared figures are what the
text prints. The layouts are in tests/text_layouts.py.
"""

from __future__ import annotations

from tests import text_layouts

CENTRAL = """项目支出绩效自评表
（2023年度）
项目名称\t城乡居民医疗救助资金
主管部门\t某市医疗保障局\t\t\t实施单位\t某市医疗保障局
项目资金（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分
\t年度资金总额\t500.00\t520.00\t512.88\t10\t98.63%\t9.86
\t其中：当年财政拨款\t500.00\t520.00\t512.88\t—\t—\t—
\t上年结转资金\t0.00\t0.00\t0.00\t—\t—\t—
\t其他资金\t0.00\t0.00\t0.00\t—\t—\t—
年度总体目标\t预期目标\t\t\t\t实际完成情况
\t为困难群众提供医疗救助，减轻医疗费用负担。\t\t\t\t全年救助困难群众3260人次，减轻了医疗费用负担。
年度绩效指标\t一级指标\t二级指标\t三级指标\t\t指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施\t
\t产出指标\t数量指标\t救助人次\t\t≥3000人次\t3260人次\t20\t20\t无\t
\t\t质量指标\t救助政策执行准确率\t\t≥95%\t98%\t15\t15\t无\t
\t\t时效指标\t救助资金发放及时率\t\t≥95%\t90%\t15\t12\t部分资金年底拨付\t
\t效益指标\t社会效益指标\t困难群众医疗负担减轻\t\t有效减轻\t有效减轻\t30\t30\t无\t
\t满意度指标\t服务对象满意度指标\t救助对象满意度\t\t≥90%\t95%\t10\t10\t无\t
总分\t\t\t\t\t\t\t100\t96.86\t\t
"""

YUNNAN_20_80 = """项目支出绩效自评表
项目名称\t城市道路维护\t项目编码\t530102230000000012345
实施单位\t某区住房和城乡建设局\t主管部门\t某区人民政府
预算执行情况（万元）（20分）\t预算数(A)\t执行数(B)\t执行率(B/A)\t得分(20分*执行率)
年度资金总额\t120.00\t114.00\t95.00%\t19.00
年度总体目标\t预期目标\t实际完成情况
\t完成道路维护12公里。\t完成道路维护12.5公里。
年度绩效目标（80分）\t一级指标\t二级指标\t三级指标\t年初目标值(A)\t实际完成值(B)\t得分\t偏差原因分析及改进措施
\t产出指标(60分)\t数量指标\t道路维护里程\t≥12公里\t12.5公里\t20\t无
\t\t质量指标\t维护工程验收合格率\t100%\t100%\t20\t无
\t\t时效指标\t维护完成及时率\t≥95%\t92%\t18\t个别路段因雨季延期
\t效益指标(10分)\t社会效益指标\t道路通行条件改善\t有效改善\t有效改善\t10\t无
\t满意度指标(10分)\t服务对象满意度指标\t市民满意度\t≥85%\t90%\t10\t无
总分\t\t\t\t\t\t97.00\t
"""

NATURE_COLUMNS = """项目支出绩效自评表
项目名称\t农村饮水安全巩固提升\t项目编码\t510000230000000054321
实施单位\t某县水务局\t主管部门\t某县人民政府
资金使用情况（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分
\t年度资金总额\t300.0000\t300.0000\t285.0000\t10\t95.00\t9.50
\t其中：财政拨款\t300.0000\t300.0000\t285.0000\t—\t—\t—
年度总体目标\t预期目标\t实际完成情况
\t巩固提升农村饮水安全。\t完成8处供水工程改造。
一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\t实际完成值\t分值\t得分\t偏差原因分析及改进措施
产出指标\t数量指标\t供水工程改造数量\t≥\t8\t处\t8\t20\t20\t无
\t质量指标\t水质达标率\t≥\t95\t%\t96\t20\t20\t无
\t成本指标\t工程建设成本\t≤\t300\t万元\t285\t10\t10\t无
效益指标\t社会效益指标\t受益人口\t≥\t12000\t人\t12500\t30\t30\t无
满意度指标\t服务对象满意度指标\t受益群众满意度\t≥\t90\t%\t88\t10\t9\t部分群众对水压不满意
总分\t\t\t\t\t\t\t100\t98.50\t
"""

SICHUAN_10_90 = """项目支出绩效自评表
项目名称\t乡村振兴产业发展补助\t项目编码\t510100230000000067890
实施单位\t某区农业农村局\t主管部门\t某区农业农村局
预算执行情况（万元）(10分)\t年初预算数\t全年预算数\t全年执行数\t执行率\t得分
年度资金总额\t80.00\t80.00\t76.00\t95.00%\t9.50
年度总体目标\t预期目标\t实际完成情况
\t扶持产业项目5个。\t扶持产业项目5个，带动农户增收。
绩效指标(90分)\t一级指标\t二级指标\t三级指标\t指标值\t完成值\t权重\t得分\t偏差原因分析及改进措施
\t产出指标\t数量指标\t扶持产业项目数\t≥5个\t5个\t30\t30\t无
\t\t时效指标\t资金拨付及时率\t100%\t100%\t20\t20\t无
\t效益指标\t经济效益指标\t带动农户增收\t≥2000元/户\t2100元/户\t20\t20\t无
\t满意度指标\t服务对象满意度指标\t农户满意度\t≥90%\t93%\t20\t20\t无
合计\t\t\t\t\t\t100\t99.50\t
"""

LEFTOVERS = """项目支出绩效自评表
项目名称\t社区养老服务补助\t项目编号\t340100230000000011111
实施单位\t某区民政局\t主管部门\t
资金使用情况（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分
\t年度资金总额\t60.00\t60.00\t58.20\t10\t97.00\t9.70
\t其中：本年财政拨款\t60.00\t60.00\t58.20\t—\t—\t—
年度总体目标\t预期目标\t实际完成情况
\t为辖区老人提供养老服务。\t为辖区620名老人提供养老服务。
一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施
(50分)\t数量指标\t指标1：服务老人人数\t≥600人\t620人\t20\t20\t无
\t\t指标2：\t……\t\t\t\t
\t质量指标\t指标1：服务合格率\t≥95%\t96%\t15\t15\t无
\t时效指标\t指标1：年度资金支付完成率100%\t\t\t15\t15\t无
(30分)\t社会效益指标\t指标1：老年人生活质量改善\t有效改善\t有效改善\t30\t30\t无
\t生态效益指标\t/\t/\t/\t0\t0\t/
(10分)\t服务对象满意度指标\t指标1：老人满意度\t≥90%\t92%\t10\t10\t无
总分\t\t\t\t\t100\t99.70\t
"""

# a 四川 部门预算项目支出绩效自评表 as its web pages print it: the label column headed 年度预算数(万元),
# 权重 in the funds table, a 原因 column, sub-rows 其中:财政资金 / 财政专户管理资金 / 单位资金, 合计
SICHUAN_WEB = """报表编号:510000_0013zp\t\t\t\t\t
部门预算项目支出绩效自评表(2023年度)\t\t\t\t\t\t\t\t\t\t
项目名称\t51142123R000000012345-乡镇污水处理设施运维\t\t\t\t\t\t\t\t\t
主管部门\t某县住房和城乡建设局\t\t\t实施单位 (盖章)\t某县城乡污水处理中心\t\t\t\t\t
项目基本情况\t1.项目年度目标完成情况\t项目年度目标\t\t\t\t年度目标完成情况\t\t\t\t
\t\t保障全县12座乡镇污水处理站正常运行。\t\t\t\t12座污水处理站全年正常运行。\t\t\t\t
\t2.项目实施内容及过程概述\t委托专业公司运维，按月考核。\t\t\t\t\t\t\t\t
预算执行情况(10分)\t年度预算数(万元)\t年初预算\t调整后预算数\t预算执行数\t预算执行率\t权重\t得分\t原因\t\t
\t总额\t120.00\t115.00\t109.25\t95.00%\t10\t9.50\t年中调减预算5万元。\t\t
\t其中:财政资金\t120.00\t115.00\t109.25\t95.00%\t/\t/\t\t\t
\t财政专户管理资金\t0.00\t0.00\t0.00\t0.00%\t/\t/\t\t\t
\t单位资金\t0.00\t0.00\t0.00\t0.00%\t/\t/\t\t\t
\t其他资金\t\t\t\t\t/\t/\t\t\t
绩效指标(90分)\t一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\t完成值\t权重\t得分\t未完成原因分析
\t产出指标\t数量指标\t运维污水处理站数量\t≥\t12\t座\t12\t30\t30\t
\t\t质量指标\t出水水质达标率\t≥\t95\t%\t93\t20\t19\t个别站点设备老化
\t\t时效指标\t运维费用按月支付率\t=\t100\t%\t100\t10\t10\t
\t效益指标\t生态效益指标\t化学需氧量削减量\t≥\t300\t吨\t310\t20\t20\t
\t满意度指标\t服务对象满意度指标\t周边群众满意度\t≥\t90\t%\t92\t10\t10\t
合计\t\t\t\t\t\t\t\t100\t98.50\t
评价结论\t项目总体完成较好，自评得分98.50分。\t\t\t\t\t\t\t\t\t
存在问题\t个别站点设备老化。\t\t\t\t\t\t\t\t\t
改进措施\t加快设备更新。\t\t\t\t\t\t\t\t\t
项目负责人:张三\t\t\t财务负责人:李四\t\t\t\t\t\t\t
"""

# what each form declares: total, budget score, 全年预算数 and 全年执行数 in 元, each row's declared score
EXPECTED = {
    "central": (CENTRAL, 96.86, 9.86, 5200000.0, 5128800.0, [20, 15, 12, 30, 10]),
    "yunnan_20_80": (YUNNAN_20_80, 97.0, 19.0, 1200000.0, 1140000.0, [20, 20, 18, 10, 10]),
    "nature_columns": (NATURE_COLUMNS, 98.5, 9.5, 3000000.0, 2850000.0, [20, 20, 10, 30, 9]),
    "sichuan_10_90": (SICHUAN_10_90, 99.5, 9.5, 800000.0, 760000.0, [30, 20, 20, 20]),
    "leftovers": (LEFTOVERS, 99.7, 9.7, 600000.0, 582000.0, [20, 15, 15, 30, 0, 10]),
    "sichuan_web": (SICHUAN_WEB, 98.5, 9.5, 1150000.0, 1092500.0, [30, 19, 10, 20, 10]),
}

LAYOUTS = {
    "tabs": lambda t: t,
    "bar_dump": text_layouts.to_bar_dump,
    "aligned": text_layouts.to_layout,
    "aligned_wide": lambda t: text_layouts.to_layout(t, wide=True),
    "flattened_pipes": text_layouts.to_flattened_pipes,
    "cell_bars": text_layouts.to_cell_bars,
    "row_pipes": text_layouts.to_row_pipes,
}

SEED_LAYOUTS = {
    "bar_dump": text_layouts.to_bar_dump,
    "bar_dump_blank_initial_budget": lambda t: text_layouts.to_bar_dump(t, drop_initial=True),
    "aligned": text_layouts.to_layout,
    "flattened_pipes": text_layouts.to_flattened_pipes,
    "cell_bars": text_layouts.to_cell_bars,
    "row_pipes": text_layouts.to_row_pipes,
}


def declared(form):
    return (
        form.declared_total,
        form.funds.declared_score,
        form.funds.total.annual_budget,
        form.funds.total.executed,
        [i.declared_score for i in form.indicators if i.declared_score is not None],
    )


def seed_declared(form):
    return (
        form.header.project_name,
        declared(form),
        [i.weight for i in form.indicators],
        [i.name.replace(" ", "") for i in form.indicators],
    )


def numbers(form):
    f = form.funds
    funds = (f.total.initial_budget, f.total.annual_budget, f.total.executed)
    funds += (f.declared_weight, f.declared_rate, f.declared_score)
    rows = [(i.name.replace(" ", ""), i.weight, i.declared_score) for i in form.indicators]
    return funds, (form.declared_total_weight, form.declared_total), rows


def consistent(got, truth) -> bool:
    """Every number read is the published one, or missing (the cell is gone); a lost row is fine."""
    for part in (0, 1):
        if any(a is not None and a != b for a, b in zip(got[part], truth[part], strict=True)):
            return False
    if len(got[2]) == len(truth[2]):
        pairs = zip(got[2], truth[2], strict=True)
        return all(a is None or a == b for g, t in pairs for a, b in zip(g[1:], t[1:], strict=True))
    return all(row in truth[2] for row in got[2])


def goal_texts(forms):
    return [(f.goals.expected.replace(" ", ""), f.goals.achieved.replace(" ", "")) for f in forms]


def without_scores(text: str) -> str:
    """The 四川 form as often published: 权重 filled, every 得分 left blank (the 合计 row too)."""
    out = []
    for line in text.split("\n"):
        cells = line.split("\t")
        if cells[0] == "合计":
            cells = [c if c != "98.50" else "" for c in cells]
        elif len(cells) == 11 and cells[8].strip().isdigit() and cells[9]:
            cells[9] = ""
        elif len(cells) > 7 and cells[1] == "总额":
            cells[7] = ""
        out.append("\t".join(cells))
    return "\n".join(out)
