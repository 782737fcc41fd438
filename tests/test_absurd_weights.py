"""Absurd weights on every row (1e308, -1e308, inf), as a restore or a library caller can store them:
scoring, the import template, `selfeval export` and 在线编辑 never raise on them (math.fsum used to
overflow). And the editor's library path refuses a 分值 or 得分 outside 0 至 100 — the grid's column
bounds hold only in the browser, so a crafted client could store 1e308 or a 400-digit integer."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from dataclasses import replace

import openpyxl
import pytest

from selfeval.edit import rescore
from selfeval.profile import load_profile
from selfeval.readers import read_bytes
from selfeval.rules import score
from selfeval.serialize import scorecards_to_csv
from selfeval.store import Store
from selfeval.template import write_template
from tests.conftest import ROOT, SEED
from tests.test_app_editor import app_db, edit, editor, total  # noqa: F401 (fixtures)

EVERY_ROW = [1e308, -1e308, math.inf, 1e300]


def _seed_cards():
    forms = read_bytes(SEED.read_bytes(), "seed.txt").forms
    return [score(f, load_profile()) for f in forms]


def _every_weight(form, x: float):
    return replace(form, indicators=tuple(replace(i, weight=x) for i in form.indicators))


@pytest.mark.parametrize("x", EVERY_ROW)
def test_every_weight_absurd_scores_and_writes_a_template(x):
    form = _every_weight(read_bytes(SEED.read_bytes(), "seed.txt").forms[0], x)
    card = score(form, load_profile())
    assert card.total is None and card.grade is None
    assert any(i.code == "WEIGHT_RANGE" for i in card.issues)
    scorecards_to_csv([card])
    ws = openpyxl.load_workbook(io.BytesIO(write_template([card]))).active
    totals = [row for row in ws.iter_rows(values_only=True) if row[0] == "总分"]
    assert totals and totals[0][6] == "—"  # the weights' total cannot be summed: said, never raised


def test_export_of_a_store_with_absurd_weights_writes_every_template(tmp_path):
    db = tmp_path / "absurd.duckdb"
    cards = _seed_cards()
    with Store(db) as store:
        store.save(cards, source_name="seed.txt", data=None, kind="text", origin="import")
        absurd = [score(_every_weight(c.form, 1e308), load_profile()) for c in cards[:3]]
        store.save(absurd, source_name="absurd", data=None, kind="editor", origin="editor")
    proc = subprocess.run(
        [sys.executable, "-m", "selfeval", "export", "--out", str(tmp_path / "out"), "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-500:]
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 13


@pytest.mark.parametrize("value", [1e308, -1e308, math.inf, 10**400, "1e999", "9" * 400, -5, 100.5])
@pytest.mark.parametrize("column", ["分值", "得分"])
def test_the_editor_refuses_points_outside_0_to_100(value, column):
    base = read_bytes(SEED.read_bytes(), "seed.txt").forms[0]
    rows = range(len(base.indicators))
    result = rescore(base, {"edited_rows": {str(r): {column: value} for r in rows}}, load_profile())
    assert result.form.indicators == base.indicators  # every cell kept its value
    assert len(result.rejected) == len(base.indicators)
    assert result.rejected[0].startswith(f"第 1 行的{column}") and "不在 0 至 100 之间" in result.rejected[0]
    assert result.card.total == score(base, load_profile()).total


def test_the_editor_takes_points_inside_the_bounds_and_ignores_junk_rows():
    base = read_bytes(SEED.read_bytes(), "seed.txt").forms[0]
    state = {"edited_rows": {"0": {"分值": 100}, "1": {"分值": 0.0}, "x": {"分值": 5}, "99999": {"分值": 5}}}
    result = rescore(base, state, load_profile())
    assert [i.weight for i in result.form.indicators[:2]] == [100.0, 0.0]
    assert result.rejected == ()


def test_the_editor_page_warns_and_keeps_the_form(editor):  # noqa: F811
    edit(editor, {"0": {"分值": 1e308}})
    assert any("不在 0 至 100 之间，未采用" in w.value for w in editor.warning)
    assert total(editor) == "93.70"
    assert not [e.value for e in editor.error if "出错" in e.value]
