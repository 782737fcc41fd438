"""Helpers for the AppTest suites (tests/test_app_*.py): a fresh database per test, the app under
AppTest, seed scorecards and workbooks, and the bytes behind download buttons.

The fixtures are plain generator functions; a test module registers the ones it uses:
`app_db = pytest.fixture(fresh_app_db, name="app_db")`.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import streamlit as st
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from selfeval.ingest import score_bytes
from selfeval.profile import load_profile
from selfeval.rules import score
from selfeval.template import write_template
from tests.conftest import ROOT, SEED

APP = ROOT / "app.py"
TIMEOUT = 60


def seed_cards():
    cards, problems, _ = score_bytes(SEED.read_bytes(), SEED.name, load_profile())
    assert cards and not problems
    return cards


def seed_card(name: str):
    return next(c for c in seed_cards() if c.form.header.project_name == name)


def seed_workbook(name: str = "劳模管理") -> bytes:
    """One seed form written as an import template (what a unit would upload)."""
    return write_template([seed_card(name)])


def rescored(card, **header):
    """The card's form with header fields replaced, scored again."""
    form = card.form
    return score(dataclasses.replace(form, header=dataclasses.replace(form.header, **header)), load_profile())


def fresh_app_db(tmp_path, monkeypatch) -> Iterator[Path]:
    """A fresh SELFEVAL_DB for the app (seeded with the 13 sample forms on first open); the store
    and the caches are dropped afterwards so no test sees another's data."""
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("SELFEVAL_DB", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield path
    from views import _ui

    with contextlib.suppress(Exception):
        _ui._open_store(str(path)).close()
    st.cache_data.clear()
    st.cache_resource.clear()


def app_store(path: Path):
    """The store the app uses for `path` (the same cached connection)."""
    from views import _ui

    return _ui._open_store(str(path))


def run_app(page: str | None = None, **query: str) -> AppTest:
    """Run app.py, then (if given) switch to views/<page>.py with query params, and check that no
    exception escaped."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    if page:
        at.query_params.update(query)
        at.switch_page(f"views/{page}.py").run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if "出错" in e.value], [e.value for e in at.error]


def metrics(at: AppTest) -> dict[str, str]:
    """label -> value of the metrics on the page (the first one of each label)."""
    shown: dict[str, str] = {}
    for m in at.metric:
        shown.setdefault(m.label, m.value)
    return shown


def media_spy(monkeypatch) -> Iterator[dict[str, bytes]]:
    """file id -> bytes of every file the app hands to the media manager (download buttons)."""
    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes):
            seen[file_id] = path_or_data
        return file_id

    from streamlit.runtime.media_file_manager import MediaFileManager

    original_add = MediaFileManager.add_deferred

    def add(self, data_callable, *args, **kwargs):  # a download built on click: its callable
        file_id = original_add(self, data_callable, *args, **kwargs)
        seen[f"deferred:{file_id}"] = data_callable  # type: ignore[assignment]
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    monkeypatch.setattr(MediaFileManager, "add_deferred", add)
    yield seen


def download_bytes(at: AppTest, key: str, media: dict[str, bytes]) -> bytes:
    button = at.get("download_button")
    found = [b for b in button if getattr(b, "key", None) == key or b.proto.id.endswith(key)]
    assert found, f"no download button {key}"
    if found[
        0
    ].proto.deferred_file_id:  # built on click, outside the script run, as a browser's click runs it
        return media[f"deferred:{found[0].proto.deferred_file_id}"]()  # type: ignore[operator]
    file_id = Path(found[0].proto.url).stem
    return media[file_id]
