"""Intersectional analysis: every combination of the protected attributes.

For each non-empty set of protected attributes, every subgroup (one group of
each attribute) is reported with its count and its selection rate, TPR and
FPR with bootstrap CIs, together with the disparity metrics between the
subgroups. A subgroup with fewer than ``MIN_GROUP_ROWS`` rows is flagged, and
so is a combination with no more than ``ROWS_PER_CELL`` rows per possible
subgroup. Subgroups with no rows are listed with a count of 0.

The worst-off subgroup follows the maximin principle: among the subgroups of
the full intersection that have enough rows, the one whose rate of the
favourable outcome (by default the selection rate) is lowest. A fairer model
in this sense raises that minimum.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairtrack import metrics as m
from fairtrack.errors import StatisticsError
from fairtrack.stats.bootstrap import TableBootstrap
from fairtrack.stats.estimates import Estimate, bootstrap_values, estimate
from fairtrack.stats.intervals import IntervalMethod
from fairtrack.stats.sample_size import MIN_GROUP_ROWS, ROWS_PER_CELL, required_rows

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subgroup:
    """One subgroup of a combination of protected attributes.

    Attributes
    ----------
    groups : tuple of str
        One group per attribute of the combination.
    count : int
        Rows in the subgroup.
    rates : dict of str to Estimate
        ``selection_rate``, ``tpr`` and ``fpr`` with their intervals.
    small : bool
        Whether ``count`` is below ``MIN_GROUP_ROWS``.
    """

    groups: tuple[str, ...]
    count: int
    rates: dict[str, Estimate]
    small: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the subgroup as a JSON-ready dictionary."""
        return {
            "groups": list(self.groups),
            "count": self.count,
            "small": self.small,
            **{rate: value.to_document() for rate, value in self.rates.items()},
        }


@dataclass(frozen=True)
class Combination:
    """The subgroups of one set of protected attributes.

    Attributes
    ----------
    attributes : tuple of str
        The attributes combined.
    n_rows : int
        Rows evaluated.
    required_rows : int
        The analysis needs more rows than this (``ROWS_PER_CELL`` per
        possible subgroup).
    subgroups : tuple of Subgroup
        Every possible subgroup, empty ones included.
    disparities : dict of str to Estimate
        The disparity metrics between the subgroups.
    worst_off : Subgroup or None
        The subgroup with the lowest favourable rate (see
        :func:`intersectional_analysis`).
    """

    attributes: tuple[str, ...]
    n_rows: int
    required_rows: int
    subgroups: tuple[Subgroup, ...]
    disparities: dict[str, Estimate]
    worst_off: Subgroup | None

    @property
    def sufficient(self) -> bool:
        """Whether the combination has more rows than the sample-size rule requires."""
        return self.n_rows > self.required_rows

    def to_dict(self) -> dict[str, Any]:
        """Return the combination as a JSON-ready dictionary."""
        return {
            "attributes": list(self.attributes),
            "n_rows": self.n_rows,
            "required_rows": self.required_rows,
            "sufficient": self.sufficient,
            "disparities": {name: value.to_document() for name, value in self.disparities.items()},
            "worst_off": list(self.worst_off.groups) if self.worst_off else None,
            "subgroups": [subgroup.to_dict() for subgroup in self.subgroups],
        }


@dataclass(frozen=True)
class IntersectionalAnalysis:
    """One model's subgroup results over every combination of protected attributes.

    Attributes
    ----------
    model : int
        The model's index in the table.
    criterion : str
        The rate that defines the worst-off subgroup.
    favorable : int
        The label value that is the favourable outcome.
    combinations : tuple of Combination
        Single attributes first, then pairs, up to the full intersection.
    worst_off : Subgroup or None
        The worst-off subgroup of the full intersection.
    warnings : tuple of str
        Flags from the sample-size rules and the maximin choice.
    """

    model: int
    criterion: str
    favorable: int
    combinations: tuple[Combination, ...]
    worst_off: Subgroup | None
    warnings: tuple[str, ...]

    def benefit(self, subgroup: Subgroup) -> float:
        """Return the subgroup's rate of the favourable outcome under :attr:`criterion`."""
        return _benefit(subgroup.rates[self.criterion].value, self.favorable)

    def to_dict(self) -> dict[str, Any]:
        """Return the analysis as a JSON-ready dictionary."""
        return {
            "model": self.model,
            "criterion": self.criterion,
            "favorable": self.favorable,
            "worst_off": self.worst_off.to_dict() if self.worst_off else None,
            "warnings": list(self.warnings),
            "combinations": [combination.to_dict() for combination in self.combinations],
        }


def intersectional_analysis(
    boot: TableBootstrap,
    model: int = 0,
    *,
    criterion: str = "selection_rate",
    favorable: int = 1,
    confidence_level: float = 0.95,
    interval: IntervalMethod = "percentile",
    estimates: dict[tuple, Estimate] | None = None,
) -> IntersectionalAnalysis:
    """Analyse one model on every combination of the protected attributes.

    Parameters
    ----------
    boot : TableBootstrap
        The counted rows with their resamples and jackknife deletions.
    model : int, default=0
        Which model's predictions to analyse.
    criterion : {"selection_rate", "tpr", "fpr"}, default="selection_rate"
        The rate that defines the worst-off subgroup.
    favorable : {0, 1}, default=1
        The label value that is the favourable outcome: with 0, a high rate
        of positive predictions is harmful and the maximin looks at one
        minus the rate.
    confidence_level : float, default=0.95
        The coverage of the intervals.
    interval : {"percentile", "bca"}, default="percentile"
        The interval method.
    estimates : dict of MetricKey to Estimate or None, default=None
        This model's estimates over every combination of attributes, when
        already computed (see :func:`attribute_combinations`);
        ``confidence_level`` and ``interval`` are then ignored.

    Returns
    -------
    IntersectionalAnalysis
        Subgroups, disparities, flags and the worst-off subgroup.

    Raises
    ------
    StatisticsError
        If ``criterion`` or ``favorable`` is not an allowed value.
    """
    if criterion not in m.GROUP_RATES:
        raise StatisticsError(f"criterion must be one of {sorted(m.GROUP_RATES)}; got {criterion!r}.")
    if favorable not in (0, 1):
        raise StatisticsError(f"favorable must be 0 or 1; got {favorable!r}.")

    table = boot.table
    attribute_sets = attribute_combinations(table.attributes)
    if estimates is None:
        estimates = estimate(bootstrap_values(boot, model, attribute_sets), confidence_level, interval)
    rows_per_cell = table.counts.sum(axis=1, keepdims=True)

    combinations = []
    warnings: list[str] = []
    for attributes in attribute_sets:
        counts = table.aggregate(rows_per_cell, attributes)[:, 0]
        subgroups = tuple(
            Subgroup(
                groups=group,
                count=int(count),
                rates={rate: estimates[("rate", attributes, group, rate)] for rate in m.GROUP_RATES},
                small=bool(count < MIN_GROUP_ROWS),
            )
            for group, count in zip(table.group_labels(attributes), counts)
        )
        worst, note = _worst_off(subgroups, criterion, favorable)
        combination = Combination(
            attributes=attributes,
            n_rows=table.n_rows,
            required_rows=required_rows(table, attributes),
            subgroups=subgroups,
            disparities={name: estimates[("disparity", attributes, name)] for name in m.DISPARITY_METRICS},
            worst_off=worst,
        )
        combinations.append(combination)
        warnings += _flags(combination)
        if note and len(attributes) == len(table.attributes):
            warnings.append(note)

    full = combinations[-1]
    logger.info(
        "Intersectional analysis of model %d: %d combinations, %d subgroups in the full intersection, %d flags",
        model,
        len(combinations),
        len(full.subgroups),
        len(warnings),
    )
    return IntersectionalAnalysis(
        model=model,
        criterion=criterion,
        favorable=favorable,
        combinations=tuple(combinations),
        worst_off=full.worst_off,
        warnings=tuple(warnings),
    )


def attribute_combinations(attributes: Sequence[str]) -> list[tuple[str, ...]]:
    """List every non-empty combination of the attributes, single attributes first."""
    return [
        combination
        for size in range(1, len(attributes) + 1)
        for combination in itertools.combinations(attributes, size)
    ]


def worst_off_benefit(analysis: IntersectionalAnalysis) -> float:
    """Return the worst-off subgroup's favourable rate, or NaN when there is none."""
    return analysis.benefit(analysis.worst_off) if analysis.worst_off else float(np.nan)


def _worst_off(subgroups: tuple[Subgroup, ...], criterion: str, favorable: int) -> tuple[Subgroup | None, str | None]:
    """Pick the subgroup with the lowest favourable rate among those with enough rows."""
    defined = [subgroup for subgroup in subgroups if subgroup.rates[criterion].defined]
    if not defined:
        return None, None
    reliable = [subgroup for subgroup in defined if not subgroup.small] or defined

    def benefit(subgroup: Subgroup) -> float:
        return _benefit(subgroup.rates[criterion].value, favorable)

    worst = min(reliable, key=benefit)
    lowest = min(defined, key=benefit)
    if benefit(lowest) < benefit(worst):
        label = "/".join(lowest.groups)
        return worst, (
            f"Subgroup {label} has a lower {criterion} than the worst-off subgroup but only "
            f"{lowest.count} rows, fewer than {MIN_GROUP_ROWS}; it was not chosen as worst-off."
        )
    return worst, None


def _flags(combination: Combination) -> list[str]:
    """Sample-size flags of a combination of two or more attributes.

    Small single-attribute groups are flagged by
    :func:`fairtrack.stats.sample_size.sample_size_warnings` and by each
    subgroup's ``small`` field, so they are not repeated here.
    """
    if len(combination.attributes) < 2:
        return []
    flags = []
    label = " x ".join(combination.attributes)
    if not combination.sufficient:
        flags.append(
            f"{label}: {combination.n_rows} rows, but the sample-size rule wants more than "
            f"{combination.required_rows} ({ROWS_PER_CELL} per possible subgroup)."
        )
    for subgroup in combination.subgroups:
        if subgroup.small:
            rows = "row" if subgroup.count == 1 else "rows"
            flags.append(
                f"{label} = {'/'.join(subgroup.groups)}: {subgroup.count} {rows}, fewer than {MIN_GROUP_ROWS}; "
                "its intervals are wide or undefined."
            )
    return flags


def _benefit(rate: float, favorable: int) -> float:
    return rate if favorable == 1 else 1 - rate
