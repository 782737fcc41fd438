"""The same form is one version whatever file it came in: a PDF's line wrap or a web page's copy adds
or drops spaces inside text (a project name wrapped over two lines, a reason broken at the cell's
edge), and that is not what the form says. Any other character still makes a new version."""

from __future__ import annotations

import dataclasses

import pytest

from selfeval.serialize import content_sha256, form_to_json
from selfeval.store import open_store
from selfeval.store.schema import MIGRATIONS, migrate
from tests.factories import make_scorecard
from tests.rawdb import raw_db

NAME, WRAPPED = "工会会员普惠服务项目", "工会会员普惠 服务\n项目"


def card(name: str = NAME, reason: str = "资金 拨付\u3000滞后"):
    sc = make_scorecard(3, project_name=name)
    rows = list(sc.form.indicators)
    rows[0] = dataclasses.replace(rows[0], reason=reason)
    return dataclasses.replace(sc, form=dataclasses.replace(sc.form, indicators=tuple(rows)))


def save(store, sc, name: str):
    return store.save([sc], source_name=name, data=name.encode(), kind="xlsx", origin="upload")


def test_whitespace_inside_text_is_not_content_and_any_other_character_is():
    base = content_sha256(card().form, "futian-2023")
    assert content_sha256(card(WRAPPED, "资金拨付滞后").form, "futian-2023") == base
    assert content_sha256(card(NAME + "（二期）").form, "futian-2023") != base
    assert content_sha256(card(reason="资金拨付未滞后").form, "futian-2023") != base
    assert content_sha256(card().form, "yunnan-20-80") != base  # scored by another profile


@pytest.fixture()
def store(store_location):
    s = open_store(store_location, seed=None)
    yield s
    s.close()


def test_a_wrapped_copy_of_a_stored_form_is_not_a_new_version(store):
    first = save(store, card(), "自评表.xlsx")
    again = save(store, card(WRAPPED, "资金拨付滞后"), "自评表.pdf")
    assert len(first.stored) == 1 and again.stored == ()
    assert [d.existing_id for d in again.duplicates] == list(first.stored)
    changed = save(store, card(reason="资金拨付滞后，已整改"), "第二版.xlsx")
    assert len(changed.stored) == 1 and len(store.current_submission_ids()) == 1


REHASH = next(m.version for m in MIGRATIONS if "content_hash again" in m.description)


def test_forms_stored_before_are_hashed_again_by_the_migration(store_location):
    """A store from before migration 11, whose hashes kept the spaces: after the migration, the
    wrapped copy of a stored form is recognised as the same form."""
    with raw_db(store_location) as db:
        migrate(db, upto=REHASH - 1)
        sc = card(WRAPPED)
        db.execute(
            """INSERT INTO submissions (id, source_name, sha256, size, kind, sheet, submitted_at, submitted_by,
                   profile, origin, project_code, year, form_json, content_hash, is_current)
               VALUES (1, 'x.pdf', 'h1', 1, 'pdf', 'S', TIMESTAMP '2024-01-01 00:00:00', '', ?, 'upload',
                       ?, '2023', ?, 'hash with the spaces', TRUE)""",
            [sc.profile, sc.form.header.project_code, form_to_json(sc.form)],
        )
    with open_store(store_location) as s:
        assert s.table_rows("submissions", ["id", "content_hash"]) == [
            (1, content_sha256(sc.form, sc.profile))
        ]
