"""Text exports of published forms -> Grid.

Accepts tab-separated lines (the seed), CSV, pipe tables (`| a | b |`), one-cell-per-line dumps (also
with `|` after each cell and `||||` lines for merged rows), pipe tables whose merged cells were
flattened out of order, and whitespace-aligned layouts (pdftotext -layout), with the markup that
published documents carry (`<b>`, `<p>`, `**`, `###`). Every line keeps its line number, so Issues
point at the line the person can find. A form whose rows cannot be rebuilt from the text's own
evidence is left out of the Grid and said in Grid.problems, never guessed.
"""

from __future__ import annotations

import csv
import io
import re

from selfeval.messages import issue
from selfeval.model import Cell, Grid, Issue, Loc
from selfeval.readers import text_columns, vocab
from selfeval.readers.text_spaced import respaced
from selfeval.readers.text_stream import StreamRefused, regroup

# a page's number printed by PDF-to-text between the rows of a table: `第 2 页`, `第2页 共3页`, `- 2 -`
_PAGE_MARK = re.compile(r"^(第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?|[-—]\s*\d+\s*[-—])$")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def clean_cell(text: str) -> str:
    """Strip markup and outer whitespace; keep the words as written."""
    text = _TAG.sub("", text).replace("**", "").replace("\u3000", " ")
    text = re.sub(r"^#{1,6}\s*", "", text.strip())
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def _split(line: str) -> list[str] | None:
    """Cells of one line, or None for a line that is layout only (a pipe table's separator, or a
    line of pipes only: a merged or blank row of a web table). A lone `|` is one empty cell of a
    dump that ends every cell with `|` (its position is evidence: see text_stream)."""
    stripped = line.strip()
    if stripped == "|":
        return [""]
    if "\t" not in line and "|" in stripped:
        if _PIPE_SEPARATOR.match(stripped) or not stripped.replace("|", "").strip():
            return None
        inner = stripped[1:] if stripped.startswith("|") else stripped
        inner = inner[:-1] if inner.endswith("|") else inner
        return inner.split("|")
    return line.split("\t")


def _is_csv(lines: list[str]) -> bool:
    """Comma-separated (Excel's 另存为 CSV): no tabs or pipe tables, and commas on most lines.
    Chinese prose uses the full-width ，, so ASCII commas are the separator."""
    content = [line for line in lines if line.strip()]
    if not content or any("\t" in line or line.lstrip().startswith("|") for line in content):
        return False
    return sum("," in line for line in content) >= 0.5 * len(content)


def _records(text: str, lines: list[str]):
    """(line number, raw cells) per row: CSV records (quoted cells may span lines) or text lines."""
    if _is_csv(lines):
        reader = csv.reader(io.StringIO(text))
        start = 1
        for record in reader:
            yield start, record
            start = reader.line_num + 1
        return
    for number, line in enumerate(lines, start=1):
        parts = _split(line)
        if parts is not None:
            yield number, parts


Row = tuple[Cell, ...]


def text_to_grids(text: str, source: str, sheet: str = "文本") -> list[Grid]:
    """One Grid for the whole text. Rows are the text's own rows where it kept them; where it did not
    (a dump, a flattened table) they are rebuilt by evidence, form by form."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "")
    lines = ["" if _PAGE_MARK.match(line.strip(" |\t")) else line for line in text.split("\n")]
    text = "\n".join(lines)
    if text_columns.is_column_layout(lines):
        rows, problems = text_columns.read(lines, sheet)
        return [Grid(source, sheet, tuple(rows), tuple(problems))]
    rows = []
    csv_mode = _is_csv(lines)
    piped_lines: set[int] = set()
    for number, parts in _records(text, lines):
        piped = not csv_mode and "\t" not in lines[number - 1] and "|" in lines[number - 1]
        if piped:
            piped_lines.add(number)
        # a pipe row keeps its empty cells (Cell text ""): their places are evidence for regrouping;
        # the Grid itself holds only the filled ones
        cells = tuple(
            Cell(clean, number, col)
            for col, raw in enumerate(parts, start=1)
            if (clean := clean_cell(raw)) or piped
        )
        if any(c.text for c in cells) or (piped and cells):
            rows.append(cells)
    out: list[Row] = []
    problems: list[Issue] = []
    for chunk in _forms(rows):
        chunk = respaced(chunk)  # single-spaced funds lines, split where their contents decide
        glued = _glued_cell(chunk)
        if glued is not None:
            problems.append(issue("TEXT_SEPARATORS_LOST", Loc(sheet, glued.row), text=glued.text[:40]))
            continue
        tokens = [c for r in chunk for c in r]
        filled = [kept for row in chunk if (kept := tuple(c for c in row if c.text))]
        if not _needs_regroup(chunk):
            if any(c.row in piped_lines for c in tokens):
                # a pipe table whose rows may have left out the cells merged down from the rows
                # above: read by evidence when that gives one reading; when it gives two, as printed
                # for the recogniser; when the cells fit the header in no order, refused
                try:
                    out.extend(regroup(tokens, by_line=True))
                    continue
                except StreamRefused as refused:
                    if refused.code == "TEXT_ORDER_LOST":
                        problems.append(
                            issue(refused.code, Loc(sheet, refused.line), why=refused.why, text=refused.text)
                        )
                        continue
            out.extend(filled)
            continue
        try:
            out.extend(regroup(tokens))
        except StreamRefused as refused:
            problems.append(issue(refused.code, Loc(sheet, refused.line), why=refused.why, text=refused.text))
    return [Grid(source, sheet, tuple(out), tuple(problems))]


def _forms(rows: list[Row]) -> list[list[Row]]:
    """Rows split where a form starts (its title, or a second 项目编码), so one form's damage stays its
    own. A title inside a row (a flattened table) starts the form there."""
    chunks: list[list[Row]] = [[]]
    has_code = False
    for row in rows:
        keys = [vocab.norm(c.text) for c in row]
        at = next(
            (k for k, key in enumerate(keys) if vocab.is_title(key) or (has_code and _is_code(key))), None
        )
        if at is not None:
            if at:
                chunks[-1].append(row[:at])
                row, keys = row[at:], keys[at:]
            if chunks[-1]:
                chunks.append([])
            has_code = False
        has_code |= any(_is_code(k) for k in keys)
        chunks[-1].append(row)
    return [c for c in chunks if c]


def _is_code(key: str) -> bool:
    return (vocab.header_label(key) or ("",))[0] == "project_code"


def _needs_regroup(chunk: list[Row]) -> bool:
    """The text's rows are not the table's rows: the indicator header is spread over several lines
    (a dump), or a line holds a header together with data (a flattened table)."""
    has_grid_word = False
    whole_header = False
    for row in chunk:
        keys = [vocab.norm(c.text) for c in row]
        grid_fields = {f for k in keys if (f := vocab.indicator_header_field(k))}
        funds_fields = {f for k in keys if (f := vocab.funds_header_field(k))}
        has_grid_word |= bool(grid_fields & {"level1", "name"})
        if {"name", "target"} <= grid_fields:
            whole_header = True
            if any(vocab.level1_of(k) or vocab.level2_family(k) for k in keys):
                return True  # the header and the first indicator on one line
        if {"annual_budget", "executed"} <= funds_fields and any(
            vocab.funds_row_label(k) for k in keys if len(k) <= 20
        ):
            return True  # the funds header and a funds row on one line
        if sum(bool(vocab.funds_row_label(k)) for k in keys if len(k) <= 20) > 1:
            return True  # two funds rows on one line
    return has_grid_word and not whole_header


# amounts run together (`500.00520.00`), a percentage run into the next number (`98.63%9.86`)
_GLUED_NUMBERS = re.compile(r"\d\.\d{2}\d+\.\d{2}|\d%\d")
_GLUED_LABELS = ("年度资金总额", "资金总额", "当年财政拨款")
_GLUED_HEADERS = ("一级指标", "二级指标", "三级指标", "年初预算数", "全年预算数", "全年执行数")


# neighbouring cells run together, at any length (spaces do not count: norm drops them, and a text
# whose cells are parted by single spaces, like names inside cells, has lost its separators too)
_GLUED_WORDS = re.compile(
    r"一级指标二级指标|二级指标三级指标|年初预算数?全年预算数?|全年预算数?全年执行数?"
    r"|(?:产出指标|效益指标|满意度指标)(?:\(\d+分?\))?(?:数量|质量|时效|成本|经济效益|社会效益|生态效益"
    r"|可持续影响|服务对象满意度)指标"
)


def _glued_cell(chunk: list[Row]) -> Cell | None:
    """A cell where the separators between cells were lost: `年度资金总额:202010100.00%10`, or a
    header run together (`一级指标二级指标三级指标`). Prose (goals, reasons) is not looked at,
    except for words that never meet in prose (a header's column names, a level-1 and level-2 name)."""
    for row in chunk:
        for cell in row:
            key = vocab.norm(cell.text)
            if _GLUED_WORDS.search(key):
                return cell
            if len(key) > 40 or "，" in key or "。" in key:
                continue
            label = next((w for w in _GLUED_LABELS if key.startswith(w)), None)
            if label and re.search(r"\d", key[len(label) :]):
                return cell
            if _GLUED_NUMBERS.search(key) and not re.search(r"[\u4e00-\u9fff]{4}", key):
                return cell
            if sum(w in key for w in _GLUED_HEADERS) > 1:
                return cell
    return None
