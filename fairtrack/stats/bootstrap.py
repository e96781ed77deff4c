"""The stratified bootstrap, on cell counts and, for ROC AUC, on rows.

Drawing ``n_h`` rows with replacement from stratum ``h`` and counting each
outcome gives a multinomial vector with the stratum's observed outcome
shares. A row bootstrap stratified by intersectional group is therefore, in
distribution, one multinomial draw per cell of a :class:`CellTable`, and its
cost after the counting pass does not depend on the number of rows. With two
models counted together, both models' confusion counts come from the same
draw, which pairs the resamples.

ROC AUC depends on the scores, so it is resampled on rows: each resample is
a vector of how often each row was drawn, built for a batch of resamples at
a time so that memory stays near ``ROW_BATCH_ELEMENTS`` numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fairtrack import metrics as m
from fairtrack.errors import StatisticsError
from fairtrack.stats.cells import CellTable
from fairtrack.stats.jackknife import count_jackknife

ROW_BATCH_ELEMENTS = 4_000_000

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableBootstrap:
    """Resamples and jackknife deletions of a cell table.

    Attributes
    ----------
    table : CellTable
        The observed counts.
    resampled : numpy.ndarray of shape (n_resamples, n_cells, n_outcomes)
        Stratified bootstrap resamples of the counts.
    deleted : numpy.ndarray of shape (n_deletions, n_cells, n_outcomes)
        The distinct delete-one-row tables, for BCa intervals.
    multiplicity : numpy.ndarray of shape (n_deletions,)
        How many rows each deletion stands for.
    strata : numpy.ndarray of shape (n_deletions,)
        The cell of each deleted row.
    """

    table: CellTable
    resampled: np.ndarray
    deleted: np.ndarray
    multiplicity: np.ndarray
    strata: np.ndarray

    @property
    def n_resamples(self) -> int:
        """The number of bootstrap resamples."""
        return self.resampled.shape[0]


def resample_counts(
    counts: np.ndarray, n_resamples: int, random_state: int | np.random.Generator = 0
) -> np.ndarray:
    """Draw stratified bootstrap resamples of a count table.

    Parameters
    ----------
    counts : numpy.ndarray of shape (n_strata, n_outcomes)
        Observed row counts; each stratum keeps its number of rows.
    n_resamples : int
        The number of resamples.
    random_state : int or numpy.random.Generator, default=0
        Seed or generator of the draws.

    Returns
    -------
    numpy.ndarray of shape (n_resamples, n_strata, n_outcomes)
        Each stratum's counts drawn from a multinomial with its observed
        outcome shares.
    """
    if n_resamples < 1:
        raise StatisticsError(f"n_resamples must be a positive integer; got {n_resamples!r}")
    rng = np.random.default_rng(random_state)
    counts = np.asarray(counts, dtype=np.int64)
    totals = counts.sum(axis=1)

    shares = counts / np.maximum(totals, 1)[:, np.newaxis]
    # Empty strata draw nothing; uniform shares only keep the call valid.
    shares[totals == 0] = 1 / counts.shape[1]
    return rng.multinomial(totals, shares, size=(n_resamples, len(totals)))


def bootstrap_table(
    table: CellTable, n_resamples: int = 1000, random_state: int | np.random.Generator = 0
) -> TableBootstrap:
    """Resample a cell table, stratified by intersectional cell, and list its jackknife deletions.

    Parameters
    ----------
    table : CellTable
        The observed counts.
    n_resamples : int, default=1000
        The number of resamples.
    random_state : int or numpy.random.Generator, default=0
        Seed or generator of the draws.

    Returns
    -------
    TableBootstrap
        Resamples and deletions shared by every statistic of the table.
    """
    resampled = resample_counts(table.counts, n_resamples, random_state)
    deleted, multiplicity, strata = count_jackknife(table.counts)
    return TableBootstrap(
        table=table, resampled=resampled, deleted=deleted, multiplicity=multiplicity, strata=strata
    )


def bootstrap_roc_auc(
    y_true: np.ndarray,
    scores: Sequence[np.ndarray],
    strata: np.ndarray,
    n_resamples: int,
    random_state: int | np.random.Generator = 0,
    batch_elements: int = ROW_BATCH_ELEMENTS,
) -> np.ndarray:
    """Resample rows within strata and compute the ROC AUC of each score vector.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n_rows,)
        Labels as 0/1.
    scores : sequence of numpy.ndarray of shape (n_rows,)
        Scores of one or more models on the same rows. Every model is scored
        on the same resamples.
    strata : numpy.ndarray of shape (n_rows,)
        Each row's stratum as a non-negative integer.
    n_resamples : int
        The number of resamples.
    random_state : int or numpy.random.Generator, default=0
        Seed or generator of the draws.
    batch_elements : int, default=ROW_BATCH_ELEMENTS
        Resamples are built ``batch_elements // n_rows`` at a time; memory
        grows with this number (about 50 bytes each).

    Returns
    -------
    numpy.ndarray of shape (n_resamples, n_models)
        NaN for a resample without both label classes.
    """
    rng = np.random.default_rng(random_state)
    y_true = np.asarray(y_true)
    n_rows = len(y_true)
    members = [rows for rows in _stratum_rows(strata) if len(rows)]
    prepared = [_sorted_ties(np.asarray(score)) for score in scores]

    samples = np.empty((n_resamples, len(prepared)))
    batch = max(1, batch_elements // max(n_rows, 1))
    for start in range(0, n_resamples, batch):
        size = min(batch, n_resamples - start)
        offsets = (np.arange(size) * n_rows)[:, np.newaxis]
        weights = np.zeros(size * n_rows)
        for rows in members:
            # Draw rows with replacement inside the stratum and count each row's draws.
            drawn = rows[rng.integers(0, len(rows), size=(size, len(rows)))]
            weights += np.bincount((offsets + drawn).ravel(), minlength=size * n_rows)
        weights = weights.reshape(size, n_rows)
        for index, (order, tie_starts) in enumerate(prepared):
            samples[start : start + size, index] = m.weighted_roc_auc(weights, order, y_true, tie_starts)

    logger.debug("Resampled %d rows %d times for ROC AUC in batches of %d", n_rows, n_resamples, batch)
    return samples


def _stratum_rows(strata: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(strata, kind="stable")
    boundaries = np.flatnonzero(np.diff(strata[order])) + 1
    return np.split(order, boundaries)


def _sorted_ties(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(score, kind="stable")
    ordered = score[order]
    tie_starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return order, tie_starts
