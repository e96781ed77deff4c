"""Tests of the decision matrix, one per row."""

import pytest

from fairtrack.decision import decide

FAIRNESS = "demographic_parity_difference"
UTILITY = "balanced_accuracy"


def outcome(fairness_change, fairness_ci, utility_change):
    baseline = {UTILITY: {"value": 0.8, "ci": [0.79, 0.81]}}
    differences = {
        FAIRNESS: {"value": fairness_change, "ci": fairness_ci},
        UTILITY: {"value": utility_change, "ci": [utility_change - 0.01, utility_change + 0.01]},
    }
    return decide(baseline, differences, FAIRNESS, UTILITY, max_utility_loss=0.05)


@pytest.mark.parametrize(
    ("fairness_change", "fairness_ci", "utility_change", "action", "reason"),
    [
        (0.05, [0.02, 0.08], 0.0, "reject", "significantly worse"),
        (-0.10, [-0.12, -0.08], -0.12, "reject", "above 10%"),
        (-0.01, [-0.03, 0.01], -0.01, "adjust", "not significantly better"),
        (0.01, [-0.01, 0.03], 0.0, "adjust", "not significantly better and slightly worse"),
        (-0.10, [-0.12, -0.08], -0.06, "review", "between 5% and 10%"),
        (-0.10, [-0.12, -0.08], -0.02, "deploy", "within the 5% threshold"),
    ],
)
def test_decision_row(fairness_change, fairness_ci, utility_change, action, reason):
    decision = outcome(fairness_change, fairness_ci, utility_change)

    assert decision.action == action
    assert any(reason in text for text in decision.reasons)


def test_decision_utility_cost_is_relative():
    decision = outcome(-0.1, [-0.12, -0.08], -0.04)

    assert decision.utility_cost == pytest.approx(0.05)


def test_decision_undefined_fairness_adjusts():
    decision = outcome(None, None, 0.0)

    assert decision.action == "adjust"
    assert "undefined" in decision.reasons[0]
