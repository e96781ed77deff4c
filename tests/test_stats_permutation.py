"""Tests of the paired permutation test: its null distribution, its size and its power."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fairtrack.errors import StatisticsError
from fairtrack.stats import count_cells, paired_permutation_test, paired_permutation_tests
from fairtrack.stats.permutation import ALTERNATIVES
from tests.stats_helpers import exchangeable_pair, make_pair


def rejection_rate(n_draws, n_permutations, metric, seed):
    rejected = 0
    for draw in range(n_draws):
        y_true, groups, first, second = exchangeable_pair(1000, seed * 100_000 + draw)
        test = paired_permutation_test(
            y_true, groups, first, second, metric, n_permutations=n_permutations, random_state=draw
        )
        rejected += test.pvalue <= 0.05
    return rejected / n_draws


def test_permutation_detects_improvement():
    y_true, groups, baseline, candidate = make_pair(n_rows=3000, seed=2)

    test = paired_permutation_test(
        y_true, groups, baseline.predictions, candidate.predictions, attributes=["sex"], n_permutations=2000
    )

    assert test.statistic < 0
    assert test.pvalue == pytest.approx(1 / 2001)
    assert test.pvalue_for("degraded") > 0.99
    assert len(test.null_distribution) == 2000


def test_permutation_same_model_never_rejects():
    y_true, groups, baseline, _ = make_pair(n_rows=500, seed=3)

    test = paired_permutation_test(y_true, groups, baseline.predictions, baseline.predictions, n_permutations=300)

    assert test.statistic == 0
    np.testing.assert_array_equal(test.null_distribution, 0)
    assert test.pvalue == 1.0


def test_permutation_null_matches_row_swaps():
    y_true, groups, first, second = exchangeable_pair(400, seed=5)
    test = paired_permutation_test(y_true, groups, first, second, n_permutations=4000, random_state=1)

    rng = np.random.default_rng(2)
    by_rows = []
    table_groups = pd.DataFrame({"g": groups["g"]})
    for _ in range(1000):
        swap = rng.random(len(y_true)) < 0.5
        baseline = np.where(swap, second, first)
        candidate = np.where(swap, first, second)
        table = count_cells(y_true, table_groups, [baseline, candidate])
        (swapped,) = paired_permutation_tests(table, ["demographic_parity_difference"], [("g",)], n_permutations=1)
        by_rows.append(swapped.statistic)

    assert stats.ks_2samp(test.null_distribution, by_rows).pvalue > 0.01


def test_permutation_pvalues_of_alternatives_consistent():
    y_true, groups, baseline, candidate = make_pair(n_rows=800, seed=6)
    test = paired_permutation_test(
        y_true, groups, baseline.predictions, candidate.predictions, attributes=["race"], n_permutations=999
    )

    for alternative in ALTERNATIVES:
        assert 1 / 1000 <= test.pvalue_for(alternative) <= 1
    assert test.pvalue_for("improved") + test.pvalue_for("degraded") >= 1


def test_permutation_tests_share_draws_across_sets():
    y_true, groups, baseline, candidate = make_pair(n_rows=800, seed=7)
    table = count_cells(y_true, groups, [baseline.predictions, candidate.predictions])

    tests = paired_permutation_tests(table, n_permutations=100)

    assert [(test.attributes, test.metric) for test in tests] == [
        (attributes, metric)
        for attributes in [("sex",), ("race",), ("sex", "race")]
        for metric in ("demographic_parity_difference", "equalized_odds_difference")
    ]


def test_permutation_rejects_one_model_table():
    y_true, groups, baseline, _ = make_pair(n_rows=100, seed=8)
    table = count_cells(y_true, groups, [baseline.predictions])

    with pytest.raises(StatisticsError, match="needs a table of two models"):
        paired_permutation_tests(table)


def test_permutation_rejects_unknown_metric():
    y_true, groups, baseline, candidate = make_pair(n_rows=100, seed=8)

    with pytest.raises(StatisticsError, match="only the following metrics are supported"):
        paired_permutation_test(y_true, groups, baseline.predictions, candidate.predictions, metric="accuracy")


@pytest.mark.parametrize("metric", ["demographic_parity_difference", "equalized_odds_difference"])
def test_permutation_size_fast(metric):
    assert 0.01 <= rejection_rate(n_draws=300, n_permutations=500, metric=metric, seed=1) <= 0.10


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["demographic_parity_difference", "equalized_odds_difference"])
def test_permutation_size_full(metric):
    assert 0.035 <= rejection_rate(n_draws=1000, n_permutations=1000, metric=metric, seed=0) <= 0.065
