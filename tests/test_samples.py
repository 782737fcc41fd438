"""The shipped sample workbooks (generated from the seed) score the published figures too."""

from __future__ import annotations

import pytest

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
