"""Paired permutation test of a change in a fairness metric between two models.

Null hypothesis: on every row, the baseline's and the candidate's predictions
are exchangeable, so the intervention changed nothing but which model's name
each prediction carries. A permutation swaps the two predictions of each row
independently with probability 1/2. Rows where both models agree are
unchanged, and of the rows of one (cell, label) where they disagree, the
number that end with the candidate predicting positive is Binomial(number of
disagreeing rows, 1/2). Each permutation is therefore one binomial draw per
cell and label, and the cost does not depend on the number of rows.

The statistic is the candidate's metric minus the baseline's. The p-value
counts the permutations at least as extreme as the observed statistic and
the observed arrangement itself, ``(1 + b) / (1 + n_permutations)``. Counting
the observed arrangement keeps the test's size at or below its level with a
finite number of random permutations, and the p-value above 0.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from fairtrack import metrics as m
from fairtrack.errors import StatisticsError
from fairtrack.stats.cells import CellTable, count_cells

ALTERNATIVES = ("degraded", "improved", "two-sided")
TIE_TOLERANCE = 1e-12
BATCH_ELEMENTS = 4_000_000

Alternative = Literal["improved", "degraded", "two-sided"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PermutationTest:
    """A paired permutation test of one metric on one set of protected attributes.

    Attributes
    ----------
    metric : str
        The disparity metric tested.
    attributes : tuple of str
        The protected attributes whose groups are compared; two or more
        compare their intersections.
    statistic : float
        Candidate minus baseline on the observed data; NaN when undefined.
    null_distribution : numpy.ndarray of shape (n_permutations,)
        The statistic under each permutation.
    alternative : {"improved", "degraded", "two-sided"}
        The alternative of :attr:`pvalue`: ``"improved"`` means the candidate
        is fairer than the baseline.
    pvalue : float
        The permutation p-value; NaN when the statistic is undefined.
    reason : str or None
        Why the statistic is undefined.
    """

    metric: str
    attributes: tuple[str, ...]
    statistic: float
    null_distribution: np.ndarray = field(repr=False)
    alternative: str
    pvalue: float
    reason: str | None = None

    @property
    def n_permutations(self) -> int:
        """The number of permutations drawn."""
        return len(self.null_distribution)

    def pvalue_for(self, alternative: Alternative) -> float:
        """Compute the p-value of another alternative from the same null distribution."""
        return _pvalue(self.statistic, self.null_distribution, self.metric, alternative)

    def to_dict(self) -> dict[str, Any]:
        """Return the test as a JSON-ready dictionary, with the null distribution's quantiles."""
        null = self.null_distribution
        quantiles = None
        if len(null) and not np.isnan(null).all():
            low, median, high = np.quantile(null, [0.025, 0.5, 0.975]).tolist()
            quantiles = {"0.025": low, "0.5": median, "0.975": high}
        return {
            "metric": self.metric,
            "attributes": list(self.attributes),
            "statistic": None if np.isnan(self.statistic) else self.statistic,
            "alternative": self.alternative,
            "pvalue": None if np.isnan(self.pvalue) else self.pvalue,
            "n_permutations": self.n_permutations,
            "null_quantiles": quantiles,
            "reason": self.reason,
        }


def paired_permutation_test(
    y_true: np.ndarray,
    groups: pd.DataFrame,
    baseline_predictions: np.ndarray,
    candidate_predictions: np.ndarray,
    metric: str = "demographic_parity_difference",
    attributes: Sequence[str] | None = None,
    n_permutations: int = 10_000,
    alternative: Alternative = "improved",
    random_state: int | np.random.Generator = 0,
) -> PermutationTest:
    """Test whether the candidate's predictions changed a fairness metric.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n_rows,)
        Labels as 0/1.
    groups : pandas.DataFrame
        One column per protected attribute.
    baseline_predictions, candidate_predictions : numpy.ndarray of shape (n_rows,)
        The two models' 0/1 predictions on the same rows.
    metric : str, default="demographic_parity_difference"
        One of ``fairtrack.metrics.DISPARITY_METRICS``.
    attributes : sequence of str or None, default=None
        The attributes whose groups are compared; all columns of ``groups``
        (their intersections) when None.
    n_permutations : int, default=10_000
        The number of permutations.
    alternative : {"improved", "degraded", "two-sided"}, default="improved"
        ``"improved"`` tests whether the candidate is fairer.
    random_state : int or numpy.random.Generator, default=0
        Seed or generator of the draws.

    Returns
    -------
    PermutationTest
        The statistic, the p-value and the null distribution.
    """
    table = count_cells(y_true, groups, [baseline_predictions, candidate_predictions])
    attribute_set = tuple(attributes) if attributes is not None else table.attributes
    (test,) = paired_permutation_tests(
        table, [metric], [attribute_set], n_permutations, alternative, random_state
    )
    return test


def paired_permutation_tests(
    table: CellTable,
    metrics: Sequence[str] = ("demographic_parity_difference", "equalized_odds_difference"),
    attribute_sets: Sequence[tuple[str, ...]] | None = None,
    n_permutations: int = 10_000,
    alternative: Alternative = "improved",
    random_state: int | np.random.Generator = 0,
) -> list[PermutationTest]:
    """Run paired permutation tests of several metrics and attribute sets on the same permutations.

    Parameters
    ----------
    table : CellTable
        Counts of the baseline (model 0) and the candidate (model 1).
    metrics : sequence of str, default=("demographic_parity_difference", "equalized_odds_difference")
        Metrics from ``fairtrack.metrics.DISPARITY_METRICS``.
    attribute_sets : sequence of tuple of str or None, default=None
        Sets of attributes whose groups are compared. When None, every single
        attribute and, with two or more attributes, their full intersection.
    n_permutations : int, default=10_000
        The number of permutations, shared by every test.
    alternative : {"improved", "degraded", "two-sided"}, default="improved"
        The alternative of each test's ``pvalue``.
    random_state : int or numpy.random.Generator, default=0
        Seed or generator of the draws.

    Returns
    -------
    list of PermutationTest
        One per metric and attribute set, attribute sets outermost.

    Raises
    ------
    StatisticsError
        If the table does not hold two models, or a metric or alternative is
        unknown.
    """
    _check(table, metrics, alternative, n_permutations)
    if attribute_sets is None:
        attribute_sets = default_attribute_sets(table.attributes)
    rng = np.random.default_rng(random_state)

    prepared = [_PreparedSet(table, tuple(attributes)) for attributes in attribute_sets]
    counts = table.counts.reshape(-1, 2, 2, 2)
    disagree = counts[:, :, 1, 0] + counts[:, :, 0, 1]
    observed = {}
    for entry in prepared:
        observed.update(entry.statistics(entry.aggregate(counts[:, :, 0, 1]), metrics))
    null = {key: np.empty(n_permutations) for key in observed}

    batch = max(1, BATCH_ELEMENTS // disagree.size)
    for start in range(0, n_permutations, batch):
        size = min(batch, n_permutations - start)
        # Of the rows where the models disagree, how many end with the candidate
        # predicting positive. The permutations are on the last axis.
        candidate_only = rng.binomial(disagree[..., np.newaxis], 0.5, size=(*disagree.shape, size))
        for entry in prepared:
            for key, values in entry.statistics(entry.aggregate(candidate_only), metrics).items():
                null[key][start : start + size] = values

    tests = []
    for (attributes, metric), statistic in observed.items():
        statistic = float(statistic)
        reason = None if not np.isnan(statistic) else f"{metric} is undefined for one of the models"
        tests.append(
            PermutationTest(
                metric=metric,
                attributes=attributes,
                statistic=statistic,
                null_distribution=null[(attributes, metric)],
                alternative=alternative,
                pvalue=_pvalue(statistic, null[(attributes, metric)], metric, alternative),
                reason=reason,
            )
        )
    logger.info(
        "Ran %d paired permutation tests with %d permutations on %d rows",
        len(tests),
        n_permutations,
        table.n_rows,
    )
    return tests


def default_attribute_sets(attributes: Sequence[str]) -> list[tuple[str, ...]]:
    """Return every single attribute and, for two or more, their full intersection."""
    sets = [(attribute,) for attribute in attributes]
    if len(attributes) > 1:
        sets.append(tuple(attributes))
    return sets


class _PreparedSet:
    """The fixed parts of one attribute set's statistics under permutation.

    A permutation only moves positive predictions between the two models
    within a (cell, label), so each group's rows per label, and with them the
    denominators of every rate, stay fixed.
    """

    def __init__(self, table: CellTable, attributes: tuple[str, ...]) -> None:
        counts = table.counts.reshape(-1, 2, 2, 2)
        self.table = table
        self.attributes = attributes
        self.label_rows = self.aggregate(counts.sum(axis=(2, 3)))
        self.both_positive = self.aggregate(counts[:, :, 1, 1])
        self.disagree = self.aggregate(counts[:, :, 1, 0] + counts[:, :, 0, 1])

    def aggregate(self, per_cell: np.ndarray) -> np.ndarray:
        """Sum (n_cells, 2, ...) values per cell and label into (n_groups, 2, ...)."""
        return self.table.aggregate_leading(per_cell, self.attributes)

    def statistics(
        self, candidate_only: np.ndarray, metrics: Sequence[str]
    ) -> dict[tuple[tuple[str, ...], str], np.ndarray]:
        """Compute candidate minus baseline for each metric from the candidate-only positives per group and label."""
        extra = (np.newaxis,) * (candidate_only.ndim - 2)
        both_positive = self.both_positive[(..., *extra)]
        candidate = both_positive + candidate_only
        baseline = both_positive + self.disagree[(..., *extra)] - candidate_only
        before = m.positive_disparities(baseline, self.label_rows)
        after = m.positive_disparities(candidate, self.label_rows)
        return {(self.attributes, metric): after[metric] - before[metric] for metric in metrics}


def _pvalue(statistic: float, null: np.ndarray, metric: str, alternative: str) -> float:
    if alternative not in ALTERNATIVES:
        raise StatisticsError(f"alternative must be one of {sorted(ALTERNATIVES)}; got {alternative!r}.")
    if np.isnan(statistic):
        return float("nan")

    fairer = m.FAIRER_DIRECTION[metric]
    if alternative == "improved":
        extreme = fairer * null >= fairer * statistic - TIE_TOLERANCE
    elif alternative == "degraded":
        extreme = fairer * null <= fairer * statistic + TIE_TOLERANCE
    else:
        extreme = np.abs(null) >= abs(statistic) - TIE_TOLERANCE
    return float((1 + extreme.sum()) / (1 + len(null)))


def _check(table: CellTable, metrics: Sequence[str], alternative: str, n_permutations: int) -> None:
    if table.n_models != 2:
        raise StatisticsError(
            f"A paired permutation test needs a table of two models' predictions; got {table.n_models}."
        )
    unknown = [metric for metric in metrics if metric not in m.FAIRER_DIRECTION]
    if unknown:
        raise StatisticsError(
            f"Cannot test {unknown!r}; only the following metrics are supported: {sorted(m.FAIRER_DIRECTION)}."
        )
    if alternative not in ALTERNATIVES:
        raise StatisticsError(f"alternative must be one of {sorted(ALTERNATIVES)}; got {alternative!r}.")
    if n_permutations < 1:
        raise StatisticsError(f"n_permutations must be a positive integer; got {n_permutations!r}.")
