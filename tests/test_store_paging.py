"""Page queries cut and count in SQL: the overview's target-setting table is the first rows of the
full list, and its counts are the full list's, on both backends."""

from __future__ import annotations

import pytest

from selfeval.sample import open_seeded_store


@pytest.fixture
def sample(store_location):
    store = open_seeded_store(store_location)  # the 13 published forms
    yield store
    store.close()


def test_limited_outliers_are_the_first_rows_of_the_full_list(sample):
    full = sample.target_outliers()
    assert len(full) >= 4  # the sample has both kinds, enough to cut
    assert set(full["status"]) == {"over", "missed"}
    for limit in (1, 3, len(full), len(full) + 5):
        cut = sample.target_outliers(limit=limit)
        assert cut.to_dict("records") == full.head(limit).to_dict("records")
    year = full["year"].iloc[0]
    assert sample.target_outliers(year=year, limit=2).to_dict("records") == (
        sample.target_outliers(year=year).head(2).to_dict("records")
    )


def test_outlier_counts_are_the_full_lists(sample):
    full = sample.target_outliers()
    assert sample.outlier_counts() == {
        "over": int((full["status"] == "over").sum()),
        "missed": int((full["status"] == "missed").sum()),
    }
    assert sample.outlier_counts(over=100.0) == {"over": 0, "missed": int((full["achievement"] < 1).sum())}
    assert sample.outlier_counts(unit="没有这个单位") == {"over": 0, "missed": 0}
