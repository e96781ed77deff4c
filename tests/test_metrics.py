"""Tests of the count-based metrics against fairlearn and scikit-learn."""

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as fm
from sklearn.metrics import accuracy_score, balanced_accuracy_score, precision_score, recall_score, roc_auc_score

from fairtrack import metrics as m
from fairtrack.evaluation import ModelOutput, evaluate_pair


@pytest.fixture
def predictions():
    rng = np.random.default_rng(3)
    n_rows = 3000
    groups = pd.DataFrame(
        {
            "sex": rng.choice(["female", "male"], size=n_rows, p=[0.35, 0.65]),
            "race": rng.choice(["p", "q", "r"], size=n_rows, p=[0.6, 0.3, 0.1]),
        }
    )
    y_true = rng.integers(0, 2, size=n_rows)
    score_a = np.clip(0.3 * y_true + rng.random(n_rows) * 0.7 + (groups["sex"] == "male") * 0.1, 0, 1)
    score_b = np.clip(0.35 * y_true + rng.random(n_rows) * 0.65, 0, 1)
    return y_true, groups, ModelOutput((score_a > 0.5).astype(int), score_a), ModelOutput((score_b > 0.5).astype(int), score_b)


FAIRLEARN_DISPARITIES = {
    "demographic_parity_difference": fm.demographic_parity_difference,
    "demographic_parity_ratio": fm.demographic_parity_ratio,
    "equalized_odds_difference": fm.equalized_odds_difference,
    "equal_opportunity_difference": fm.equal_opportunity_difference,
}


def test_disparities_equal_fairlearn(predictions):
    y_true, groups, model, _ = predictions

    result = evaluate_pair(y_true, groups, model, model, "sex", n_bootstrap=100)

    for attribute in groups.columns:
        for name, function in FAIRLEARN_DISPARITIES.items():
            expected = function(y_true, model.predictions, sensitive_features=groups[attribute])
            assert result.baseline["attributes"][attribute][name]["value"] == pytest.approx(expected, abs=1e-9)


def test_overall_metrics_equal_scikit_learn(predictions):
    y_true, groups, _, model = predictions

    result = evaluate_pair(y_true, groups, model, model, "sex", n_bootstrap=100)

    expected = {
        "accuracy": accuracy_score(y_true, model.predictions),
        "balanced_accuracy": balanced_accuracy_score(y_true, model.predictions),
        "precision": precision_score(y_true, model.predictions),
        "recall": recall_score(y_true, model.predictions),
        "roc_auc": roc_auc_score(y_true, model.scores),
    }
    for name, value in expected.items():
        assert result.candidate[name]["value"] == pytest.approx(value, abs=1e-9)


def test_group_rates_equal_fairlearn_metric_frame(predictions):
    y_true, groups, model, _ = predictions
    frame = fm.MetricFrame(
        metrics={
            "selection_rate": fm.selection_rate,
            "tpr": fm.true_positive_rate,
            "fpr": fm.false_positive_rate,
            "count": fm.count,
        },
        y_true=y_true,
        y_pred=model.predictions,
        sensitive_features=groups["race"],
    )

    result = evaluate_pair(y_true, groups, model, model, "sex", n_bootstrap=100)

    for group, row in frame.by_group.iterrows():
        ours = result.baseline["groups"]["race"][group]
        assert ours["count"] == row["count"]
        for rate in ("selection_rate", "tpr", "fpr"):
            assert ours[rate]["value"] == pytest.approx(row[rate], abs=1e-9)


def test_weighted_roc_auc_equals_scikit_learn():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, size=500)
    scores = np.round(rng.random(500), 2)  # rounding creates ties
    weights = rng.integers(0, 3, size=(4, 500)).astype(float)
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    tie_starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])

    ours = m.weighted_roc_auc(weights, order, y_true, tie_starts)

    for row, value in zip(weights, ours):
        assert value == pytest.approx(roc_auc_score(y_true, scores, sample_weight=row), abs=1e-12)


def test_undefined_tpr_is_null_with_reason():
    y_true = np.array([0, 0, 0, 1, 1, 0])
    groups = pd.DataFrame({"g": ["x", "x", "x", "y", "y", "y"]})
    model = ModelOutput(np.array([0, 1, 0, 1, 0, 0]), np.array([0.1, 0.8, 0.2, 0.9, 0.4, 0.3]))

    result = evaluate_pair(y_true, groups, model, model, "g", n_bootstrap=100)

    tpr = result.baseline["groups"]["g"]["x"]["tpr"]
    assert tpr["value"] is None
    assert tpr["reason"] == "the group has no positive labels"
    assert result.baseline["groups"]["g"]["y"]["tpr"]["value"] == pytest.approx(0.5)


def test_confusion_counts_by_group():
    counts = m.confusion_counts(
        np.array([0, 0, 1, 1, 1]), np.array([0, 1, 1, 0, 1]), np.array([0, 0, 0, 1, 1]), n_groups=2
    )

    np.testing.assert_array_equal(counts, [[1, 1, 0, 1], [0, 0, 1, 1]])
