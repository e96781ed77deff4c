"""Tests of the percentile and BCa intervals and of the jackknife behind the acceleration."""

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from fairtrack.stats import (
    acceleration,
    bca_interval,
    count_jackknife,
    percentile_interval,
    roc_auc_jackknife,
)
from fairtrack.stats.intervals import bootstrap_intervals


def test_percentile_interval_equals_numpy_quantile():
    rng = np.random.default_rng(0)
    samples = rng.normal(size=(999, 3))

    low, high = percentile_interval(samples, 0.9)

    np.testing.assert_allclose(low, np.quantile(samples, 0.05, axis=0), atol=1e-12)
    np.testing.assert_allclose(high, np.quantile(samples, 0.95, axis=0), atol=1e-12)


def test_percentile_interval_ignores_nan():
    samples = np.array([[1.0, np.nan], [2.0, np.nan], [np.nan, np.nan], [3.0, np.nan]])

    low, high = percentile_interval(samples, 0.5)

    assert low[0] == pytest.approx(np.quantile([1.0, 2.0, 3.0], 0.25))
    assert high[0] == pytest.approx(np.quantile([1.0, 2.0, 3.0], 0.75))
    assert np.isnan(low[1])
    assert np.isnan(high[1])


def test_bca_interval_equals_scipy():
    rng = np.random.default_rng(1)
    data = rng.exponential(size=60)  # skewed, so the acceleration matters
    result = stats.bootstrap(
        (data,), np.mean, confidence_level=0.9, n_resamples=2000, method="BCa", random_state=2
    )
    jackknife = (data.sum() - data) / (len(data) - 1)
    accel = acceleration(jackknife, np.ones(len(data)), np.zeros(len(data)))

    low, high = bca_interval(np.array(data.mean()), result.bootstrap_distribution, accel, 0.9)

    assert low == pytest.approx(result.confidence_interval.low, abs=1e-12)
    assert high == pytest.approx(result.confidence_interval.high, abs=1e-12)


def test_acceleration_of_counts_equals_row_jackknife():
    counts = np.array([[3, 1, 0, 2], [1, 4, 2, 0]])
    rows = [(stratum, outcome) for stratum, row in enumerate(counts) for outcome, n in enumerate(row) for _ in range(n)]

    def share_of_outcome_one(table):
        return table[..., 1].sum(axis=-1) / table.sum(axis=(-1, -2))

    deleted, multiplicity, strata = count_jackknife(counts)
    by_cell = acceleration(share_of_outcome_one(deleted), multiplicity, strata)
    row_tables = []
    for stratum, outcome in rows:
        table = counts.copy()
        table[stratum, outcome] -= 1
        row_tables.append(table)
    by_row = acceleration(
        share_of_outcome_one(np.array(row_tables)), np.ones(len(rows)), np.array([stratum for stratum, _ in rows])
    )

    assert by_cell == pytest.approx(by_row, abs=1e-12)
    assert multiplicity.sum() == counts.sum()


def test_acceleration_zero_for_constant_statistic():
    assert acceleration(np.ones(5), np.ones(5), np.zeros(5)) == 0.0


def test_roc_auc_jackknife_equals_brute_force():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 2, size=40)
    y_score = np.round(rng.random(40), 1)  # rounding creates ties

    fast = roc_auc_jackknife(y_true, y_score)

    keep = np.ones(40, dtype=bool)
    for row in range(40):
        keep[row] = False
        assert fast[row] == pytest.approx(roc_auc_score(y_true[keep], y_score[keep]), abs=1e-12)
        keep[row] = True


def test_bca_falls_back_when_resamples_on_one_side():
    samples = np.linspace(1.0, 2.0, 100)[:, None]

    low, high, is_bca = bootstrap_intervals(np.array([0.5]), samples, 0.95, "bca", np.array([0.0]))

    assert not is_bca[0]
    assert low[0] == pytest.approx(np.quantile(samples, 0.025))
    assert high[0] == pytest.approx(np.quantile(samples, 0.975))


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5])
def test_intervals_reject_invalid_level(level):
    with pytest.raises(ValueError, match="confidence_level must be in"):
        percentile_interval(np.ones((10, 1)), level)
