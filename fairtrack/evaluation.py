"""Evaluation of a baseline and a candidate model with paired bootstrap CIs.

A row bootstrap stratified by group is the same, in distribution, as drawing
each group's cell counts from a multinomial with that group's observed cell
shares. Both models are scored on the same rows, so each row falls in one of
eight cells (label, baseline prediction, candidate prediction); drawing those
eight counts per intersectional group gives both models' confusion counts in
the same resample, and with them paired differences. The cost after one
counting pass depends on the number of groups and resamples, not on rows.

ROC AUC needs the scores, so it is resampled on rows: each resample is a
vector of row counts drawn per group, processed in batches that bound memory.

The intervals are percentile intervals (Efron and Tibshirani, "An
Introduction to the Bootstrap", 1993, chapter 13).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairtrack import metrics as m

ROW_BATCH_ELEMENTS = 20_000_000
COUNT_METRICS = m.OVERALL_METRICS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelOutput:
    """A model's hard predictions (0/1) and scores for the positive class."""

    predictions: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True)
class PairEvaluation:
    """Metrics of two models on the same rows and their paired differences.

    Attributes
    ----------
    baseline, candidate : dict
        Metric documents: each metric is ``{"value": x, "ci": [low, high]}``,
        or ``{"value": None, "ci": None, "reason": ...}`` when undefined.
    differences : dict
        Candidate minus baseline for each overall metric and each disparity
        metric of the primary attribute, with the paired bootstrap CI.
    primary_attribute : str
        The attribute whose disparities appear at the top level.
    n_bootstrap : int
        The number of resamples.
    confidence_level : float
        The coverage of every interval.
    """

    baseline: dict[str, Any]
    candidate: dict[str, Any]
    differences: dict[str, Any]
    primary_attribute: str
    n_bootstrap: int
    confidence_level: float


def evaluate_pair(
    y_true: np.ndarray,
    groups: pd.DataFrame,
    baseline: ModelOutput,
    candidate: ModelOutput,
    primary_attribute: str,
    n_bootstrap: int = 1000,
    confidence_level: float = 0.95,
    random_state: int = 0,
) -> PairEvaluation:
    """Evaluate two models on the same rows with stratified bootstrap CIs.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n_rows,)
        Labels as 0/1.
    groups : pandas.DataFrame
        One column per protected attribute with each row's group.
    baseline, candidate : ModelOutput
        Predictions and scores of the two models on the same rows.
    primary_attribute : str
        The column of ``groups`` whose disparity metrics appear at the top
        level and in ``differences``.
    n_bootstrap : int, default=1000
        The number of resamples.
    confidence_level : float, default=0.95
        The coverage of the percentile intervals.
    random_state : int, default=0
        Seed of the resampling.

    Returns
    -------
    PairEvaluation
        Metric documents of both models and their paired differences.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    rng = np.random.default_rng(random_state)
    cell_codes, cell_groups = _intersection_cells(groups)
    n_cells = len(cell_groups)

    joint = 4 * y_true + 2 * np.asarray(baseline.predictions, dtype=np.int64)
    joint = joint + np.asarray(candidate.predictions, dtype=np.int64)
    observed = np.bincount(8 * cell_codes + joint, minlength=8 * n_cells).reshape(n_cells, 8)
    resampled = _multinomial_per_cell(observed, n_bootstrap, rng)

    auc_point, auc_samples = _roc_auc_bootstrap(
        y_true, [baseline.scores, candidate.scores], cell_codes, n_cells, n_bootstrap, rng
    )

    alpha = 1 - confidence_level
    documents = []
    values = []
    for index, model_axis in enumerate((1, 2)):
        point_counts = _model_counts(observed, model_axis)
        sample_counts = _model_counts(resampled, model_axis)
        document, point, samples = _metric_document(
            point_counts, sample_counts, cell_groups, groups.columns, primary_attribute, alpha
        )
        document["roc_auc"] = _interval(auc_point[index], auc_samples[index], alpha, "roc_auc")
        point["roc_auc"], samples["roc_auc"] = auc_point[index], auc_samples[index]
        documents.append(document)
        values.append((point, samples))

    differences = {}
    (base_point, base_samples), (cand_point, cand_samples) = values
    for name in base_point:
        difference = cand_point[name] - base_point[name]
        differences[name] = _interval(difference, cand_samples[name] - base_samples[name], alpha, name)

    logger.info(
        "Evaluated two models on %d rows and %d intersectional groups with %d resamples",
        len(y_true),
        n_cells,
        n_bootstrap,
    )
    return PairEvaluation(
        baseline=documents[0],
        candidate=documents[1],
        differences=differences,
        primary_attribute=primary_attribute,
        n_bootstrap=n_bootstrap,
        confidence_level=confidence_level,
    )


def _intersection_cells(groups: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Code each row's combination of groups; return the codes and the combinations."""
    codes, uniques = pd.MultiIndex.from_frame(groups.astype(str)).factorize()
    cells = pd.DataFrame(list(uniques), columns=groups.columns)
    return np.asarray(codes, dtype=np.int64), cells


def _multinomial_per_cell(observed: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Draw every cell's counts as a multinomial with its observed shares."""
    samples = np.zeros((n_resamples, *observed.shape), dtype=np.int64)
    for cell, counts in enumerate(observed):
        total = counts.sum()
        if total:
            samples[:, cell, :] = rng.multinomial(total, counts / total, size=n_resamples)
    return samples


def _model_counts(joint: np.ndarray, model_axis: int) -> np.ndarray:
    """Collapse joint (label, baseline, candidate) counts to one model's confusion counts."""
    shaped = joint.reshape(*joint.shape[:-1], 2, 2, 2)
    other_axis = -1 if model_axis == 1 else -2
    return shaped.sum(axis=other_axis).reshape(*joint.shape[:-1], 4)


def _metric_document(
    cell_counts: np.ndarray,
    sample_counts: np.ndarray,
    cell_groups: pd.DataFrame,
    attributes: pd.Index,
    primary_attribute: str,
    alpha: float,
) -> tuple[dict[str, Any], dict[str, float], dict[str, np.ndarray]]:
    point: dict[str, float] = {}
    samples: dict[str, np.ndarray] = {}

    overall_point = m.overall_metrics(cell_counts)
    overall_samples = m.overall_metrics(sample_counts)
    document: dict[str, Any] = {}
    for name in COUNT_METRICS:
        document[name] = _interval(overall_point[name], overall_samples[name], alpha, name)
        point[name], samples[name] = float(overall_point[name]), overall_samples[name]

    document["attributes"] = {}
    document["groups"] = {}
    for attribute in attributes:
        names, membership = _membership(cell_groups[attribute])
        counts = np.einsum("kc,kg->gc", cell_counts, membership)
        resampled = np.einsum("bkc,kg->bgc", sample_counts, membership)

        rates_point = m.group_rates(counts)
        rates_samples = m.group_rates(resampled)
        disparity_point = m.disparities(rates_point)
        disparity_samples = m.disparities(rates_samples)

        document["attributes"][attribute] = {
            name: _interval(disparity_point[name], disparity_samples[name], alpha, name)
            for name in m.DISPARITY_METRICS
        }
        document["groups"][attribute] = {
            group: {
                "count": int(counts[index].sum()),
                **{
                    rate: _interval(rates_point[rate][index], rates_samples[rate][:, index], alpha, rate)
                    for rate in m.GROUP_RATES
                },
            }
            for index, group in enumerate(names)
        }

        if attribute == primary_attribute:
            for name in m.DISPARITY_METRICS:
                document[name] = document["attributes"][attribute][name]
                point[name], samples[name] = float(disparity_point[name]), disparity_samples[name]

    return document, point, samples


def _membership(column: pd.Series) -> tuple[list[str], np.ndarray]:
    names = sorted(column.unique())
    index = {name: position for position, name in enumerate(names)}
    membership = np.zeros((len(column), len(names)), dtype=np.int64)
    membership[np.arange(len(column)), column.map(index).to_numpy()] = 1
    return names, membership


def _interval(value: float, samples: np.ndarray, alpha: float, name: str) -> dict[str, Any]:
    value = float(value)
    if np.isnan(value):
        return {"value": None, "ci": None, "reason": m.UNDEFINED_REASONS.get(name, "undefined")}

    defined = samples[~np.isnan(samples)]
    if defined.size == 0:
        return {"value": value, "ci": None, "reason": "undefined in every bootstrap resample"}

    low, high = np.quantile(defined, [alpha / 2, 1 - alpha / 2])
    return {"value": value, "ci": [float(low), float(high)]}


def _roc_auc_bootstrap(
    y_true: np.ndarray,
    scores: list[np.ndarray],
    cell_codes: np.ndarray,
    n_cells: int,
    n_resamples: int,
    rng: np.random.Generator,
) -> tuple[list[float], list[np.ndarray]]:
    """ROC AUC of each score vector and its resamples, drawn per intersectional group."""
    n_rows = len(y_true)
    members = [np.flatnonzero(cell_codes == cell) for cell in range(n_cells)]
    prepared = []
    for score in scores:
        order = np.argsort(score, kind="stable")
        sorted_scores = np.asarray(score)[order]
        tie_starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
        prepared.append((order, tie_starts))

    points = [m.roc_auc(y_true, score) for score in scores]
    samples = [np.empty(n_resamples) for _ in scores]
    batch = max(1, ROW_BATCH_ELEMENTS // max(n_rows, 1))
    for start in range(0, n_resamples, batch):
        size = min(batch, n_resamples - start)
        weights = np.zeros(size * n_rows, dtype=np.float64)
        offsets = (np.arange(size) * n_rows)[:, None]
        for rows in members:
            # Draw rows with replacement inside the group and count each row's draws.
            drawn = rows[rng.integers(0, len(rows), size=(size, len(rows)))]
            weights += np.bincount((offsets + drawn).ravel(), minlength=size * n_rows)
        weights = weights.reshape(size, n_rows)
        for index, (order, tie_starts) in enumerate(prepared):
            samples[index][start : start + size] = m.weighted_roc_auc(weights, order, y_true, tie_starts)
    return points, samples
