"""Each intervention reduces the disparity it targets on a small biased data set.

The data come from ``make_biased_frame``: the label depends on the group both
directly and through income, and the group is itself a feature, so the
baseline's demographic parity and equalized odds differences are large.
"""

import numpy as np
import pytest

from fairtrack.data import PreparedData
from fairtrack.interventions import (
    AdversarialDebiasing,
    CorrelationRemoval,
    DisparateImpactRepair,
    ExponentiatedGradientReduction,
    FairPipeline,
    ProxySuppression,
    RejectOptionClassification,
    Reweighing,
    ThresholdOptimization,
    disparity,
    fit_stage,
)
from tests.conftest import make_biased_frame

FEATURES = ["income", "tenure", "region", "group"]
DP = "demographic_parity_difference"
EO = "equalized_odds_difference"

TECHNIQUES = {
    "reweighing": (lambda: Reweighing(privileged=["a"]), DP),
    "suppression": (lambda: ProxySuppression(protected_columns=["group"], proxy_features=["income"]), DP),
    "correlation_removal": (lambda: CorrelationRemoval(proxy_features=["income"], protected_columns=["group"]), DP),
    "disparate_impact_repair": (lambda: DisparateImpactRepair(protected_columns=["group"]), DP),
    "adversarial_demographic_parity": (lambda: AdversarialDebiasing(random_state=0), DP),
    "adversarial_equalized_odds": (lambda: AdversarialDebiasing(constraints="equalized_odds", random_state=0), EO),
    "exponentiated_gradient_demographic_parity": (lambda: ExponentiatedGradientReduction(), DP),
    "exponentiated_gradient_equalized_odds": (lambda: ExponentiatedGradientReduction(constraints="equalized_odds"), EO),
    "threshold_optimizer_demographic_parity": (lambda: ThresholdOptimization(), DP),
    "threshold_optimizer_equalized_odds": (lambda: ThresholdOptimization(constraints="equalized_odds"), EO),
    "reject_option_classification": (lambda: RejectOptionClassification(privileged=["a"]), DP),
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
    return _part(0, 2000), _part(1, 1000), _part(2, 2000)


@pytest.fixture(scope="module")
def baseline(parts):
    train, _, _ = parts
    return FairPipeline().fit(train.features, train.label, sensitive_features=train.groups["group"])


@pytest.mark.parametrize("technique", sorted(TECHNIQUES))
def test_intervention_reduces_target_disparity(technique, parts, baseline):
    train, validation, test = parts
    make, metric = TECHNIQUES[technique]

    result = fit_stage(make(), train, validation, "group", base=baseline)

    assert result.status == "completed", result.error
    groups = test.groups["group"]
    before = disparity(test.label, baseline.predict(test.features, groups), groups, metric)
    after = disparity(test.label, result.pipeline.predict(test.features, groups), groups, metric)
    assert before > 0.5
    assert after < 0.5 * before
