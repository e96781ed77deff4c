"""Tasks of the standard track: compare techniques per stage, evaluate them, record the sign-off."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task

from fairtrack.causal import CausalAnalysis
from fairtrack.evaluation import ModelOutput, PairEvaluation, evaluate_pair
from fairtrack.interventions import FairPipeline, StageResult, fit_stage, make_intervention
from fairtrack.interventions.plan import STAGE_TECHNIQUES, technique_params
from fairtrack.interventions.system_model import SystemModel
from fairtrack.registry import promote, record_approval
from fairtrack.reports import write_sign_off
from fairtrack.selection import point_metrics, select_candidate
from fairtrack.stats.validation import ValidationResult
from fairtrack.spec import SystemSpec
from fairtrack.split import StoredSplit, read_split_part
from tasks.evaluation import validate_outputs
from tasks.locks import registry_lock
from tasks.options import IN_MEMORY


@dataclass
class StageRound:
    """The techniques tried at one stage, their validation metrics and the one kept."""

    stage: str
    results: list[StageResult]
    validation: list[dict[str, float]]
    selected: StageResult
    reason: str
    selected_technique: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@task(name="fit_baseline_pipeline", **IN_MEMORY)
def fit_baseline_pipeline(spec: SystemSpec, stored: StoredSplit) -> StageResult:
    """Fit the system's model without intervention, as the start of every chain."""
    train = read_split_part(stored, "train")
    attribute = spec.primary_attribute.column
    pipeline = FairPipeline(classifier=SystemModel(spec.model_family, spec.model_params, spec.seed))
    pipeline.fit(train.features, train.label, sensitive_features=train.groups[attribute].to_numpy())
    get_run_logger().info("Fitted the baseline %s on %d rows", spec.model_family, len(train))
    return StageResult(
        stage="baseline",
        technique="baseline",
        params={"model_family": spec.model_family, **spec.model_params},
        status="completed",
        pipeline=pipeline,
        chain=["baseline"],
    )


@task(name="compare_stage_techniques", **IN_MEMORY)
def compare_stage_techniques(
    spec: SystemSpec,
    stored: StoredSplit,
    causal: CausalAnalysis | None,
    stage: str,
    previous: StageResult,
    baseline: StageResult,
) -> StageRound:
    """Fit every technique of a stage on top of ``previous`` and keep the best on the validation part."""
    logger = get_run_logger()
    train = read_split_part(stored, "train")
    validation = read_split_part(stored, "validation")
    attribute = spec.primary_attribute.column
    proxies = list(causal.recommendation.targets) if causal else []
    summary = causal.summary if causal else None

    results = []
    for technique in STAGE_TECHNIQUES[stage]:
        params = technique_params(technique, spec, summary, proxies)
        result = fit_stage(make_intervention(technique, **params), train, validation, attribute, base=previous.pipeline)
        if result.status == "failed":
            logger.error("%s (%s) failed and is skipped: %s", technique, stage, result.error)
        else:
            logger.info("%s (%s) fitted in %.1f s", technique, stage, result.fit_seconds)
        results.append(result)

    groups = validation.groups[attribute]
    scored = [previous] + [result for result in results if result.status == "completed"]
    metrics = [
        point_metrics(validation.label, result.pipeline.predict(validation.features, groups.to_numpy()), groups)
        for result in scored
    ]
    baseline_utility = point_metrics(
        validation.label, baseline.pipeline.predict(validation.features, groups.to_numpy()), groups
    )[spec.fairness.utility_metric]
    choice = select_candidate(
        metrics,
        spec.fairness.metric,
        spec.fairness.utility_metric,
        baseline_utility,
        spec.fairness.max_utility_loss,
    )
    selected = scored[choice.index]
    logger.info("Stage %s keeps %s: %s", stage, " > ".join(selected.chain), choice.reason)
    by_technique = {result.technique: values for result, values in zip(scored[1:], metrics[1:])}
    return StageRound(
        stage=stage,
        results=results,
        validation=[by_technique.get(result.technique, {}) for result in results],
        selected=selected,
        reason=choice.reason,
        selected_technique=selected.technique if choice.index else None,
    )


@task(name="evaluate_techniques", **IN_MEMORY)
def evaluate_techniques(
    spec: SystemSpec, stored: StoredSplit, baseline: StageResult, rounds: list[StageRound]
) -> tuple[ValidationResult, list[dict[str, Any]]]:
    """Evaluate every fitted technique against the baseline on the test part, with bootstrap CIs.

    Returns the full validation of the final selected pipeline (CIs, permutation
    tests, subgroups) and one intervention-log entry per technique (failed ones
    without metrics).
    """
    logger = get_run_logger()
    test = read_split_part(stored, "test")
    attribute = spec.primary_attribute.column
    groups = test.groups[attribute].to_numpy()
    base_output = _output(baseline.pipeline, test.features, groups)

    entries = []
    final_pipeline = rounds[-1].selected
    for stage_round in rounds:
        for result, validation in zip(stage_round.results, stage_round.validation):
            entry = {
                **result.to_dict(),
                "validation_metrics": validation,
                "selected": result.technique == stage_round.selected_technique,
                "selection_reason": stage_round.reason if result.technique == stage_round.selected_technique else None,
                "stage_reason": stage_round.reason,
                "test_metrics": None,
            }
            if result.status == "completed":
                evaluation = _evaluate(spec, test, base_output, _output(result.pipeline, test.features, groups))
                entry["test_metrics"] = evaluation.candidate
            entries.append(entry)

    final = validate_outputs(spec, test, base_output, _output(final_pipeline.pipeline, test.features, groups))
    logger.info("Evaluated %d techniques on %d test rows", sum(e["status"] == "completed" for e in entries), len(test))
    return final, entries


@task(name="record_sign_off", **IN_MEMORY)
def record_sign_off(spec: SystemSpec, document: dict[str, Any], review: dict[str, Any], run_folder: str) -> dict[str, Any]:
    """Record the reviewer's decision on the candidate, write the sign-off record and log it to MLflow."""
    logger = get_run_logger()
    model = document["registry"]["model"]
    version = str(document["registry"]["candidate_version"])
    with registry_lock(model):
        record_approval(model, review["decision"], review["reviewer"], review.get("comment", ""), version=version)

    sign_off = {
        **review,
        "model": model,
        "version": version,
        "time": datetime.now(timezone.utc).isoformat(),
        "recommendation": document["decision"]["action"],
    }
    path = write_sign_off(document, sign_off, run_folder)
    _log_to_run(document["run_id"], path)
    logger.info("Sign-off on %s version %s: %s by %s", model, version, review["decision"], review["reviewer"])
    return {**sign_off, "path": str(path)}


@task(name="promote_candidate", **IN_MEMORY)
def promote_candidate(sign_off: dict[str, Any]) -> dict[str, Any]:
    """Move champion to the approved candidate."""
    with registry_lock(sign_off["model"]):
        transition = promote(sign_off["model"], actor=sign_off["reviewer"], reason=sign_off.get("comment", ""))
    get_run_logger().info("Champion of %s is now version %s", sign_off["model"], transition.to_version)
    return transition.to_dict()


@task(name="automatic_review", **IN_MEMORY)
def automatic_review(document: dict[str, Any]) -> dict[str, Any]:
    """Review without a person: approve only a candidate whose recommendation is deploy."""
    action = document["decision"]["action"]
    decision = "approve" if action == "deploy" else "reject"
    comment = f"automatic review (--approve auto): the recommendation was {action!r}"
    get_run_logger().info("Automatic review: %s (%s)", decision, comment)
    return {"decision": decision, "reviewer": "automatic", "comment": comment}


def _output(pipeline: FairPipeline, features, groups) -> ModelOutput:
    return ModelOutput(pipeline.predict(features, groups), pipeline.predict_proba(features, groups)[:, 1])


def _evaluate(spec: SystemSpec, test, baseline: ModelOutput, candidate: ModelOutput) -> PairEvaluation:
    return evaluate_pair(
        test.label,
        test.groups,
        baseline,
        candidate,
        primary_attribute=spec.primary_attribute.column,
        n_bootstrap=spec.n_bootstrap,
        confidence_level=spec.confidence_level,
        random_state=spec.seed,
    )


def _log_to_run(run_id: str, path: Path) -> None:
    from mlflow import MlflowClient

    from fairtrack.tracking import resolve_tracking_uri

    MlflowClient(resolve_tracking_uri()[0]).log_artifact(run_id, str(path), artifact_path="reports")
