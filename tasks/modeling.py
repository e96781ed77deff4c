"""Tasks that train the baseline and the intervened models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prefect import get_run_logger, task
from sklearn.pipeline import Pipeline

from fairtrack.causal import CausalAnalysis
from fairtrack.interventions.pre_processing import fit_with_pre_processing, run_pre_processing
from fairtrack.model import fit_model
from fairtrack.spec import SystemSpec
from fairtrack.split import StoredSplit, read_split_part
from tasks.options import IN_MEMORY


@dataclass
class StageOutcome:
    """One technique tried by a track: its parameters, its model, or its error."""

    stage: str
    technique: str
    status: str
    params: dict[str, Any] = field(default_factory=dict)
    model: Pipeline | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the outcome without the model, for the run document."""
        return {
            "stage": self.stage,
            "technique": self.technique,
            "status": self.status,
            "params": self.params,
            "error": self.error,
        }


@task(name="fit_baseline", **IN_MEMORY)
def fit_baseline(spec: SystemSpec, stored: StoredSplit) -> StageOutcome:
    """Fit the system's model on the training part without any intervention."""
    train = read_split_part(stored, "train")
    model = fit_model(
        train.features,
        train.label,
        family=spec.model_family,
        params=spec.model_params,
        random_state=spec.seed,
    )
    get_run_logger().info("Fitted the baseline %s on %d rows", spec.model_family, len(train))
    return StageOutcome(
        stage="baseline",
        technique="baseline",
        status="completed",
        params={"model_family": spec.model_family, **spec.model_params},
        model=model,
    )


@task(name="apply_pre_processing", **IN_MEMORY)
def apply_pre_processing(
    spec: SystemSpec, stored: StoredSplit, causal: CausalAnalysis | None
) -> StageOutcome:
    """Apply the pre-processing technique and retrain; record a failure instead of raising."""
    logger = get_run_logger()
    train = read_split_part(stored, "train")
    technique = spec.pre_processing
    try:
        result = run_pre_processing(spec, train, causal.summary if causal else None)
        model = fit_with_pre_processing(spec, train, result)
    # A failing technique must not end the track: it is recorded in the
    # intervention log with its error and the track keeps the baseline.
    except Exception as exc:
        logger.error("Pre-processing with %s failed; keeping the baseline: %s", technique, exc)
        return StageOutcome(stage="pre_processing", technique=technique, status="failed", error=str(exc))

    logger.info("Retrained after %s with parameters %s", technique, result.params)
    return StageOutcome(
        stage="pre_processing",
        technique=technique,
        status="completed",
        params=result.params,
        model=model,
    )
