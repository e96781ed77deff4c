"""Tasks that move registry aliases, check production batches and notify people."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task

from fairtrack.errors import SpecError
from fairtrack.quality import assess_batch, degradation_report, read_batch
from fairtrack.registry import (
    Transition,
    append_audit,
    current_actor,
    get_aliases,
    model_name,
    load_recorded_metrics,
    rollback_to_baseline,
)
from fairtrack.spec import SystemSpec
from tasks.locks import registry_lock
from tasks.options import IN_MEMORY, retry_unless_rejected


@task(name="resolve_model_name", **IN_MEMORY)
def resolve_model_name(system: str) -> str:
    """Return the registered model's name: the specification's name, or ``system`` itself."""
    return model_name(system)


@task(name="roll_back_to_baseline", retries=2, retry_delay_seconds=2, retry_condition_fn=retry_unless_rejected, **IN_MEMORY)
def roll_back_to_baseline(model: str, reason: str, mode: str, actor: str | None = None) -> dict[str, Any]:
    """Point the champion alias at the baseline version; a repeat changes nothing."""
    with registry_lock(model):
        transition = rollback_to_baseline(model, reason=reason, actor=actor or current_actor(), mode=mode)
    logger = get_run_logger()
    if transition.changed:
        logger.warning(
            "Rolled %s back from version %s to baseline version %s (%s)",
            model,
            transition.from_version,
            transition.to_version,
            reason,
        )
    else:
        logger.info("%s champion already points at baseline version %s; nothing changed", model, transition.to_version)
    return transition.to_dict()


@task(name="assess_production_batch", **IN_MEMORY)
def assess_production_batch(spec: SystemSpec, batch: str, output_folder: str) -> dict[str, Any]:
    """Compare a production batch with the baseline's recorded metrics and write the degradation report."""
    if not batch:
        raise SpecError("A quality rollback needs a production batch; pass --batch FILE (CSV or Parquet).")
    logger = get_run_logger()
    baseline_version = get_aliases(spec.name)["baseline"]
    baseline_metrics = load_recorded_metrics(spec.name, baseline_version)

    features, groups, predictions, outcomes = read_batch(spec, batch)
    if predictions is None:
        predictions = _score_with_champion(spec.name, features)
        logger.info("Batch has no prediction column; scored %d rows with the champion model", len(features))

    assessment = assess_batch(spec, features, groups, predictions, outcomes, baseline_metrics)
    folder = Path(output_folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / "degradation_report.md"
    report.write_text(degradation_report(spec, assessment, batch, baseline_version), encoding="utf-8")

    logger.info("Quality check of %s on %d rows: %s (%s)", spec.name, assessment.rows, assessment.outcome, "; ".join(assessment.reasons))
    return {**assessment.to_dict(), "baseline_version": baseline_version, "report": str(report)}


@task(name="record_outcome", **IN_MEMORY)
def record_outcome(model: str, assessment: dict[str, Any], reason: str, actor: str | None = None) -> dict[str, Any]:
    """Append a quality check that did not roll back (review, adjust or accept) to the audit log."""
    transition = Transition(
        model=model,
        action=f"quality:{assessment['outcome']}",
        actor=actor or current_actor(),
        reason=reason,
        changed=False,
        details={"reasons": assessment["reasons"], "report": assessment["report"], "rows": assessment["rows"]},
    )
    append_audit(model, transition)
    get_run_logger().info("Recorded quality outcome %s for %s", assessment["outcome"], model)
    return transition.to_dict()


@task(name="notify_transition", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_rejected, **IN_MEMORY)
def notify_transition(transition: dict[str, Any], block_name: str | None = None) -> bool:
    """Notify people of a rollback through a Prefect notification block, or log it when none is configured."""
    logger = get_run_logger()
    subject = f"fairtrack: {transition['action']} of {transition['model']}"
    if transition["changed"]:
        body = (
            f"champion moved from version {transition['from_version']} to baseline version "
            f"{transition['to_version']} by {transition['actor']} at {transition['timestamp']}: {transition['reason']}"
        )
    else:
        body = f"champion already pointed at baseline version {transition['to_version']}; nothing changed."

    if not block_name:
        logger.warning("No notification block configured; %s: %s", subject, body)
        return False

    from prefect.blocks.core import Block

    block = Block.load(block_name)
    block.notify(body=body, subject=subject)
    logger.info("Sent %r through notification block %s", subject, block_name)
    return True


def _score_with_champion(model: str, features):
    import mlflow

    from fairtrack.model import to_model_frame
    from fairtrack.tracking import resolve_tracking_uri

    mlflow.set_tracking_uri(resolve_tracking_uri()[0])
    loaded = mlflow.pyfunc.load_model(f"models:/{model}@champion")
    return loaded.predict(to_model_frame(features)).astype("int8")
