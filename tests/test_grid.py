"""model.Grid: no control character gets past a reader, whatever made the rows."""

from __future__ import annotations

from selfeval.model import Cell, Grid


def test_controls_are_stripped_and_emptied_cells_and_rows_dropped():
    rows = (
        (Cell("项目名称", 1, 1), Cell("劳模管理", 1, 2)),
        (Cell("年初\r\n预算数", 2, 1), Cell("\x00", 2, 2), Cell("a\rb\x07", 2, 3)),
        (Cell("\x1b", 3, 1),),
        [Cell("全年执行数", 4, 1)],
    )
    grid = Grid("s", "S", rows)
    assert grid.rows == (
        (Cell("项目名称", 1, 1), Cell("劳模管理", 1, 2)),
        (Cell("年初\n预算数", 2, 1), Cell("a\nb", 2, 3)),
        (Cell("全年执行数", 4, 1),),
    )
    assert all(type(row) is tuple for row in grid.rows)
    assert grid.rows[0] is rows[0]  # a row with nothing to strip is kept as it is


def test_printable_rows_are_kept_as_given():
    rows = ((Cell("指标值", 1, 1), Cell("≥90%", 1, 2)), (Cell("有效落实", 2, 2),))
    assert Grid("s", "S", rows).rows is rows
