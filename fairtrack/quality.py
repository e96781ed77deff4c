"""Quality checks of production batches against the registered baseline.

A production batch is a CSV or Parquet file with the model's features, the
protected attributes, the served predictions and, when known, the outcomes.
Its metrics are computed with the same bootstrap as a track run and compared
with the baseline metrics recorded at training time. The rules:

- fairness metric of record significantly worse than the baseline (the
  batch's CI lies above the baseline value): roll back;
- utility cost above 10 %: roll back;
- utility cost between the system's threshold and 10 %: review;
- fairness worse than the baseline but not significantly: adjust (monitor,
  and act if it persists);
- otherwise: accept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from fairtrack.data import read_table
from fairtrack.decision import REJECT_UTILITY_COST
from fairtrack.errors import DataError
from fairtrack.evaluation import ModelOutput, evaluate_pair
from fairtrack.spec import SystemSpec
from fairtrack.summary import format_metric

PREDICTION_COLUMN = "prediction"
LABEL_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "roc_auc",
    "equalized_odds_difference",
    "equal_opportunity_difference",
)

Outcome = Literal["rollback", "review", "adjust", "accept"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchAssessment:
    """The batch's metrics, their comparison with the baseline and the outcome."""

    outcome: Outcome
    reasons: list[str]
    rows: int
    has_outcomes: bool
    metrics: dict[str, Any]
    comparison: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the assessment as a JSON-ready dictionary."""
        return {
            "outcome": self.outcome,
            "reasons": list(self.reasons),
            "rows": self.rows,
            "has_outcomes": self.has_outcomes,
            "comparison": self.comparison,
            "metrics": self.metrics,
        }


def read_batch(
    spec: SystemSpec, path: str | Path, prediction_column: str = PREDICTION_COLUMN
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray | None, np.ndarray | None]:
    """Read a production batch: features, protected groups, predictions and outcomes.

    Returns
    -------
    tuple
        Features, groups, the 0/1 predictions (None when the batch has no
        prediction column) and the 0/1 outcomes (None when the label column
        is absent).

    Raises
    ------
    DataError
        If the file cannot be read, a protected column is missing, or the
        predictions are not 0/1.
    """
    from fairtrack.data import prepare_frame

    path = str(path)
    data_format = "parquet" if path.endswith(".parquet") else "csv"
    frame = read_table(path, data_format, {})
    missing = [column for column in spec.protected_columns if column not in frame.columns]
    if missing:
        raise DataError(
            f"Batch {path!r} lacks protected column(s) {missing!r}; a quality check needs each row's group."
        )

    predictions = None
    if prediction_column in frame.columns:
        values = pd.to_numeric(frame[prediction_column], errors="coerce")
        if not values.isin([0, 1]).all():
            raise DataError(f"Batch {path!r}: column {prediction_column!r} must hold 0/1 predictions for every row.")
        predictions = values.to_numpy(dtype=np.int8)
        frame = frame.drop(columns=prediction_column)

    has_outcomes = spec.label.column in frame.columns
    if not has_outcomes:
        # Outcomes are often unknown for recent rows; a placeholder label keeps
        # the loader's checks, and the label-dependent metrics are dropped later.
        frame[spec.label.column] = (
            spec.label.positive if spec.label.mapping is None else next(iter(spec.label.mapping))
        )
        frame.iloc[0, frame.columns.get_loc(spec.label.column)] = _other_label(spec)

    prepared = prepare_frame(frame, spec.with_data_path(path), source=path)
    return prepared.features, prepared.groups, predictions, prepared.label if has_outcomes else None


def assess_batch(
    spec: SystemSpec,
    features: pd.DataFrame,
    groups: pd.DataFrame,
    predictions: np.ndarray,
    outcomes: np.ndarray | None,
    baseline_metrics: dict[str, Any],
) -> BatchAssessment:
    """Compare a batch's fairness and utility with the baseline's recorded metrics.

    Parameters
    ----------
    spec : SystemSpec
        The system specification: metric of record, utility metric, threshold.
    features : pandas.DataFrame
        The batch's features (used for the row count only).
    groups : pandas.DataFrame
        The batch's protected groups.
    predictions : numpy.ndarray
        The served 0/1 predictions.
    outcomes : numpy.ndarray or None
        The 0/1 outcomes, or None when they are not known yet.
    baseline_metrics : dict
        The baseline's metric document recorded at training time.

    Returns
    -------
    BatchAssessment
        The outcome (rollback, review, adjust or accept) and its reasons.
    """
    has_outcomes = outcomes is not None
    y_true = outcomes if has_outcomes else np.zeros(len(predictions), dtype=np.int8)
    output = ModelOutput(predictions, predictions.astype(float))
    evaluation = evaluate_pair(
        y_true,
        groups,
        output,
        output,
        primary_attribute=spec.primary_attribute.column,
        n_bootstrap=spec.n_bootstrap,
        confidence_level=spec.confidence_level,
        random_state=spec.seed,
    )
    metrics = evaluation.baseline
    if not has_outcomes:
        _drop_label_metrics(metrics)

    reasons: list[tuple[Outcome, str]] = []
    comparison = []
    fairness = spec.fairness.metric
    batch_value, baseline_value = metrics.get(fairness, {}), baseline_metrics.get(fairness, {})
    comparison.append(_compare_row(fairness, baseline_value, batch_value))
    if batch_value.get("value") is None or baseline_value.get("value") is None:
        reasons.append(("review", f"{fairness} cannot be compared: it is undefined on the batch or the baseline"))
    elif batch_value["ci"] and batch_value["ci"][0] > baseline_value["value"]:
        reasons.append(
            ("rollback", f"{fairness} is significantly worse than the baseline: {format_metric(batch_value)} against {baseline_value['value']:.4f}")
        )
    elif batch_value["value"] > baseline_value["value"]:
        reasons.append(("adjust", f"{fairness} is slightly worse than the baseline ({batch_value['value']:.4f} against {baseline_value['value']:.4f}), within its interval; keep monitoring"))
    else:
        reasons.append(("accept", f"{fairness} is no worse than the baseline ({batch_value['value']:.4f} against {baseline_value['value']:.4f})"))

    utility = spec.fairness.utility_metric
    if has_outcomes:
        batch_utility, baseline_utility = metrics.get(utility, {}), baseline_metrics.get(utility, {})
        comparison.append(_compare_row(utility, baseline_utility, batch_utility))
        if batch_utility.get("value") is not None and baseline_utility.get("value"):
            cost = (baseline_utility["value"] - batch_utility["value"]) / baseline_utility["value"]
            limit = min(spec.fairness.max_utility_loss, REJECT_UTILITY_COST)
            if cost > REJECT_UTILITY_COST:
                reasons.append(("rollback", f"utility cost {cost:.1%} of {utility} is above {REJECT_UTILITY_COST:.0%}"))
            elif cost > limit:
                reasons.append(("review", f"utility cost {cost:.1%} of {utility} is between {limit:.0%} and {REJECT_UTILITY_COST:.0%}"))
            else:
                reasons.append(("accept", f"utility cost {cost:.1%} of {utility} is within the {limit:.0%} threshold"))
    else:
        reasons.append(("accept", f"outcomes are not known yet, so {utility} and label-based fairness metrics are not checked"))

    severity = ("accept", "adjust", "review", "rollback")
    outcome = max((row for row, _ in reasons), key=severity.index)
    logger.info("Batch of %d rows for %s: %s", len(features), spec.name, outcome)
    return BatchAssessment(
        outcome=outcome,
        reasons=[text for _, text in reasons],
        rows=len(features),
        has_outcomes=has_outcomes,
        metrics=metrics,
        comparison=comparison,
    )


def degradation_report(spec: SystemSpec, assessment: BatchAssessment, batch: str, baseline_version: str) -> str:
    """Render the degradation report of a quality check as Markdown."""
    lines = [
        f"# Degradation report: {spec.name}",
        "",
        f"Batch: `{batch}` ({assessment.rows} rows; outcomes {'known' if assessment.has_outcomes else 'not known'}).",
        f"Compared with the metrics recorded for baseline version {baseline_version} at training time.",
        "",
        f"## Outcome: {assessment.outcome}",
        "",
    ]
    lines += [f"- {reason}" for reason in assessment.reasons]
    lines += ["", "| metric | baseline | batch |", "| --- | --- | --- |"]
    lines += [f"| {row['metric']} | {row['baseline']} | {row['batch']} |" for row in assessment.comparison]
    lines += ["", "## Batch groups", "", "| attribute | group | rows | selection rate |", "| --- | --- | --- | --- |"]
    for attribute, groups in assessment.metrics["groups"].items():
        for group, values in groups.items():
            lines.append(f"| {attribute} | {group} | {values['count']} | {format_metric(values['selection_rate'])} |")
    return "\n".join(lines) + "\n"


def _compare_row(name: str, baseline: dict[str, Any], batch: dict[str, Any]) -> dict[str, Any]:
    return {"metric": name, "baseline": format_metric(baseline or None), "batch": format_metric(batch or None)}


def _drop_label_metrics(metrics: dict[str, Any]) -> None:
    undefined = {"value": None, "ci": None, "reason": "outcomes are not known for this batch"}
    for name in LABEL_METRICS:
        if name in metrics:
            metrics[name] = dict(undefined)
    for disparities in metrics["attributes"].values():
        for name in ("equalized_odds_difference", "equal_opportunity_difference"):
            disparities[name] = dict(undefined)
    for groups in metrics["groups"].values():
        for values in groups.values():
            values["tpr"] = dict(undefined)
            values["fpr"] = dict(undefined)


def _other_label(spec: SystemSpec) -> Any:
    if spec.label.mapping is not None:
        first = next(iter(spec.label.mapping))
        return next(key for key, value in spec.label.mapping.items() if value != spec.label.mapping[first])
    return "__fairtrack_other__"
