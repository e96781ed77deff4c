"""Metric estimates of a cell table with bootstrap confidence intervals.

:func:`table_metrics` evaluates every count-based metric of one model on a
table and on any stack of resampled or jackknifed tables at once: the overall
metrics, and for each set of protected attributes the group rates and the
disparities between groups. :func:`bootstrap_values` evaluates them on the
observed counts, the bootstrap resamples and the jackknife deletions, and
:func:`estimate` turns those into point estimates with percentile or BCa
intervals.

Metric keys are tuples:

- ``("overall", metric)``, for example ``("overall", "accuracy")``;
- ``("disparity", attributes, metric)``, for example
  ``("disparity", ("sex",), "demographic_parity_difference")``;
- ``("rate", attributes, group, rate)``, for example
  ``("rate", ("sex", "race"), ("Female", "Black"), "tpr")``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairtrack import metrics as m
from fairtrack.errors import StatisticsError
from fairtrack.stats.bootstrap import TableBootstrap
from fairtrack.stats.cells import CellTable
from fairtrack.stats.intervals import INTERVAL_METHODS, bootstrap_intervals
from fairtrack.stats.jackknife import acceleration

MetricKey = tuple[Any, ...]

NO_DEFINED_RESAMPLE = "undefined in every bootstrap resample"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Estimate:
    """A point estimate and its confidence interval.

    Attributes
    ----------
    value : float
        The estimate on the observed data; NaN when undefined.
    low, high : float
        The interval ends; NaN when there is no interval.
    method : str
        ``"bca"`` or ``"percentile"``; a BCa request falls back to
        ``"percentile"`` where the BCa interval is undefined.
    reason : str or None
        Why the value or the interval is missing.
    """

    value: float
    low: float
    high: float
    method: str
    reason: str | None = None

    @property
    def defined(self) -> bool:
        """Whether the estimate has a value."""
        return not math.isnan(self.value)

    def to_document(self) -> dict[str, Any]:
        """Return ``{"value", "ci"}``, with ``None`` and a ``reason`` where something is undefined."""
        if not self.defined:
            return {"value": None, "ci": None, "reason": self.reason}
        if math.isnan(self.low) or math.isnan(self.high):
            return {"value": self.value, "ci": None, "reason": self.reason or NO_DEFINED_RESAMPLE}
        return {"value": self.value, "ci": [self.low, self.high]}


@dataclass(frozen=True)
class BootstrapValues:
    """Statistics on the observed data, its resamples and its jackknife deletions.

    Attributes
    ----------
    point : dict of MetricKey to float
        Values on the observed data.
    samples : dict of MetricKey to numpy.ndarray of shape (n_resamples,)
        Values on each bootstrap resample.
    jackknife : dict of MetricKey to numpy.ndarray of shape (n_deletions,)
        Values after each jackknife deletion.
    multiplicity : numpy.ndarray of shape (n_deletions,)
        How many rows each deletion stands for.
    strata : numpy.ndarray of shape (n_deletions,)
        The stratum of each deleted row.
    """

    point: dict[MetricKey, float]
    samples: dict[MetricKey, np.ndarray]
    jackknife: dict[MetricKey, np.ndarray]
    multiplicity: np.ndarray
    strata: np.ndarray

    def __sub__(self, other: BootstrapValues) -> BootstrapValues:
        """Pair two sets of values computed on the same resamples and deletions."""
        return self.difference(other)

    def difference(self, other: BootstrapValues, kinds: tuple[str, ...] | None = None) -> BootstrapValues:
        """Subtract ``other`` key by key, optionally only for keys whose first element is in ``kinds``."""
        keys = [key for key in self.point if key in other.point and (kinds is None or key[0] in kinds)]
        return BootstrapValues(
            point={key: self.point[key] - other.point[key] for key in keys},
            samples={key: self.samples[key] - other.samples[key] for key in keys},
            jackknife={key: self.jackknife[key] - other.jackknife[key] for key in keys},
            multiplicity=self.multiplicity,
            strata=self.strata,
        )


def table_metrics(
    table: CellTable,
    counts: np.ndarray,
    model: int = 0,
    attribute_sets: Sequence[tuple[str, ...]] = (),
) -> dict[MetricKey, np.ndarray]:
    """Compute one model's count-based metrics on one or many tables.

    Parameters
    ----------
    table : CellTable
        Describes the cells and groups of ``counts``.
    counts : numpy.ndarray of shape (..., n_cells, n_outcomes)
        Outcome counts laid out like ``table.counts``, with any leading axes.
    model : int, default=0
        Which model's predictions to evaluate.
    attribute_sets : sequence of tuple of str, default=()
        The sets of protected attributes whose groups are compared; a set of
        two attributes compares their intersections.

    Returns
    -------
    dict of MetricKey to numpy.ndarray of shape (...)
        Every metric; NaN where undefined.
    """
    confusion = table.confusion(counts, model)
    values: dict[MetricKey, np.ndarray] = {
        ("overall", name): value for name, value in m.overall_metrics(confusion).items()
    }
    for attributes in attribute_sets:
        rates = m.group_rates(table.aggregate(confusion, attributes))
        for name, value in m.disparities(rates).items():
            values[("disparity", tuple(attributes), name)] = value
        for index, group in enumerate(table.group_labels(attributes)):
            for rate in m.GROUP_RATES:
                values[("rate", tuple(attributes), group, rate)] = rates[rate][..., index]
    return values


def bootstrap_values(
    boot: TableBootstrap, model: int = 0, attribute_sets: Sequence[tuple[str, ...]] = ()
) -> BootstrapValues:
    """Evaluate one model's metrics on the observed table, its resamples and its deletions.

    Parameters
    ----------
    boot : TableBootstrap
        The table with its resamples and jackknife deletions.
    model : int, default=0
        Which model's predictions to evaluate.
    attribute_sets : sequence of tuple of str, default=()
        See :func:`table_metrics`.

    Returns
    -------
    BootstrapValues
        Subtract the baseline's from the candidate's to pair them.
    """
    point = table_metrics(boot.table, boot.table.counts, model, attribute_sets)
    samples = table_metrics(boot.table, boot.resampled, model, attribute_sets)
    jackknife = table_metrics(boot.table, boot.deleted, model, attribute_sets)
    return BootstrapValues(
        point={key: float(value) for key, value in point.items()},
        samples=samples,
        jackknife=jackknife,
        multiplicity=boot.multiplicity,
        strata=boot.strata,
    )


def estimate(
    values: BootstrapValues, confidence_level: float = 0.95, method: str = "percentile"
) -> dict[MetricKey, Estimate]:
    """Compute a point estimate and a confidence interval for every statistic.

    Parameters
    ----------
    values : BootstrapValues
        The statistics on the observed data, resamples and deletions.
    confidence_level : float, default=0.95
        The nominal coverage of each interval.
    method : {"bca", "percentile"}, default="percentile"
        The interval. Where a BCa interval is undefined (an undefined
        jackknife value, or every resample on one side of the estimate) the
        percentile interval is used and the estimate's ``method`` records it.

    Returns
    -------
    dict of MetricKey to Estimate
        One estimate per statistic, in the order of ``values.point``.
    """
    if method not in INTERVAL_METHODS:
        raise StatisticsError(f"method must be one of {sorted(INTERVAL_METHODS)}; got {method!r}")
    keys = list(values.point)
    if not keys:
        return {}

    point = np.array([values.point[key] for key in keys], dtype=float)
    samples = np.column_stack([values.samples[key] for key in keys]).astype(float)
    accel = None
    if method == "bca":
        jackknife = np.column_stack([values.jackknife[key] for key in keys]).astype(float)
        accel = acceleration(jackknife, values.multiplicity, values.strata)
    low, high, is_bca = bootstrap_intervals(point, samples, confidence_level, method, accel)
    used = np.where(is_bca, "bca", "percentile")
    if method == "bca":
        fallbacks = int((~is_bca & ~np.isnan(point)).sum())
        if fallbacks:
            logger.debug("BCa undefined for %d of %d statistics; used percentile intervals", fallbacks, len(keys))

    estimates = {}
    for index, key in enumerate(keys):
        reason = m.UNDEFINED_REASONS.get(key[-1], "undefined") if np.isnan(point[index]) else None
        estimates[key] = Estimate(
            value=float(point[index]),
            low=float(low[index]),
            high=float(high[index]),
            method=str(used[index]),
            reason=reason,
        )
    return estimates
