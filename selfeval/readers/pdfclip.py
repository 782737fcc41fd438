"""What a PDF page shows, not only what it holds: characters outside the clipping area are dropped.

Spreadsheet printers (LibreOffice, Excel, WPS) draw a merged cell's text centred in the whole merged
area and clip it to the part on the page: a merged cell cut by a page break leaves its text in the
text layer, invisible, over the next page's cells (over a repeated header, it lies exactly on
一级指标). pdfminer ignores clipping (its ``W`` operator does nothing), so this interpreter keeps the
clipping rectangle in the graphics state (saved by ``q``, restored by ``Q``) and the device drops a
character whose centre lies outside it. A clip path is taken by its bounding box: forms clip to
rectangles.
"""

from __future__ import annotations

from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.utils import apply_matrix_pt
from pdfplumber.page import PDFPageAggregatorWithMarkedContent

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in the page's (PDF) space
_SLACK = 0.5  # points


class _Device(PDFPageAggregatorWithMarkedContent):
    clip: Box | None = None
    dropped = 0

    def render_char(self, *args, **kwargs) -> float:  # type: ignore[override]
        advance = super().render_char(*args, **kwargs)
        if self.clip is not None:
            item = self.cur_item._objs[-1]
            x, y = (item.x0 + item.x1) / 2, (item.y0 + item.y1) / 2
            x0, y0, x1, y1 = self.clip
            if not (x0 - _SLACK <= x <= x1 + _SLACK and y0 - _SLACK <= y <= y1 + _SLACK):
                self.cur_item._objs.pop()
                self.dropped += 1
        return advance


class _Interpreter(PDFPageInterpreter):
    device: _Device

    def init_state(self, ctm) -> None:
        super().init_state(ctm)
        self.device.clip = None

    def get_current_state(self):  # type: ignore[override]
        return (*super().get_current_state(), self.device.clip)

    def set_current_state(self, state) -> None:  # type: ignore[override]
        super().set_current_state(state[:3])
        self.device.clip = state[3] if len(state) > 3 else None

    def do_W(self) -> None:
        points = [apply_matrix_pt(self.ctm, (seg[-2], seg[-1])) for seg in self.curpath if len(seg) >= 3]
        if not points:
            return
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        box = (min(xs), min(ys), max(xs), max(ys))
        old = self.device.clip
        if old is not None:
            box = (max(box[0], old[0]), max(box[1], old[1]), min(box[2], old[2]), min(box[3], old[3]))
        self.device.clip = box

    do_W_a = do_W


def visible_layout(page) -> None:
    """Lay the pdfplumber page out with clipping applied (before its chars, lines or tables are read)."""
    device = _Device(page.pdf.rsrcmgr, pageno=page.page_number, laparams=page.pdf.laparams)
    _Interpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    page._layout = device.get_result()  # pdfplumber's own cache of the layout (Page.layout)
