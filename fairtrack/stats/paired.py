"""Bootstrap CIs of two models' metrics on the same rows, and of their differences.

Both models are scored on the same rows, so each row falls in one of eight
outcomes (label, baseline prediction, candidate prediction). A stratified
bootstrap of those counts per intersectional group (see
:mod:`fairtrack.stats.bootstrap`) gives both models' confusion counts in the
same resample, so candidate minus baseline on each resample is a draw from
the bootstrap distribution of the paired difference. ROC AUC is resampled on
rows, with the same strata and the same resamples for both models.

The output documents are the product's metric format: each metric is
``{"value": x, "ci": [low, high]}``, or ``{"value": None, "ci": None,
"reason": ...}`` when undefined.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairtrack import metrics as m
from fairtrack.errors import StatisticsError
from fairtrack.stats.bootstrap import TableBootstrap, bootstrap_roc_auc, bootstrap_table
from fairtrack.stats.cells import CellTable, cell_codes, count_cells
from fairtrack.stats.estimates import BootstrapValues, Estimate, bootstrap_values, estimate
from fairtrack.stats.intervals import INTERVAL_METHODS, IntervalMethod
from fairtrack.stats.jackknife import roc_auc_jackknife

ROC_AUC_KEY = ("overall", "roc_auc")
INTERVAL_DESCRIPTIONS = {"percentile": "percentile bootstrap", "bca": "BCa bootstrap"}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelOutput:
    """A model's hard predictions (0/1) and, when ROC AUC is requested, its positive-class scores."""

    predictions: np.ndarray
    scores: np.ndarray | None = None


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
        metric of the primary attribute, with the paired bootstrap CI, and
        every attribute's disparities under ``"attributes"``.
    primary_attribute : str
        The attribute whose disparities appear at the top level.
    n_bootstrap : int
        The number of resamples.
    confidence_level : float
        The coverage of every interval.
    interval_method : str
        ``"percentile"`` or ``"bca"``.
    """

    baseline: dict[str, Any]
    candidate: dict[str, Any]
    differences: dict[str, Any]
    primary_attribute: str
    n_bootstrap: int
    confidence_level: float
    interval_method: str = "percentile"

    @property
    def method(self) -> str:
        """Describe how the intervals were computed, for reports."""
        return (
            f"{INTERVAL_DESCRIPTIONS[self.interval_method]}, stratified by intersectional group, "
            "paired across models"
        )


def evaluate_pair(
    y_true: np.ndarray,
    groups: pd.DataFrame,
    baseline: ModelOutput,
    candidate: ModelOutput,
    primary_attribute: str,
    n_bootstrap: int = 1000,
    confidence_level: float = 0.95,
    random_state: int = 0,
    *,
    interval: IntervalMethod = "percentile",
    roc_auc: bool = True,
) -> PairEvaluation:
    """Evaluate two models on the same rows with stratified, paired bootstrap CIs.

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
        The coverage of the intervals.
    random_state : int, default=0
        Seed of the resampling.
    interval : {"percentile", "bca"}, default="percentile"
        The interval method.
    roc_auc : bool, default=True
        Whether to estimate ROC AUC, which needs both models' scores and
        resamples rows (its cost grows with the number of rows).

    Returns
    -------
    PairEvaluation
        Metric documents of both models and their paired differences.

    Raises
    ------
    StatisticsError
        If ``primary_attribute`` is not a column of ``groups`` or
        ``interval`` is unknown.
    DataError
        If the labels, predictions or groups are invalid.
    """
    check_evaluation_options(groups, primary_attribute, interval)
    table = count_cells(y_true, groups, [baseline.predictions, candidate.predictions])
    rng = np.random.default_rng(random_state)
    boot = bootstrap_table(table, n_bootstrap, rng)

    auc_values = None
    if roc_auc and baseline.scores is not None and candidate.scores is not None:
        auc_values = roc_auc_values(y_true, groups, [baseline.scores, candidate.scores], n_bootstrap, rng)
    return pair_evaluation(boot, primary_attribute, confidence_level, interval, auc_values)


def evaluate_model(
    y_true: np.ndarray,
    groups: pd.DataFrame,
    model: ModelOutput,
    primary_attribute: str,
    n_bootstrap: int = 1000,
    confidence_level: float = 0.95,
    random_state: int = 0,
    *,
    interval: IntervalMethod = "percentile",
    roc_auc: bool = True,
) -> dict[str, Any]:
    """Evaluate one model with stratified bootstrap CIs.

    Parameters
    ----------
    y_true, groups, primary_attribute, n_bootstrap, confidence_level, random_state, interval, roc_auc
        See :func:`evaluate_pair`.
    model : ModelOutput
        The model's predictions and scores.

    Returns
    -------
    dict
        The metric document, as ``PairEvaluation.baseline``.
    """
    check_evaluation_options(groups, primary_attribute, interval)
    table = count_cells(y_true, groups, [model.predictions])
    rng = np.random.default_rng(random_state)
    boot = bootstrap_table(table, n_bootstrap, rng)
    attribute_sets = [(attribute,) for attribute in table.attributes]
    estimates = estimate(bootstrap_values(boot, 0, attribute_sets), confidence_level, interval)
    if roc_auc and model.scores is not None:
        (auc,) = roc_auc_values(y_true, groups, [model.scores], n_bootstrap, rng)
        estimates.update(estimate(auc, confidence_level, interval))
    return metric_document(estimates, table, 0, primary_attribute)


def paired_estimates(
    boot: TableBootstrap,
    attribute_sets: list[tuple[str, ...]] | None = None,
    confidence_level: float = 0.95,
    interval: IntervalMethod = "percentile",
    auc_values: list[BootstrapValues] | None = None,
) -> tuple[dict[tuple, Estimate], dict[tuple, Estimate], dict[tuple, Estimate]]:
    """Estimate both models' metrics and their paired differences with intervals.

    Parameters
    ----------
    boot : TableBootstrap
        Resamples of a table that counted the baseline (model 0) and the
        candidate (model 1).
    attribute_sets : list of tuple of str or None, default=None
        The attribute sets to evaluate; every single attribute when None.
    confidence_level : float, default=0.95
        The coverage of the intervals.
    interval : {"percentile", "bca"}, default="percentile"
        The interval method.
    auc_values : list of BootstrapValues or None, default=None
        ROC AUC of the baseline and the candidate from :func:`roc_auc_values`.

    Returns
    -------
    baseline, candidate, difference : dict of MetricKey to Estimate
        The difference is candidate minus baseline on the same resamples,
        for the overall and disparity metrics.
    """
    if attribute_sets is None:
        attribute_sets = [(attribute,) for attribute in boot.table.attributes]
    values = [bootstrap_values(boot, model, attribute_sets) for model in (0, 1)]
    baseline, candidate = (estimate(value, confidence_level, interval) for value in values)
    # Only overall and disparity metrics get paired differences, because group rates are compared within a model.
    difference = estimate(values[1].difference(values[0], ("overall", "disparity")), confidence_level, interval)

    # ROC AUC's jackknife deletes rows, not cells, so it is estimated on its own.
    if auc_values is not None:
        baseline.update(estimate(auc_values[0], confidence_level, interval))
        candidate.update(estimate(auc_values[1], confidence_level, interval))
        difference.update(estimate(auc_values[1] - auc_values[0], confidence_level, interval))
    return baseline, candidate, difference


def pair_evaluation(
    boot: TableBootstrap,
    primary_attribute: str,
    confidence_level: float = 0.95,
    interval: IntervalMethod = "percentile",
    auc_values: list[BootstrapValues] | None = None,
    estimates: tuple[dict, dict, dict] | None = None,
) -> PairEvaluation:
    """Build both models' documents and their differences from a bootstrapped pair table.

    Parameters
    ----------
    boot : TableBootstrap
        Resamples of a table that counted the baseline (model 0) and the
        candidate (model 1).
    primary_attribute : str
        The attribute whose disparities appear at the top level.
    confidence_level : float, default=0.95
        The coverage of the intervals.
    interval : {"percentile", "bca"}, default="percentile"
        The interval method.
    auc_values : list of BootstrapValues or None, default=None
        ROC AUC of the baseline and the candidate from :func:`roc_auc_values`;
        ROC AUC is left out when None.
    estimates : tuple of dict or None, default=None
        The output of :func:`paired_estimates` when already computed (with
        every single attribute among its attribute sets); ``auc_values`` is
        then ignored.

    Returns
    -------
    PairEvaluation
        Metric documents of both models and their paired differences.
    """
    table = boot.table
    if estimates is None:
        estimates = paired_estimates(boot, None, confidence_level, interval, auc_values)
    baseline, candidate, difference = estimates

    logger.info(
        "Evaluated two models on %d rows and %d intersectional groups with %d resamples",
        table.n_rows,
        len(table.counts),
        boot.n_resamples,
    )
    return PairEvaluation(
        baseline=metric_document(baseline, table, 0, primary_attribute),
        candidate=metric_document(candidate, table, 1, primary_attribute),
        differences=difference_document(difference, table, primary_attribute),
        primary_attribute=primary_attribute,
        n_bootstrap=boot.n_resamples,
        confidence_level=confidence_level,
        interval_method=interval,
    )


def roc_auc_values(
    y_true: np.ndarray,
    groups: pd.DataFrame,
    scores: list[np.ndarray],
    n_resamples: int,
    random_state: int | np.random.Generator = 0,
) -> list[BootstrapValues]:
    """Compute each model's ROC AUC on the rows, on row resamples and without each row.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n_rows,)
        Labels as 0/1.
    groups : pandas.DataFrame
        The protected attributes; rows are resampled within each
        intersectional group.
    scores : list of numpy.ndarray of shape (n_rows,)
        Each model's positive-class scores.
    n_resamples : int
        The number of resamples.
    random_state : int or numpy.random.Generator, default=0
        Seed or generator of the draws.

    Returns
    -------
    list of BootstrapValues
        One per model, under the key ``("overall", "roc_auc")``; subtract
        them to pair the models.
    """
    y_true = np.asarray(y_true)
    strata = cell_codes(groups)
    samples = bootstrap_roc_auc(y_true, scores, strata, n_resamples, random_state)
    multiplicity = np.ones(len(y_true), dtype=np.int64)
    return [
        BootstrapValues(
            point={ROC_AUC_KEY: m.roc_auc(y_true, score)},
            samples={ROC_AUC_KEY: samples[:, index]},
            jackknife={ROC_AUC_KEY: roc_auc_jackknife(y_true, score)},
            multiplicity=multiplicity,
            strata=strata,
        )
        for index, score in enumerate(scores)
    ]


def metric_document(
    estimates: dict[tuple, Estimate], table: CellTable, model: int, primary_attribute: str
) -> dict[str, Any]:
    """Arrange one model's estimates as the product's metric document.

    Parameters
    ----------
    estimates : dict of MetricKey to Estimate
        From :func:`fairtrack.stats.estimates.estimate` with every single
        attribute as an attribute set.
    table : CellTable
        The table the estimates came from, for the group counts.
    model : int
        The model's index in ``table``.
    primary_attribute : str
        The attribute whose disparities appear at the top level.

    Returns
    -------
    dict
        Overall metrics, ``roc_auc`` when estimated, the primary attribute's
        disparities, and ``attributes`` and ``groups`` per attribute.
    """
    document: dict[str, Any] = {
        name: estimates[("overall", name)].to_document() for name in m.OVERALL_METRICS
    }
    if ROC_AUC_KEY in estimates:
        document["roc_auc"] = estimates[ROC_AUC_KEY].to_document()

    confusion = table.confusion(table.counts, model)
    document["attributes"] = {}
    document["groups"] = {}
    for attribute in table.attributes:
        key = (attribute,)
        document["attributes"][attribute] = {
            name: estimates[("disparity", key, name)].to_document() for name in m.DISPARITY_METRICS
        }
        counts = table.aggregate(confusion, key).sum(axis=-1)
        document["groups"][attribute] = {
            group: {
                "count": int(count),
                **{rate: estimates[("rate", key, (group,), rate)].to_document() for rate in m.GROUP_RATES},
            }
            for (group,), count in zip(table.group_labels(key), counts)
        }

    for name in m.DISPARITY_METRICS:
        document[name] = document["attributes"][primary_attribute][name]
    return document


def difference_document(
    estimates: dict[tuple, Estimate], table: CellTable, primary_attribute: str
) -> dict[str, Any]:
    """Arrange paired differences as documents: overall, primary disparities, then every attribute's."""
    document: dict[str, Any] = {
        name: estimates[("overall", name)].to_document()
        for name in (*m.OVERALL_METRICS, "roc_auc")
        if ("overall", name) in estimates
    }
    for name in m.DISPARITY_METRICS:
        document[name] = estimates[("disparity", (primary_attribute,), name)].to_document()
    document["attributes"] = {
        attribute: {
            name: estimates[("disparity", (attribute,), name)].to_document() for name in m.DISPARITY_METRICS
        }
        for attribute in table.attributes
    }
    return document


def check_evaluation_options(groups: pd.DataFrame, primary_attribute: str, interval: str) -> None:
    """Raise :class:`~fairtrack.errors.StatisticsError` for an unknown attribute or interval method."""
    if primary_attribute not in groups.columns:
        raise StatisticsError(
            f"Primary attribute {primary_attribute!r} is not a column of groups; "
            f"expected one of {sorted(map(str, groups.columns))}."
        )
    if interval not in INTERVAL_METHODS:
        raise StatisticsError(f"interval must be one of {sorted(INTERVAL_METHODS)}; got {interval!r}.")

