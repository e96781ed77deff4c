"""Tests of the decision matrix, one per row."""

import pytest

from fairtrack.decision import decide
from fairtrack.errors import StatisticsError
from fairtrack.stats import correct_family

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


# One test per row of the whole decision matrix, most severe first.


def family(pvalue, metric=FAIRNESS):
    return correct_family(
        [(metric, ("sex",), "improved", pvalue), ("equalized_odds_difference", ("sex",), "improved", 0.5)], "holm"
    )


def test_decision_row_production_crash():
    decision = decide({}, {}, FAIRNESS, UTILITY, crashed=True)

    assert (decision.row, decision.response, decision.action) == ("production_crash", "emergency_rollback", "reject")
    assert "within the hour" in decision.reasons[0]


def test_decision_row_fairness_degraded():
    decision = outcome(0.05, [0.02, 0.08], -0.01)

    assert (decision.row, decision.response, decision.action) == ("fairness_degraded", "quality_rollback", "reject")


def test_decision_row_utility_cost_above_limit():
    decision = outcome(-0.10, [-0.12, -0.08], -0.12)

    assert (decision.row, decision.response, decision.action) == (
        "utility_cost_above_limit",
        "quality_rollback",
        "reject",
    )


def test_decision_row_fairness_not_improved():
    decision = outcome(-0.01, [-0.03, 0.01], -0.01)

    assert (decision.row, decision.response, decision.action) == (
        "fairness_not_improved",
        "adjust_or_rollback",
        "adjust",
    )


def test_decision_row_utility_cost_review():
    decision = outcome(-0.10, [-0.12, -0.08], -0.06)

    assert (decision.row, decision.response, decision.action) == ("utility_cost_review", "stakeholder_review", "review")


def test_decision_row_fairness_minor_degradation():
    baseline = {UTILITY: {"value": 0.8, "ci": [0.79, 0.81]}}
    differences = {FAIRNESS: {"value": 0.01, "ci": [-0.01, 0.03]}, UTILITY: {"value": 0.0, "ci": [-0.01, 0.01]}}

    decision = decide(baseline, differences, FAIRNESS, UTILITY, require_improvement=False)

    assert (decision.row, decision.response, decision.action) == (
        "fairness_minor_degradation",
        "monitor_and_adjust",
        "adjust",
    )
    assert "monitor it and adjust if it persists" in decision.reasons[0]


def test_decision_row_deploy():
    decision = outcome(-0.10, [-0.12, -0.08], -0.02)

    assert (decision.row, decision.response, decision.action) == ("deploy", "deploy", "deploy")


def test_decision_gain_counts_only_after_correction():
    baseline = {UTILITY: {"value": 0.8, "ci": [0.79, 0.81]}}
    differences = {FAIRNESS: {"value": -0.05, "ci": [-0.09, -0.01]}, UTILITY: {"value": 0.0, "ci": [-0.01, 0.01]}}

    # Raw p = 0.03 passes 0.05 alone, but Holm over two hypotheses makes it 0.06.
    decision = decide(baseline, differences, FAIRNESS, UTILITY, tests=family(0.03), attribute="sex")

    assert decision.action == "adjust"
    assert decision.significance["adjusted_pvalue"] == pytest.approx(0.06)
    assert "adjusted p = 0.06" in decision.reasons[0]


def test_decision_corrected_gain_deploys():
    baseline = {UTILITY: {"value": 0.8, "ci": [0.79, 0.81]}}
    differences = {FAIRNESS: {"value": -0.05, "ci": [-0.09, -0.01]}, UTILITY: {"value": 0.0, "ci": [-0.01, 0.01]}}

    decision = decide(baseline, differences, FAIRNESS, UTILITY, tests=family(0.001))

    assert decision.action == "deploy"
    assert decision.significance["test"] == "corrected permutation test"


def test_decision_ratio_is_fairer_when_higher():
    baseline = {UTILITY: {"value": 0.8, "ci": [0.79, 0.81]}}
    differences = {
        "demographic_parity_ratio": {"value": 0.2, "ci": [0.1, 0.3]},
        UTILITY: {"value": 0.0, "ci": [-0.01, 0.01]},
    }

    decision = decide(baseline, differences, "demographic_parity_ratio", UTILITY)

    assert decision.action == "deploy"


def test_decision_rejects_family_without_metric():
    with pytest.raises(StatisticsError, match="has no single hypothesis about 'demographic_parity_ratio'"):
        decide(
            {UTILITY: {"value": 0.8, "ci": None}},
            {"demographic_parity_ratio": {"value": 0.1, "ci": [0.0, 0.2]}, UTILITY: {"value": 0.0, "ci": None}},
            "demographic_parity_ratio",
            UTILITY,
            tests=family(0.01),
        )
