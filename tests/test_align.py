"""selfeval.readers.align: a row placed on a header's bands. The layout learned from a header row (the
shapes of the rows under it) only saves time: every row is placed exactly as the full look places it,
a row off the header's columns is never placed by a learned shape, and what is learned is bounded."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selfeval.model import Cell
from selfeval.readers.align import PLACEHOLDERS, Layout, align, bands, number
from selfeval.readers.funds import FUNDS_KINDS, _rate_fits
from selfeval.readers.indicators import KINDS

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# the indicator header of the generated forms: 一级 B, 二级 C, 三级 D, 指标值 E, 完成值 F, 分值 G, 得分 H, 偏差 I
INDICATOR_HEADER = {"name": 4, "target": 5, "actual": 6, "weight": 7, "score": 8, "reason": 9}
INDICATOR_COLUMNS = (2, 3, 4, 5, 6, 7, 8, 9)
# the funds header: 年初预算数 C … 得分 H
FUNDS_HEADER = {"initial_budget": 3, "annual_budget": 4, "executed": 5, "weight": 6, "rate": 7, "score": 8}
TEXTS = ["12.5", "100", "0", "10", "2858290.03", "98.63%", "100%", "—", "/", "无", "不适用", "345202",
         "12.5分", "支付时限", "+2", "三十四万", "> 90%为合格", "≥", "次", "满意 95.21%", " "]  # fmt: skip


class Unlearned(Layout):
    """The same bands, never a learned shape: every row takes the full look."""

    def own_columns(self, cols):
        return None


def _row(cols, texts):
    return [Cell(t, 20, c) for c, t in zip(sorted(set(cols)), texts, strict=False)]


ROWS = st.builds(
    _row,
    st.lists(st.integers(1, 12), min_size=1, max_size=9),
    st.lists(st.sampled_from(TEXTS), min_size=9, max_size=9),
)


@FAST
@given(ROWS, st.booleans())
def test_a_learned_shape_places_every_row_as_the_full_look_does(cells, slipped):
    for header, kinds, check in ((INDICATOR_HEADER, KINDS, None), (FUNDS_HEADER, FUNDS_KINDS, _rate_fits)):
        learned = bands(header, kinds, INDICATOR_COLUMNS)
        full = Unlearned(learned)
        for _ in range(2):  # the second time the shape is known
            assert align(cells, learned, check, slipped=slipped) == align(cells, full, check, slipped=slipped)


def test_a_row_off_its_labels_is_not_placed_by_a_learned_shape():
    layout = bands(INDICATOR_HEADER, KINDS, INDICATOR_COLUMNS)
    good = [Cell("支付时限", 5, 4), Cell("截至年底", 5, 5), Cell("已划转", 5, 6), Cell("12.5", 5, 7),
            Cell("12.5", 5, 8), Cell("无", 5, 9)]  # fmt: skip
    assert align(good, layout).how == "columns"
    shifted = [c._replace(row=6, col=c.col + 1) for c in good]  # the same row one column to the right
    assert layout.own_columns(tuple(c.col for c in shifted)) is None
    placed = align(shifted, layout)
    assert placed.how != "columns" or placed.unplaced  # never read as if nothing moved
    assert all(c.col == next(b.start for b in layout if b.field == f) for f, cs in placed.cells.items()
               for c in cs if placed.how == "columns")  # fmt: skip


def test_what_a_layout_learns_is_bounded():
    layout = bands(INDICATOR_HEADER, KINDS, INDICATOR_COLUMNS)
    for n in range(2000):  # rows of every odd shape
        align([Cell("x", n, 4 + n % 5), Cell("1", n, 10 + n % 300)], layout)
    assert len(layout._shapes) <= 256


def test_a_header_layout_is_learned_once_and_shared():
    assert bands(FUNDS_HEADER, FUNDS_KINDS, ()) is bands(dict(FUNDS_HEADER), dict(FUNDS_KINDS), ())
    assert bands(FUNDS_HEADER, FUNDS_KINDS, ()) is not bands(FUNDS_HEADER, KINDS, ())


def test_a_placeholder_is_never_a_number():
    """FormRows.bounded asks number() first and placeholder() only when it is not one."""
    for text in (*PLACEHOLDERS, "", " ", "\u3000", " — ", "无 "):
        assert number(text) is None


def test_a_shifted_indicator_row_is_read_by_evidence_or_refused_never_by_the_learned_shape():
    from selfeval.model import Grid
    from selfeval.readers.recognize import recognize

    def row(r, *cells):
        return tuple(Cell(t, r, c) for c, t in cells)

    head = [
        row(1, (1, "项目支出绩效自评表")),
        row(2, (1, "项目编码:"), (2, "44030422601150"), (3, "项目名称:"), (4, "法律维权服务")),
        row(3, (3, "年初预算数"), (4, "全年预算数"), (5, "全年执行数"), (6, "分值"), (7, "执行率"), (8, "得分")),
        row(4, (2, "年度资金总额"), (3, "100"), (4, "100"), (5, "100"), (6, "10"), (7, "100%"), (8, "10")),
        row(5, (2, "一级指标"), (3, "二级指标"), (4, "三级指标"), (5, "年度指标值"), (6, "实际完成值"),
            (7, "分值"), (8, "得分"), (9, "偏差原因分析及改进措施")),
        row(6, (2, "产出指标"), (3, "数量指标"), (4, "支付时限"), (5, "≥3次"), (6, "4次"), (7, "12.5"),
            (8, "12.5"), (9, "无")),
    ]  # fmt: skip
    shifted = row(7, (5, "发放及时性"), (6, "100%"), (7, "100%"), (8, "15"), (9, "14"), (10, "无"))
    grid = Grid("t.xlsx", "自评表", (*head, shifted, row(8, (1, "总分"), (7, "27.5"), (8, "26.5"))))
    forms, _ = recognize(grid)
    (form,) = forms
    first = form.indicators[0]
    assert (first.name, first.weight, first.declared_score) == ("支付时限", 12.5, 12.5)
    assert first.cells["weight"].col == 7  # under its label
    moved = [i for i in form.indicators if i.loc.row == 7]
    # the moved row: by what its cells hold (said in an Issue) or refused, never 100% as its 分值
    for indicator in moved:
        assert (indicator.name, indicator.weight, indicator.declared_score) == ("发放及时性", 15.0, 14.0)
    said = {i.code for i in form.issues if i.loc.row == 7}
    assert said & {"ROW_ALIGNED", "ROW_AMBIGUOUS", "CELL_UNPLACED", "ROW_UNREADABLE"}
