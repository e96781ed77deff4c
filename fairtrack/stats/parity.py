"""One-sample permutation test of a model's fairness metric against parity.

Parity means that the model's predictions do not depend on the group:

- for the demographic parity metrics, prediction and group are independent,
  so with the group sizes and the number of positive predictions fixed, the
  positives fall on the groups as a multivariate hypergeometric draw;
- for the equalized odds and equal opportunity metrics, prediction and group
  are independent given the label, so the draw is made within each label.

Each draw is what permuting the group labels of the rows (within each label
for the equalized odds metrics) would give, without touching the rows. The
p-value is the share of draws at least as unfair as the observed metric,
counting the observed arrangement: ``(1 + b) / (1 + n_permutations)``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairtrack import metrics as m
from fairtrack.errors import StatisticsError
from fairtrack.stats.cells import CellTable

SELECTION_METRICS = ("demographic_parity_difference", "demographic_parity_ratio")
TIE_TOLERANCE = 1e-12

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParityTest:
    """A permutation test of one model's disparity metric against parity.

    Attributes
    ----------
    metric : str
        The disparity metric tested.
    attributes : tuple of str
        The protected attributes whose groups are compared.
    model : int
        The model's index in the table.
    statistic : float
        The metric on the observed data; NaN when undefined.
    null_distribution : numpy.ndarray of shape (n_permutations,)
        The metric under each draw from the parity null.
    pvalue : float
        The share of draws at least as unfair as the statistic; NaN when
        the statistic is undefined.
    """

    metric: str
    attributes: tuple[str, ...]
    model: int
    statistic: float
    null_distribution: np.ndarray = field(repr=False)
    pvalue: float

    @property
    def n_permutations(self) -> int:
        """The number of draws from the null."""
        return len(self.null_distribution)

    def to_dict(self) -> dict[str, Any]:
        """Return the test as a JSON-ready dictionary without the null distribution."""
        return {
            "metric": self.metric,
            "attributes": list(self.attributes),
            "model": self.model,
            "statistic": None if np.isnan(self.statistic) else self.statistic,
            "pvalue": None if np.isnan(self.pvalue) else self.pvalue,
            "n_permutations": self.n_permutations,
        }


def parity_test(
    table: CellTable,
    metric: str = "demographic_parity_difference",
    attributes: Sequence[str] | None = None,
    model: int = 0,
    n_permutations: int = 10_000,
    random_state: int | np.random.Generator = 0,
) -> ParityTest:
    """Test a model's disparity metric against the parity null.

    Parameters
    ----------
    table : CellTable
        Counts of one or two models.
    metric : str, default="demographic_parity_difference"
        One of ``fairtrack.metrics.DISPARITY_METRICS``.
    attributes : sequence of str or None, default=None
        The attributes whose groups are compared; all of them (their
        intersections) when None.
    model : int, default=0
        Which model's predictions to test.
    n_permutations : int, default=10_000
        The number of draws from the null.
    random_state : int or numpy.random.Generator, default=0
        Seed or generator of the draws.

    Returns
    -------
    ParityTest
        The statistic, the p-value and the null distribution.

    Raises
    ------
    StatisticsError
        If the metric is unknown or ``n_permutations`` is not positive.
    """
    attribute_set = tuple(attributes) if attributes is not None else table.attributes
    (test,) = parity_tests(table, [metric], [attribute_set], [model], n_permutations, random_state)
    return test


def parity_tests(
    table: CellTable,
    metrics: Sequence[str] = ("demographic_parity_difference", "equalized_odds_difference"),
    attribute_sets: Sequence[tuple[str, ...]] | None = None,
    models: Sequence[int] | None = None,
    n_permutations: int = 10_000,
    random_state: int | np.random.Generator = 0,
) -> list[ParityTest]:
    """Test several models, metrics and attribute sets against parity on shared draws.

    The null is drawn once per model on the full intersection of the
    attributes. Summing it over the other attributes gives the null of any
    attribute set, because permuting the full group labels permutes each
    attribute's labels.

    Parameters
    ----------
    table : CellTable
        Counts of one or two models.
    metrics : sequence of str, default=("demographic_parity_difference", "equalized_odds_difference")
        Metrics from ``fairtrack.metrics.DISPARITY_METRICS``.
    attribute_sets : sequence of tuple of str or None, default=None
        The attribute sets compared; every single attribute when None.
    models : sequence of int or None, default=None
        The models tested; every model of the table when None.
    n_permutations : int, default=10_000
        The number of draws from the null.
    random_state : int or numpy.random.Generator, default=0
        Seed or generator of the draws.

    Returns
    -------
    list of ParityTest
        Models outermost, then attribute sets, then metrics.

    Raises
    ------
    StatisticsError
        If a metric is unknown or ``n_permutations`` is not positive.
    """
    unknown = [metric for metric in metrics if metric not in m.FAIRER_DIRECTION]
    if unknown:
        raise StatisticsError(
            f"Cannot test {unknown!r}; only the following metrics are supported: {sorted(m.FAIRER_DIRECTION)}."
        )
    if n_permutations < 1:
        raise StatisticsError(f"n_permutations must be a positive integer; got {n_permutations!r}.")
    attribute_sets = [tuple(attributes) for attributes in (attribute_sets or [(a,) for a in table.attributes])]
    models = list(models) if models is not None else list(range(table.n_models))
    rng = np.random.default_rng(random_state)

    tests = []
    for model in models:
        confusion = table.confusion(table.counts, model)
        negatives = confusion[:, m.TN] + confusion[:, m.FP]
        positives = confusion[:, m.FN] + confusion[:, m.TP]
        label_rows = np.stack([negatives, positives], axis=-1)
        observed = np.stack([confusion[:, m.FP], confusion[:, m.TP]], axis=-1)
        nulls = {}
        if set(metrics) & set(SELECTION_METRICS):
            nulls["selection"] = _selection_null(label_rows, observed, n_permutations, rng)
        if set(metrics) - set(SELECTION_METRICS):
            nulls["conditional"] = _conditional_null(label_rows, observed, n_permutations, rng)

        for attributes in attribute_sets:
            group_rows = table.aggregate_leading(label_rows, attributes)
            statistics = m.positive_disparities(table.aggregate_leading(observed, attributes), group_rows)
            null_values = {
                kind: m.positive_disparities(table.aggregate_leading(positive, attributes), group_rows)
                for kind, positive in nulls.items()
            }
            for metric in metrics:
                kind = "selection" if metric in SELECTION_METRICS else "conditional"
                tests.append(
                    _parity_result(metric, attributes, model, float(statistics[metric]), null_values[kind][metric])
                )
    logger.debug("Ran %d parity tests with %d draws each", len(tests), n_permutations)
    return tests


def _parity_result(
    metric: str, attributes: tuple[str, ...], model: int, statistic: float, null: np.ndarray
) -> ParityTest:
    pvalue = float("nan")
    if not np.isnan(statistic):
        unfairer = -m.FAIRER_DIRECTION[metric]
        extreme = unfairer * null >= unfairer * statistic - TIE_TOLERANCE
        pvalue = float((1 + extreme.sum()) / (1 + len(null)))
    return ParityTest(
        metric=metric,
        attributes=attributes,
        model=model,
        statistic=statistic,
        null_distribution=null,
        pvalue=pvalue,
    )


def _selection_null(
    label_rows: np.ndarray, observed: np.ndarray, size: int, rng: np.random.Generator
) -> np.ndarray:
    """Positive predictions per cell, shape (n_cells, 2, size), under independence of prediction and cell.

    All positives are put in the label-0 column, because only their sum per
    group matters to the selection rate. This null therefore serves the
    demographic parity metrics only.
    """
    drawn = _hypergeometric(label_rows.sum(axis=-1), int(observed.sum()), size, rng)
    return np.stack([drawn, np.zeros_like(drawn)], axis=1)


def _conditional_null(
    label_rows: np.ndarray, observed: np.ndarray, size: int, rng: np.random.Generator
) -> np.ndarray:
    """Positive predictions per cell and label, shape (n_cells, 2, size), under independence within each label."""
    false_positive = _hypergeometric(label_rows[:, 0], int(observed[:, 0].sum()), size, rng)
    true_positive = _hypergeometric(label_rows[:, 1], int(observed[:, 1].sum()), size, rng)
    return np.stack([false_positive, true_positive], axis=1)


def _hypergeometric(group_rows: np.ndarray, n_selected: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of how ``n_selected`` rows fall on the groups, with the groups on the first axis."""
    group_rows = np.asarray(group_rows, dtype=np.int64)
    drawn = rng.multivariate_hypergeometric(group_rows, n_selected, size=size, method="marginals")
    return np.ascontiguousarray(drawn.T)
