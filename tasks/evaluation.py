"""Tasks that validate the models on the test part, apply the decision matrix and write document 4."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task

from fairtrack.contracts.report import ContractReport
from fairtrack.decision import Decision, decide
from fairtrack.evaluation import ModelOutput
from fairtrack.model import predict
from fairtrack.small_groups import flag_small_group_disparity, small_groups
from fairtrack.spec import SystemSpec
from fairtrack.split import StoredSplit, read_split_part
from fairtrack.stats import TradeoffPoint, pareto_frontier, validate_pair
from fairtrack.stats.report import validation_report, write_validation_report
from fairtrack.stats.validation import ValidationResult
from fairtrack.summary import format_metric
from tasks.modeling import StageOutcome
from fairtrack.tracking import VALIDATION_DIR
from tasks.options import IN_MEMORY


@task(name="validate_models", **IN_MEMORY)
def validate_models(
    spec: SystemSpec, stored: StoredSplit, baseline: StageOutcome, selected: StageOutcome
) -> ValidationResult:
    """Validate the selected model against the baseline on the test part: CIs, permutation tests, subgroups."""
    test = read_split_part(stored, "test")
    outputs = [ModelOutput(*predict(outcome.model, test.features)) for outcome in (baseline, selected)]
    return validate_outputs(spec, test, outputs[0], outputs[1])


def validate_outputs(spec: SystemSpec, test, baseline: ModelOutput, candidate: ModelOutput) -> ValidationResult:
    """Run the validation stage on two models' test outputs; call it from inside a task."""
    logger = get_run_logger()
    metrics = tuple(dict.fromkeys((spec.fairness.metric, "demographic_parity_difference", "equalized_odds_difference")))
    result = validate_pair(
        test.label,
        test.groups,
        baseline,
        candidate,
        primary_attribute=spec.primary_attribute.column,
        metrics=metrics,
        n_bootstrap=spec.n_bootstrap,
        confidence_level=spec.confidence_level,
        favorable=spec.label.favorable,
        random_state=spec.seed,
    )
    metric = spec.fairness.metric
    evaluation = result.evaluation
    logger.info(
        "%s on %s: baseline %s, selected %s",
        metric,
        spec.primary_attribute.column,
        format_metric(evaluation.baseline[metric]),
        format_metric(evaluation.candidate[metric]),
    )
    for warning in result.sample_size_warnings:
        logger.warning("%s", warning)
    return result


@task(name="decide_action", **IN_MEMORY)
def decide_action(spec: SystemSpec, validation: ValidationResult, contract: ContractReport) -> Decision:
    """Apply the decision matrix; an improvement counts only when significant after correction.

    A fairness metric set by a group below the sample-size rule escalates the
    decision to review unless the specification accepts small groups.
    """
    decision = decide(
        validation.evaluation.baseline,
        validation.evaluation.differences,
        fairness_metric=spec.fairness.metric,
        utility_metric=spec.fairness.utility_metric,
        max_utility_loss=spec.fairness.max_utility_loss,
        tests=validation.family,
        attribute=spec.primary_attribute.column,
    )
    if not spec.fairness.accept_small_groups:
        attribute = spec.primary_attribute.column
        decision = flag_small_group_disparity(
            decision,
            [validation.evaluation.baseline, validation.evaluation.candidate],
            attribute,
            spec.fairness.metric,
            small_groups(contract.group_counts, attribute),
        )
    get_run_logger().info("Decision: %s (%s)", decision.action, "; ".join(decision.reasons))
    return decision


@task(name="write_validation_report", **IN_MEMORY)
def write_validation_documents(
    spec: SystemSpec,
    track: str,
    validation: ValidationResult,
    decision: Decision,
    run_folder: str,
    selected_technique: str,
    techniques: list[dict[str, Any]] | None = None,
) -> dict[str, str]:
    """Write the validation report (and, with several techniques, the trade-off plot)."""
    tradeoff = None
    fairness, utility = spec.fairness.metric, spec.fairness.utility_metric
    if techniques:
        points = [TradeoffPoint.from_document("baseline", validation.evaluation.baseline, fairness, utility)]
        points += [
            TradeoffPoint.from_document(" > ".join(entry["chain"]), entry["test_metrics"], fairness, utility, stage=entry["stage"])
            for entry in techniques
            if entry.get("test_metrics")
        ]
        baseline_utility = validation.evaluation.baseline[utility]["value"]
        tradeoff = pareto_frontier(points, fairness, utility, baseline_utility, spec.fairness.max_utility_loss)

    text = validation_report(
        validation,
        system=spec.name,
        track=track,
        fairness_metric=fairness,
        utility_metric=utility,
        candidate_name=selected_technique,
        tradeoff=tradeoff,
        decision=decision,
    )
    paths = write_validation_report(text, Path(run_folder) / VALIDATION_DIR, tradeoff=tradeoff)
    get_run_logger().info("Validation report written to %s", paths["validation_report"])
    return paths
