"""The rows a text's cells are rebuilt into, while text_stream walks the header, funds and goals and
text_grid the indicator table of one form."""

from __future__ import annotations

from selfeval.model import Cell


class Builder:
    """Walks one form's cells in order and emits rows with header-aligned columns."""

    def __init__(self) -> None:
        self.rows: list[list[Cell]] = []
        self.current: list[Cell] = []
        self.funds_fields: list[str] = []
        self.total_like: frozenset[str] | None = None
        self.phase = "top"  # top -> funds -> goals -> grid
        self.funds_prefix: Cell | None = None
        self.total_funds: dict[str, Cell] = {}
        self.funds_header_at = -1  # index in rows of the funds header row
        self.by_line = False  # the text's lines are the table's rows (a pipe table): a row never spans two

    def flush(self) -> None:
        if self.current:
            self.rows.append(self.current)
        self.current = []

    def emit(self, cells: list[Cell]) -> None:
        self.flush()
        cells = [c for c in cells if c.text.strip()]
        if cells:
            self.rows.append(cells)
