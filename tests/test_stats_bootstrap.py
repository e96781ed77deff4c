"""Tests of the stratified count bootstrap, including the coverage of its intervals."""

import numpy as np
import pandas as pd
import pytest

from fairtrack.stats import bootstrap_table, bootstrap_values, count_cells, estimate, resample_counts

TRUE_SELECTION = {"a": 0.55, "b": 0.35}
TRUE_DIFFERENCE = TRUE_SELECTION["a"] - TRUE_SELECTION["b"]
KEY = ("disparity", ("g",), "demographic_parity_difference")


def coverage(n_draws, n_resamples, method, seed):
    """Share of synthetic draws whose 95 % interval covers the true demographic parity difference."""
    rng = np.random.default_rng(seed)
    covered = 0
    for _ in range(n_draws):
        group = rng.choice(np.array(["a", "b"]), size=1000, p=[0.6, 0.4])
        y_true = rng.integers(0, 2, size=1000)
        rate = np.where(group == "a", TRUE_SELECTION["a"], TRUE_SELECTION["b"])
        y_pred = (rng.random(1000) < rate).astype(np.int8)
        boot = bootstrap_table(count_cells(y_true, pd.DataFrame({"g": group}), [y_pred]), n_resamples, rng)
        interval = estimate(bootstrap_values(boot, 0, [("g",)]), 0.95, method)[KEY]
        covered += interval.low <= TRUE_DIFFERENCE <= interval.high
    return covered / n_draws


def test_resample_counts_keeps_stratum_sizes():
    counts = np.array([[5, 0, 3, 2], [0, 0, 0, 0], [1, 1, 1, 1]])

    resampled = resample_counts(counts, 300, random_state=0)

    assert resampled.shape == (300, 3, 4)
    np.testing.assert_array_equal(resampled.sum(axis=2), np.broadcast_to(counts.sum(axis=1), (300, 3)))
    assert (resampled[:, 0, 1] == 0).all()  # an empty outcome is never drawn
    np.testing.assert_allclose(resampled.mean(axis=0), counts, atol=0.5)


def test_resample_counts_reproducible_with_seed():
    counts = np.array([[10, 20, 30, 40]])

    np.testing.assert_array_equal(resample_counts(counts, 50, 7), resample_counts(counts, 50, 7))


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_bootstrap_coverage_fast(method):
    assert 0.90 <= coverage(n_draws=200, n_resamples=500, method=method, seed=1) <= 0.99


@pytest.mark.slow
@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_bootstrap_coverage_full(method):
    assert 0.93 <= coverage(n_draws=1000, n_resamples=1000, method=method, seed=0) <= 0.97
