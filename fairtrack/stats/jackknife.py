"""Delete-one jackknife values and the BCa acceleration they estimate.

The acceleration of a BCa interval measures how fast the standard error of
an estimator changes with its true value. It is estimated from the empirical
influence of each row, approximated by the jackknife: with ``t_(i)`` the
estimate without row ``i`` and ``t_(.)`` their mean in row ``i``'s stratum of
``n_h`` rows, the influence is ``U_i = (n_h - 1) (t_(.) - t_(i))`` and

    a = sum_h n_h^-3 sum_i U_i^3 / (6 (sum_h n_h^-2 sum_i U_i^2)^(3/2)),

which weights each stratum's influence values by its own size, as a
stratified bootstrap resamples each stratum separately. With one stratum it
reduces to ``sum d^3 / (6 (sum d^2)^(3/2))`` with ``d = t_(.) - t_(i)``,
the acceleration of :func:`scipy.stats.bootstrap`.

NOTE: only the one-stratum case is checked against another implementation
(scipy). The stratified weighting is checked for consistency between cell
and row deletions, not against a reference.

For count-based statistics the rows of one (stratum, outcome) cell are
interchangeable, so one deletion per non-empty cell, weighted by the cell's
count, stands for all of them. The ROC AUC's delete-one values have a closed
form in the placement values of its Mann-Whitney statistic.
"""

from __future__ import annotations

import numpy as np


def count_jackknife(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """List the distinct delete-one-row versions of a count table.

    Parameters
    ----------
    counts : numpy.ndarray of shape (n_strata, n_outcomes)
        Row counts per stratum and outcome.

    Returns
    -------
    deleted : numpy.ndarray of shape (n_deletions, n_strata, n_outcomes)
        The table with one row removed from each non-empty cell in turn.
    multiplicity : numpy.ndarray of shape (n_deletions,)
        How many rows each deletion stands for (the cell's count).
    strata : numpy.ndarray of shape (n_deletions,)
        The stratum of the removed row.
    """
    strata, outcomes = np.nonzero(counts)
    deleted = np.repeat(counts[np.newaxis], len(strata), axis=0)
    deleted[np.arange(len(strata)), strata, outcomes] -= 1
    return deleted, counts[strata, outcomes], strata


def acceleration(values: np.ndarray, multiplicity: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """Estimate the BCa acceleration from stratified jackknife values.

    Parameters
    ----------
    values : numpy.ndarray of shape (n_deletions, ...)
        The statistic after each deletion, for one or more statistics.
    multiplicity : numpy.ndarray of shape (n_deletions,)
        How many rows each deletion stands for.
    strata : numpy.ndarray of shape (n_deletions,)
        The stratum of each deleted row, as integers.

    Returns
    -------
    numpy.ndarray of shape (...)
        The acceleration; 0 where every jackknife value is equal, NaN where a
        jackknife value is undefined.
    """
    values = np.asarray(values, dtype=float)
    columns = values.reshape(values.shape[0], -1)
    weight = np.asarray(multiplicity, dtype=float)
    _, stratum = np.unique(strata, return_inverse=True)

    stratum_rows = np.bincount(stratum, weights=weight)
    stratum_sums = np.zeros((len(stratum_rows), columns.shape[1]))
    np.add.at(stratum_sums, stratum, weight[:, np.newaxis] * columns)
    with np.errstate(invalid="ignore"):
        stratum_mean = stratum_sums / stratum_rows[:, np.newaxis]

    rows = stratum_rows[stratum][:, np.newaxis]
    influence = (rows - 1) * (stratum_mean[stratum] - columns)
    numerator = (weight[:, np.newaxis] * influence**3 / rows**3).sum(axis=0)
    denominator = (weight[:, np.newaxis] * influence**2 / rows**2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(denominator > 0, numerator / (6 * denominator**1.5), 0.0)
    result = np.where(np.isnan(columns).any(axis=0), np.nan, result)
    return result.reshape(values.shape[1:])


def roc_auc_jackknife(y_true: np.ndarray, y_score: np.ndarray) -> np.ndarray:
    """Compute the ROC AUC without each row in turn.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n_rows,)
        Labels as 0/1.
    y_score : numpy.ndarray of shape (n_rows,)
        Scores of the positive class.

    Returns
    -------
    numpy.ndarray of shape (n_rows,)
        The AUC of the other rows; NaN where they lack a label class.

    Notes
    -----
    With ``S`` the sum over positives of the negatives scored below them
    (ties count one half), the AUC is ``S / (P N)``. Removing positive ``i``
    removes its placement ``s_i``, giving ``(S - s_i) / ((P - 1) N)``;
    removing negative ``j`` gives ``(S - t_j) / (P (N - 1))`` with ``t_j``
    the positives scored above it.
    """
    y_true = np.asarray(y_true).astype(bool)
    y_score = np.asarray(y_score, dtype=float)
    negative_scores = np.sort(y_score[~y_true])
    positive_scores = np.sort(y_score[y_true])
    n_positive, n_negative = len(positive_scores), len(negative_scores)

    below_left = np.searchsorted(negative_scores, y_score, side="left")
    below_right = np.searchsorted(negative_scores, y_score, side="right")
    negatives_below = below_left + 0.5 * (below_right - below_left)
    above_left = np.searchsorted(positive_scores, y_score, side="left")
    above_right = np.searchsorted(positive_scores, y_score, side="right")
    positives_above = (n_positive - above_right) + 0.5 * (above_right - above_left)

    total = negatives_below[y_true].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            y_true,
            (total - negatives_below) / ((n_positive - 1) * n_negative),
            (total - positives_above) / (n_positive * (n_negative - 1)),
        )
