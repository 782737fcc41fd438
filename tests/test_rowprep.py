"""The rows an import's workers prepare are the store's own: the stored JSON and the content hash made
from one dict equal serialize's (hashes already stored must keep matching), and a form prepared from
a file keys by the file's bytes."""

from __future__ import annotations

import hashlib
import math

from selfeval.ingest import score_bytes_in_process
from selfeval.profile import load_profile
from selfeval.rowprep import prepare_file
from selfeval.serialize import content_sha256, form_to_json
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
