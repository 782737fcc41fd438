"""上传评分 scores with the automatic profile selection by default (each form by the profile its
declared weights select), and the sidebar's explicit choice still wins."""

from __future__ import annotations

import pytest

from tests import family_forms as ff
from tests.app_support import fresh_app_db, run_app
from views import _ui

app_db = pytest.fixture(fresh_app_db, name="app_db")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_uploads_are_scored_by_the_profile_the_form_declares_unless_one_is_chosen(app_db, monkeypatch):
    used = []
    real = _ui.score_bytes

    def recording(data, name, profile):
        cards, problems, kind = real(data, name, profile)
        used.append((None if profile is None else profile.name, [c.profile for c in cards]))
        return cards, problems, kind

    monkeypatch.setattr(_ui, "score_bytes", recording)
    at = run_app("upload")
    assert at.sidebar.selectbox(key="profile_select").value == "auto"
    at.get("file_uploader")[0].upload("云南.xlsx", ff.yunnan(), XLSX)
    at.run()
    assert not at.exception
    assert used == [(None, ["yunnan-20-80"])]  # 20 + 80 declared: the 云南 profile, chosen per form
    at.sidebar.selectbox(key="profile_select").select("shenzhen-futian-2023").run()
    assert not at.exception
    assert used[-1] == ("shenzhen-futian-2023", ["shenzhen-futian-2023"])  # the explicit choice wins
