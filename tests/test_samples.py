"""The shipped sample workbooks (generated from the seed) score the published figures too."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.screenshots import sample_workbooks
from selfeval.ingest import score_bytes
from selfeval.profile import load_profile
from selfeval.readers import read_path
from selfeval.rules import score
from tests.conftest import ROOT
from tests.test_seed import EXPECTED

SAMPLES = ROOT / "data" / "samples"


@pytest.mark.parametrize("name", ["futian-2023.xlsx", "futian-2023.xls"])
def test_sample_workbook_scores_the_published_totals(name):
    result = read_path(SAMPLES / name)
    assert result.problems == ()
    cards = [score(f) for f in result.forms]
    assert [(c.form.header.project_code, c.total) for c in cards] == [(e[0], e[5]) for e in EXPECTED]
    assert all(c.errors == 0 for c in cards)


def test_one_template_per_form_is_shipped():
    files = sorted((SAMPLES / "forms").glob("*.xlsx"))
    assert len(files) == 13
    codes = {read_path(f).forms[0].header.project_code for f in files}
    assert codes == {e[0] for e in EXPECTED}


def test_sample_workbooks_keep_their_meaning(tmp_path: Path):
    """The browser journey's file (tests/test_browser_journeys.py): 职工疗休养 whose 52人次 row lost
    points and has no reason. Needs no browser, so it runs with the fast tests."""
    books = sample_workbooks(tmp_path)
    cards, _, _ = score_bytes(books["blank_reason"].read_bytes(), "x.xlsx", load_profile())
    row = cards[0].form.indicators[0]
    assert (row.actual, row.reason, row.declared_score) == ("52人次", "", 6.5)
