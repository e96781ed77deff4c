"""The validation engine's metric values against fairlearn's and aif360's on the same predictions."""

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as fm
from sklearn.metrics import accuracy_score, balanced_accuracy_score, precision_score, recall_score, roc_auc_score

from fairtrack.stats import validate_pair
from tests.stats_helpers import make_pair

TOLERANCE = 1e-9
FAIRLEARN_DISPARITIES = {
    "demographic_parity_difference": fm.demographic_parity_difference,
    "demographic_parity_ratio": fm.demographic_parity_ratio,
    "equalized_odds_difference": fm.equalized_odds_difference,
    "equal_opportunity_difference": fm.equal_opportunity_difference,
}


@pytest.fixture(scope="module")
def validated():
    y_true, groups, baseline, candidate = make_pair(n_rows=2500, seed=4)
    result = validate_pair(
        y_true,
        groups,
        baseline,
        candidate,
        "sex",
        n_bootstrap=200,
        n_permutations=200,
        n_parity_permutations=200,
        interval="bca",
    )
    return y_true, groups, baseline, candidate, result


def aif360_metric(y_true, privileged, predictions):
    """aif360's ClassificationMetric built from numeric columns (aif360 0.6 rejects pandas 3 strings)."""
    from aif360.datasets import BinaryLabelDataset
    from aif360.metrics import ClassificationMetric

    frame = pd.DataFrame({"protected": privileged.astype(float), "label": np.asarray(y_true, dtype=float)})
    truth = BinaryLabelDataset(
        df=frame,
        label_names=["label"],
        protected_attribute_names=["protected"],
        favorable_label=1.0,
        unfavorable_label=0.0,
    )
    predicted = truth.copy()
    predicted.labels = np.asarray(predictions, dtype=float).reshape(-1, 1)
    return ClassificationMetric(
        truth, predicted, unprivileged_groups=[{"protected": 0.0}], privileged_groups=[{"protected": 1.0}]
    )


def test_reference_disparities_equal_fairlearn(validated):
    y_true, groups, baseline, candidate, result = validated

    for document, model in ((result.evaluation.baseline, baseline), (result.evaluation.candidate, candidate)):
        for attribute in groups.columns:
            for name, function in FAIRLEARN_DISPARITIES.items():
                expected = function(y_true, model.predictions, sensitive_features=groups[attribute])
                assert document["attributes"][attribute][name]["value"] == pytest.approx(expected, abs=TOLERANCE)


def test_reference_intersections_equal_fairlearn(validated):
    y_true, groups, baseline, _, result = validated
    (baseline_analysis, _) = result.intersectional
    full = baseline_analysis.combinations[-1]
    frame = fm.MetricFrame(
        metrics={"selection_rate": fm.selection_rate, "tpr": fm.true_positive_rate, "fpr": fm.false_positive_rate},
        y_true=y_true,
        y_pred=baseline.predictions,
        sensitive_features=groups[["sex", "race"]],
    )

    for name, function in FAIRLEARN_DISPARITIES.items():
        expected = function(y_true, baseline.predictions, sensitive_features=groups[["sex", "race"]])
        assert full.disparities[name].value == pytest.approx(expected, abs=TOLERANCE)
    for subgroup in full.subgroups:
        row = frame.by_group.loc[subgroup.groups]
        for rate in ("selection_rate", "tpr", "fpr"):
            assert subgroup.rates[rate].value == pytest.approx(row[rate], abs=TOLERANCE)


def test_reference_overall_equal_scikit_learn(validated):
    y_true, _, _, candidate, result = validated
    expected = {
        "accuracy": accuracy_score(y_true, candidate.predictions),
        "balanced_accuracy": balanced_accuracy_score(y_true, candidate.predictions),
        "precision": precision_score(y_true, candidate.predictions),
        "recall": recall_score(y_true, candidate.predictions),
        "roc_auc": roc_auc_score(y_true, candidate.scores),
    }

    for name, value in expected.items():
        assert result.evaluation.candidate[name]["value"] == pytest.approx(value, abs=TOLERANCE)


def test_reference_equal_aif360(validated):
    y_true, groups, baseline, _, result = validated
    privileged = (groups["sex"] == "male").to_numpy()
    metric = aif360_metric(y_true, privileged, baseline.predictions)
    document = result.evaluation.baseline
    sex = document["groups"]["sex"]

    assert document["demographic_parity_difference"]["value"] == pytest.approx(
        abs(metric.statistical_parity_difference()), abs=TOLERANCE
    )
    disparate_impact = metric.disparate_impact()
    assert document["demographic_parity_ratio"]["value"] == pytest.approx(
        min(disparate_impact, 1 / disparate_impact), abs=TOLERANCE
    )
    assert document["equal_opportunity_difference"]["value"] == pytest.approx(
        abs(metric.equal_opportunity_difference()), abs=TOLERANCE
    )
    assert document["equalized_odds_difference"]["value"] == pytest.approx(
        metric.equalized_odds_difference(), abs=TOLERANCE
    )
    for group, is_privileged in (("male", True), ("female", False)):
        assert sex[group]["tpr"]["value"] == pytest.approx(metric.true_positive_rate(is_privileged), abs=TOLERANCE)
        assert sex[group]["fpr"]["value"] == pytest.approx(metric.false_positive_rate(is_privileged), abs=TOLERANCE)
        expected_selection = metric.selection_rate(is_privileged)
        assert sex[group]["selection_rate"]["value"] == pytest.approx(expected_selection, abs=TOLERANCE)
        assert sex[group]["count"] == metric.num_instances(is_privileged)
    assert document["accuracy"]["value"] == pytest.approx(metric.accuracy(), abs=TOLERANCE)


def test_reference_permutation_statistic_equals_difference(validated):
    *_, result = validated

    for test in result.permutation_tests:
        if len(test.attributes) == 1:
            (attribute,) = test.attributes
            expected = result.evaluation.differences["attributes"][attribute][test.metric]["value"]
            assert test.statistic == pytest.approx(expected, abs=TOLERANCE)


def test_reference_parity_statistic_equals_document(validated):
    *_, result = validated
    documents = (result.evaluation.baseline, result.evaluation.candidate)

    for test in result.parity_tests:
        if len(test.attributes) == 1:
            (attribute,) = test.attributes
            expected = documents[test.model]["attributes"][attribute][test.metric]["value"]
            assert test.statistic == pytest.approx(expected, abs=TOLERANCE)
