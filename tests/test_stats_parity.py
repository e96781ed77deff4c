"""Tests of the one-sample permutation test against parity."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fairtrack.errors import StatisticsError
from fairtrack.stats import count_cells, parity_test
from fairtrack.stats.parity import parity_tests
from tests.stats_helpers import make_pair


def independent_model(n_rows, rng):
    groups = pd.DataFrame({"g": rng.choice(["a", "b", "c"], size=n_rows)})
    y_true = rng.integers(0, 2, size=n_rows)
    y_pred = (rng.random(n_rows) < 0.3 + 0.3 * y_true).astype(np.int8)
    return count_cells(y_true, groups, [y_pred])


def test_parity_detects_disparity():
    y_true, groups, baseline, _ = make_pair(n_rows=3000, seed=1)
    table = count_cells(y_true, groups, [baseline.predictions])

    test = parity_test(table, "demographic_parity_difference", ["sex"], n_permutations=999)

    assert test.statistic > 0.1
    assert test.pvalue == pytest.approx(1 / 1000)


def test_parity_ratio_is_one_sided_downwards():
    y_true, groups, baseline, _ = make_pair(n_rows=3000, seed=1)
    table = count_cells(y_true, groups, [baseline.predictions])

    test = parity_test(table, "demographic_parity_ratio", ["sex"], n_permutations=999)

    assert test.statistic < 0.8
    assert test.pvalue == pytest.approx(1 / 1000)


def test_parity_null_matches_row_permutation():
    rng = np.random.default_rng(4)
    groups = pd.DataFrame({"g": rng.choice(["a", "b", "c"], size=300)})
    y_true = rng.integers(0, 2, size=300)
    y_pred = (rng.random(300) < 0.4).astype(np.int8)
    test = parity_test(count_cells(y_true, groups, [y_pred]), "equalized_odds_difference", n_permutations=3000)

    by_rows = []
    for _ in range(600):
        shuffled = groups["g"].to_numpy().copy()
        for label in (0, 1):
            rows = np.flatnonzero(y_true == label)
            shuffled[rows] = rng.permutation(shuffled[rows])
        table = count_cells(y_true, pd.DataFrame({"g": shuffled}), [y_pred])
        by_rows.append(parity_test(table, "equalized_odds_difference", n_permutations=1).statistic)

    assert stats.ks_2samp(test.null_distribution, by_rows).pvalue > 0.01


def test_parity_tests_order_and_models():
    y_true, groups, baseline, candidate = make_pair(n_rows=600, seed=2)
    table = count_cells(y_true, groups, [baseline.predictions, candidate.predictions])

    tests = parity_tests(table, ["demographic_parity_difference"], [("sex",), ("sex", "race")], n_permutations=50)

    assert [(test.model, test.attributes) for test in tests] == [
        (0, ("sex",)),
        (0, ("sex", "race")),
        (1, ("sex",)),
        (1, ("sex", "race")),
    ]


def test_parity_rejects_unknown_metric():
    table = independent_model(100, np.random.default_rng(0))

    with pytest.raises(StatisticsError, match="only the following metrics are supported"):
        parity_test(table, "recall")


@pytest.mark.parametrize("metric", ["demographic_parity_difference", "equalized_odds_difference"])
def test_parity_size_fast(metric):
    rng = np.random.default_rng(3)
    pvalues = np.array(
        [parity_test(independent_model(1000, rng), metric, n_permutations=500, random_state=rng).pvalue for _ in range(300)]
    )

    assert 0.01 <= np.mean(pvalues <= 0.05) <= 0.10
