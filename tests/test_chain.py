"""Tests of chaining interventions: row alignment, sample weights, failures."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from sklearn.linear_model import LogisticRegression

from fairtrack.data import PreparedData
from fairtrack.errors import DataError
from fairtrack.interventions import (
    AdversarialDebiasing,
    DisparateImpactRepair,
    ExponentiatedGradientReduction,
    FairPipeline,
    RejectOptionClassification,
    Reweighing,
    SystemModel,
    ThresholdOptimization,
    fit_chain,
    fit_stage,
    make_intervention,
    reweigh,
)
from fairtrack.model import fit_model
from tests.conftest import make_biased_frame

FEATURES = ["income", "tenure", "region", "group"]


def _part(seed: int, n_rows: int) -> PreparedData:
    frame = make_biased_frame(n_rows, seed=seed)
    return PreparedData(
        features=frame[FEATURES],
        label=(frame["approved"] == "yes").to_numpy().astype(np.int8),
        groups=frame[["group"]],
    )


@pytest.fixture(scope="module")
def parts():
    return _part(0, 1200), _part(1, 600), _part(2, 500)


def test_chain_predictions_follow_row_order(parts):
    train, validation, test = parts
    chain = fit_chain(
        [Reweighing(privileged=["a"]), SystemModel(), RejectOptionClassification(privileged=["a"])],
        train,
        validation,
        "group",
    )
    pipeline = chain.pipeline
    groups = test.groups["group"]
    order = np.random.default_rng(0).permutation(len(test))

    predictions = pipeline.predict(test.features, groups)
    shuffled = pipeline.predict(test.features.iloc[order], groups.iloc[order])
    # Groups are read by position: a Series with another index must not be realigned.
    relabelled = pipeline.predict(test.features, groups.set_axis(range(len(groups) - 1, -1, -1)))

    np.testing.assert_array_equal(shuffled, predictions[order])
    np.testing.assert_array_equal(relabelled, predictions)


def test_chain_pickle_round_trip(parts):
    train, validation, test = parts
    chain = fit_chain(
        [
            Reweighing(privileged=["a"]),
            AdversarialDebiasing(max_epochs=3, pretrain_epochs=1),
            ThresholdOptimization(constraints="equalized_odds"),
        ],
        train,
        validation,
        "group",
    )
    groups = test.groups["group"]

    restored = pickle.loads(pickle.dumps(chain.pipeline))

    np.testing.assert_array_equal(restored.predict(test.features, groups), chain.pipeline.predict(test.features, groups))
    np.testing.assert_array_equal(
        restored.predict_proba(test.features, groups), chain.pipeline.predict_proba(test.features, groups)
    )


def test_chain_transform_keeps_index(parts):
    train, validation, test = parts
    result = fit_stage(DisparateImpactRepair(protected_columns=["group"]), train, validation, "group")
    features = test.features.set_axis(range(1000, 1000 + len(test)))

    transformed = result.pipeline.transform(features, test.groups["group"])

    assert transformed.index.equals(features.index)
    assert "group" not in transformed.columns


def test_chain_passes_reweighing_weights_to_classifier(parts):
    train, _, _ = parts
    groups = train.groups["group"]

    pipeline = FairPipeline(pre=Reweighing(privileged=["a"])).fit(
        train.features, train.label, sensitive_features=groups
    )

    expected_weights = reweigh(train.label, groups, privileged=("a",)).sample_weight
    np.testing.assert_array_equal(pipeline.sample_weight_, expected_weights)
    direct = fit_model(train.features, train.label, sample_weight=expected_weights)
    np.testing.assert_allclose(
        pipeline.classifier_.pipeline_.named_steps["classifier"].coef_,
        direct.named_steps["classifier"].coef_,
    )


def test_chain_reweighs_on_top_of_incoming_weights(parts):
    train, validation, _ = parts
    incoming = np.where(train.features["region"] == "north", 2.0, 1.0)

    result = fit_stage(Reweighing(privileged=["a"]), train, validation, "group", sample_weight=incoming)

    weights = result.pipeline.sample_weight_
    groups = train.groups["group"].to_numpy()
    rates = [np.average(train.label[groups == group], weights=weights[groups == group]) for group in ("a", "b")]
    assert rates[0] == pytest.approx(rates[1], abs=1e-9)
    assert not np.allclose(weights, reweigh(train.label, train.groups["group"], ("a",)).sample_weight)


def test_chain_in_processing_gets_weights(parts):
    train, validation, test = parts
    groups = train.groups["group"]
    base = fit_stage(Reweighing(privileged=["a"]), train, validation, "group").pipeline
    adversarial = AdversarialDebiasing(max_epochs=5, pretrain_epochs=1, random_state=3)

    chained = fit_stage(adversarial, train, validation, "group", base=base).pipeline
    direct = AdversarialDebiasing(max_epochs=5, pretrain_epochs=1, random_state=3).fit(
        train.features,
        train.label,
        sensitive_features=groups,
        sample_weight=base.sample_weight_,
        X_val=validation.features,
        y_val=validation.label,
        sensitive_features_val=validation.groups["group"],
    )

    assert chained.pre_ is base.pre_
    np.testing.assert_array_equal(
        chained.predict_proba(test.features, test.groups["group"]),
        direct.predict_proba(test.features, test.groups["group"]),
    )


def test_chain_with_other_training_rows_rejected(parts):
    train, validation, _ = parts
    base = fit_stage(Reweighing(privileged=["a"]), train, validation, "group").pipeline
    other = train.take(np.arange(len(train))[::-1])

    with pytest.raises(DataError, match="training rows differ"):
        base.with_stage(
            SystemModel(), other.features, other.label, sensitive_features=other.groups["group"]
        )


def test_fit_chain_skips_failed_technique(parts):
    train, validation, test = parts

    chain = fit_chain(
        [
            DisparateImpactRepair(columns=["region"]),
            ExponentiatedGradientReduction(model_params={"solver": "no-such-solver"}),
            RejectOptionClassification(privileged=["a"]),
        ],
        train,
        validation,
        "group",
    )

    statuses = [(stage.technique, stage.status) for stage in chain.stages]
    assert statuses == [
        ("disparate_impact_repair", "failed"),
        ("exponentiated_gradient", "failed"),
        ("reject_option_classification", "completed"),
    ]
    assert chain.stages[0].error.startswith("DataError: ")
    # The second failure is raised inside scikit-learn, called by fairlearn.
    assert "no-such-solver" in chain.stages[1].error
    assert chain.stages[0].pipeline is None
    assert chain.pipeline.pre_ is None
    assert chain.pipeline.techniques == ["system_model", "reject_option_classification"]
    assert chain.pipeline.predict(test.features, test.groups["group"]).shape == (len(test),)


def test_stage_result_log_entry_is_json(parts):
    train, validation, _ = parts

    result = fit_stage(Reweighing(privileged=["a"]), train, validation, "group")

    entry = json.loads(json.dumps(result.to_dict()))
    assert entry["stage"] == "pre_processing"
    assert entry["params"] == {"favorable": 1, "privileged": ["a"]}
    assert entry["chain"] == ["reweighing", "system_model"]
    assert entry["status"] == "completed"
    assert entry["error"] is None


def test_fit_stage_unknown_attribute_raises(parts):
    train, validation, _ = parts

    with pytest.raises(DataError, match="Protected attribute 'sex' is not in the training groups"):
        fit_stage(Reweighing(privileged=["a"]), train, validation, "sex")


def test_fit_chain_out_of_order_rejected(parts):
    train, validation, _ = parts

    with pytest.raises(ValueError, match="at most one technique per stage"):
        fit_chain([ThresholdOptimization(), Reweighing(privileged=["a"])], train, validation, "group")


def test_fit_string_labels_rejected(parts):
    train, _, _ = parts
    # fairlearn's metrics would read "yes"/"no" labels as having no positives.
    labels = np.where(train.label == 1, "yes", "no")

    with pytest.raises(DataError, match="Labels must be 0 and 1"):
        FairPipeline().fit(train.features, labels, sensitive_features=train.groups["group"])


def test_make_intervention_builds_and_rejects():
    assert make_intervention("reweighing", privileged=["a"]).stage == "pre_processing"

    with pytest.raises(ValueError, match="Unknown intervention 'lfr'"):
        make_intervention("lfr")


def test_exponentiated_gradient_resamples_weights_reproducibly(parts):
    train, _, test = parts
    train = train.take(np.arange(600))
    groups = train.groups["group"]
    weights = reweigh(train.label, groups, ("a",)).sample_weight

    first = ExponentiatedGradientReduction(max_iter=5).fit(
        train.features, train.label, sensitive_features=groups, sample_weight=weights
    )
    second = ExponentiatedGradientReduction(max_iter=5).fit(
        train.features, train.label, sensitive_features=groups, sample_weight=weights
    )

    assert first.resampled_
    np.testing.assert_array_equal(
        first.predict(test.features, test.groups["group"]), second.predict(test.features, test.groups["group"])
    )


def test_fairlearn_exponentiated_gradient_rejects_sample_weight():
    # Guard: if fairlearn starts accepting sample_weight here, the resampling
    # route in ExponentiatedGradientReduction can be reconsidered.
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=200)})
    y = (X["x"] + rng.normal(size=200) > 0).astype(int)
    groups = rng.choice(["a", "b"], size=200)
    reduction = ExponentiatedGradient(LogisticRegression(), constraints=DemographicParity(), max_iter=5)

    with pytest.raises(TypeError):
        reduction.fit(X, y, sensitive_features=groups, sample_weight=np.ones(200))
