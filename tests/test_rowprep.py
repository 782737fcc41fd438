"""The rows an import's workers prepare are the store's own: the stored JSON and the content hash made
from one dict equal serialize's (hashes already stored must keep matching), and a form prepared from
a file keys by the file's bytes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math

from selfeval.ingest import score_bytes_in_process
from selfeval.profile import load_profile
from selfeval.rowprep import prepare_file
from selfeval.serialize import content_sha256, form_to_dict, form_to_json
from tests.conftest import SEED


def _card():
    cards, _, _ = score_bytes_in_process(SEED.read_bytes(), SEED.name, load_profile())
    return cards[0]


def test_prepared_json_and_content_hash_equal_serialize():
    card = _card()
    (p,) = prepare_file((card,), None)
    assert p.form_json == form_to_json(card.form)
    assert p.content_hash == content_sha256(card.form, card.profile)
    assert p.sha256 == hashlib.sha256(p.form_json.encode("utf-8")).hexdigest()
    n = len(card.indicators)
    assert n > 0 and all(len(v) == n for v in p.cols["indicators"].values())
    assert p.cols["forms"]["total"] == [card.total]


def test_prepared_from_file_bytes_keys_by_the_file():
    card = _card()
    (p,) = prepare_file((card,), b"the file")
    assert p.sha256 == hashlib.sha256(b"the file").hexdigest() and p.size == len(b"the file")
    assert p.key == (p.sha256, card.form.sheet, p.header.project_code)
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in p.cols["forms"]["total"])


def test_prepared_form_with_numbers_json_cannot_hold_equals_serialize():
    """A NaN or an infinite amount (what a poisoned file may give) takes the slow path: the same
    text and content hash as form_to_dict's walk, never NaN in the stored JSON."""
    card = _card()
    funds = card.form.funds
    total = dataclasses.replace(funds.total, annual_budget=math.nan, executed=math.inf)
    form = dataclasses.replace(
        card.form, funds=dataclasses.replace(funds, total=total, declared_rate=-math.inf)
    )
    (p,) = prepare_file((dataclasses.replace(card, form=form),), None)
    assert (
        p.form_json
        == form_to_json(form)
        == json.dumps(form_to_dict(form), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    )
    assert "NaN" not in p.form_json and "Infinity" not in p.form_json
    assert json.loads(p.form_json)["funds"]["total"]["annual_budget"] is None
    assert p.content_hash == content_sha256(form, card.profile)
