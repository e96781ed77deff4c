"""Tests of the paired bootstrap evaluation."""

import numpy as np
import pandas as pd
import pytest

from fairtrack.evaluation import ModelOutput, evaluate_pair


@pytest.fixture
def pair():
    rng = np.random.default_rng(11)
    n_rows = 4000
    groups = pd.DataFrame({"g": rng.choice(["a", "b"], size=n_rows)})
    y_true = rng.integers(0, 2, size=n_rows)
    favoured = (groups["g"] == "a").to_numpy()
    biased = (rng.random(n_rows) < np.where(favoured, 0.6, 0.3)).astype(int)
    fair = (rng.random(n_rows) < 0.45).astype(int)
    return y_true, groups, ModelOutput(biased, biased * 0.9 + 0.05), ModelOutput(fair, fair * 0.9 + 0.05)


def test_intervals_contain_point_estimates(pair):
    y_true, groups, baseline, candidate = pair

    result = evaluate_pair(y_true, groups, baseline, candidate, "g", n_bootstrap=500)

    for document in (result.baseline, result.candidate):
        for name in ("accuracy", "roc_auc", "demographic_parity_difference", "equalized_odds_difference"):
            low, high = document[name]["ci"]
            assert low <= document[name]["value"] <= high


def test_paired_difference_detects_improvement(pair):
    y_true, groups, baseline, candidate = pair

    result = evaluate_pair(y_true, groups, baseline, candidate, "g", n_bootstrap=500)

    difference = result.differences["demographic_parity_difference"]
    assert difference["value"] == pytest.approx(
        result.candidate["demographic_parity_difference"]["value"]
        - result.baseline["demographic_parity_difference"]["value"]
    )
    assert difference["ci"][1] < 0


def test_same_model_difference_is_zero(pair):
    y_true, groups, baseline, _ = pair

    result = evaluate_pair(y_true, groups, baseline, baseline, "g", n_bootstrap=200)

    assert result.differences["accuracy"] == {"value": 0.0, "ci": [0.0, 0.0]}


def test_seed_makes_intervals_reproducible(pair):
    y_true, groups, baseline, candidate = pair

    first = evaluate_pair(y_true, groups, baseline, candidate, "g", n_bootstrap=200, random_state=5)
    second = evaluate_pair(y_true, groups, baseline, candidate, "g", n_bootstrap=200, random_state=5)

    assert first.baseline == second.baseline
    assert first.differences == second.differences


def test_interval_width_shrinks_with_level(pair):
    y_true, groups, baseline, candidate = pair

    wide = evaluate_pair(y_true, groups, baseline, candidate, "g", n_bootstrap=400, confidence_level=0.99)
    narrow = evaluate_pair(y_true, groups, baseline, candidate, "g", n_bootstrap=400, confidence_level=0.8)

    width = lambda result: np.diff(result.baseline["accuracy"]["ci"])[0]  # noqa: E731
    assert width(narrow) < width(wide)


def test_estimate_outside_interval_flagged():
    from fairtrack.summary import format_metric

    assert format_metric({"value": 0.0133, "ci": [0.0171, 0.2327]}).endswith("treat the interval as rough)")
    assert format_metric({"value": 0.05, "ci": [0.01, 0.1]}) == "0.0500 [0.0100, 0.1000]"
