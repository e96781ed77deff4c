"""Bootstrap confidence intervals: percentile and bias-corrected and accelerated (BCa).

The percentile interval takes the ``alpha / 2`` and ``1 - alpha / 2``
quantiles of the bootstrap distribution. The BCa interval moves those
quantile levels to correct for the median bias of the bootstrap distribution
(``z0``) and for the skewness of the estimator (the acceleration ``a``,
estimated with the jackknife in :mod:`fairtrack.stats.jackknife`):

    level = Phi(z0 + (z0 + z) / (1 - a * (z0 + z))),  z = Phi^-1(alpha / 2) or Phi^-1(1 - alpha / 2)

where ``z0 = Phi^-1(share of resamples below the estimate, ties counted
half)``. This is the computation of :func:`scipy.stats.bootstrap` with
``method="BCa"`` (scipy 1.15), and the tests compare the two. The quantiles
interpolate linearly between order statistics, as :func:`numpy.quantile`
does by default.

Every function works on many statistics at once: ``samples`` has the
resamples on axis 0 and one column per statistic on the remaining axes.
Undefined resamples (NaN) are left out column by column.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.special import ndtr, ndtri

from fairtrack.errors import StatisticsError

INTERVAL_METHODS = ("bca", "percentile")

IntervalMethod = Literal["bca", "percentile"]


def percentile_interval(samples: np.ndarray, confidence_level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Compute percentile bootstrap intervals.

    Parameters
    ----------
    samples : numpy.ndarray of shape (n_resamples, ...)
        Bootstrap replicates of one or more statistics; NaN marks a resample
        where a statistic is undefined.
    confidence_level : float, default=0.95
        The nominal coverage, in (0, 1).

    Returns
    -------
    low, high : numpy.ndarray of shape (...)
        The interval ends; NaN for a statistic with no defined resample.
    """
    _check_level(confidence_level)
    alpha = 1 - confidence_level
    ordered, n_defined = _sorted_columns(samples)
    levels = np.full(ordered.shape[1], alpha / 2)
    low = _column_quantiles(ordered, n_defined, levels)
    high = _column_quantiles(ordered, n_defined, 1 - levels)
    return low.reshape(np.shape(samples)[1:]), high.reshape(np.shape(samples)[1:])


def bca_interval(
    point: np.ndarray,
    samples: np.ndarray,
    acceleration: np.ndarray,
    confidence_level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Compute bias-corrected and accelerated (BCa) bootstrap intervals.

    Parameters
    ----------
    point : numpy.ndarray of shape (...)
        The estimates on the observed data.
    samples : numpy.ndarray of shape (n_resamples, ...)
        Bootstrap replicates; NaN marks an undefined resample.
    acceleration : numpy.ndarray of shape (...)
        The acceleration of each statistic, for example from
        :func:`fairtrack.stats.jackknife.acceleration`.
    confidence_level : float, default=0.95
        The nominal coverage, in (0, 1).

    Returns
    -------
    low, high : numpy.ndarray of shape (...)
        The interval ends. NaN where the estimate is undefined, no resample
        is defined, or every defined resample lies on one side of the
        estimate (the bias correction is then infinite). Callers fall back
        to :func:`percentile_interval` there.
    """
    _check_level(confidence_level)
    ordered, n_defined = _sorted_columns(samples)
    low, high = _bca(ordered, n_defined, point, acceleration, confidence_level)
    return low.reshape(np.shape(samples)[1:]), high.reshape(np.shape(samples)[1:])


def bootstrap_intervals(
    point: np.ndarray,
    samples: np.ndarray,
    confidence_level: float = 0.95,
    method: IntervalMethod = "percentile",
    acceleration: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute intervals by ``method``, falling back to percentile where BCa is undefined.

    Sorts the resamples once for both methods.

    Parameters
    ----------
    point : numpy.ndarray of shape (...)
        The estimates on the observed data.
    samples : numpy.ndarray of shape (n_resamples, ...)
        Bootstrap replicates; NaN marks an undefined resample.
    confidence_level : float, default=0.95
        The nominal coverage, in (0, 1).
    method : {"bca", "percentile"}, default="percentile"
        The interval requested.
    acceleration : numpy.ndarray of shape (...) or None, default=None
        Needed for BCa.

    Returns
    -------
    low, high : numpy.ndarray of shape (...)
        The interval ends.
    is_bca : numpy.ndarray of bool, shape (...)
        Where the BCa interval was used.
    """
    _check_level(confidence_level)
    if method not in INTERVAL_METHODS:
        raise StatisticsError(f"method must be one of {sorted(INTERVAL_METHODS)}; got {method!r}")
    ordered, n_defined = _sorted_columns(samples)
    shape = np.shape(samples)[1:]
    alpha = 1 - confidence_level
    levels = np.full(ordered.shape[1], alpha / 2)
    low = _column_quantiles(ordered, n_defined, levels)
    high = _column_quantiles(ordered, n_defined, 1 - levels)
    is_bca = np.zeros(ordered.shape[1], dtype=bool)

    if method == "bca":
        if acceleration is None:
            raise StatisticsError("acceleration is required for BCa intervals")
        bca_low, bca_high = _bca(ordered, n_defined, point, acceleration, confidence_level)
        is_bca = ~np.isnan(bca_low) & ~np.isnan(bca_high)
        low = np.where(is_bca, bca_low, low)
        high = np.where(is_bca, bca_high, high)
    return low.reshape(shape), high.reshape(shape), is_bca.reshape(shape)


def _sorted_columns(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort each statistic's resamples (NaN last) and count the defined ones."""
    samples = np.asarray(samples, dtype=float)
    if samples.ndim == 0:
        raise StatisticsError("samples must have the resamples on axis 0; got a scalar")
    columns = samples.reshape(samples.shape[0], -1)
    return np.sort(columns, axis=0), (~np.isnan(columns)).sum(axis=0)


def _column_quantiles(ordered: np.ndarray, n_defined: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Quantile ``levels[k]`` of sorted column ``k``'s defined values, interpolated linearly."""
    last = np.maximum(n_defined - 1, 0)
    position = np.clip(levels, 0.0, 1.0) * last
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, last)
    fraction = position - below

    index = np.arange(ordered.shape[1])
    lower = ordered[below, index]
    upper = ordered[above, index]
    values = lower + fraction * (upper - lower)
    return np.where(n_defined > 0, values, np.nan)


def _check_level(confidence_level: float) -> None:
    if not 0 < confidence_level < 1:
        raise StatisticsError(f"confidence_level must be in (0, 1); got {confidence_level!r}")


def _bca(
    ordered: np.ndarray, n_defined: np.ndarray, point: np.ndarray, acceleration: np.ndarray, confidence_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """BCa interval ends of sorted columns; NaN where the interval is undefined."""
    point = np.asarray(point, dtype=float).reshape(-1)
    acceleration = np.broadcast_to(np.asarray(acceleration, dtype=float).reshape(-1), point.shape)
    below = (ordered < point).sum(axis=0)
    at_or_below = (ordered <= point).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z0 = ndtri((below + at_or_below) / (2 * n_defined))

    alpha = 1 - confidence_level
    levels = []
    for z in (ndtri(alpha / 2), ndtri(1 - alpha / 2)):
        shifted = z0 + z
        with np.errstate(divide="ignore", invalid="ignore"):
            levels.append(ndtr(z0 + shifted / (1 - acceleration * shifted)))

    usable = np.isfinite(z0) & np.isfinite(point) & np.isfinite(levels[0]) & np.isfinite(levels[1])
    low = _column_quantiles(ordered, n_defined, np.where(usable, levels[0], 0.5))
    high = _column_quantiles(ordered, n_defined, np.where(usable, levels[1], 0.5))
    low[~usable] = np.nan
    high[~usable] = np.nan
    return low, high
