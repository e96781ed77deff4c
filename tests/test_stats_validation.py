"""Tests of the validation stage and of the validation report built from it."""

import json

import pytest

from fairtrack.decision import decide
from fairtrack.errors import StatisticsError
from fairtrack.evaluation import evaluate_model, evaluate_pair
from fairtrack.stats import (
    TradeoffPoint,
    pareto_frontier,
    validate_pair,
    validation_report,
    write_validation_report,
)
from tests.stats_helpers import make_pair

FAIRNESS = "demographic_parity_difference"
UTILITY = "balanced_accuracy"


@pytest.fixture(scope="module")
def pair():
    return make_pair(n_rows=3000, seed=11)


@pytest.fixture(scope="module")
def result(pair):
    y_true, groups, baseline, candidate = pair
    return validate_pair(
        y_true,
        groups,
        baseline,
        candidate,
        "sex",
        n_bootstrap=300,
        n_permutations=500,
        n_parity_permutations=300,
        interval="bca",
    )


def test_validation_evaluation_equals_evaluate_pair(pair, result):
    y_true, groups, baseline, candidate = pair

    evaluation = evaluate_pair(y_true, groups, baseline, candidate, "sex", n_bootstrap=300, interval="bca")

    assert evaluation.baseline == result.evaluation.baseline
    assert evaluation.differences == result.evaluation.differences


def test_validation_family_covers_every_set(result):
    family = result.family

    assert family.size == 6
    assert family.correction == "holm"
    assert "sex x race" in family.description
    assert family.find(FAIRNESS, ["sex"]).rejected
    assert result.parity_family.size == 12


def test_validation_result_is_json_ready(result):
    document = json.loads(json.dumps(result.to_dict()))

    assert document["settings"]["interval"] == "bca"
    assert set(document["intersectional"]) == {"baseline", "candidate"}
    assert len(document["permutation_tests"][0]) > 0


def test_validation_bca_documents_every_interval(result):
    for name in ("accuracy", "roc_auc", FAIRNESS):
        low, high = result.evaluation.candidate[name]["ci"]
        assert low <= result.evaluation.candidate[name]["value"] <= high
    assert result.evaluation.method.startswith("BCa bootstrap")


def test_validation_rejects_unknown_metric(pair):
    y_true, groups, baseline, candidate = pair

    with pytest.raises(StatisticsError, match="metrics must be a non-empty selection"):
        validate_pair(y_true, groups, baseline, candidate, "sex", metrics=["accuracy"])


def test_validation_rejects_unknown_primary_attribute(pair):
    y_true, groups, baseline, candidate = pair

    with pytest.raises(StatisticsError, match="Primary attribute 'age' is not a column"):
        validate_pair(y_true, groups, baseline, candidate, "age")


def test_validation_report_sections_and_files(result, tmp_path):
    evaluation = result.evaluation
    points = [
        TradeoffPoint.from_document("baseline", evaluation.baseline, FAIRNESS, UTILITY),
        TradeoffPoint.from_document("reweighing", evaluation.candidate, FAIRNESS, UTILITY, strength=1.0),
    ]
    frontier = pareto_frontier(points, FAIRNESS, UTILITY, evaluation.baseline[UTILITY]["value"])
    decision = decide(
        evaluation.baseline, evaluation.differences, FAIRNESS, UTILITY, tests=result.family, attribute="sex"
    )

    text = validation_report(
        result,
        system="synthetic",
        track="standard",
        fairness_metric=FAIRNESS,
        utility_metric=UTILITY,
        candidate_name="reweighing",
        tradeoff=frontier,
        decision=decision,
    )
    paths = write_validation_report(text, tmp_path, frontier)

    for heading in (
        "## Summary",
        "## Confidence intervals",
        "## Hypothesis tests",
        "## Subgroup results",
        "## Trade-off",
        "## Robustness",
        "## Limitations",
    ):
        assert heading in text
    assert "Holm step-down (family-wise error rate)" in text
    assert "![Fairness-utility trade-off](tradeoff.svg)" in text
    assert f"Decision: **{decision.action}**" in text
    assert sorted(paths) == ["tradeoff_png", "tradeoff_svg", "validation_report"]
    assert open(paths["validation_report"], encoding="utf-8").read() == text


def test_validation_report_without_tradeoff(result):
    text = validation_report(result, system="s", track="quick", fairness_metric=FAIRNESS, utility_metric=UTILITY)

    assert "No trade-off was computed" in text
    assert "tradeoff.svg" not in text


def test_evaluate_model_matches_pair_values(pair):
    y_true, groups, baseline, candidate = pair
    paired = evaluate_pair(y_true, groups, baseline, candidate, "sex", n_bootstrap=200)

    single = evaluate_model(y_true, groups, candidate, "sex", n_bootstrap=200, interval="bca")

    for name in ("accuracy", "roc_auc", FAIRNESS, "equalized_odds_difference"):
        assert single[name]["value"] == pytest.approx(paired.candidate[name]["value"], abs=1e-12)
        low, high = single[name]["ci"]
        assert low <= single[name]["value"] <= high
    assert single["groups"]["race"]["r"]["count"] == paired.candidate["groups"]["race"]["r"]["count"]
