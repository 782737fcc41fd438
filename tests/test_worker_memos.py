"""A reading worker keeps the readers' memos from file to file; what one upload's texts put there must
not leave the next, innocent file without memory (readers/worker.forget_if_grown)."""

from __future__ import annotations

from selfeval import values
from selfeval.readers import vocab, worker


def _fill() -> None:
    for i in range(50):
        text = f"{i}" + "偏差原因" * 2000  # long, distinct: what an attacker's cells look like
        vocab.norm(text)
        values.parse(text)


def _kept() -> int:
    return vocab.norm.cache_info().currsize


def test_clear_memos_empties_the_readers_memos():
    _fill()
    assert _kept() >= 50
    assert worker.clear_memos() >= 5  # norm, table_key, number, parse … every lru_cache of selfeval
    assert _kept() == 0


def test_a_worker_grown_past_its_memo_budget_forgets_after_the_file(monkeypatch):
    _fill()
    monkeypatch.setattr(worker, "_started_at", 0)
    monkeypatch.setattr(worker, "_memo_budget", 10**15)  # within budget: the memos stay warm
    assert worker._limited(_fill, (), 0, 0) is None and not worker.forget_if_grown()
    assert _kept() >= 50
    monkeypatch.setattr(worker, "_memo_budget", 1)  # grown past it: emptied once the file is done
    worker._limited(_fill, (), 0, 0)
    assert _kept() == 0


def test_not_a_worker_never_forgets(monkeypatch):
    monkeypatch.setattr(worker, "_memo_budget", 0)
    _fill()
    assert not worker.forget_if_grown() and _kept() >= 50
