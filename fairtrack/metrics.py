"""Classification and group fairness metrics computed from confusion counts.

Every metric here except ROC AUC depends only on each group's confusion
counts (true negatives, false positives, false negatives, true positives).
The functions take arrays of counts with any number of leading batch axes,
so that one call evaluates a metric on thousands of bootstrap resamples.

The definitions follow fairlearn's: the demographic parity difference is the
largest minus the smallest group selection rate, the demographic parity ratio
the smallest over the largest, the equalized odds difference the larger of
the TPR and FPR differences, and the equal opportunity difference the TPR
difference. A rate that is undefined for a group (a TPR where the group has
no positives) is NaN and is left out of the between-group comparison.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

# Cell order in the last axis of a count array: index = 2 * y_true + y_pred.
TN, FP, FN, TP = 0, 1, 2, 3

OVERALL_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall")
GROUP_RATES = ("selection_rate", "tpr", "fpr")
DISPARITY_METRICS = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equal_opportunity_difference",
)
# The sign of a change that makes a disparity metric fairer: the ratio is
# fairest at 1 and never exceeds it, the differences are fairest at 0.
FAIRER_DIRECTION = {
    "demographic_parity_difference": -1,
    "demographic_parity_ratio": 1,
    "equalized_odds_difference": -1,
    "equal_opportunity_difference": -1,
}

UNDEFINED_REASONS = {
    "tpr": "the group has no positive labels",
    "fpr": "the group has no negative labels",
    "selection_rate": "the group has no rows",
    "precision": "the model predicts no positives",
    "recall": "there are no positive labels",
    "balanced_accuracy": "only one label class is present",
    "demographic_parity_ratio": "no group has a positive prediction",
    "roc_auc": "only one label class is present",
}


def confusion_counts(
    y_true: np.ndarray, y_pred: np.ndarray, group_codes: np.ndarray, n_groups: int
) -> np.ndarray:
    """Count each group's confusion cells in one pass.

    Parameters
    ----------
    y_true, y_pred : numpy.ndarray of shape (n_rows,)
        Labels and predictions as 0/1 integers.
    group_codes : numpy.ndarray of shape (n_rows,)
        Each row's group as an integer in ``range(n_groups)``.
    n_groups : int
        The number of groups.

    Returns
    -------
    numpy.ndarray of shape (n_groups, 4)
        Counts in the order true negative, false positive, false negative,
        true positive.
    """
    cell = 2 * np.asarray(y_true, dtype=np.int64) + np.asarray(y_pred, dtype=np.int64)
    flat = np.bincount(4 * np.asarray(group_codes, dtype=np.int64) + cell, minlength=4 * n_groups)
    return flat.reshape(n_groups, 4)


def overall_metrics(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Compute accuracy, balanced accuracy, precision and recall from group counts.

    Parameters
    ----------
    counts : numpy.ndarray of shape (..., n_groups, 4)
        Confusion counts per group.

    Returns
    -------
    dict of str to numpy.ndarray of shape (...)
        NaN where a metric is undefined.
    """
    total = counts.sum(axis=-2).astype(float)
    tn, fp, fn, tp = (total[..., cell] for cell in (TN, FP, FN, TP))

    with np.errstate(divide="ignore", invalid="ignore"):
        tpr = tp / (tp + fn)
        tnr = tn / (tn + fp)
        return {
            "accuracy": (tp + tn) / total.sum(axis=-1),
            "balanced_accuracy": (tpr + tnr) / 2,
            "precision": tp / (tp + fp),
            "recall": tpr,
        }


def group_rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Compute each group's selection rate, TPR and FPR.

    Parameters
    ----------
    counts : numpy.ndarray of shape (..., n_groups, 4)
        Confusion counts per group.

    Returns
    -------
    dict of str to numpy.ndarray of shape (..., n_groups)
        NaN where a rate is undefined for a group.
    """
    counts = counts.astype(float)
    tn, fp, fn, tp = (counts[..., cell] for cell in (TN, FP, FN, TP))

    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "selection_rate": (fp + tp) / (tn + fp + fn + tp),
            "tpr": tp / (tp + fn),
            "fpr": fp / (fp + tn),
        }


def disparities(rates: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Compute the between-group disparity metrics from group rates.

    Parameters
    ----------
    rates : dict of str to numpy.ndarray of shape (..., n_groups)
        The output of :func:`group_rates`.

    Returns
    -------
    dict of str to numpy.ndarray of shape (...)
        The demographic parity difference and ratio, the equalized odds
        difference and the equal opportunity difference.
    """
    selection = rates["selection_rate"]
    tpr_difference = _spread(rates["tpr"])
    fpr_difference = _spread(rates["fpr"])

    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = _nanmin(selection) / _nanmax(selection)

    return {
        "demographic_parity_difference": _spread(selection),
        "demographic_parity_ratio": ratio,
        "equalized_odds_difference": np.fmax(tpr_difference, fpr_difference),
        "equal_opportunity_difference": tpr_difference,
    }


def positive_disparities(positive: np.ndarray, label_rows: np.ndarray) -> dict[str, np.ndarray]:
    """Compute the disparity metrics from positive predictions per group and label.

    This is :func:`disparities` for the case where only the predictions vary
    and each group's rows per label are fixed, as under a permutation or a
    draw from a parity null. Groups come first and the draws last, so that
    the comparisons between groups run over long contiguous rows. Groups
    without rows (of a label) are dropped once instead of being masked in
    every draw.

    Parameters
    ----------
    positive : numpy.ndarray of shape (n_groups, 2, ...)
        Positive predictions among each group's negatives (index 0) and
        positives (index 1).
    label_rows : numpy.ndarray of shape (n_groups, 2)
        Each group's rows with label 0 and with label 1.

    Returns
    -------
    dict of str to numpy.ndarray of shape (...)
        The same metrics as :func:`disparities`.
    """
    label_rows = np.asarray(label_rows, dtype=float)
    extra = (np.newaxis,) * (positive.ndim - 2)
    rows = label_rows.sum(axis=1)
    present = rows > 0
    selection = positive[present].sum(axis=1) / rows[present][(slice(None), *extra)]
    high, low = _max_min(selection)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(high > 0, low / high, np.nan)

    spreads = []
    for label in (1, 0):
        present = label_rows[:, label] > 0
        rate = positive[present, label] / label_rows[present, label][(slice(None), *extra)]
        high_rate, low_rate = _max_min(rate)
        spreads.append(high_rate - low_rate)
    return {
        "demographic_parity_difference": high - low,
        "demographic_parity_ratio": ratio,
        "equalized_odds_difference": np.fmax(spreads[0], spreads[1]),
        "equal_opportunity_difference": spreads[0],
    }


def roc_auc(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Compute the ROC AUC, or NaN when only one label class is present."""
    if len(np.unique(y_true)) < 2:
        return float("nan")
    return float(roc_auc_score(y_true, y_score))


def weighted_roc_auc(weights: np.ndarray, order: np.ndarray, y_true: np.ndarray, tie_starts: np.ndarray) -> np.ndarray:
    """Compute ROC AUC for many row weightings at once.

    A bootstrap resample is a vector of row counts; this evaluates the
    Mann-Whitney form of the AUC for each row of ``weights`` with ties counted
    as one half.

    Parameters
    ----------
    weights : numpy.ndarray of shape (n_resamples, n_rows)
        Row counts of each resample, in the original row order.
    order : numpy.ndarray of shape (n_rows,)
        Row positions sorted by ascending score.
    y_true : numpy.ndarray of shape (n_rows,)
        Labels as 0/1.
    tie_starts : numpy.ndarray
        Positions in ``order`` where a new distinct score begins.

    Returns
    -------
    numpy.ndarray of shape (n_resamples,)
        NaN for a resample without both classes.
    """
    sorted_weights = weights[:, order]
    positive = y_true[order].astype(bool)
    positive_by_score = np.add.reduceat(sorted_weights * positive, tie_starts, axis=1)
    negative_by_score = np.add.reduceat(sorted_weights * ~positive, tie_starts, axis=1)

    negatives_below = np.cumsum(negative_by_score, axis=1) - negative_by_score
    concordant = (positive_by_score * (negatives_below + 0.5 * negative_by_score)).sum(axis=1)
    n_positive = positive_by_score.sum(axis=1)
    n_negative = negative_by_score.sum(axis=1)

    with np.errstate(divide="ignore", invalid="ignore"):
        return concordant / (n_positive * n_negative)


def _spread(values: np.ndarray) -> np.ndarray:
    return _nanmax(values) - _nanmin(values)


def _nanmax(values: np.ndarray) -> np.ndarray:
    # fmax skips NaN and returns NaN only where every value is NaN.
    return np.fmax.reduce(values, axis=-1)


def _nanmin(values: np.ndarray) -> np.ndarray:
    return np.fmin.reduce(values, axis=-1)


def _max_min(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest and smallest value along the first axis; NaN when that axis is empty."""
    if values.shape[0] == 0:
        empty = np.full(values.shape[1:], np.nan)
        return empty, empty
    return values.max(axis=0), values.min(axis=0)
