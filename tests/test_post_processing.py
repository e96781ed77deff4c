"""Tests of the post-processing interventions and of their reference libraries."""

import warnings

import numpy as np
import pandas as pd
import pytest

from fairtrack.data import PreparedData
from fairtrack.errors import DataError, FairtrackError
from fairtrack.interventions import (
    CalibratedEqualizedOdds,
    FairClassifier,
    FairPipeline,
    RejectOptionClassification,
    ThresholdOptimization,
    fit_stage,
    search_reject_option,
)
from fairtrack.interventions._aif360 import (
    PRIVILEGED_GROUPS,
    UNPRIVILEGED_GROUPS,
    binary_label_dataset,
    import_aif360,
)
from tests.conftest import make_biased_frame

FEATURES = ["income", "tenure", "region", "group"]
AIF360_METRIC_NAMES = {
    "statistical_parity_difference": "Statistical parity difference",
    "average_odds_difference": "Average odds difference",
    "equal_opportunity_difference": "Equal opportunity difference",
}


def _part(seed: int, n_rows: int) -> PreparedData:
    frame = make_biased_frame(n_rows, seed=seed)
    return PreparedData(
        features=frame[FEATURES],
        label=(frame["approved"] == "yes").to_numpy().astype(np.int8),
        groups=frame[["group"]],
    )


@pytest.fixture(scope="module")
def parts():
    train, validation = _part(0, 1500), _part(1, 800)
    baseline = FairPipeline().fit(train.features, train.label, sensitive_features=train.groups["group"])
    return train, validation, baseline


@pytest.fixture
def scored_rows():
    rng = np.random.default_rng(0)
    n_rows = 400
    is_privileged = rng.random(n_rows) < 0.6
    label = (rng.random(n_rows) < np.where(is_privileged, 0.45, 0.25)).astype(int)
    scores = np.clip(0.3 * label + 0.2 * is_privileged + rng.normal(0.25, 0.15, n_rows), 0, 1)
    return scores, label, is_privileged


def test_post_processing_without_validation_rows_rejected(parts):
    train, _, _ = parts

    with pytest.raises(DataError, match="is fitted on validation rows"):
        FairPipeline(post=ThresholdOptimization()).fit(
            train.features, train.label, sensitive_features=train.groups["group"]
        )


def test_post_processing_fitted_on_validation_rows(parts):
    train, validation, baseline = parts

    result = fit_stage(RejectOptionClassification(privileged=["a"]), train, validation, "group", base=baseline)

    scores = baseline.predict_proba(validation.features, validation.groups["group"])[:, 1]
    expected = search_reject_option(scores, validation.label == 1, (validation.groups["group"] == "a").to_numpy())
    assert result.pipeline.post_.search_ == expected


@pytest.mark.parametrize("metric_name", sorted(AIF360_METRIC_NAMES))
def test_reject_option_search_matches_aif360(metric_name, scored_rows):
    scores, label, is_privileged = scored_rows
    RejectOptionClassification_ = import_aif360("aif360.algorithms.postprocessing", "RejectOptionClassification")
    reference = RejectOptionClassification_(
        UNPRIVILEGED_GROUPS,
        PRIVILEGED_GROUPS,
        num_class_thresh=20,
        num_ROC_margin=10,
        metric_name=AIF360_METRIC_NAMES[metric_name],
    )
    predicted = binary_label_dataset(is_privileged, (scores > 0.5).astype(int), scores=scores)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(binary_label_dataset(is_privileged, label), predicted)

    ours = search_reject_option(
        scores, label == 1, is_privileged, num_class_thresh=20, num_ROC_margin=10, metric_name=metric_name
    )

    assert ours.feasible
    assert ours.classification_threshold == reference.classification_threshold
    assert ours.margin == reference.ROC_margin


def test_reject_option_predictions_match_aif360(parts):
    train, validation, baseline = parts
    result = fit_stage(RejectOptionClassification(privileged=["a"]), train, validation, "group", base=baseline)
    search = result.pipeline.post_.search_
    RejectOptionClassification_ = import_aif360("aif360.algorithms.postprocessing", "RejectOptionClassification")
    reference = RejectOptionClassification_(UNPRIVILEGED_GROUPS, PRIVILEGED_GROUPS)
    reference.classification_threshold, reference.ROC_margin = search.classification_threshold, search.margin

    groups = validation.groups["group"]
    scores = baseline.predict_proba(validation.features, groups)[:, 1]
    is_privileged = (groups == "a").to_numpy()
    expected = reference.predict(binary_label_dataset(is_privileged, validation.label, scores=scores))

    np.testing.assert_array_equal(result.pipeline.predict(validation.features, groups), expected.labels.ravel())


def test_reject_option_without_feasible_pair_takes_closest(scored_rows, caplog):
    scores, label, is_privileged = scored_rows

    search = search_reject_option(
        scores, label == 1, is_privileged, num_class_thresh=20, num_ROC_margin=10, metric_ub=2.0, metric_lb=1.5
    )

    # A difference of two rates never exceeds 1, so the band is out of reach.
    assert not search.feasible
    assert 0.9 < search.metric <= 1.0
    assert "No threshold and margin keep" in caplog.text


# On these rows the "fpr" cost is infeasible (it needs a mixing rate of 8.5).
@pytest.mark.parametrize("cost_constraint", ["fnr", "weighted"])
def test_calibrated_equalized_odds_equal_costs(cost_constraint, scored_rows):
    scores, label, is_privileged = scored_rows
    X = pd.DataFrame({"score": scores})
    groups = np.where(is_privileged, "p", "u")
    post = CalibratedEqualizedOdds(estimator=_ScoreColumn(), privileged=["p"], cost_constraint=cost_constraint)

    post.fit(X, label, sensitive_features=groups)

    mix = np.where(is_privileged, post.privileged_mix_rate_, post.unprivileged_mix_rate_)
    base_rate = np.where(is_privileged, post.privileged_base_rate_, post.unprivileged_base_rate_)
    expected_scores = (1 - mix) * scores + mix * base_rate
    before = _generalised_cost_gap(scores, label, is_privileged, cost_constraint)
    after = _generalised_cost_gap(expected_scores, label, is_privileged, cost_constraint)
    assert before > 0.02
    assert after < 1e-9


def test_calibrated_equalized_odds_infeasible_rejected():
    label = np.tile([0, 1], 50)
    is_privileged = np.repeat([True, False], 50)
    # Privileged scores are perfect and unprivileged ones exactly wrong, so
    # even replacing every privileged score by the base rate cannot make the
    # costs equal.
    scores = np.where(is_privileged, label, 1 - label).astype(float)
    post = CalibratedEqualizedOdds(estimator=_ScoreColumn(), privileged=["p"], cost_constraint="weighted")

    with pytest.raises(FairtrackError, match="is infeasible on these validation rows"):
        post.fit(pd.DataFrame({"score": scores}), label, sensitive_features=np.where(is_privileged, "p", "u"))


def test_calibrated_equalized_odds_follows_mix_rate(scored_rows):
    scores, label, is_privileged = scored_rows
    groups = np.where(is_privileged, "p", "u")
    post = CalibratedEqualizedOdds(estimator=_ScoreColumn(), privileged=["p"]).fit(
        pd.DataFrame({"score": scores}), label, sensitive_features=groups
    )
    copies = 200

    # One call on many copies of the rows draws independently for each copy.
    repeated = pd.DataFrame({"score": np.tile(scores, copies)})
    predictions = post.predict(repeated, np.tile(groups, copies)).reshape(copies, -1)
    probabilities = post.predict_proba(pd.DataFrame({"score": scores}), groups)[:, 1]

    assert max(post.privileged_mix_rate_, post.unprivileged_mix_rate_) > 0.05
    np.testing.assert_allclose(predictions.mean(axis=0), probabilities, atol=0.12)


def test_calibrated_equalized_odds_no_global_seed(parts):
    train, validation, baseline = parts
    state = np.random.get_state()[1].copy()

    post = CalibratedEqualizedOdds(privileged=["a"], cost_constraint="weighted")
    result = fit_stage(post, train, validation, "group", base=baseline)
    first = result.pipeline.predict(validation.features, validation.groups["group"])
    second = result.pipeline.predict(validation.features, validation.groups["group"])

    assert np.array_equal(np.random.get_state()[1], state)
    np.testing.assert_array_equal(first, second)


def test_threshold_optimizer_predictions_reproducible(parts):
    train, validation, baseline = parts
    result = fit_stage(ThresholdOptimization(constraints="equalized_odds"), train, validation, "group", base=baseline)
    groups = validation.groups["group"]

    first = result.pipeline.predict(validation.features, groups)
    second = result.pipeline.predict(validation.features, groups)

    np.testing.assert_array_equal(first, second)
    assert set(np.unique(first)) <= {0, 1}


class _ScoreColumn(FairClassifier):
    """A fitted classifier whose probability of label 1 is the ``score`` column."""

    technique = "score_column"

    def fit(self, X, y, *, sensitive_features, sample_weight=None, X_val=None, y_val=None, sensitive_features_val=None):
        return self

    def predict_proba(self, X, sensitive_features):
        return np.column_stack([1 - X["score"].to_numpy(), X["score"].to_numpy()])


def _generalised_cost_gap(
    scores: np.ndarray, label: np.ndarray, is_privileged: np.ndarray, cost_constraint: str
) -> float:
    """Gap between groups in aif360's cost: GFNR, GFPR, or (GFPR (1 - base) + GFNR base) / 2."""
    costs = []
    for rows in (is_privileged, ~is_privileged):
        base = label[rows].mean()
        false_positive = scores[rows & (label == 0)].mean()
        false_negative = (1 - scores[rows & (label == 1)]).mean()
        weighted = 0.5 * false_positive * (1 - base) + 0.5 * false_negative * base
        costs.append({"fnr": false_negative, "fpr": false_positive, "weighted": weighted}[cost_constraint])
    return abs(costs[0] - costs[1])
