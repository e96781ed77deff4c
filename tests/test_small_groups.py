"""Tests of the escalation of disparities set by small groups."""

from fairtrack.decision import Decision
from fairtrack.small_groups import extreme_groups, flag_small_group_disparity, small_groups


def rates(value):
    return {"value": value, "ci": [value, value]}


DOCUMENT = {
    "groups": {
        "race": {
            "a": {"count": 900, "selection_rate": rates(0.30), "tpr": rates(0.6), "fpr": rates(0.1)},
            "b": {"count": 800, "selection_rate": rates(0.20), "tpr": rates(0.5), "fpr": rates(0.2)},
            "c": {"count": 3, "selection_rate": rates(1.0), "tpr": {"value": None, "ci": None}, "fpr": rates(1.0)},
        }
    }
}
COUNTS = {"race": {"train": {"a": 2000, "b": 1500, "c": 7}, "test": {"a": 900, "b": 800, "c": 3}}}


def test_small_groups_counted_over_parts():
    assert small_groups(COUNTS, "race") == {"c": 10}


def test_extreme_groups_of_parity_difference():
    assert extreme_groups(DOCUMENT, "race", "demographic_parity_difference") == {"b", "c"}
    assert extreme_groups(DOCUMENT, "race", "equal_opportunity_difference") == {"a", "b"}


def test_deploy_escalated_to_review():
    decision = Decision(action="deploy", reasons=["significantly better"])

    flagged = flag_small_group_disparity(decision, [DOCUMENT], "race", "demographic_parity_difference", {"c": 10})

    assert flagged.action == "review"
    assert "'c' (10 rows in all, 3 in the test part)" in flagged.reasons[-1]


def test_reject_kept_and_unaffected_metric_unchanged():
    rejected = Decision(action="reject", reasons=["worse"])
    deployed = Decision(action="deploy", reasons=["better"])

    assert flag_small_group_disparity(rejected, [DOCUMENT], "race", "demographic_parity_difference", {"c": 10}).action == "reject"
    assert flag_small_group_disparity(deployed, [DOCUMENT], "race", "equal_opportunity_difference", {"c": 10}) is deployed
