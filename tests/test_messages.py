"""Issues as data: every code an Issue can carry is declared in selfeval.messages.CODES with its severity,
the message is rendered there from the code and its parameters, and the place is a Loc (never text that
a page matches)."""

from __future__ import annotations

import ast
import json
import string
from dataclasses import replace

import duckdb
import pytest

from selfeval.edit import grid_issues
from selfeval.messages import CODES, ISSUES, PREFLIGHT, READING, issue
from selfeval.model import Issue, Loc
from selfeval.present.places import CODE_COLUMNS, plain_location
from selfeval.readers.limits import refuse
from selfeval.readers.recognize import FATAL
from selfeval.serialize import form_from_dict, form_to_dict, form_to_json, issue_from_dict, issue_to_dict
from selfeval.store import Upload, open_store
from selfeval.store.duckdb import DuckDb
from selfeval.store.schema import LATEST_VERSION, migrate
from tests.conftest import ROOT
from tests.factories import make_scorecard

# the functions that take an Issue code (module, name), and which argument is the code; a function
# that passes a parameter named `code` on to one of them is found and added (_code_functions)
CODE_ARGUMENT = {
    ("selfeval.messages", "issue"): 0,
    ("selfeval.readers.limits", "refuse"): 0,
    ("selfeval.readers.limits", "Refused"): 0,
    ("selfeval.readers.worker", "WorkerFailed"): 0,
    ("selfeval.readers.text_place", "StreamRefused"): 0,
}
# fields that carry a code from where it is decided to where the Issue is made (a refusal's `.code`,
# a PDF page's `.problem`): a literal assigned to one is emitted, reading one passes a code on
CODE_FIELDS = {"code", "problem"}
# where an Issue may be built other than by messages.issue: reading back what was stored
READ_BACK = {"selfeval/serialize.py", "selfeval/store/rows.py"}
# declared, no longer emitted, carried by stored submissions (see messages.py)
LEGACY = {"ROW_SHIFTED"}


def _sources() -> dict[str, ast.Module]:
    files = [
        *sorted((ROOT / "selfeval").rglob("*.py")),
        *sorted((ROOT / "views").rglob("*.py")),
        ROOT / "app.py",
    ]
    return {str(p.relative_to(ROOT)): ast.parse(p.read_text(encoding="utf-8")) for p in files}


def _module(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _calls(path: str, tree: ast.Module, within: ast.AST | None = None):
    """(module, name) of what each call (in `within`, default the whole file) calls, as far as the
    file's imports and definitions say."""
    names = {
        node.name: (_module(path), node.name)
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
    for node in ast.walk(within or tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                yield names.get(func.id, (None, func.id)), node
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                module = names.get(func.value.id, (None, func.value.id))
                yield (".".join(p for p in module if p), func.attr), node


def _code_functions(sources: dict[str, ast.Module]) -> dict[tuple[str, str], int]:
    """CODE_ARGUMENT and every function that passes its parameter `code` on to one of them."""
    found = dict(CODE_ARGUMENT)
    while True:
        added = {}
        for path, tree in sources.items():
            for node in tree.body:
                if not isinstance(node, ast.FunctionDef) or (_module(path), node.name) in found:
                    continue
                params = [a.arg for a in node.args.posonlyargs + node.args.args]
                if "code" not in params:
                    continue
                for target, call in _calls(path, tree, node):
                    at = found.get(target)
                    arg = call.args[at] if at is not None and len(call.args) > at else None
                    if isinstance(arg, ast.Name) and arg.id == "code":
                        added[(_module(path), node.name)] = params.index("code")
        if not added:
            return found
        found |= added


def _emitted() -> tuple[set[str], list[str]]:
    """(codes emitted as literals, places where a code is neither a literal nor one passed on)."""
    sources = _sources()
    functions = _code_functions(sources)
    codes: set[str] = set()
    computed: list[str] = []
    for path, tree in sources.items():
        for node in ast.walk(tree):  # `page.problem = "PDF_TEXT_CLIPPED"`
            fields = [t for t in getattr(node, "targets", ()) if isinstance(t, ast.Attribute)]
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value:
                codes.update(node.value.value for t in fields if t.attr in CODE_FIELDS)
        for target, call in _calls(path, tree):
            at = functions.get(target)
            if at is None or len(call.args) <= at:
                continue
            arg = call.args[at]
            parts = arg.values if isinstance(arg, ast.BoolOp) else [arg]  # `page.problem or "PDF_…"`
            for part in parts:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    codes.add(part.value)
                elif not (isinstance(part, ast.Attribute) and part.attr in CODE_FIELDS) and not (
                    isinstance(part, ast.Name) and part.id == "code"
                ):
                    computed.append(f"{path}:{call.lineno}")
    return codes, computed


def test_no_undeclared_code_can_be_emitted():
    emitted, computed = _emitted()
    assert computed == []  # a code is a literal, or one passed on (a parameter `code`, a code field)
    assert emitted - set(CODES) == set()
    with pytest.raises(KeyError):
        issue("NOT_A_CODE", "a.xlsx")


def test_every_declared_code_is_emitted_or_said_to_be_legacy():
    emitted, _ = _emitted()
    assert set(CODES) - emitted == LEGACY


def test_only_messages_builds_an_issue_and_only_stored_ones_are_read_back():
    builders = {
        path
        for path, tree in _sources().items()
        for (module, name), _ in _calls(path, tree)
        if (module, name) == ("selfeval.model", "Issue")
    }
    assert builders == {"selfeval/messages.py", *READ_BACK}


def test_codes_tie_their_severity_and_the_refusals_are_errors():
    assert {severity for severity, _ in CODES.values()} == {"error", "warning", "info"}
    assert all(CODES[c] == ISSUES[c] for c in ISSUES)
    refusals = [c for c in (*PREFLIGHT, *READING) if c.isupper()]
    assert refusals and all(CODES[c] == ("error", (PREFLIGHT | READING)[c]) for c in refusals)
    assert set(CODE_COLUMNS) <= set(CODES) and set(CODES) >= FATAL
    for _, template in CODES.values():  # every template is one str.format can render
        list(string.Formatter().parse(template))


def test_an_issue_keeps_its_place_and_parameters_and_renders_its_message_once():
    where = Loc("表一", 20, 9)
    found = issue("SCORE_MISMATCH", where, declared=7.0, computed=8.5)
    assert (found.code, found.severity, found.place, found.loc) == ("SCORE_MISMATCH", "error", where, where)
    assert found.params == {"declared": 7.0, "computed": 8.5}
    assert found.message == ISSUES["SCORE_MISMATCH"][1].format(declared=7.0, computed=8.5)
    assert found.location == "表一!I20"  # the text is derived, for display
    on_file = issue("FILE_MISSING", "缺失.xlsx")
    assert on_file.loc is None and on_file.location == "缺失.xlsx"
    # a refusal becomes an Issue from its code and fields: the same sentence the gate wrote
    refusal = refuse("TOO_LARGE", size="30 MB", limit="20 MB")
    as_issue = issue(refusal.code, "大.xlsx", **refusal.fields)
    assert as_issue.message == refusal.message and as_issue.params == {"size": "30 MB", "limit": "20 MB"}


def test_serialised_issues_round_trip_and_old_ones_get_their_place_back():
    card = make_scorecard(3)
    cell = Loc("Sheet1", 21, 8)
    kept = (
        issue("OVER_REVIEW", cell, ratio=1.6, threshold=1.5),
        issue("DUPLICATE_CODE", "4403", code="4403", count=2),
    )
    for i in kept:
        back = issue_from_dict(json.loads(json.dumps(issue_to_dict(i), ensure_ascii=False)))
        assert (back, back.place, back.params) == (i, i.place, i.params)
    form = replace(card.form, issues=kept)
    assert [i.place for i in form_from_dict(form_to_dict(form)).issues] == [cell, "4403"]
    # written before issues kept their place: the printed text is read back as the Loc it was
    old = {"code": "ROW_SHIFTED", "severity": "info", "location": "Sheet1!D20", "message": "错位"}
    assert issue_from_dict(old).place == Loc("Sheet1", 20, 4)
    old_row = {**old, "location": "Sheet1!第20行"}
    assert issue_from_dict(old_row).place == Loc("Sheet1", 20)
    assert issue_from_dict({**old, "location": "a.xlsx"}).place == "a.xlsx"


def test_the_store_keeps_places_and_parameters(tmp_path):
    cell = Loc("Sheet1", 21, 8)
    issues = [
        issue("OVER_REVIEW", cell, ratio=1.6, threshold=1.5),
        issue("DUPLICATE_CODE", "4403", code="4403", count=2),
    ]
    card = make_scorecard(3, issues=issues)
    with open_store(tmp_path / "s.duckdb") as store:
        (sid,) = store.save_many([Upload((card,), "a.xlsx", b"a", "xlsx", "upload")])[0].stored
        back = store.load_scorecard(sid).issues
    assert [(i.code, i.place, dict(i.params)) for i in back] == [
        (i.code, i.place, dict(i.params)) for i in issues
    ]


def test_migration_7_gives_stored_issues_their_place(tmp_path):
    """A store of schema 6 (issues kept only as location text and message) migrated to the latest:
    each issue gets its place back from the location."""
    path = tmp_path / "v6.duckdb"
    card = make_scorecard(2)
    con = duckdb.connect(str(path))
    db = DuckDb(con)
    assert migrate(db, upto=6) == 6
    db.execute(
        """INSERT INTO submissions (id, source_name, sha256, size, kind, sheet, submitted_at, submitted_by,
               profile, origin, project_code, year, form_json, content_hash, is_current)
           VALUES (1, 'a.xlsx', 'h1', 1, 'xlsx', 'Sheet1', TIMESTAMP '2024-01-01 00:00:00', '', ?, 'upload',
                   ?, '2023', ?, 'c1', TRUE)""",
        [card.profile, card.form.header.project_code, form_to_json(card.form)],
    )
    db.execute(
        """INSERT INTO forms (submission_id, project_code, project_name, year, unit, total, grade, rate,
               budget_weight, budget_score, errors, warnings)
           VALUES (1, ?, 'p', '2023', '甲', 95, '优', 90, 10, 10, 1, 1)""",
        [card.form.header.project_code],
    )
    rows = [
        (0, "SCORE_MISSING", "warning", "Sheet1!H21", "未填写得分。"),
        (1, "FILE_MISSING", "error", "a.xlsx", "无"),
    ]
    for pos, code, severity, location, message in rows:
        con.execute(
            "INSERT INTO issues VALUES (?, ?, ?, ?, ?, ?)", [1, pos, code, severity, location, message]
        )
    assert migrate(db) == LATEST_VERSION
    con.close()
    with open_store(path) as store:
        places = [i.place for i in store.load_scorecard(1).issues]
    assert places == [Loc("Sheet1", 21, 8), "a.xlsx"]


def test_pages_find_an_issue_s_row_by_its_loc_never_by_its_text():
    card = make_scorecard(3)
    row = card.indicators[1].indicator
    assert row.loc is not None
    on_row = issue("REASON_MISSING", row.loc, score=1.0, weight=2.0)
    named_like_it = Issue("FILE_MISSING", "error", str(row.loc), "同名文件")  # a file named like the cell
    card = replace(card, issues=(on_row, named_like_it))
    placed = {i.code: (r, column) for i, r, column in grid_issues(card)}
    assert placed["REASON_MISSING"] == (1, "偏差原因分析及改进措施")
    assert placed["FILE_MISSING"] == (None, "")
    assert plain_location(named_like_it, card) == "整张表"
    assert plain_location(on_row, card).startswith("第 2 行")
