"""Tasks that evaluate the models on the test part and apply the decision matrix."""

from __future__ import annotations

from prefect import get_run_logger, task

from fairtrack.decision import Decision, decide
from fairtrack.evaluation import ModelOutput, PairEvaluation, evaluate_pair
from fairtrack.model import predict
from fairtrack.spec import SystemSpec
from fairtrack.summary import format_metric
from fairtrack.split import StoredSplit, read_split_part
from tasks.modeling import StageOutcome
from tasks.options import IN_MEMORY


@task(name="evaluate_models", **IN_MEMORY)
def evaluate_models(
    spec: SystemSpec, stored: StoredSplit, baseline: StageOutcome, selected: StageOutcome
) -> PairEvaluation:
    """Score the baseline and the selected model on the test part with bootstrap CIs."""
    logger = get_run_logger()
    test = read_split_part(stored, "test")
    outputs = [ModelOutput(*predict(outcome.model, test.features)) for outcome in (baseline, selected)]
    evaluation = evaluate_pair(
        test.label,
        test.groups,
        outputs[0],
        outputs[1],
        primary_attribute=spec.primary_attribute.column,
        n_bootstrap=spec.n_bootstrap,
        confidence_level=spec.confidence_level,
        random_state=spec.seed,
    )

    metric = spec.fairness.metric
    logger.info(
        "%s on %s: baseline %s, %s %s",
        metric,
        spec.primary_attribute.column,
        format_metric(evaluation.baseline[metric]),
        selected.technique,
        format_metric(evaluation.candidate[metric]),
    )
    return evaluation


@task(name="decide_action", **IN_MEMORY)
def decide_action(spec: SystemSpec, evaluation: PairEvaluation) -> Decision:
    """Apply the decision matrix to the evaluation."""
    decision = decide(
        evaluation.baseline,
        evaluation.differences,
        fairness_metric=spec.fairness.metric,
        utility_metric=spec.fairness.utility_metric,
        max_utility_loss=spec.fairness.max_utility_loss,
    )
    get_run_logger().info("Decision: %s (%s)", decision.action, "; ".join(decision.reasons))
    return decision
